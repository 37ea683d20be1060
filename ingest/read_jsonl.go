package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// MaxJSONLineBytes is the longest JSONL line accepted.
const MaxJSONLineBytes = 64 << 20

// jtype is the type inferred for one JSON field across all lines.
type jtype struct {
	kind   jkind
	line   int64 // line where the kind was first seen
	fields []string
	byName map[string]*jtype
	elem   *jtype
}

type jkind int

const (
	jNull jkind = iota
	jBool
	jInt
	jFloat
	jString
	jObject
	jArray
)

func (k jkind) String() string {
	return [...]string{"null", "bool", "integer", "number", "string", "object", "array"}[k]
}

// readJSONL reads one JSON object per line. Blank lines are skipped and are
// not rows. Types are inferred over the whole file: nested objects become
// structs (the union of the fields seen), arrays become lists of their
// elements' type, integers that are sometimes fractional become float64,
// and null or a missing field is a null. Any other mix of types for one
// field across lines (say a string on one line and a number on another) is
// an ErrFormat error naming the file, the line, the field and the line
// where the other type was first seen; values are not silently promoted to
// strings. A line that is not a JSON object is an error naming its line.
func readJSONL(ctx context.Context, name string, r io.ReaderAt, size int64, opts ReadOptions, yield func(Batch, error) bool) error {
	root := &jtype{kind: jObject, byName: map[string]*jtype{}}
	var rows int64
	err := scanLines(name, r, size, func(line int64, b []byte) error {
		if rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return formatErr(name, line, rows, "", "invalid JSON: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return formatErr(name, line, rows, "", "invalid JSON: more than one value on the line")
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return formatErr(name, line, rows, "", "line is a JSON %s, not an object", kindOf(v))
		}
		if err := mergeObject(root, obj, line, ""); err != nil {
			var fe *fieldErr
			if errors.As(err, &fe) {
				return formatErr(name, line, rows, fe.path, "%s", fe.msg)
			}
			return err
		}
		rows++
		return nil
	})
	if err != nil {
		return err
	}
	if rows == 0 {
		return &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: no JSON objects", ErrEmpty)}
	}
	sc := arrow.NewSchema(structFields(root), nil)
	var jr *array.JSONReader
	if err := guard(name, func() error {
		jr = array.NewJSONReader(io.NewSectionReader(r, 0, size), sc, array.WithChunk(opts.batchSize()), array.WithAllocator(opts.alloc()))
		return nil
	}); err != nil {
		return err
	}
	defer jr.Release()
	return drain(ctx, name, 0, jr, opts, yield)
}

// scanLines calls f for every non-blank line (1-based numbers).
func scanLines(name string, r io.ReaderAt, size int64, f func(line int64, b []byte) error) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<16)
	var line int64
	var buf []byte
	for {
		line++
		buf = buf[:0]
		for {
			chunk, err := br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > MaxJSONLineBytes {
				return formatErr(name, line, -1, "", "line longer than %d bytes", MaxJSONLineBytes)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				if len(bytes.TrimSpace(buf)) > 0 {
					if err := f(line, buf); err != nil {
						return err
					}
				}
				return nil
			}
			if err != nil {
				return &ReadError{Path: name, Line: line, Row: -1, Err: err}
			}
			break
		}
		if len(bytes.TrimSpace(buf)) == 0 {
			continue
		}
		if err := f(line, buf); err != nil {
			return err
		}
	}
}

type fieldErr struct{ path, msg string }

func (e *fieldErr) Error() string { return e.path + ": " + e.msg }

func kindOf(v any) jkind {
	switch v := v.(type) {
	case nil:
		return jNull
	case bool:
		return jBool
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return jFloat
		}
		if _, err := v.Int64(); err != nil {
			return jFloat
		}
		return jInt
	case string:
		return jString
	case map[string]any:
		return jObject
	case []any:
		return jArray
	}
	return jNull
}

func mergeValue(t *jtype, v any, line int64, path string) error {
	k := kindOf(v)
	if k == jNull {
		return nil
	}
	switch {
	case t.kind == jNull:
		t.kind, t.line = k, line
	case t.kind == k:
	case (t.kind == jInt && k == jFloat) || (t.kind == jFloat && k == jInt):
		t.kind = jFloat // documented promotion
	default:
		return &fieldErr{path, fmt.Sprintf("mixed types: %s here, %s on line %d", k, t.kind, t.line)}
	}
	switch k {
	case jObject:
		if t.byName == nil {
			t.byName = map[string]*jtype{}
		}
		return mergeObject(t, v.(map[string]any), line, path)
	case jArray:
		if t.elem == nil {
			t.elem = &jtype{}
		}
		for _, e := range v.([]any) {
			if err := mergeValue(t.elem, e, line, path+"[]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func mergeObject(t *jtype, obj map[string]any, line int64, path string) error {
	// Fields are added in first-seen order; within one object, in key
	// order (Go maps are unordered, so sort for determinism).
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		ft, ok := t.byName[k]
		if !ok {
			ft = &jtype{}
			t.byName[k] = ft
			t.fields = append(t.fields, k)
		}
		p := k
		if path != "" {
			p = path + "." + k
		}
		if err := mergeValue(ft, obj[k], line, p); err != nil {
			return err
		}
	}
	return nil
}

func structFields(t *jtype) []arrow.Field {
	fs := make([]arrow.Field, 0, len(t.fields))
	for _, n := range t.fields {
		fs = append(fs, arrow.Field{Name: n, Type: arrowType(t.byName[n]), Nullable: true})
	}
	return fs
}

func arrowType(t *jtype) arrow.DataType {
	switch t.kind {
	case jBool:
		return arrow.FixedWidthTypes.Boolean
	case jInt:
		return arrow.PrimitiveTypes.Int64
	case jFloat:
		return arrow.PrimitiveTypes.Float64
	case jString:
		return arrow.BinaryTypes.String
	case jObject:
		return arrow.StructOf(structFields(t)...)
	case jArray:
		e := t.elem
		if e == nil {
			e = &jtype{}
		}
		return arrow.ListOf(arrowType(e))
	}
	return arrow.Null
}

func sortStrings(s []string) { slices.Sort(s) }
