package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/store"
)

// Format is an input file format.
type Format string

// The formats Read understands.
const (
	FormatParquet Format = "parquet"
	FormatCSV     Format = "csv"
	FormatJSONL   Format = "jsonl"
	FormatArrow   Format = "arrow" // Arrow IPC, file or stream (told apart by the magic bytes)
)

// FormatOf returns the format a key's extension names: .parquet/.pq,
// .csv, .jsonl/.ndjson, .arrow/.arrows/.ipc/.feather. ok is false for any
// other extension.
func FormatOf(key string) (f Format, ok bool) {
	switch strings.ToLower(path.Ext(key)) {
	case ".parquet", ".pq":
		return FormatParquet, true
	case ".csv":
		return FormatCSV, true
	case ".jsonl", ".ndjson":
		return FormatJSONL, true
	case ".arrow", ".arrows", ".ipc", ".feather":
		return FormatArrow, true
	}
	return "", false
}

// ErrFormat is the class of every error about malformed input: corrupt or
// truncated files, ragged CSV rows, bad quoting, invalid JSON lines, types
// that change between lines. The detail is a *ReadError.
var ErrFormat = errors.New("malformed input")

// ErrEmpty reports an input file with no bytes, or a directory or prefix
// with no input files.
var ErrEmpty = errors.New("empty input")

