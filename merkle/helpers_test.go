package merkle_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
	"github.com/cairnml/cairn/store/mem"
	"github.com/parquet-go/parquet-go"
)

type row struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
	Tags  []int32 `parquet:"tags,list"`
}

// parquetBytes writes n rows with parquet-go, rowsPerGroup rows per row group.
func parquetBytes(t testing.TB, n, rowsPerGroup int, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{ID: int64(i), Name: fmt.Sprintf("name-%d-%x", i, r.Uint32()), Score: r.Float64()}
		for range r.IntN(4) {
			rows[i].Tags = append(rows[i].Tags, r.Int32())
		}
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

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func memStore(t testing.TB, files map[string][]byte) *mem.Store {
	t.Helper()
	s := mem.New()
	for k, v := range files {
		if err := s.Put(context.Background(), k, bytes.NewReader(v), int64(len(v))); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func dirStore(t testing.TB, files map[string][]byte) *local.Store {
	t.Helper()
	dir := t.TempDir()
	for k, v := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var _ store.Store = (*mem.Store)(nil)
