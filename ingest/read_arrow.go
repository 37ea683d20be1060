package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func arrayNewRecord(sc *arrow.Schema, cols []arrow.Array, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(sc, cols, n)
}

func readParquet(ctx context.Context, name string, r io.ReaderAt, size int64, opts ReadOptions, yield func(Batch, error) bool) error {
	var pf *file.Reader
	var fr *pqarrow.FileReader
	err := guard(name, func() error {
		var err error
		pf, err = file.NewParquetReader(io.NewSectionReader(r, 0, size), file.WithReadProps(parquet.NewReaderProperties(opts.alloc())))
		if err != nil {
			return err
		}
		fr, err = pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.batchSize())}, opts.alloc())
		return err
	})
	if err != nil {
		return wrapDecode(name, err)
	}
	defer pf.Close()
	var cols []int
	if len(opts.Columns) > 0 {
		sc, err := fr.Schema()
		if err != nil {
			return wrapDecode(name, err)
		}
		var top []int
		for _, c := range opts.Columns {
			idx := sc.FieldIndices(c)
			if len(idx) == 0 {
				return &ReadError{Path: name, Row: -1, Column: c, Err: fmt.Errorf("%w: no such column", ErrFormat)}
			}
			top = append(top, idx[0])
		}
		cols, err = fr.Manifest.GetFieldIndices(top)
		if err != nil {
			return wrapDecode(name, err)
		}
	}
	var rr pqarrow.RecordReader
	if err := guard(name, func() error {
		var err error
		rr, err = fr.GetRecordReader(ctx, cols, nil)
		return err
	}); err != nil {
		return wrapDecode(name, err)
	}
	defer rr.Release()
	return drain(ctx, name, 0, rr, opts, yield)
}

// recordReader is what the Parquet, IPC stream and JSON readers of
// arrow-go have in common.
type recordReader interface {
	Next() bool
	RecordBatch() arrow.RecordBatch
	Err() error
}

// drain emits every batch of rr, numbering rows from row, and turns a
// decoder panic or error into a *ReadError naming the file and row.
func drain(ctx context.Context, name string, row int64, rr recordReader, opts ReadOptions, yield func(Batch, error) bool) error {
	for {
		var rec arrow.RecordBatch
		var more bool
		if err := guard(name, func() error {
			more = rr.Next()
			if more {
				rec = rr.RecordBatch()
			}
			return rr.Err()
		}); err != nil {
			return withRow(wrapDecode(name, err), row)
		}
		if !more {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(name, row, rec, opts, yield); err != nil {
			return err
		}
		row += rec.NumRows()
	}
}

func withRow(err error, row int64) error {
	if re, ok := err.(*ReadError); ok && re.Row < 0 {
		re.Row = row
	}
	return err
}

func wrapDecode(name string, err error) error {
	if _, ok := err.(*ReadError); ok {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = fmt.Errorf("truncated: %w", err)
	}
	return &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
}

var arrowFileMagic = []byte("ARROW1")

func readIPC(ctx context.Context, name string, r io.ReaderAt, size int64, opts ReadOptions, yield func(Batch, error) bool) error {
	head := make([]byte, 6)
	n, _ := r.ReadAt(head, 0)
	var row int64
	if n == 6 && bytes.Equal(head, arrowFileMagic) {
		var fr *ipc.FileReader
		if err := guard(name, func() error {
			var err error
			fr, err = ipc.NewFileReader(io.NewSectionReader(r, 0, size), ipc.WithAllocator(opts.alloc()))
			return err
		}); err != nil {
			return wrapDecode(name, err)
		}
		defer fr.Close()
		for i := 0; i < fr.NumRecords(); i++ {
			var rec arrow.RecordBatch
			if err := guard(name, func() error {
				var err error
				rec, err = fr.RecordBatchAt(i)
				return err
			}); err != nil {
				return withRow(wrapDecode(name, err), row)
			}
			if err := ctx.Err(); err != nil {
				rec.Release()
				return err
			}
			err := emit(name, row, rec, opts, yield)
			row += rec.NumRows()
			rec.Release()
			if err != nil {
				return err
			}
		}
		return nil
	}
	var sr *ipc.Reader
	if err := guard(name, func() error {
		var err error
		sr, err = ipc.NewReader(bufio.NewReader(io.NewSectionReader(r, 0, size)), ipc.WithAllocator(opts.alloc()))
		return err
	}); err != nil {
		return wrapDecode(name, err)
	}
	defer sr.Release()
	return drain(ctx, name, 0, sr, opts, yield)
}
