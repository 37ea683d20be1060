package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// readCSV reads a CSV file whose first record is the header.
//
// Type inference: a column is int64 if every non-null cell parses as a
// base-10 int64; else float64 if every non-null cell parses as a float
// (NaN, Inf and -Inf included, any case); else bool if every non-null cell
// is true/false (any case); else utf8. A column with no non-null cell is
// of Arrow type null. Null cells are the empty string and
// CSVOptions.NullValues. Inference reads the whole file unless
// CSVOptions.InferRows limits it. With CSVOptions.Verbatim there is no
// inference and no null: every column is utf8 and every cell its text.
//
// Errors: a row with a different number of fields than the header, bad
// quoting, a duplicate column name and a value that does not fit the
// inferred type are ErrFormat errors naming the file and the 1-based line
// (and the column when there is one). A leading UTF-8 BOM is ignored.
func readCSV(ctx context.Context, name string, r io.ReaderAt, size int64, opts ReadOptions, yield func(Batch, error) bool) error {
	nulls := opts.CSV.NullValues
	if nulls == nil {
		nulls = DefaultNullValues
	}
	isNull := func(s string) bool { return s == "" || slices.Contains(nulls, s) }
	if opts.CSV.Verbatim {
		isNull = func(string) bool { return false }
	}

	newReader := func() *csv.Reader {
		br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<16)
		if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
			br.Discard(3)
		}
		cr := csv.NewReader(br)
		if opts.CSV.Comma != 0 {
			cr.Comma = opts.CSV.Comma
		}
		cr.ReuseRecord = true
		return cr
	}
	csvErr := func(err error, row int64) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if pe.StartLine != pe.Line {
				return formatErr(name, int64(pe.StartLine), row, "", "%v (record starting on this line, error on line %d)", pe.Err, pe.Line)
			}
			return formatErr(name, int64(pe.Line), row, "", "%v", pe.Err)
		}
		return &ReadError{Path: name, Row: row, Err: err}
	}

	// Pass 1: header and types.
	cr := newReader()
	header, err := cr.Read()
	if err == io.EOF {
		return &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: no header row", ErrEmpty)}
	}
	if err != nil {
		return csvErr(err, -1)
	}
	header = slices.Clone(header)
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		if h == "" {
			header[i] = fmt.Sprintf("column_%d", i)
		}
		if seen[header[i]] {
			return formatErr(name, 1, -1, header[i], "duplicate column name in header")
		}
		seen[header[i]] = true
	}
	type infer struct{ nonNull, canInt, canFloat, canBool bool }
	inf := make([]infer, len(header))
	for i := range inf {
		inf[i] = infer{canInt: true, canFloat: true, canBool: true}
	}
	var row int64
	for !opts.CSV.Verbatim && (opts.CSV.InferRows <= 0 || row < int64(opts.CSV.InferRows)) {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvErr(err, row)
		}
		if row%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for i, v := range rec {
			if isNull(v) {
				continue
			}
			c := &inf[i]
			c.nonNull = true
			if c.canInt {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					c.canInt = false
				}
			}
			if c.canFloat && !c.canInt {
				if _, ok := parseFloat(v); !ok {
					c.canFloat = false
				}
			}
			if c.canBool {
				if _, ok := parseBool(v); !ok {
					c.canBool = false
				}
			}
		}
		row++
	}
	fields := make([]arrow.Field, len(header))
	for i, h := range header {
		c := inf[i]
		var t arrow.DataType
		switch {
		case opts.CSV.Verbatim:
			t = arrow.BinaryTypes.String
		case !c.nonNull:
			t = arrow.Null
		case c.canInt:
			t = arrow.PrimitiveTypes.Int64
		case c.canFloat:
			t = arrow.PrimitiveTypes.Float64
		case c.canBool:
			t = arrow.FixedWidthTypes.Boolean
		default:
			t = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: h, Type: t, Nullable: true}
	}
	sc := arrow.NewSchema(fields, nil)

	// Pass 2: build batches.
	cr = newReader()
	if _, err := cr.Read(); err != nil {
		return csvErr(err, -1)
	}
	b := array.NewRecordBuilder(opts.alloc(), sc)
	defer b.Release()
	bs := opts.batchSize()
	row = 0
	var start int64
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if rec.NumRows() == 0 {
			return nil
		}
		err := emit(name, start, rec, opts, yield)
		start = row
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvErr(err, row)
		}
		for i, v := range rec {
			fb := b.Field(i)
			if isNull(v) {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				x, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					line, _ := cr.FieldPos(i)
					return formatErr(name, int64(line), row, header[i], "value %q is not an int64 (type inferred from the first %d rows)", trunc(v), opts.CSV.InferRows)
				}
				fb.Append(x)
			case *array.Float64Builder:
				x, ok := parseFloat(v)
				if !ok {
					line, _ := cr.FieldPos(i)
					return formatErr(name, int64(line), row, header[i], "value %q is not a number (type inferred from the first %d rows)", trunc(v), opts.CSV.InferRows)
				}
				fb.Append(x)
			case *array.BooleanBuilder:
				x, ok := parseBool(v)
				if !ok {
					line, _ := cr.FieldPos(i)
					return formatErr(name, int64(line), row, header[i], "value %q is not a bool (type inferred from the first %d rows)", trunc(v), opts.CSV.InferRows)
				}
				fb.Append(x)
			case *array.StringBuilder:
				fb.Append(v)
			case *array.NullBuilder:
				line, _ := cr.FieldPos(i)
				return formatErr(name, int64(line), row, header[i], "value %q in a column that was all null in the first %d rows", trunc(v), opts.CSV.InferRows)
			}
		}
		row++
		if row-start >= int64(bs) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// parseFloat parses a decimal float, NaN or ±Inf; unlike strconv it
// rejects hexadecimal and underscores, which are not numbers in a CSV.
func parseFloat(s string) (float64, bool) {
	if strings.ContainsAny(s, "xX_") {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return x, true // ±Inf or 0 on overflow/underflow, as the value says
		}
		return 0, false
	}
	return x, true
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
