package merkle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnml/cairn/merkle"
)

// flakyReader serves data but flips one byte of every fourth read (by a
// call counter, so concurrent readers see corruption at random places).
type flakyReader struct {
	data  []byte
	calls atomic.Uint64
}

func (f *flakyReader) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, f.data[min(off, int64(len(f.data))):])
	if c := f.calls.Add(1); c%4 == 0 && n > 0 {
		p[int(c*7919)%n] ^= 0x10
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// checkRead checks the result of v.ReadAt(p, off) against the object's
// true bytes. If flaky, a read may fail with a *MismatchError, after which
// p[:n] must still be right and p[n:] zero; otherwise it must succeed.
func checkRead(data, p []byte, off int64, n int, err error, flaky bool) error {
	want := max(0, min(int64(len(p)), int64(len(data))-off))
	switch {
	case err == nil || err == io.EOF:
		if int64(n) != want || (err == io.EOF) != (want < int64(len(p))) {
			return fmt.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d bytes", len(p), off, n, err, want)
		}
	case flaky && errors.Is(err, merkle.ErrMismatch):
		var me *merkle.MismatchError
		if !errors.As(err, &me) {
			return fmt.Errorf("ReadAt(%d bytes at %d): %v is not a *MismatchError", len(p), off, err)
		}
		if int64(n) >= want || me.Offset != off+int64(n) && n != 0 {
			return fmt.Errorf("ReadAt(%d bytes at %d) = %d, %v: n does not end at the failed leaf", len(p), off, n, err)
		}
		if !bytes.Equal(p[n:], make([]byte, len(p)-n)) {
			return fmt.Errorf("ReadAt(%d bytes at %d) = %d, %v: bytes after n not cleared", len(p), off, n, err)
		}
	default:
		return fmt.Errorf("ReadAt(%d bytes at %d) = %d, %v", len(p), off, n, err)
	}
	if n > 0 && !bytes.Equal(p[:n], data[off:off+int64(n)]) {
		return fmt.Errorf("ReadAt(%d bytes at %d): wrong bytes", len(p), off)
	}
	return nil
}

// TestVerifiedReaderStress reads objects of many leaves from several
// goroutines at once, in the patterns of a random reader and of a
// sequential one (whole leaves, runs of leaves, leaves in small pieces),
// under cache budgets from none to ample, with and without read-ahead,
// from a faithful source and from one that corrupts reads at random.
// Freed leaf buffers are poisoned, so a buffer recycled while a reader
// still copied from it would show as wrong bytes.
func TestVerifiedReaderStress(t *testing.T) {
	defer merkle.PoisonLeafBufs()()
	r := rand.New(rand.NewPCG(9, 9))
	const part = 64 << 10 // the smallest pooled buffer
	objects := []struct {
		name string
		data []byte
	}{
		{"fixed", randBytes(r, 24*part+12345)},
		// Chunks of 40 to 160 KiB: some pooled, some not, split in parts.
		{"parquet", parquetBytes(t, 60_000, 6_000, 11)},
	}
	iters := 200
	if testing.Short() {
		iters = 20
	}
	for _, obj := range objects {
		e := hashEntry(t, obj.data, obj.name, part)
		leaves := e.Leaves
		for _, cache := range []int64{-1, 1, part + part/2, 5 * part, 0} {
			for _, ahead := range []int{-1, 0} {
				for _, flaky := range []bool{false, true} {
					name := fmt.Sprintf("%s/cache=%d/readahead=%d/flaky=%t", obj.name, cache, ahead, flaky)
					t.Run(name, func(t *testing.T) {
						var src io.ReaderAt = bytes.NewReader(obj.data)
						if flaky {
							src = &flakyReader{data: obj.data}
						}
						v, err := merkle.NewVerifiedReader(context.Background(), src, e, merkle.ReaderOptions{CacheSize: cache, ReadAhead: ahead})
						if err != nil {
							t.Fatal(err)
						}
						var failed atomic.Bool
						var wg sync.WaitGroup
						for g := range 6 {
							wg.Add(1)
							go func() {
								defer wg.Done()
								r := rand.New(rand.NewPCG(uint64(g), uint64(cache)))
								read := func(p []byte, off int64) bool {
									n, err := v.ReadAt(p, off)
									if err := checkRead(obj.data, p, off, n, err, flaky); err != nil {
										t.Error(err)
										failed.Store(true)
										return false
									}
									return true
								}
								size := int64(len(obj.data))
								for range iters {
									if failed.Load() {
										return
									}
									i := r.IntN(len(leaves))
									l := leaves[i]
									switch r.IntN(5) {
									case 0: // a random range
										off := r.Int64N(size + 100)
										read(make([]byte, r.IntN(3*part)), off)
									case 1: // one whole leaf
										read(make([]byte, l.Length), l.Offset)
									case 2: // a run of whole leaves
										j := min(len(leaves)-1, i+1+r.IntN(3))
										read(make([]byte, leaves[j].End()-l.Offset), l.Offset)
									case 3: // the next few leaves, each whole, as pqarrow reads chunks
										for j := i; j < min(len(leaves), i+5); j++ {
											if !read(make([]byte, leaves[j].Length), leaves[j].Offset) {
												break
											}
										}
									case 4: // the next few leaves in pieces, as a buffered stream reads pages
										piece := int64(1 + r.IntN(20<<10))
										for off := l.Offset; off < min(size, l.Offset+3*part); off += piece {
											if !read(make([]byte, piece), off) {
												break
											}
										}
									}
								}
							}()
						}
						wg.Wait()
						v.WaitReadAhead()
						if err := v.CheckCache(); err != nil {
							t.Error(err)
						}
						// Close empties the cache; reads still work after it.
						if err := v.Close(); err != nil {
							t.Error(err)
						}
						if err := v.CheckCache(); err != nil {
							t.Errorf("after Close: %v", err)
						}
						p := make([]byte, len(obj.data))
						n, err := v.ReadAt(p, 0)
						if err := checkRead(obj.data, p, 0, n, err, flaky); err != nil {
							t.Errorf("after Close: %v", err)
						}
					})
				}
			}
		}
	}
}

// corruptOnce serves data, but leaf bad's bytes corrupted on the first
// read that touches them (which read-ahead makes a prefetch).
type corruptOnce struct {
	data    []byte
	bad     merkle.Leaf
	rotten  bool // corrupt every read, not only the first
	touches atomic.Int64
}

func (c *corruptOnce) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, c.data[off:])
	if off < c.bad.End() && off+int64(n) > c.bad.Offset {
		if c.touches.Add(1) == 1 || c.rotten {
			p[max(c.bad.Offset, off)-off] ^= 1
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestVerifiedReaderPrefetchCorrupt checks that a corrupted leaf is never
// served, even when read-ahead is what read it, and that a failed
// prefetch is not remembered: the next read fetches the leaf again.
func TestVerifiedReaderPrefetchCorrupt(t *testing.T) {
	defer merkle.PoisonLeafBufs()()
	r := rand.New(rand.NewPCG(5, 5))
	const part = 64 << 10
	data := randBytes(r, 12*part)
	e := hashEntry(t, data, "blob", part)
	bad := e.Leaves[6]
	for _, rotten := range []bool{true, false} {
		src := &corruptOnce{data: data, bad: bad, rotten: rotten}
		v, err := merkle.NewVerifiedReader(context.Background(), src, e, merkle.ReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Reading leaves 4 and 5 whole reads 6 and 7 ahead.
		for i := 4; i <= 5; i++ {
			l := e.Leaves[i]
			if _, err := v.ReadAt(make([]byte, l.Length), l.Offset); err != nil {
				t.Fatalf("leaf %d: %v", i, err)
			}
		}
		v.WaitReadAhead()
		if src.touches.Load() == 0 {
			t.Fatal("leaf 6 was not read ahead")
		}
		// A read through the cache (part of the leaf) and a whole-leaf read.
		for _, rng := range [][2]int64{{bad.Offset + 10, 100}, {bad.Offset, bad.Length}} {
			p := make([]byte, rng[1])
			n, err := v.ReadAt(p, rng[0])
			var me *merkle.MismatchError
			switch {
			case rotten && (!errors.As(err, &me) || me.Leaf != 6 || n != 0 || !bytes.Equal(p, make([]byte, len(p)))):
				t.Errorf("rotten leaf, ReadAt(%d at %d) = %d, %v", rng[1], rng[0], n, err)
			case !rotten && (err != nil || !bytes.Equal(p, data[rng[0]:rng[0]+rng[1]])):
				t.Errorf("leaf corrupted only when read ahead, ReadAt(%d at %d) = %d, %v", rng[1], rng[0], n, err)
			}
		}
		// The failed prefetch was not kept: leaf 6 was read again (by
		// the reads above, or by a second read-ahead after leaf 5).
		if src.touches.Load() < 2 {
			t.Error("the failed prefetch was served without reading the leaf again")
		}
		v.WaitReadAhead()
		if err := v.CheckCache(); err != nil {
			t.Error(err)
		}
	}
}

// TestVerifiedReaderReadAheadGoroutines checks that read-ahead leaves no
// goroutine behind once the reads it anticipated are done, with or
// without Close.
func TestVerifiedReaderReadAheadGoroutines(t *testing.T) {
	data := parquetBytes(t, 20_000, 2_000, 12)
	e := hashEntry(t, data, "p.parquet", 8<<10)
	before := runtime.NumGoroutine()
	// Closed readers first, then readers left to finish on their own.
	for k := range 4 {
		v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), e, merkle.ReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := readTable(t, v, v.Size(), []int{0, 2}); err != nil || n != 20_000 {
			t.Fatalf("%d rows, %v", n, err)
		}
		// Stop half-way through a column: read-ahead is left in flight.
		for _, l := range e.Leaves[:len(e.Leaves)/2] {
			if _, err := v.ReadAt(make([]byte, l.Length), l.Offset); err != nil {
				t.Fatal(err)
			}
		}
		if k < 2 {
			v.Close()
			// Close has waited for the workers, which only have to
			// return: a short grace for the scheduler, not for work.
			waitGoroutines(t, before, time.Second, "after Close")
		}
	}
	waitGoroutines(t, before, 10*time.Second, "after the reads")
}

// waitGoroutines fails t unless the number of goroutines falls back to
// at most n within d.
func waitGoroutines(t *testing.T, n int, d time.Duration, when string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines %s, %d before:\n%s", runtime.NumGoroutine(), when, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// slowReaderAt is an io.ReaderAt whose every read takes a while, as a
// request over the network does, and which records how many reads were
// in flight at once.
type slowReaderAt struct {
	r        io.ReaderAt
	delay    time.Duration
	mu       sync.Mutex
	inflight int
	peak     int
}

func (s *slowReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	s.inflight++
	s.peak = max(s.peak, s.inflight)
	s.mu.Unlock()
	time.Sleep(s.delay)
	n, err := s.r.ReadAt(p, off)
	s.mu.Lock()
	s.inflight--
	s.mu.Unlock()
	return n, err
}

// TestVerifiedReaderWorkers checks that ReaderOptions.Workers bounds the
// reads in flight for read-ahead: a sequential reader of a slow object
// gets several leaves read at once with more workers, and at most one
// besides its own with one worker, and the bytes are right either way.
func TestVerifiedReaderWorkers(t *testing.T) {
	data := randBytes(rand.New(rand.NewPCG(4, 4)), 48<<10)
	e := hashEntry(t, data, "slow.bin", 1<<10)
	for _, tc := range []struct{ workers, minPeak, maxPeak int }{{1, 1, 2}, {4, 3, 5}} {
		src := &slowReaderAt{r: bytes.NewReader(data), delay: 5 * time.Millisecond}
		v, err := merkle.NewVerifiedReader(context.Background(), src, e, merkle.ReaderOptions{Workers: tc.workers, ReadAhead: 4, CacheSize: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(data))
		for _, l := range e.Leaves {
			if n, err := v.ReadAt(got[l.Offset:l.End()], l.Offset); err != nil || int64(n) != l.Length {
				t.Fatalf("workers=%d: ReadAt leaf at %d: %d, %v", tc.workers, l.Offset, n, err)
			}
		}
		v.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("workers=%d: wrong bytes", tc.workers)
		}
		src.mu.Lock()
		peak := src.peak
		src.mu.Unlock()
		if peak < tc.minPeak || peak > tc.maxPeak {
			t.Errorf("workers=%d: %d reads in flight at most, want %d to %d", tc.workers, peak, tc.minPeak, tc.maxPeak)
		}
	}
}

// TestVerifiedReaderStaleReadAhead: leaves read ahead for a reader that
// then went elsewhere must not hold read-ahead's budget for good. After a
// jump and a run of sequential reads, read-ahead is working again.
func TestVerifiedReaderStaleReadAhead(t *testing.T) {
	data := randBytes(rand.New(rand.NewPCG(5, 5)), 64<<10)
	e := hashEntry(t, data, "jumps.bin", 1<<10) // 64 leaves of 1 KiB
	v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), e, merkle.ReaderOptions{CacheSize: 16 << 10, ReadAhead: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	read := func(i int) {
		l := e.Leaves[i]
		p := make([]byte, l.Length)
		if n, err := v.ReadAt(p, l.Offset); err != nil || !bytes.Equal(p[:n], data[l.Offset:l.End()]) {
			t.Fatalf("leaf %d: %d, %v", i, n, err)
		}
		v.WaitReadAhead()
	}
	read(0)  // reads ahead 1..4
	read(40) // reads ahead 41..44: the budget (half of 16 leaves) is full
	for i := 20; i <= 35; i++ {
		read(i)
	}
	cached := v.CachedLeaves()
	for _, want := range []int{36, 37, 38, 39} {
		if !slices.Contains(cached, want) {
			t.Errorf("leaf %d was not read ahead after leaf 35; cached %v", want, cached)
		}
	}
	for _, stale := range []int{1, 2, 3, 4, 41, 42, 43, 44} {
		if slices.Contains(cached, stale) {
			t.Errorf("stale read-ahead leaf %d still cached: %v", stale, cached)
		}
	}
	if err := v.CheckCache(); err != nil {
		t.Error(err)
	}
}
