package ingest

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/ingest/internal/shareddata"
	"github.com/cairnml/cairn/store/mem"
)

func put(t testing.TB, s *mem.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func readShared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// collect reads everything, checking allocations are released.
func collect(t *testing.T, s *mem.Store, key string, opts ReadOptions) (rows int64, batches []Batch, err error) {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	opts.Allocator = alloc
	for b, e := range Read(context.Background(), s, key, opts) {
		if e != nil {
			return rows, batches, e
		}
		batches = append(batches, Batch{Path: b.Path, Row: b.Row, Record: nil})
		batches[len(batches)-1].Record = nil
		rows += b.Record.NumRows()
	}
	return rows, batches, nil
}

func profileOf(t testing.TB, s *mem.Store, key string, po ProfileOptions) *Profile {
	t.Helper()
	p, err := NewProfile(po)
	if err != nil {
		t.Fatal(err)
	}
	for b, err := range Read(context.Background(), s, key, ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	return p
}
