package merkle_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
)

// mapCounter wraps a store and counts the Map calls on the objects it
// opens, so a test can tell that Build hashed through the mapping.
type mapCounter struct {
	store.Store
	maps atomic.Int32
}

func (s *mapCounter) Open(ctx context.Context, key string) (store.Object, error) {
	obj, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	m, ok := obj.(store.Mapper)
	if !ok {
		return obj, nil
	}
	return countedMapper{m, &s.maps}, nil
}

type countedMapper struct {
	store.Mapper
	n *atomic.Int32
}

func (m countedMapper) Map() ([]byte, error) { m.n.Add(1); return m.Mapper.Map() }

func TestBuildMappedMatchesReadAt(t *testing.T) {
	defer merkle.SetMapMinSize(0)()
	r := rand.New(rand.NewPCG(9, 1))
	files := map[string][]byte{"empty": nil, "one": {7}, "a/b": randBytes(r, 5000), "c": randBytes(r, 3*4096+17)}
	st := dirStore(t, files)
	for _, workers := range []int{1, 3} {
		opts := merkle.Options{Params: merkle.Params{PartSize: 1024}, Workers: workers}
		counted := &mapCounter{Store: st}
		d, err := merkle.Build(context.Background(), counted, "", opts)
		if err != nil {
			t.Fatal(err)
		}
		if n := counted.maps.Load(); n != int32(len(files)) {
			t.Fatalf("%d Map calls for %d objects", n, len(files))
		}
		want, err := merkle.Build(context.Background(), memStore(t, files), "", opts)
		if err != nil {
			t.Fatal(err)
		}
		if d.Root != want.Root || d.Root != refFixedDataset(files, 1024, []string{"fixed", "parquet"}) {
			t.Fatalf("%d workers: mapped root %s, read root %s", workers, d.Root, want.Root)
		}
	}
}

// TestBuildMappedTruncated truncates a file while Build hashes it through
// its mapping: reading the lost pages raises SIGBUS, which must become an
// error wrapping ErrChanged, not a crash and not a root.
func TestBuildMappedTruncated(t *testing.T) {
	for _, tc := range []struct {
		name    string
		workers int
		to      int64
	}{{"to-zero", 1, 0}, {"mid-leaf", 1, 1<<20 + 100}, {"two-workers", 2, 1 << 19}} {
		t.Run(tc.name, func(t *testing.T) {
			defer merkle.SetMapMinSize(0)()
			dir := t.TempDir()
			path := filepath.Join(dir, "big.bin")
			if err := os.WriteFile(path, randBytes(rand.New(rand.NewPCG(9, 2)), 4<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := local.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			counted := &mapCounter{Store: st}
			var once atomic.Bool
			d, err := merkle.Build(context.Background(), counted, "", merkle.Options{
				Params:  merkle.Params{PartSize: 64 << 10},
				Workers: tc.workers,
				Progress: func(merkle.Progress) {
					if once.CompareAndSwap(false, true) {
						if err := os.Truncate(path, tc.to); err != nil {
							t.Error(err)
						}
					}
				},
			})
			if counted.maps.Load() != 1 {
				t.Fatalf("the object was not mapped (%d Map calls)", counted.maps.Load())
			}
			if err == nil {
				t.Fatalf("build of a file truncated while hashed succeeded, root %s", d.Root)
			}
			if !errors.Is(err, merkle.ErrChanged) || !errors.Is(err, store.ErrSizeMismatch) {
				t.Fatalf("%v, want ErrChanged and store.ErrSizeMismatch", err)
			}
			t.Log(err)
		})
	}
}