// ReadError locates a read failure: the object, and where known the
// 1-based line (CSV, JSONL), the 0-based row within the object and the
// column. Err is the class (ErrFormat, ErrEmpty, or a store error).
type ReadError struct {
	Path   string
	Line   int64  // 1-based line number, 0 if not applicable
	Row    int64  // 0-based row within the object, -1 if unknown
	Column string // "" if not about one column
	Err    error
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Path == "" && e.Line <= 0 && e.Row < 0 && e.Column == "" {
		return e.Err.Error() // nothing to locate: no ": " before the cause
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Row >= 0 {
		fmt.Fprintf(&b, " (row %d)", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ReadError) Unwrap() error { return e.Err }

func formatErr(p string, line, row int64, col string, format string, args ...any) *ReadError {
	return &ReadError{Path: p, Line: line, Row: row, Column: col, Err: fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)}
}

// Batch is a run of consecutive rows of one object.
type Batch struct {
	// Path is the object key the rows come from.
	Path string
	// Row is the 0-based index, within Path, of the first row of Record;
	// row i of Record is row Row+i of the object. Rows are numbered in file
	// order; blank JSONL lines are not rows.
	Row int64
	// Record holds the rows. It is valid only until the iteration
	// continues: call Retain to keep it longer (and Release when done).
	Record arrow.RecordBatch
}

// Object is what Read reads from: random access with a known size.
// store.Object satisfies it, and so does merkle's verified reader.
type Object interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// OpenFunc opens one object for reading. The default is s.Open. A caller
// that holds a manifest passes one returning a verified io.ReaderAt so every
// byte decoded has been checked against the manifest (see lineage.VerifiedDataset).
type OpenFunc func(ctx context.Context, s store.Store, key string) (Object, error)

// DefaultBatchSize is the number of rows per batch when
// ReadOptions.BatchSize is 0.
const DefaultBatchSize = 8192

// ReadOptions tune Read. The zero value reads every column of every
// supported file in batches of DefaultBatchSize rows.
type ReadOptions struct {
	// Columns projects: only these top-level columns are returned, in this
	// order. A name missing from a file is an error naming the file.
	Columns []string
	// BatchSize is the maximum number of rows per batch.
	BatchSize int
	// Format forces a format instead of taking it from each key's extension.
	Format Format
	// SkipUnknown skips keys with an unrecognised extension instead of
	// failing. Keys whose base name starts with "." or "_" (such as
	// _SUCCESS or .crc files) are always skipped when reading a prefix.
	SkipUnknown bool
	// Skipped, if set, is told each key SkipUnknown skips, in key order,
	// before the first batch, so that a caller can say what it did not
	// read.
	Skipped func(key string)
	// Exclude, if set, leaves out of a prefix the keys for which it
	// returns true, as if they were not there (such as a command's own
	// output inside its source).
	Exclude func(key string) bool
	// Open opens objects; nil means the store's own Open.
	Open OpenFunc
	// Allocator for Arrow buffers; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// CSV tunes CSV reading.
	CSV CSVOptions
}

// CSVOptions tune CSV reading. See readCSV for the type inference rules.
type CSVOptions struct {
	// Comma is the field delimiter; 0 means ','.
	Comma rune
	// InferRows is how many data rows are read to infer column types; 0
	// means the whole file (two passes over the object; exact). With a
	// limit, a later value that does not fit the inferred type is an error
	// naming file, line and column.
	InferRows int
	// NullValues are the cell values read as null; nil means
	// DefaultNullValues. An empty cell is always null, unless Verbatim.
	NullValues []string
	// Verbatim reads every cell as the text it holds: every column is
	// utf8 (no type inference) and no cell is null, not even an empty one
	// (it is ""); NullValues and InferRows are ignored. It is for callers
	// that write back what they read, such as redaction: "007", "NA" and
	// "TRUE" stay "007", "NA" and "TRUE" instead of becoming 7, null and
	// true.
	Verbatim bool
}

// DefaultNullValues are the CSV cell values read as null by default.
var DefaultNullValues = []string{"", "NA", "N/A", "null", "NULL", "None"}

func (o *ReadOptions) batchSize() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

func (o *ReadOptions) alloc() memory.Allocator {
	if o.Allocator == nil {
		return memory.DefaultAllocator
	}
	return o.Allocator
}

// Read yields the rows of one object or of every object under a prefix, as
// batches, in ascending key order and file order within each object.
//
// keyOrPrefix names an object if one has exactly that key; otherwise it is
// a directory-like prefix: "data" reads the keys under "data/", and "" reads
// the whole store. An object or prefix with nothing to read is an error
// wrapping ErrEmpty. The first error ends the iteration; it names the
// object and, where known, the line, row and column.
//
// No goroutine outlives the loop; stopping early closes the open object.
func Read(ctx context.Context, s store.Store, keyOrPrefix string, opts ReadOptions) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		keys, err := resolveKeys(ctx, s, keyOrPrefix, opts)
		if err != nil {
			yield(Batch{}, err)
			return
		}
		open := opts.Open
		if open == nil {
			open = func(ctx context.Context, s store.Store, key string) (Object, error) { return s.Open(ctx, key) }
		}
		for _, key := range keys {
			obj, err := open(ctx, s, key)
			if err != nil {
				yield(Batch{}, &ReadError{Path: key, Row: -1, Err: err})
				return
			}
			ok := true
			for b, err := range ReadObject(ctx, key, obj, obj.Size(), opts) {
				if !yield(b, err) || err != nil {
					ok = false
					break
				}
			}
			obj.Close()
			if !ok {
				return
			}
		}
	}
}

func resolveKeys(ctx context.Context, s store.Store, keyOrPrefix string, opts ReadOptions) ([]string, error) {
	if keyOrPrefix != "" && store.ValidKey(keyOrPrefix) == nil {
		if _, err := s.Stat(ctx, keyOrPrefix); err == nil {
			if _, ok := formatFor(keyOrPrefix, opts); !ok {
				return nil, &ReadError{Path: keyOrPrefix, Row: -1, Err: fmt.Errorf("%w: unsupported file type (want .parquet, .csv, .jsonl or .arrow)", ErrFormat)}
			}
			return []string{keyOrPrefix}, nil
		} else if !errors.Is(err, store.ErrNotExist) {
			return nil, err
		}
	}
	prefix := keyOrPrefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var keys []string
	for info, err := range s.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		base := path.Base(info.Key)
		if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || (opts.Exclude != nil && opts.Exclude(info.Key)) {
			continue
		}
		if _, ok := formatFor(info.Key, opts); !ok {
			if opts.SkipUnknown {
				if opts.Skipped != nil {
					opts.Skipped(info.Key)
				}
				continue
			}
			return nil, &ReadError{Path: info.Key, Row: -1, Err: fmt.Errorf("%w: unsupported file type (want .parquet, .csv, .jsonl or .arrow): move it out of the source, or start its name with \"_\" or \".\" to have it ignored", ErrFormat)}
		}
		keys = append(keys, info.Key)
	}
	if len(keys) == 0 {
		return nil, &ReadError{Path: keyOrPrefix, Row: -1, Err: fmt.Errorf("%w: no input files (.parquet, .csv, .jsonl or .arrow) in the source", ErrEmpty)}
	}
	return keys, nil
}

