// Package demo writes the small, deterministic datasets that the example
// programs work on when they are run without arguments: the same bytes on
// every run, so the same roots.
package demo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// RowGroupRows is the number of rows in each row group of the demo files.
const RowGroupRows = 400

// reviewSchema is the schema of the demo Parquet files. rating is null on
// every seventh row.
var reviewSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "text", Type: arrow.BinaryTypes.String},
	{Name: "label", Type: arrow.BinaryTypes.String},
	{Name: "rating", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

var words = []string{"fast", "broken", "great", "slow", "refund", "love", "cheap", "sturdy", "late", "perfect"}

// WriteReviews writes n review rows with ids first, first+1, ... as a
// Parquet file at path, in row groups of RowGroupRows rows.
func WriteReviews(path string, first, n int) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, reviewSchema)
	defer b.Release()
	id := b.Field(0).(*array.Int64Builder)
	text := b.Field(1).(*array.StringBuilder)
	label := b.Field(2).(*array.StringBuilder)
	rating := b.Field(3).(*array.Float64Builder)
	for i := first; i < first+n; i++ {
		id.Append(int64(i))
		text.Append(fmt.Sprintf("review %d: %s and %s", i, words[i%len(words)], words[(i*7+3)%len(words)]))
		if i%3 == 0 {
			label.Append("neg")
		} else {
			label.Append("pos")
		}
		if i%7 == 0 {
			rating.AppendNull()
		} else {
			rating.Append(float64(1 + i%5))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(reviewSchema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	// WriteTable closes the writer it is given, so write to memory first.
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(RowGroupRows))
	if err := pqarrow.WriteTable(tbl, &buf, RowGroupRows, props, pqarrow.DefaultWriterProps()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeFile(path, buf.Bytes())
}

// WriteText writes s to path, creating its directory.
func WriteText(path, s string) error {
	return writeFile(path, []byte(s))
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// WriteDataset writes version 1 or 2 of the demo dataset into dir:
//
//	v1: README.md, train/part-0.parquet (1000 rows), train/part-1.parquet (1000 rows)
//	v2: the same README.md, train/part-0.parquet unchanged,
//	    train/part-1.parquet with 1200 rows, and eval/part-0.parquet (300 rows)
func WriteDataset(dir string, version int) error {
	if version != 1 && version != 2 {
		return fmt.Errorf("demo dataset version %d: want 1 or 2", version)
	}
	if err := WriteText(filepath.Join(dir, "README.md"), "Product reviews, labelled pos/neg.\n"); err != nil {
		return err
	}
	if err := WriteReviews(filepath.Join(dir, "train", "part-0.parquet"), 0, 1000); err != nil {
		return err
	}
	if version == 1 {
		return WriteReviews(filepath.Join(dir, "train", "part-1.parquet"), 1000, 1000)
	}
	if err := WriteReviews(filepath.Join(dir, "train", "part-1.parquet"), 1000, 1200); err != nil {
		return err
	}
	return WriteReviews(filepath.Join(dir, "eval", "part-0.parquet"), 5000, 300)
}
