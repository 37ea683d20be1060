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
	// readMax bounds each Read of a stream; 0 means 1000 bytes.
	readMax int

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
	m := r.s.readMax
	if m == 0 {
		m = 1000
	}
	n, err := r.r.Read(p[:min(len(p), m)])
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
// whole with one stream, larger ones with one stream per run of
// consecutive leaves of at least the read size, and the root is the one
// the plain store gives.
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
				// One stream per run of consecutive leaves that makes at
				// least the read size.
				var runs [][2]int64
				for i := 0; i < len(e.Leaves); {
					off, n := e.Leaves[i].Offset, e.Leaves[i].Length
					for i++; i < len(e.Leaves) && n < int64(readSize); i++ {
						n += e.Leaves[i].Length
					}
					runs = append(runs, [2]int64{off, n})
				}
				slices.SortFunc(ranges, func(a, b [2]int64) int { return int(a[0] - b[0]) })
				if !slices.Equal(ranges, runs) {
					t.Errorf("%s: streams %v, want one per run of leaves %v", e.Path, ranges, runs)
				}
				// Planning reads only the magic and the end: the footer's
				// length and magic, and for Parquet the footer, in one
				// read of the last 64 KiB.
				want := []int{4, 8}
				if e.Plan == merkle.PlanParquet {
					want = []int{4, int(min(size, 64<<10))}
				}
				if !slices.Equal(readAts, want) {
					t.Errorf("%s: ReadAts of %v bytes besides the streams, want %v", e.Path, readAts, want)
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

// TestBuildStreamsLookLikeParquet: objects read whole with one stream are
// hashed as they arrive unless they start with the Parquet magic; either
// way, whatever their ends hold, and however the stream splits its bytes,
// their entries (plan, warning, leaves, hashes, Parquet facts) are those
// the plain store gives, and each object is read with one stream.
func TestBuildStreamsLookLikeParquet(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 7))
	pq := parquetBytes(t, 30, 10, 3)
	cat := func(bs ...[]byte) []byte { return slices.Concat(bs...) }
	files := map[string][]byte{
		"pq-no-extension": pq,
		"pq-cut":          pq[:len(pq)-1],
		"head-only":       cat([]byte("PAR1"), randBytes(r, 2000)),
		"tail-only":       cat(randBytes(r, 2000), []byte("PAR1")),
		"encrypted":       cat([]byte("PAR1"), randBytes(r, 2000), []byte{10, 0, 0, 0}, []byte("PARE")),
		"encrypted-tail":  cat(randBytes(r, 2000), []byte{10, 0, 0, 0}, []byte("PARE")),
		"not.parquet":     randBytes(r, 3000),
		"magic":           []byte("PAR1"),
		"magic2":          []byte("PAR1PAR1"),
		"magic12":         []byte("PAR1\x00\x00\x00\x00PAR1"),
		"three":           []byte("PAR"),
		"one":             []byte("x"),
		"empty":           nil,
	}
	readSize := len(pq) + 10
	params := merkle.Params{PartSize: 16 << 10}
	want, err := merkle.Build(ctx, memStore(t, files), "", merkle.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	for _, readMax := range []int{1, 3, 1000, 1 << 20} {
		st := newStreamStore(memStore(t, files), store.ReadHint{Size: readSize})
		st.readMax = readMax
		d, err := merkle.Build(ctx, st, "", merkle.Options{Params: params})
		if err != nil {
			t.Fatal(err)
		}
		if d.Root != want.Root {
			t.Errorf("reads of %d: root %s, want %s", readMax, d.Root, want.Root)
		}
		for i, e := range d.Entries {
			w := want.Entries[i]
			if e.Path != w.Path || e.Root != w.Root || e.Plan != w.Plan || e.Warning != w.Warning ||
				!slices.Equal(e.Hashes, w.Hashes) || !slices.Equal(e.Leaves, w.Leaves) || (e.Parquet == nil) != (w.Parquet == nil) {
				t.Errorf("reads of %d: %s: entry %+v, want %+v", readMax, e.Path, e, w)
			}
			if ranges := st.ranges[e.Path]; !slices.Equal(ranges, [][2]int64{{0, e.Size}}) || len(st.readAts[e.Path]) != 0 {
				t.Errorf("reads of %d: %s: streams %v and ReadAts %v, want one stream of it all", readMax, e.Path, ranges, st.readAts[e.Path])
			}
		}
	}
}

// TestBuildStreamsBigFooter: a Parquet file whose footer is larger than
// the end that planning reads first is planned with one more read, of the
// footer, and hashed as the plain store hashes it.
func TestBuildStreamsBigFooter(t *testing.T) {
	ctx := context.Background()
	files := map[string][]byte{"wide.parquet": parquetBytes(t, 1200, 1, 9)}
	params := merkle.Params{PartSize: 16 << 10}
	want, err := merkle.Build(ctx, memStore(t, files), "", merkle.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	w := want.Entries[0]
	footer := w.Leaves[len(w.Leaves)-1].End() - w.Leaves[len(w.Leaves)-1].Offset
	for i := len(w.Leaves) - 2; w.Leaves[i].Kind == merkle.KindFooter; i-- {
		footer += w.Leaves[i].Length
	}
	if w.Plan != merkle.PlanParquet || footer-8 <= 64<<10 {
		t.Fatalf("test file: plan %s, footer of %d bytes; want Parquet, over 64 KiB", w.Plan, footer)
	}
	st := newStreamStore(memStore(t, files), store.ReadHint{Size: 16 << 10})
	d, err := merkle.Build(ctx, st, "", merkle.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	e := d.Entries[0]
	if e.Root != w.Root || !slices.Equal(e.Hashes, w.Hashes) || !slices.Equal(e.Leaves, w.Leaves) {
		t.Errorf("entry differs from the plain store's")
	}
	if got, want := st.readAts["wide.parquet"], []int{4, 64 << 10, int(footer - 8)}; !slices.Equal(got, want) {
		t.Errorf("ReadAts of %v bytes, want %v", got, want)
	}
}

// TestBuildStreamsRandom: over random datasets, read sizes, part sizes,
// worker counts and stream read lengths, a build from a store that
// streams (runs of leaves, objects read whole) gives the plain store's
// entries.
func TestBuildStreamsRandom(t *testing.T) {
	ctx := context.Background()
	pq := parquetBytes(t, 3000, 500, 8)
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 31))
		part := []int{1024, 1500, 4096}[r.IntN(3)]
		files := randomDataset(r, part)
		files["t.parquet"] = pq
		params := merkle.Params{PartSize: int64(part)}
		want, err := merkle.Build(ctx, memStore(t, files), "", merkle.Options{Params: params})
		if err != nil {
			t.Fatal(err)
		}
		st := newStreamStore(memStore(t, files), store.ReadHint{Size: 1 + r.IntN(3*part)})
		st.readMax = 1 + r.IntN(2000)
		d, err := merkle.Build(ctx, st, "", merkle.Options{Params: params, Workers: 1 + r.IntN(6)})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if d.Root != want.Root {
			t.Fatalf("seed %d: root %s, want %s", seed, d.Root, want.Root)
		}
		for i, e := range d.Entries {
			w := want.Entries[i]
			if e.Path != w.Path || e.Plan != w.Plan || e.Warning != w.Warning || !slices.Equal(e.Hashes, w.Hashes) || !slices.Equal(e.Leaves, w.Leaves) {
				t.Errorf("seed %d: %s: entry differs from the plain store's", seed, e.Path)
			}
		}
		if n := st.open.Load(); n != 0 {
			t.Errorf("seed %d: %d streams left open", seed, n)
		}
	}
}