func formatFor(key string, opts ReadOptions) (Format, bool) {
	if opts.Format != "" {
		return opts.Format, true
	}
	return FormatOf(key)
}

// ReadObject yields the rows of one object already opened as r (size
// bytes), named name in errors and batches. The format comes from
// opts.Format or the name's extension.
func ReadObject(ctx context.Context, name string, r io.ReaderAt, size int64, opts ReadOptions) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		f, ok := formatFor(name, opts)
		if !ok {
			yield(Batch{}, &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: unsupported file type", ErrFormat)})
			return
		}
		if size == 0 {
			yield(Batch{}, &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: file has no bytes", ErrEmpty)})
			return
		}
		var err error
		switch f {
		case FormatCSV:
			err = readCSV(ctx, name, r, size, opts, yield)
		case FormatJSONL:
			err = readJSONL(ctx, name, r, size, opts, yield)
		case FormatParquet:
			err = readParquet(ctx, name, r, size, opts, yield)
		case FormatArrow:
			err = readIPC(ctx, name, r, size, opts, yield)
		default:
			err = &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: unknown format %q", ErrFormat, f)}
		}
		if err != nil && err != errStop {
			yield(Batch{}, err)
		}
	}
}

// errStop reports that the consumer stopped ranging.
var errStop = errors.New("stop")

// emit projects rec, slices it into batches of at most the batch size and
// yields them, releasing what it created. It does not release rec.
func emit(name string, row int64, rec arrow.RecordBatch, opts ReadOptions, yield func(Batch, error) bool) error {
	proj, err := project(name, row, rec, opts.Columns)
	if err != nil {
		return err
	}
	defer proj.Release()
	n := proj.NumRows()
	bs := int64(opts.batchSize())
	if n <= bs {
		if !yield(Batch{Path: name, Row: row, Record: proj}, nil) {
			return errStop
		}
		return nil
	}
	for off := int64(0); off < n; off += bs {
		sl := proj.NewSlice(off, min(off+bs, n))
		ok := yield(Batch{Path: name, Row: row + off, Record: sl}, nil)
		sl.Release()
		if !ok {
			return errStop
		}
	}
	return nil
}

// project returns rec restricted to cols (retained; the caller releases).
func project(name string, row int64, rec arrow.RecordBatch, cols []string) (arrow.RecordBatch, error) {
	if len(cols) == 0 {
		rec.Retain()
		return rec, nil
	}
	sc := rec.Schema()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		idx := sc.FieldIndices(c)
		if len(idx) == 0 {
			return nil, &ReadError{Path: name, Row: -1, Column: c, Err: fmt.Errorf("%w: no such column", ErrFormat)}
		}
		fields[i] = sc.Field(idx[0])
		arrs[i] = rec.Column(idx[0])
	}
	md := sc.Metadata()
	return arrayNewRecord(arrow.NewSchema(fields, &md), arrs, rec.NumRows()), nil
}

// guard runs f, turning a panic inside a decoder into an error naming the
// object: hostile input must never crash the caller.
func guard(name string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ReadError{Path: name, Row: -1, Err: fmt.Errorf("%w: decoder failed: %v", ErrFormat, r)}
		}
	}()
	return f()
}
