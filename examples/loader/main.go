// Loader is a Go data loader that reads a dataset only through its cairn
// manifest: every Parquet file is opened as a verified io.ReaderAt
// (lineage.OpenDataset) and decoded with arrow-go's pqarrow, which therefore
// sees only bytes whose leaves matched the manifest. Tampered bytes are
// refused with a *merkle.MismatchError that names the file, the byte range,
// the row group and the column.
//
// Run it on a demo dataset it writes to a temporary directory:
//
//	go run ./examples/loader
//	go run ./examples/loader -tamper      # flip one byte after the manifest is written
//	go run ./examples/loader -columns id,label
//
// or on your own data and manifest (from `cairn build`):
//
//	go run ./examples/loader -data DIR -manifest DIR2/manifest.json
//
// It prints the rows and nulls read per column of each Parquet file. It exits
// 1 when the data does not match the manifest, 2 on any other error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cairnml/cairn/examples/internal/demo"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/local"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loader:", err)
		if errors.Is(err, merkle.ErrMismatch) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loader", flag.ContinueOnError)
	data := fs.String("data", "", "dataset `dir` (default: write a demo dataset to a temporary directory)")
	manifest := fs.String("manifest", "", "manifest `file` of the dataset (with its .leaves sidecar next to it)")
	columns := fs.String("columns", "", "comma-separated `names` of the columns to read (default: all)")
	tamper := fs.Bool("tamper", false, "demo only: change one byte of the data after the manifest is written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*data == "") != (*manifest == "") {
		return errors.New("give both -data and -manifest, or neither for the demo")
	}
	if *data == "" {
		dir, err := os.MkdirTemp("", "cairn-loader-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if *data, *manifest, err = writeDemo(ctx, dir, *tamper); err != nil {
			return err
		}
	}

	ms, err := local.Open(filepath.Dir(*manifest))
	if err != nil {
		return err
	}
	defer ms.Close()
	l, err := lineage.Load(ctx, ms, filepath.Base(*manifest), nil)
	if err != nil {
		return err
	}
	ds, err := local.Open(*data)
	if err != nil {
		return err
	}
	defer ds.Close()
	// OpenDataset checks the manifest's root and its sidecar of leaf hashes;
	// each object it opens then serves only verified bytes.
	vd, err := lineage.OpenDataset(l, ds, "", 0)
	if err != nil {
		return err
	}
	var want []string
	if *columns != "" {
		want = strings.Split(*columns, ",")
	}
	for _, e := range vd.Manifest().Entries {
		if e.Parquet == nil {
			continue // not a Parquet file
		}
		if err := load(ctx, vd, e.Path, want, stdout); err != nil {
			return err
		}
	}
	return nil
}

// load reads the named columns (all if none) of one Parquet file of the
// dataset in record batches, and prints the rows and nulls of each column.
func load(ctx context.Context, vd *lineage.VerifiedDataset, path string, columns []string, stdout io.Writer) error {
	obj, err := vd.Open(ctx, path)
	if err != nil {
		return err
	}
	defer obj.Close()
	pf, err := file.NewParquetReader(io.NewSectionReader(obj, 0, obj.Size()))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 256}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var indices []int // nil reads every column
	for _, name := range columns {
		i := slices.IndexFunc(schema.Fields(), func(f arrow.Field) bool { return f.Name == name })
		if i < 0 {
			return fmt.Errorf("%s: no column %q", path, name)
		}
		indices = append(indices, i)
	}
	rr, err := fr.GetRecordReader(ctx, indices, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer rr.Release()
	n := len(rr.Schema().Fields())
	rows, nulls := make([]int64, n), make([]int64, n)
	for rr.Next() {
		for i, col := range rr.RecordBatch().Columns() {
			rows[i] += int64(col.Len())
			nulls[i] += int64(col.NullN())
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s (%d row groups, verified)\n", path, pf.NumRowGroups())
	for i, f := range rr.Schema().Fields() {
		fmt.Fprintf(stdout, "  %-8s %-8s %5d rows %4d nulls\n", f.Name, f.Type, rows[i], nulls[i])
	}
	return nil
}

// writeDemo writes the demo dataset under dir/data and its manifest under
// dir/manifest, and returns their paths. With tamper, it then changes one
// byte of the text column in row group 1 of train/part-0.parquet.
func writeDemo(ctx context.Context, dir string, tamper bool) (data, manifest string, err error) {
	data, manifest = filepath.Join(dir, "data"), filepath.Join(dir, "manifest", "manifest.json")
	if err := demo.WriteDataset(data, 1); err != nil {
		return "", "", err
	}
	if err := os.Mkdir(filepath.Dir(manifest), 0o755); err != nil {
		return "", "", err
	}
	ds, err := local.Open(data)
	if err != nil {
		return "", "", err
	}
	defer ds.Close()
	m, tree, err := lineage.Build(ctx, ds, "", lineage.BuildOptions{Dataset: lineage.Dataset{Name: "reviews", Version: "1"}})
	if err != nil {
		return "", "", err
	}
	ms, err := local.Open(filepath.Dir(manifest))
	if err != nil {
		return "", "", err
	}
	defer ms.Close()
	if _, err := lineage.WriteManifest(ctx, ms, filepath.Base(manifest), m, tree); err != nil {
		return "", "", err
	}
	if tamper {
		err = flipByte(tree, data, "train/part-0.parquet", 1, "text")
	}
	return data, manifest, err
}

// flipByte changes the middle byte of a column chunk of a Parquet file of
// the dataset, found through the leaf ranges Build recorded.
func flipByte(tree *merkle.Dataset, dir, path string, rowGroup int, column string) error {
	e := &tree.Entries[tree.Find(path)]
	i := slices.IndexFunc(e.Leaves, func(l merkle.Leaf) bool {
		return l.Kind == merkle.KindChunk && l.RowGroup == rowGroup && l.Column == column
	})
	if i < 0 {
		return fmt.Errorf("%s has no chunk of column %s in row group %d", path, column, rowGroup)
	}
	f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(path)), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	off := e.Leaves[i].Offset + e.Leaves[i].Length/2
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		f.Close()
		return err
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
