package check_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/ingest/check"
)

// recast returns rec with the schema fields passed through f (same data).
func recast(t *testing.T, rec arrow.RecordBatch, f func(arrow.Field) arrow.Field) arrow.RecordBatch {
	t.Helper()
	fields := rec.Schema().Fields()
	for i := range fields {
		fields[i] = f(fields[i])
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), rec.Columns(), rec.NumRows())
}

// TestMixedSourcesSameColumns: the same table read from two formats
// differs in nullability and metadata only (Parquet's required columns,
// JSONL's nullable ones); building a reference and checking across both
// works. A column whose type differs is named, with both types.
func TestMixedSourcesSameColumns(t *testing.T) {
	a := rows(600, 0, 1)
	defer a.Release()
	b := recast(t, rows(600, 0, 2), func(f arrow.Field) arrow.Field {
		f.Nullable = !f.Nullable
		f.Metadata = arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{"7"})
		return f
	})
	defer b.Release()
	opts := check.Options{Label: "label"}
	bld, err := check.NewBuilder(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range []arrow.RecordBatch{a, b} {
		if err := bld.Add(check.Batch{Record: rec, Path: []string{"a.jsonl", "b.parquet"}[i]}); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	ref, err := bld.Reference()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.CheckRecord(ref, opts, b, "b.parquet", 0)
	if err != nil || rep.Verdict != "pass" {
		t.Fatalf("check across formats: %v, %v", rep.Verdict, err)
	}

	// y as strings: a real difference, named.
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	for range 600 {
		sb.Append("1.5")
	}
	ys := sb.NewArray()
	defer ys.Release()
	fields := a.Schema().Fields()
	fields[1].Type = arrow.BinaryTypes.String
	c := array.NewRecordBatch(arrow.NewSchema(fields, nil), []arrow.Array{a.Column(0), ys, a.Column(2)}, 600)
	defer c.Release()
	bld, _ = check.NewBuilder(opts)
	if err := bld.Add(check.Batch{Record: a, Path: "a.jsonl"}); err != nil {
		t.Fatal(err)
	}
	err = bld.Add(check.Batch{Record: c, Path: "c.csv"})
	if !errors.Is(err, check.ErrReference) || !strings.Contains(err.Error(), `c.csv: columns differ from the first batch's: "y" is utf8, not float64`) {
		t.Errorf("type change: %v", err)
	}
}
