package merkle

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultCacheSize is the default byte budget of a VerifiedReader's leaf cache.
const DefaultCacheSize = 64 << 20

// ReaderOptions configure a VerifiedReader.
type ReaderOptions struct {
	// PartSize is the part size the entry was built with. It is needed
	// only when the entry has no Leaves (rebuilt from a manifest) and the
	// plan must be derived again from the object; 0 means DefaultPartSize.
	PartSize int64
	// CacheSize bounds the bytes of verified leaves kept in memory; 0
	// means DefaultCacheSize, negative disables the cache. A leaf larger
	// than the cache is verified and served but not kept.
	CacheSize int64
	// ReadAhead turns on read-ahead: after serving a leaf, the reader
	// verifies the two leaves a sequential reader will want next (the next
	// part of the same column chunk, else the same column in the next row
	// group, else the next leaf) in background goroutines, into the cache,
	// so hashing can overlap with the caller's decoding when a core is
	// idle. It never serves unverified bytes, and reads a leaf ahead only
	// if the cache holds at least twice its size. It is off by default:
	// on a busy machine the extra copies cost more than they save (see
	// BenchmarkParquetRead in the module root).
	ReadAhead bool
}

// VerifiedReader is an io.ReaderAt over one object that serves only bytes
// whose leaves have been read, hashed and found equal to the committed
// leaf hashes. Each ReadAt reads and verifies every leaf it touches (or
// takes it from the bounded LRU cache of verified leaves), so a reader
// never sees an unverified byte. It is safe for concurrent use.
type VerifiedReader struct {
	r      io.ReaderAt
	path   string
	size   int64
	leaves []Leaf
	hashes []Hash

	readAhead bool
	next      []int // leaf index a sequential reader wants after leaf i, or -1

	mu       sync.Mutex
	capacity int64
	used     int64
	lru      *list.List            // of *cachedLeaf, most recent first
	cache    map[int]*list.Element // leaf index -> element
	inflight map[int]*fetchCall    // leaves being fetched
}

// fetchCall is one fetch of a leaf that other readers of it wait for.
type fetchCall struct {
	done chan struct{}
	data []byte
	err  error
}

type cachedLeaf struct {
	i    int
	data []byte
}

var _ io.ReaderAt = (*VerifiedReader)(nil)

