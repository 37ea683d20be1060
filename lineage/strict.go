package lineage

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// maxDepth bounds the nesting of JSON documents read by this package.
const maxDepth = 64

var (
	rawType  = reflect.TypeFor[json.RawMessage]()
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// strictCheck walks the JSON document data against the Go type t (the
// type json.Unmarshal will decode it into) and reports, with the path of
// the field at fault: syntax errors and truncation, trailing data, nesting
// deeper than maxDepth, duplicate object keys (which JSON decoders resolve
// differently, so a signed document could be read two ways), unknown
// fields (when strict), values of the wrong JSON type, text fields that do
// not parse (hashes, times), and integers that are not exact or not below
// 2^53. json.RawMessage fields accept any value; maps accept any key.
func strictCheck(doc string, data []byte, t reflect.Type, strict bool) error {
	s := &strictScanner{doc: doc, dec: json.NewDecoder(bytes.NewReader(data)), strict: strict}
	s.dec.UseNumber()
	if err := s.value("", t, 0); err != nil {
		return err
	}
	if _, err := s.dec.Token(); err != io.EOF {
		return &FormatError{Doc: doc, Offset: s.dec.InputOffset(), Err: errors.New("data after the end of the JSON document")}
	}
	return nil
}

type strictScanner struct {
	doc    string
	dec    *json.Decoder
	strict bool
}

func (s *strictScanner) fail(path string, format string, args ...any) error {
	return &FormatError{Doc: s.doc, Field: path, Offset: s.dec.InputOffset(), Err: fmt.Errorf(format, args...)}
}

func (s *strictScanner) token(path string) (json.Token, error) {
	tok, err := s.dec.Token()
	if err == nil {
		return tok, nil
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, s.fail(path, "truncated JSON: the document ends inside this value")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, &FormatError{Doc: s.doc, Field: path, Offset: se.Offset, Err: fmt.Errorf("invalid JSON: %s", se.Error())}
	}
	return nil, s.fail(path, "invalid JSON: %v", err)
}

func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "object"
		case '[':
			return "array"
		}
		return "'" + v.String() + "'"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// value checks one value of type t (nil: any) at path.
func (s *strictScanner) value(path string, t reflect.Type, depth int) error {
	if depth > maxDepth {
		return s.fail(path, "nested more than %d levels deep", maxDepth)
	}
	tok, err := s.token(path)
	if err != nil {
		return err
	}
	if t == nil || t == rawType {
		return s.any(path, tok, depth)
	}
	nullable := false
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		nullable = true
	}
	if tok == nil {
		if nullable || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			return nil
		}
		return s.fail(path, "want %s, got null", want(t))
	}
	if reflect.PointerTo(t).Implements(textType) {
		str, ok := tok.(string)
		if !ok {
			return s.fail(path, "want %s, got %s", want(t), kindOf(tok))
		}
		v := reflect.New(t).Interface().(encoding.TextUnmarshaler)
		if err := v.UnmarshalText([]byte(str)); err != nil {
			return s.fail(path, "%v", err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return s.fail(path, "want a string, got %s", kindOf(tok))
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return s.fail(path, "want true or false, got %s", kindOf(tok))
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32:
		n, ok := tok.(json.Number)
		if !ok {
			return s.fail(path, "want an integer, got %s", kindOf(tok))
		}
		if err := checkInteger(string(n)); err != nil {
			return s.fail(path, "%v", err)
		}
	case reflect.Float64:
		if _, ok := tok.(json.Number); !ok {
			return s.fail(path, "want a number, got %s", kindOf(tok))
		}
	case reflect.Slice:
		if tok != json.Delim('[') {
			return s.fail(path, "want an array, got %s", kindOf(tok))
		}
		for i := 0; s.dec.More(); i++ {
			if err := s.value(path+"["+strconv.Itoa(i)+"]", t.Elem(), depth+1); err != nil {
				return err
			}
		}
		_, err := s.token(path)
		return err
	case reflect.Map:
		if tok != json.Delim('{') {
			return s.fail(path, "want an object, got %s", kindOf(tok))
		}
		return s.object(path, depth, func(key string) (reflect.Type, bool) { return t.Elem(), true })
	case reflect.Struct:
		if tok != json.Delim('{') {
			return s.fail(path, "want an object, got %s", kindOf(tok))
		}
		fields := jsonFields(t)
		return s.object(path, depth, func(key string) (reflect.Type, bool) {
			ft, ok := fields[key]
			return ft, ok
		})
	default:
		return s.fail(path, "unsupported type %s", t)
	}
	return nil
}

// object checks the members of an object whose '{' was read.
func (s *strictScanner) object(path string, depth int, field func(string) (reflect.Type, bool)) error {
	seen := make(map[string]bool)
	for s.dec.More() {
		tok, err := s.token(path)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return s.fail(path, "object key is not a string")
		}
		kp := joinPath(path, key)
		if seen[key] {
			return s.fail(kp, "duplicate key %q", key)
		}
		seen[key] = true
		ft, known := field(key)
		if !known {
			if s.strict {
				return s.fail(kp, "unknown field %q", key)
			}
			ft = nil
		}
		if err := s.value(kp, ft, depth+1); err != nil {
			return err
		}
	}
	_, err := s.token(path)
	return err
}

// any checks a value of unknown type whose first token was read.
func (s *strictScanner) any(path string, tok json.Token, depth int) error {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '[':
			for i := 0; s.dec.More(); i++ {
				if err := s.value(path+"["+strconv.Itoa(i)+"]", nil, depth+1); err != nil {
					return err
				}
			}
			_, err := s.token(path)
			return err
		case '{':
			return s.object(path, depth, func(string) (reflect.Type, bool) { return nil, true })
		}
		return s.fail(path, "unexpected %s", v)
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			if err := checkInteger(string(v)); err != nil {
				return s.fail(path, "%v", err)
			}
		}
	}
	return nil
}

// checkInteger reports whether a JSON number is an exact integer of
// magnitude at most MaxSafeInteger.
func checkInteger(n string) error {
	if strings.ContainsAny(n, ".eE") {
		return fmt.Errorf("want an integer, got %s", n)
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v > MaxSafeInteger || v < -MaxSafeInteger {
		return fmt.Errorf("integer %s is outside ±(2^53-1)", n)
	}
	return nil
}

func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		if reflect.PointerTo(t).Implements(textType) {
			return "a string"
		}
		return "an object"
	case reflect.Slice:
		return "an array"
	case reflect.Array:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// joinPath appends an object key to a JSON path.
func joinPath(path, key string) string {
	simple := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			simple = false
			break
		}
	}
	if !simple {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of t's exported fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := computeFields(t)
	fieldCache.Store(t, m)
	return m
}

func computeFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}
