package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cairnml/cairn/ingest"
)

// outFile is one output file of check --quarantine or redact, in the
// format its name says (JSONL for a name of no known format), written to a
// temporary name in the target directory, synced and renamed into place
// on commit, so a failure never leaves a partial output.
type outFile struct {
	dst    string
	tmp    *os.File
	buf    *bufio.Writer
	schema *arrow.Schema
	put    func(arrow.RecordBatch) error
	finish func() error
}

// writerOnly hides Close so that a writer cannot close the file before it
// is synced.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// write appends rec, which must have the file's schema.
func (f *outFile) write(rec arrow.RecordBatch) error {
	if !rec.Schema().Equal(f.schema) {
		return fmt.Errorf("%s: the schema changed within the input: %v, then %v", f.dst, f.schema, rec.Schema())
	}
	return f.put(rec)
}

func newOutFile(dst string, schema *arrow.Schema) (*outFile, error) {
	format, ok := ingest.FormatOf(dst)
	if !ok {
		format = ingest.FormatJSONL
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return nil, err
	}
	f := &outFile{dst: dst, tmp: tmp, buf: bufio.NewWriterSize(tmp, 1<<20), schema: schema}
	switch format {
	case ingest.FormatParquet:
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
		w, err := pqarrow.NewFileWriter(schema, writerOnly{f.buf}, props, pqarrow.DefaultWriterProps())
		if err != nil {
			f.abort()
			return nil, fmt.Errorf("%s: %w", dst, err)
		}
		f.put, f.finish = w.Write, w.Close
	case ingest.FormatCSV:
		w := csv.NewWriter(f.buf, schema, csv.WithHeader(true), csv.WithNullWriter(""))
		f.put = w.Write
		f.finish = func() error { w.Flush(); return w.Error() }
	case ingest.FormatArrow:
		w, err := ipc.NewFileWriter(writerOnly{f.buf}, ipc.WithSchema(schema))
		if err != nil {
			f.abort()
			return nil, fmt.Errorf("%s: %w", dst, err)
		}
		f.put, f.finish = w.Write, w.Close
	default: // JSONL
		f.put = func(rec arrow.RecordBatch) error { return array.RecordToJSON(rec, f.buf) }
		f.finish = func() error { return nil }
	}
	return f, nil
}

func (f *outFile) commit() error {
	err := f.finish()
	if err == nil {
		err = f.buf.Flush()
	}
	if err == nil {
		err = f.tmp.Chmod(0o644)
	}
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.dst)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return fmt.Errorf("writing %s: %w", f.dst, err)
	}
	return nil
}

func (f *outFile) abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}
