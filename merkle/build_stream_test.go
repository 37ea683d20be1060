package merkle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

// streamStore wraps a store: it advises hint, and its objects stream
// ranges (store.RangeReader) in reads of at most 1000 bytes, recording
// every read Build makes.
type streamStore struct {
	store.Store
	hint store.ReadHint
	// Streams of key end one byte early (short) or fail midway (fail).
	short, fail string

	mu      sync.Mutex
	ranges  map[string][][2]int64 // ReadRange calls: offset, length
	readAts map[string][]int      // ReadAt lengths

	open, maxOpen atomic.Int32 // range readers open at once
}

var errStreamCut = fmt.Errorf("connection reset: %w", io.ErrUnexpectedEOF)

func newStreamStore(st store.Store, hint store.ReadHint) *streamStore {
	return &streamStore{Store: st, hint: hint, ranges: map[string][][2]int64{}, readAts: map[string][]int{}}
}

func (s *streamStore) ReadHint() store.ReadHint { return s.hint }

func (s *streamStore) Open(ctx context.Context, key string) (store.Object, error) {
	obj, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &streamObject{Object: obj, s: s, key: key}, nil
}

type streamObject struct {
	store.Object
	s   *streamStore
	key string
}

func (o *streamObject) ReadAt(p []byte, off int64) (int, error) {
	o.s.mu.Lock()
	o.s.readAts[o.key] = append(o.s.readAts[o.key], len(p))
	o.s.mu.Unlock()
	return o.Object.ReadAt(p, off)
}

func (o *streamObject) ReadRange(off, n int64) (io.ReadCloser, error) {
	s := o.s
	s.mu.Lock()
	s.ranges[o.key] = append(s.ranges[o.key], [2]int64{off, n})
	s.mu.Unlock()
	if off < 0 || n < 0 || off+n > o.Size() {
		return nil, fmt.Errorf("range %d+%d outside %d bytes", off, n, o.Size())
	}
	cur := s.open.Add(1)
	for m := s.maxOpen.Load(); cur > m && !s.maxOpen.CompareAndSwap(m, cur); m = s.maxOpen.Load() {
	}
	r := &streamReader{s: s, r: io.NewSectionReader(o.Object, off, n), left: n}
	switch o.key {
	case s.short:
		r.r = io.NewSectionReader(o.Object, off, n-1)
	case s.fail:
		r.failAt = n / 2
	}
	return r, nil
}

type streamReader struct {
	s      *streamStore
	r      io.Reader
	left   int64
	failAt int64 // fail when this many bytes are left, if > 0
	closed bool
}

func (r *streamReader) Read(p []byte) (int, error) {
	if r.failAt > 0 && r.left <= r.failAt {
		return 0, errStreamCut
	}
	n, err := r.r.Read(p[:min(len(p), 1000)])
	r.left -= int64(n)
	return n, err
}

func (r *streamReader) Close() error {
	if !r.closed {
		r.closed = true
		r.s.open.Add(-1)
	}
	return nil
}

// streamFiles returns a dataset whose objects Build reads in each of its
// ways when the read size is readSize and the part size 16 KiB.
func streamFiles(t *testing.T) (files map[string][]byte, readSize int) {
	r := rand.New(rand.NewPCG(5, 5))
	files = map[string][]byte{
		"empty":         nil,
		"small":         randBytes(r, 2500),
		"big":           randBytes(r, 50_000), // 4 leaves
		"small.parquet": parquetBytes(t, 30, 10, 1),
		"big.parquet":   parquetBytes(t, 3000, 1000, 2),
	}
	readSize = max(len(files["small"]), len(files["small.parquet"])) + 100
	if readSize > 16<<10 || len(files["big.parquet"]) <= readSize {
		t.Fatalf("test data sizes do not fit: read size %d, big.parquet %d bytes", readSize, len(files["big.parquet"]))
	}
	return files, readSize
}

