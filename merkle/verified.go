package merkle

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// DefaultCacheSize is the default byte budget of a VerifiedReader's leaf cache.
const DefaultCacheSize = 64 << 20

// DefaultReadAhead is the default number of leaves a VerifiedReader
// verifies ahead of a sequential reader.
const DefaultReadAhead = 4

// maxReadAheadWorkers caps ReaderOptions.Workers.
const maxReadAheadWorkers = 64

// ReaderOptions configure a VerifiedReader.
type ReaderOptions struct {
	// PartSize is the part size the entry was built with. It is needed
	// only when the entry has no Leaves (rebuilt from a manifest) and the
	// plan must be derived again from the object; 0 means DefaultPartSize.
	PartSize int64
	// CacheSize bounds the bytes of verified leaves kept in memory, read
	// ahead ones included; 0 means DefaultCacheSize, negative disables the
	// cache. A leaf larger than the cache is verified and served but not
	// kept.
	CacheSize int64
	// ReadAhead is the number of leaves verified ahead of a sequential
	// reader: after a read consumes a leaf to its end, the reader starts
	// verifying, in background goroutines and into the cache, the next
	// ReadAhead leaves that reader will want (the next part of the same
	// column chunk, else the same column in the next row group, else the
	// next leaf), so that hashing runs on an idle core while the caller
	// decodes. 0 means DefaultReadAhead; negative turns read-ahead off, as
	// does a disabled cache. Read-ahead never serves unverified bytes; it
	// takes at most half of CacheSize, and a leaf read ahead leaves the
	// cache once a read has consumed it. It costs a copy per leaf served
	// from it and helps only when a core is idle (or the object is
	// remote): turn it off when every core is busy. Close stops it.
	ReadAhead int
	// Workers bounds the goroutines that read ahead: 0 means one per core
	// but the reader's (at least one). Where each read waits on the
	// network (S3), more workers than cores keep more reads in flight;
	// lineage.VerifiedDataset sets it from the store's
	// store.ReadHint.Concurrency. Read-ahead's half of CacheSize bounds
	// the leaves in flight whatever the number of workers.
	Workers int
}

// VerifiedReader is an io.ReaderAt over one object that serves only bytes
// whose leaves have been read, hashed and found equal to the committed
// leaf hashes. Each ReadAt reads and verifies every leaf it touches (or
// takes it from the bounded LRU cache of verified leaves), so a reader
// never sees an unverified byte. It is safe for concurrent use.
//
// A read that covers whole leaves reads them straight into the caller's
// buffer and hashes them there. With read-ahead (the default), such a
// read first queues the leaves the same sequential reader will want next,
// which a background goroutine verifies into the cache while the caller
// decodes; the next read then only copies. Close stops read-ahead.
type VerifiedReader struct {
	r      io.ReaderAt
	path   string
	size   int64
	leaves []Leaf
	hashes []Hash

	readAhead   int          // leaves to keep verified ahead of a sequential reader
	consumedN   atomic.Int64 // leaves reads have consumed to their end
	next        []int        // leaf index a sequential reader wants after leaf i, or -1
	prefetching sync.WaitGroup

	mu       sync.Mutex
	capacity int64
	used     int64                 // bytes of cached leaves and of read-ahead in flight
	ahead    int64                 // bytes read ahead and not yet consumed, cached or in flight
	lru      *list.List            // of *cachedLeaf, most recent first
	cache    map[int]*list.Element // leaf index -> element
	inflight map[int]*fetchCall    // leaves being fetched
	queue    []int                 // leaves to read ahead, the latest asked for last
	workers  int                   // goroutines reading ahead from queue
	maxWork  int                   // at most this many
	closed   bool
}

// fetchCall is one fetch of a leaf that other readers of it wait for.
type fetchCall struct {
	done    chan struct{}
	born    int64 // for a read-ahead, consumedN when it was queued
	waiters int   // readers waiting for done, each owed a reference to buf; guarded by mu
	queued  bool  // a read-ahead not started yet, so with no waiters; guarded by mu
	buf     *leafBuf
	err     error
}