// NewVerifiedReader returns a VerifiedReader over r, the bytes of entry e.
//
// e must carry its leaf hashes (from Build or ReadSidecar); they are
// checked against e.Root first. If e.Leaves is nil the leaf plan is
// derived again from r (a Parquet footer is read), and accepted only if
// every leaf that covers the footer verifies, which proves the plan is
// the one that was hashed. If r has a Size method, it must equal e.Size.
func NewVerifiedReader(ctx context.Context, r io.ReaderAt, e *Entry, opts ReaderOptions) (*VerifiedReader, error) {
	if err := e.VerifyLeaves(); err != nil {
		return nil, err
	}
	if s, ok := r.(interface{ Size() int64 }); ok && s.Size() != e.Size {
		return nil, fmt.Errorf("%w: %s: object has %d bytes, entry %d", ErrMismatch, e.Path, s.Size(), e.Size)
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	v := &VerifiedReader{
		r: r, path: e.Path, size: e.Size, leaves: e.Leaves, hashes: e.Hashes,
		capacity: max(opts.CacheSize, 0), lru: list.New(), cache: make(map[int]*list.Element),
		inflight: make(map[int]*fetchCall), readAhead: opts.ReadAhead && opts.CacheSize > 0,
	}
	if v.leaves == nil {
		if err := v.replan(ctx, e, opts.PartSize); err != nil {
			return nil, err
		}
	} else if err := (&Plan{ID: e.Plan, Size: e.Size, Leaves: e.Leaves}).Validate(MaxPartSize); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	if v.readAhead {
		v.next = nextLeaves(v.leaves)
	}
	return v, nil
}

// nextLeaves maps each leaf to the leaf a sequential reader of the same
// column wants next: the next part of the same chunk, else the chunk of
// the same column in the next row group that has one, else the next leaf.
func nextLeaves(ls []Leaf) []int {
	next := make([]int, len(ls))
	last := map[string]int{} // column -> index of its latest chunk leaf seen, scanning backwards
	for i := len(ls) - 1; i >= 0; i-- {
		l := ls[i]
		next[i] = -1
		switch {
		case i+1 < len(ls) && (l.Kind != KindChunk || ls[i+1].Kind == KindChunk && ls[i+1].RowGroup == l.RowGroup && ls[i+1].Column == l.Column):
			next[i] = i + 1
		case l.Kind == KindChunk:
			if j, ok := last[l.Column]; ok {
				next[i] = j
			}
		}
		if l.Kind == KindChunk && (i == 0 || ls[i-1].Kind != KindChunk || ls[i-1].RowGroup != l.RowGroup || ls[i-1].Column != l.Column) {
			last[l.Column] = i // first part of this chunk
		}
	}
	return next
}

func (v *VerifiedReader) replan(ctx context.Context, e *Entry, partSize int64) error {
	var p *Plan
	var err error
	switch e.Plan {
	case PlanFixed:
		p, err = FixedPlan(e.Size, partSize)
	case PlanParquet:
		p, err = ParquetPlan(ctx, v.r, e.Size, partSize)
		if errors.Is(err, ErrNotParquet) {
			err = fmt.Errorf("%w: %s: %w", ErrMismatch, e.Path, err)
		}
	default:
		err = fmt.Errorf("%w: %s: unknown plan %q", ErrInvalidEntry, e.Path, e.Plan)
	}
	if err != nil {
		return err
	}
	if len(p.Leaves) != len(e.Hashes) {
		return fmt.Errorf("%w: %s: object plans to %d leaves, entry has %d", ErrMismatch, e.Path, len(p.Leaves), len(e.Hashes))
	}
	v.leaves = p.Leaves
	if e.Plan == PlanParquet {
		// The plan is a function of the footer bytes; verifying the
		// footer leaves (which bind their offsets) proves it.
		for i := len(p.Leaves) - 1; i >= 0 && p.Leaves[i].Kind == KindFooter; i-- {
			if _, err := v.leaf(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// Size returns the object size.
func (v *VerifiedReader) Size() int64 { return v.size }

// ReadAt implements io.ReaderAt. It returns an error wrapping ErrMismatch
// (a *MismatchError) if a leaf in the range does not match its hash; the
// bytes before that leaf are valid and counted in n.
func (v *VerifiedReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("merkle: %s: negative offset %d", v.path, off)
	}
	if off >= v.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	if rest := v.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	n := 0
	for i := findLeaf(v.leaves, off); n < len(want); i++ {
		l := v.leaves[i]
		pos := off + int64(n)
		lo := pos - l.Offset
		k := min(l.Length-lo, int64(len(want)-n))
		if lo == 0 && k == l.Length && !v.pending(i) {
			// The read covers the whole leaf, and maybe more whole leaves
			// after it: read them in place with one read and verify them
			// in parallel.
			j := i + 1
			end := l.End()
			for j < len(v.leaves) && v.leaves[j].End()-off <= int64(len(want)) && !v.pending(j) {
				end = v.leaves[j].End()
				j++
			}
			m, err := v.fetchRun(i, j, want[n:n+int(end-l.Offset)])
			n += m
			if err != nil {
				return n, err
			}
			i = j - 1
			v.readAheadAfter(i)
			continue
		}
		data, err := v.leaf(i)
		if err != nil {
			return n, err
		}
		copy(want[n:n+int(k)], data[lo:lo+k])
		n += int(k)
		if pos+k == l.End() {
			v.readAheadAfter(i)
		}
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readAheadAfter starts read-ahead after a read that consumed leaf i to its
// end: it keeps two leaves ahead in flight, so a helper core always has the
// next one to hash.
func (v *VerifiedReader) readAheadAfter(i int) {
	if !v.readAhead {
		return
	}
	if j := v.next[i]; j >= 0 {
		v.prefetch(j)
		v.prefetch(v.next[j])
	}
}

// pending reports whether leaf i is cached or being fetched.
func (v *VerifiedReader) pending(i int) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.cache[i]
	_, busy := v.inflight[i]
	return ok || busy
}

// prefetch verifies leaf i into the cache in the background, unless it is
// there already, being fetched, or too large to cache comfortably.
func (v *VerifiedReader) prefetch(i int) {
	if i < 0 || 2*v.leaves[i].Length > v.capacity || v.pending(i) {
		return
	}
	go v.leaf(i)
}

// fetchRun reads leaves [i, j) into dst, which spans exactly their bytes,
// and verifies them, in parallel when there are several. It returns the
// number of bytes of dst before the first leaf that failed.
func (v *VerifiedReader) fetchRun(i, j int, dst []byte) (int, error) {
	if j-i == 1 {
		if err := v.fetch(i, dst); err != nil {
			return 0, err
		}
		return len(dst), nil
	}
	base := v.leaves[i].Offset
	if err := readFull(v.r, dst, base); err != nil {
		return 0, fmt.Errorf("merkle: %s: reading leaves %d to %d: %w", v.path, i, j-1, err)
	}
	bad := make([]bool, j-i)
	workers := min(runtime.GOMAXPROCS(0), j-i)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= j-i {
					return
				}
				l := v.leaves[i+k]
				if LeafHash(l.Offset, dst[l.Offset-base:l.End()-base]) != v.hashes[i+k] {
					bad[k] = true
				}
			}
		}()
	}
	wg.Wait()
	for k, b := range bad {
		if b {
			return int(v.leaves[i+k].Offset - base), mismatch(v.path, i+k, v.leaves[i+k])
		}
	}
	return len(dst), nil
}

// fetch reads leaf i into dst (len(dst) == leaf length) and verifies it.
func (v *VerifiedReader) fetch(i int, dst []byte) error {
	l := v.leaves[i]
	if err := readFull(v.r, dst, l.Offset); err != nil {
		return fmt.Errorf("merkle: %s: reading leaf %d, %s: %w", v.path, i, l, err)
	}
	if LeafHash(l.Offset, dst) != v.hashes[i] {
		return mismatch(v.path, i, l)
	}
	return nil
}

// leaf returns the verified bytes of leaf i, from the cache, from a fetch
// in flight, or from the object.
func (v *VerifiedReader) leaf(i int) ([]byte, error) {
	v.mu.Lock()
	if el, ok := v.cache[i]; ok {
		v.lru.MoveToFront(el)
		data := el.Value.(*cachedLeaf).data
		v.mu.Unlock()
		return data, nil
	}
	if c, ok := v.inflight[i]; ok {
		v.mu.Unlock()
		<-c.done
		return c.data, c.err
	}
	c := &fetchCall{done: make(chan struct{})}
	v.inflight[i] = c
	v.mu.Unlock()

	data := make([]byte, v.leaves[i].Length)
	err := v.fetch(i, data)
	if err == nil {
		c.data = data
	} else {
		c.err = err
	}

	v.mu.Lock()
	delete(v.inflight, i)
	if err == nil && int64(len(data)) <= v.capacity {
		for v.used+int64(len(data)) > v.capacity {
			old := v.lru.Remove(v.lru.Back()).(*cachedLeaf)
			delete(v.cache, old.i)
			v.used -= int64(len(old.data))
		}
		v.cache[i] = v.lru.PushFront(&cachedLeaf{i: i, data: data})
		v.used += int64(len(data))
	}
	v.mu.Unlock()
	close(c.done)
	return c.data, c.err
}

// Leaves returns the object's leaf plan (shared; do not modify).
func (v *VerifiedReader) Leaves() []Leaf { return v.leaves }

// CheckLeaf reads leaf i from the object and verifies it, bypassing the
// cache; it returns a *MismatchError if the bytes do not match. It is meant
// for sampled verification of a stored object.
func (v *VerifiedReader) CheckLeaf(i int) error {
	if i < 0 || i >= len(v.leaves) {
		return fmt.Errorf("merkle: %s: leaf %d out of range [0, %d)", v.path, i, len(v.leaves))
	}
	return v.fetch(i, make([]byte, v.leaves[i].Length))
}
