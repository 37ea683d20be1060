package lineage_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/mem"
	"github.com/parquet-go/parquet-go"
)

type row struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
}

// parquetBytes writes n rows with parquet-go, rowsPerGroup rows per row
// group, uncompressed so that a flipped byte stays a flipped byte.
func parquetBytes(t testing.TB, n, rowsPerGroup int, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{ID: int64(i), Name: fmt.Sprintf("name-%d-%x", i, r.Uint32()), Score: r.Float64()}
	}
	var buf bytes.Buffer
	cfg, err := parquet.NewWriterConfig(parquet.MaxRowsPerRowGroup(int64(rowsPerGroup)), parquet.PageBufferSize(4096))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](&buf, cfg)
	for i := 0; i < n; i += rowsPerGroup {
		if _, err := w.Write(rows[i:min(n, i+rowsPerGroup)]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t testing.TB, st store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func get(t testing.TB, st store.Store, key string) []byte {
	t.Helper()
	b, err := store.ReadAll(context.Background(), st, key, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testFiles is a small dataset: two plain files and a Parquet file with
// three row groups.
func testFiles(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"a.bin":             randBytes(1, 10000),
		"b/c.txt":           []byte("hello, world\n"),
		"tables/t.parquet":  parquetBytes(t, 300, 100, 1),
		"tables/empty.json": {},
	}
}

func memDataset(t testing.TB, files map[string][]byte) *mem.Store {
	st := mem.New()
	for _, k := range slices.Sorted(maps.Keys(files)) { // stable version ids
		put(t, st, "data/"+k, files[k])
	}
	return st
}

var fixedTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// build builds the dataset under "data/" of st with 1 KiB parts and writes
// the manifest as "m/m.json" (sidecar "m/m.leaves") in out.
func build(t testing.TB, st store.Store, out store.Store, opts lineage.BuildOptions) (*lineage.Manifest, []byte) {
	t.Helper()
	ctx := context.Background()
	if opts.PartSize == 0 {
		opts.PartSize = merkle.MinPartSize
	}
	if opts.Created.At.IsZero() {
		opts.Created = lineage.Created{At: fixedTime, By: "test", ToolVersion: "cairn test"}
	}
	m, d, err := lineage.Build(ctx, st, "data", opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := lineage.WriteManifest(ctx, out, "m/m.json", m, d)
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

func load(t testing.TB, out store.Store) *lineage.Loaded {
	t.Helper()
	l, err := lineage.Load(context.Background(), out, "m/m.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