type cachedLeaf struct {
	i     int
	buf   *leafBuf
	ahead bool  // read ahead and not yet consumed by a reader
	born  int64 // if ahead, consumedN when it was queued
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
		inflight: make(map[int]*fetchCall),
	}
	if opts.ReadAhead == 0 {
		opts.ReadAhead = DefaultReadAhead
	}
	if opts.CacheSize > 0 {
		v.readAhead = max(opts.ReadAhead, 0)
	}
	v.maxWork = max(1, runtime.GOMAXPROCS(0)-1)
	if opts.Workers > 0 {
		v.maxWork = min(opts.Workers, maxReadAheadWorkers)
	}
	if v.leaves == nil {
		if err := v.replan(ctx, e, opts.PartSize); err != nil {
			return nil, err
		}
	} else if err := (&Plan{ID: e.Plan, Size: e.Size, Leaves: e.Leaves}).Validate(MaxPartSize); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	if v.readAhead > 0 {
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
			b, err := v.acquire(i)
			if err != nil {
				return err
			}
			b.release()
		}
	}
	return nil
}

// Size returns the object size.
func (v *VerifiedReader) Size() int64 { return v.size }

// ReadAt implements io.ReaderAt. It returns an error wrapping ErrMismatch
// (a *MismatchError) if a leaf in the range does not match its hash; the
// bytes before that leaf are valid and counted in n, and p[n:] is zeroed.
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
	n, err := v.readAt(want, off)
	if err != nil {
		// p[n:] may hold bytes of a leaf that failed: never leave them
		// where a careless caller could use them.
		clear(p[n:])
		return n, err
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (v *VerifiedReader) readAt(want []byte, off int64) (int, error) {
	n := 0
	for i := findLeaf(v.leaves, off); n < len(want); i++ {
		l := v.leaves[i]
		pos := off + int64(n)
		lo := pos - l.Offset
		k := min(l.Length-lo, int64(len(want)-n))
		if lo == 0 && k == l.Length && v.claim(i) {
			// The read covers the whole leaf, and maybe more whole leaves
			// after it: read them in place with one read and verify them
			// in parallel.
			j := i + 1
			end := l.End()
			for j < len(v.leaves) && v.leaves[j].End()-off <= int64(len(want)) && v.claim(j) {
				end = v.leaves[j].End()
				j++
			}
			// Reading whole leaves is what a sequential reader does: start
			// verifying what it will want next before the work on these,
			// so that the two overlap.
			v.readAheadAfter(j - 1)
			m, err := v.fetchRun(i, j, want[n:n+int(end-l.Offset)])
			n += m
			if err != nil {
				return n, err
			}
			i = j - 1
			continue
		}
		consumed := pos+k == l.End()
		if consumed {
			v.readAheadAfter(i)
		}
		b, err := v.acquire(i)
		if err != nil {
			return n, err
		}
		copy(want[n:n+int(k)], b.data[lo:lo+k])
		if consumed {
			v.consumed(i, b)
		}
		b.release()
		n += int(k)
	}
	return n, nil
}

// readAheadAfter starts read-ahead after a read that consumes leaf i to
// its end: it keeps the next readAhead leaves a sequential reader of the
// same column wants in flight or cached, so a helper core always has the
// next one to hash.
func (v *VerifiedReader) readAheadAfter(i int) {
	if v.readAhead == 0 {
		return
	}
	v.consumedN.Add(1)
	for range v.readAhead {
		if i = v.next[i]; i < 0 {
			return
		}
		v.prefetch(i)
	}
}

// consumed drops leaf i from the cache if it is there because it was read
// ahead and a read has now consumed it to its end: a sequential reader is
// done with it, and its buffer is better spent on the next leaf. Leaves
// fetched by partial reads stay, as their readers may come back.
func (v *VerifiedReader) consumed(i int, b *leafBuf) {
	v.mu.Lock()
	defer v.mu.Unlock()
	el, ok := v.cache[i]
	if !ok {
		return
	}
	if cl := el.Value.(*cachedLeaf); cl.ahead && cl.buf == b {
		v.evict(el)
	}
}

// evict removes a cached leaf and drops the cache's reference to it. It
// must be called with v.mu held.
func (v *VerifiedReader) evict(el *list.Element) {
	cl := v.lru.Remove(el).(*cachedLeaf)
	delete(v.cache, cl.i)
	v.used -= int64(len(cl.buf.data))
	if cl.ahead {
		v.ahead -= int64(len(cl.buf.data))
	}
	cl.buf.release()
}

// prefetch queues leaf i to be verified into the cache in the background,
// unless it is there already, being fetched, or would take read-ahead past
// half the cache budget. Its bytes count against the budget from the
// start.
//
// Read-ahead runs in worker goroutines (one per core but the reader's)
// that take the latest leaf asked for first, the farthest ahead of its
// reader. A read that comes for a leaf still queued takes it over (see
// claim and acquire), in place when it reads the whole leaf, instead of
// waiting. So the work balances itself: when the workers keep up, the
// reader only copies verified leaves from the cache; when they fall
// behind, the reader verifies the nearest leaves itself without copying,
// rather than wait for a worker busy on the one it wants next (which is
// what taking the oldest first leads to).
func (v *VerifiedReader) prefetch(i int) {
	n := v.leaves[i].Length
	v.mu.Lock()
	defer v.mu.Unlock()
	if 2*(v.ahead+n) > v.capacity {
		v.dropStale()
		if 2*(v.ahead+n) > v.capacity {
			return
		}
	}
	if _, ok := v.cache[i]; ok {
		return
	}
	if _, ok := v.inflight[i]; ok {
		return
	}
	for v.used+n > v.capacity && v.lru.Len() > 0 {
		v.evict(v.lru.Back())
	}
	if v.used+n > v.capacity {
		return // the rest is in flight
	}
	v.used += n
	v.ahead += n
	v.inflight[i] = &fetchCall{done: make(chan struct{}), queued: true, born: v.consumedN.Load()}
	if len(v.queue) > 2*len(v.inflight)+8 {
		// Drop the leaves readers took over, which the workers, taking
		// the latest first, might not reach for long.
		v.queue = slices.DeleteFunc(v.queue, func(i int) bool {
			f := v.inflight[i]
			return f == nil || !f.queued
		})
	}
	v.queue = append(v.queue, i)
	if v.workers < v.maxWork {
		v.workers++
		v.prefetching.Add(1)
		go v.readAheadWorker()
	}
}

// dropStale evicts the cached leaves read ahead that reads have not
// consumed while consuming more than readAhead other leaves since: the
// guesses of a reader that went elsewhere, which would otherwise hold
// read-ahead's budget until Close. A sequential reader consumes what it
// had read ahead within readAhead leaves. It must be called with v.mu
// held.
func (v *VerifiedReader) dropStale() {
	now := v.consumedN.Load()
	for el := v.lru.Back(); el != nil; {
		prev := el.Prev()
		if cl := el.Value.(*cachedLeaf); cl.ahead && now-cl.born > int64(v.readAhead) {
			v.evict(el)
		}
		el = prev
	}
}

// readAheadWorker reads ahead the queued leaves until none is left.
func (v *VerifiedReader) readAheadWorker() {
	defer v.prefetching.Done()
	for {
		v.mu.Lock()
		var c *fetchCall
		i := -1
		for len(v.queue) > 0 && c == nil {
			i = v.queue[len(v.queue)-1]
			v.queue = v.queue[:len(v.queue)-1]
			if f := v.inflight[i]; f != nil && f.queued {
				c = f // else taken over by a reader, or cancelled
			}
		}
		if c == nil {
			v.queue = nil
			v.workers--
			v.mu.Unlock()
			return
		}
		c.queued = false
		v.mu.Unlock()
		v.load(i, c, false)
	}
}

// claim reports whether a read may fetch leaf i straight into its own
// buffer: the leaf is neither cached nor being fetched. A read-ahead of
// it that is still queued is cancelled in the read's favour: the read
// would wait for it otherwise, and reading in place saves a copy.
func (v *VerifiedReader) claim(i int) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.cache[i]; ok {
		return false
	}
	c, ok := v.inflight[i]
	if !ok {
		return true
	}
	if !c.queued {
		return false
	}
	delete(v.inflight, i) // the worker skips it
	n := v.leaves[i].Length
	v.used -= n
	v.ahead -= n
	return true
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

// acquire returns the verified bytes of leaf i, from the cache, from a
// fetch in flight, or from the object. The caller must release the buffer
// once it has copied what it needs, and must not use it afterwards.
func (v *VerifiedReader) acquire(i int) (*leafBuf, error) {
	v.mu.Lock()
	if el, ok := v.cache[i]; ok {
		v.lru.MoveToFront(el)
		b := el.Value.(*cachedLeaf).buf
		b.refs.Add(1) // the cache holds a reference: b is not in the pool
		v.mu.Unlock()
		return b, nil
	}
	if c, ok := v.inflight[i]; ok {
		c.waiters++ // load takes a reference for us
		if c.queued {
			// A read-ahead not started yet: do it now rather than wait
			// for the worker to reach it.
			c.queued = false
			v.mu.Unlock()
			v.load(i, c, false)
		} else {
			v.mu.Unlock()
		}
		<-c.done
		return c.buf, c.err
	}
	c := &fetchCall{done: make(chan struct{})}
	v.inflight[i] = c
	v.mu.Unlock()
	return v.load(i, c, true)
}

// load fetches leaf i for the fetch call c, registered in v.inflight by
// the caller, caches it if it fits, and completes c. If reader is true the
// returned buffer carries a reference for the caller (otherwise it is only
// for the cache and the waiters, and the caller must not touch it).
func (v *VerifiedReader) load(i int, c *fetchCall, reader bool) (*leafBuf, error) {
	b := getLeafBuf(int(v.leaves[i].Length))
	if err := v.fetch(i, b.data); err != nil {
		// Nobody but us has seen b.
		putLeafBuf(b)
		b = nil
		c.err = err
	}

	n := v.leaves[i].Length
	v.mu.Lock()
	delete(v.inflight, i)
	if !reader && (b == nil || v.closed) {
		// Release what prefetch reserved.
		v.used -= n
		v.ahead -= n
	}
	if b != nil {
		// Every reference is taken here, under v.mu, before b becomes
		// reachable: one per waiter, one for the caller, one for the cache.
		refs := int32(c.waiters)
		if reader {
			refs++
		}
		cache := !reader && !v.closed // prefetch reserved the room
		if reader && n <= v.capacity {
			for v.used+n > v.capacity && v.lru.Len() > 0 {
				v.evict(v.lru.Back())
			}
			if v.used+n <= v.capacity { // else the room is taken by read-ahead in flight
				v.used += n
				cache = true
			}
		}
		if cache {
			v.cache[i] = v.lru.PushFront(&cachedLeaf{i: i, buf: b, ahead: !reader, born: c.born})
			refs++
		}
		b.refs.Store(refs)
		c.buf = b
		if refs == 0 {
			putLeafBuf(b) // the leaf does not fit in the cache and nobody waits
			c.buf = nil
		}
	}
	v.mu.Unlock()
	close(c.done)
	return c.buf, c.err
}

// Close stops read-ahead, waits for the leaves being read ahead, and
// drops the cache, so that its buffers can be reused at once. It does not
// close the underlying io.ReaderAt, which the reader no longer touches
// once Close has returned and no ReadAt is running; close it after. Reads
// after Close are still served, verified, without cache or read-ahead.
// Close always returns nil.
func (v *VerifiedReader) Close() error {
	v.mu.Lock()
	v.closed = true
	v.capacity = 0 // no more caching or read-ahead
	for i, c := range v.inflight {
		if c.queued {
			delete(v.inflight, i)
			v.used -= v.leaves[i].Length
			v.ahead -= v.leaves[i].Length
		}
	}
	v.queue = nil
	for v.lru.Len() > 0 {
		v.evict(v.lru.Back())
	}
	v.mu.Unlock()
	v.prefetching.Wait()
	return nil
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
	b := getLeafBuf(int(v.leaves[i].Length))
	defer putLeafBuf(b)
	return v.fetch(i, b.data)
}

// A leafBuf holds the bytes of one leaf that a VerifiedReader fetched to
// cache or to share between concurrent readers; fetches straight into a
// caller's buffer do not use one. Buffers come from a process-wide pool
// (sync.Pool per size class), so a reader that reads ahead does not
// allocate and zero a fresh buffer per leaf.
//
// A leafBuf is reference counted so that it never returns to the pool, to
// be refilled with another leaf, while a ReadAt is still copying from it:
// the cache holds one reference while the leaf is cached, and each reader
// holds one from acquire until it has copied its range and calls release.
// References are only ever taken under VerifiedReader.mu while the buffer
// is reachable from the cache or a fetch in flight (so the count never
// rises from zero); the last release, by a reader or by eviction, puts it
// back in the pool. A buffer whose fetch failed never becomes reachable
// and goes back at once. Only verified bytes are ever made reachable: a
// leaf is cached or handed out only after its hash matched.
type leafBuf struct {
	data []byte // the leaf's bytes; cap is the buffer's size class
	refs atomic.Int32
}

// release drops one reference to b; b must not be used afterwards.
func (b *leafBuf) release() {
	switch n := b.refs.Add(-1); {
	case n == 0:
		putLeafBuf(b)
	case n < 0:
		panic("merkle: leaf buffer released more often than acquired")
	}
}

// minPooled is the smallest buffer kept in the pool: smaller leaves
// (Parquet headers, gaps, small footers) cost little to allocate.
const minPooled = 64 << 10

// leafPools holds free leaf buffers by size class: four classes per
// doubling, so a buffer wastes at most a fifth of its size, up to
// MaxPartSize.
var leafPools [4 * 31]sync.Pool

// poisonLeafBufs makes putLeafBuf overwrite each buffer it frees, so that
// tests catch any read of a buffer after its release.
var poisonLeafBufs atomic.Bool

// bufClass returns the size class of a buffer of at least n bytes (n >
// minPooled/2) and that class's buffer size.
func bufClass(n int) (class, size int) {
	s := bits.Len(uint(n-1)) - 1 // 1<<s < n <= 1<<(s+1)
	step := 1 << (s - 2)
	j := (n - 1<<s + step - 1) / step // 1 to 4
	return 4*s + j - 1, 1<<s + j*step
}

// getLeafBuf returns a buffer of n bytes with no references. Its contents
// are arbitrary: the caller overwrites them all before making it
// reachable.
func getLeafBuf(n int) *leafBuf {
	if n < minPooled {
		return &leafBuf{data: make([]byte, n)}
	}
	class, size := bufClass(n)
	b, _ := leafPools[class].Get().(*leafBuf)
	if b == nil {
		b = &leafBuf{data: make([]byte, size)}
	}
	b.data = b.data[:n]
	return b
}

// putLeafBuf returns b, which nobody references, to the pool.
func putLeafBuf(b *leafBuf) {
	size := cap(b.data)
	if size < minPooled {
		return
	}
	b.data = b.data[:size]
	if poisonLeafBufs.Load() {
		b.data[0] = 0xa5
		for n := 1; n < size; n *= 2 {
			copy(b.data[n:], b.data[:n])
		}
	}
	class, _ := bufClass(size)
	leafPools[class].Put(b)
}
