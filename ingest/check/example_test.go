package check_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/ingest/check"
)

// rows makes n rows of two numeric features and a label from seed; dup
// extra copies of one row are appended.
func rows(n, dup int, seed uint64) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(seed, 0))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range n + dup {
		if i >= n {
			r = rand.New(rand.NewPCG(99, 0)) // the same row again
		}
		l := r.IntN(2)
		b.Field(0).(*array.Float64Builder).Append(float64(l)*3 + r.NormFloat64())
		b.Field(1).(*array.Float64Builder).Append(r.NormFloat64())
		b.Field(2).(*array.StringBuilder).Append([]string{"a", "b"}[l])
	}
	return b.NewRecordBatch()
}

// A data loader builds the reference once from trusted data, then checks
// each batch as it reads it.
func Example() {
	trusted := rows(2000, 0, 1)
	defer trusted.Release()
	opts := check.Options{Label: "label"}
	b, err := check.NewBuilder(opts)
	if err != nil {
		panic(err)
	}
	if err := b.Add(check.Batch{Record: trusted, Path: "trusted.parquet"}); err != nil {
		panic(err)
	}
	ref, err := b.Reference()
	if err != nil {
		panic(err)
	}

	for i, batch := range []arrow.RecordBatch{rows(500, 0, 2), rows(500, 25, 3)} {
		rep, err := check.CheckRecord(ref, opts, batch, fmt.Sprintf("batch-%d", i), 0)
		batch.Release()
		if err != nil {
			panic(err)
		}
		fmt.Printf("batch-%d: %s, %d rows quarantined\n", i, rep.Verdict, len(rep.Quarantine))
		for _, f := range rep.Findings {
			fmt.Printf("  %s %s: %d rows\n", f.Severity, f.Check, f.Rows)
		}
	}
	// Output:
	// batch-0: pass, 0 rows quarantined
	// batch-1: quarantine, 25 rows quarantined
	//   critical near_duplicate_flood: 25 rows
}