// TestBuildStreams builds over a store that advises a read size and
// concurrency and streams ranges: objects up to the read size are read
// whole with one stream, larger ones with one stream per leaf, and the
// root is the one the plain store gives.
func TestBuildStreams(t *testing.T) {
	ctx := context.Background()
	files, readSize := streamFiles(t)
	params := merkle.Params{PartSize: 16 << 10}
	want, err := merkle.Build(ctx, memStore(t, files), "", merkle.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		opts        merkle.Options
		maxParallel int32
	}{
		{"advised", merkle.Options{Params: params}, 3},
		{"one worker", merkle.Options{Params: params, Workers: 1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStreamStore(memStore(t, files), store.ReadHint{Size: readSize, Concurrency: 3})
			d, err := merkle.Build(ctx, st, "", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d.Root != want.Root {
				t.Fatalf("root %s, want %s", d.Root, want.Root)
			}
			for i, e := range d.Entries {
				w := want.Entries[i]
				if e.Path != w.Path || e.Root != w.Root || !slices.Equal(e.Hashes, w.Hashes) || !slices.Equal(e.Leaves, w.Leaves) {
					t.Errorf("%s: entry differs from the plain store's", e.Path)
				}
				size := int64(len(files[e.Path]))
				ranges, readAts := st.ranges[e.Path], st.readAts[e.Path]
				if size <= int64(readSize) {
					if !slices.Equal(ranges, [][2]int64{{0, size}}) || len(readAts) != 0 {
						t.Errorf("%s (%d bytes): streams %v and ReadAts %v, want one stream of it all", e.Path, size, ranges, readAts)
					}
					continue
				}
				var leaves [][2]int64
				for _, l := range e.Leaves {
					leaves = append(leaves, [2]int64{l.Offset, l.Length})
				}
				slices.SortFunc(ranges, func(a, b [2]int64) int { return int(a[0] - b[0]) })
				if !slices.Equal(ranges, leaves) {
					t.Errorf("%s: streams %v, want one per leaf %v", e.Path, ranges, leaves)
				}
				for _, n := range readAts {
					// Planning reads only the magic, the footer length
					// and the footer.
					if n > 8 && (e.Plan != merkle.PlanParquet || int64(n) > size/2) {
						t.Errorf("%s: ReadAt of %d bytes besides the streams", e.Path, n)
					}
				}
			}
			if m := st.maxOpen.Load(); m > tc.maxParallel {
				t.Errorf("%d streams open at once, want at most %d", m, tc.maxParallel)
			}
			if n := st.open.Load(); n != 0 {
				t.Errorf("%d streams left open", n)
			}
		})
	}
}

// TestBuildStreamErrors: a stream that ends early means the object
// changed; one that fails is a read error, even if it wraps
// io.ErrUnexpectedEOF, as cut connections do.
func TestBuildStreamErrors(t *testing.T) {
	ctx := context.Background()
	files, readSize := streamFiles(t)
	opts := merkle.Options{Params: merkle.Params{PartSize: 16 << 10}}
	for _, key := range []string{"small", "big", "small.parquet", "big.parquet"} {
		for _, mode := range []string{"short", "fail"} {
			st := newStreamStore(memStore(t, files), store.ReadHint{Size: readSize})
			if mode == "short" {
				st.short = key
			} else {
				st.fail = key
			}
			_, err := merkle.Build(ctx, st, "", opts)
			switch {
			case err == nil:
				t.Errorf("%s, %s stream: no error", key, mode)
			case mode == "short" && !errors.Is(err, merkle.ErrChanged):
				t.Errorf("%s, short stream: %v, want ErrChanged", key, err)
			case mode == "fail" && (errors.Is(err, merkle.ErrChanged) || !errors.Is(err, errStreamCut)):
				t.Errorf("%s, failed stream: %v, want the stream's error and not ErrChanged", key, err)
			}
			if n := st.open.Load(); n != 0 {
				t.Errorf("%s, %s stream: %d streams left open", key, mode, n)
			}
		}
	}
}

// TestReadHintDefaults: the advised size fills in ReadSize, at most the
// part size, and an explicit ReadSize wins; objects up to ReadSize are read
// whole.
func TestReadHintDefaults(t *testing.T) {
	ctx := context.Background()
	files := map[string][]byte{"a": randBytes(rand.New(rand.NewPCG(6, 6)), 3000)}
	for _, tc := range []struct {
		hint  store.ReadHint
		opts  merkle.Options
		whole bool
	}{
		{store.ReadHint{Size: 4096}, merkle.Options{}, true},
		{store.ReadHint{Size: 2000}, merkle.Options{}, false},
		{store.ReadHint{Size: 1 << 30}, merkle.Options{Params: merkle.Params{PartSize: 2048}}, false},
		{store.ReadHint{Size: 4096}, merkle.Options{ReadSize: 1000}, false},
		{store.ReadHint{}, merkle.Options{}, true}, // 1 MiB
	} {
		st := newStreamStore(memStore(t, files), tc.hint)
		if _, err := merkle.Build(ctx, st, "", tc.opts); err != nil {
			t.Fatal(err)
		}
		whole := slices.Equal(st.ranges["a"], [][2]int64{{0, 3000}}) && len(st.readAts["a"]) == 0
		if whole != tc.whole {
			t.Errorf("hint %+v, options %+v: streams %v, ReadAts %v; want read whole: %v", tc.hint, tc.opts, st.ranges["a"], st.readAts["a"], tc.whole)
		}
	}
}
