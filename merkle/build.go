package merkle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	leafblake3 "github.com/cairnml/cairn/internal/blake3"
	"github.com/cairnml/cairn/store"
	"golang.org/x/sync/errgroup"
)

// Options control Build and HashObject. The zero value builds with the
// default parameters, one worker per CPU and 1 MiB reads, or what the
// store advises (store.ReadHinter).
type Options struct {
	// Params are the tree parameters. A zero PartSize means
	// DefaultPartSize; nil Plans means the default planners (fixed and
	// Parquet).
	Params Params
	// Workers bounds the objects and parts hashed at once; 0 means the
	// store's ReadHint.Concurrency if Build's store advises one (S3 does:
	// requests in flight hide its latency), else runtime.GOMAXPROCS(0).
	Workers int
	// ReadSize is the size of each worker's read buffer, in bytes; 0 means
	// the store's ReadHint.Size if Build's store advises one, else 1 MiB;
	// either way at most PartSize. Memory for read buffers is Workers x
	// ReadSize, so at most Workers x PartSize.
	//
	// How objects are read depends on what the store offers. Objects that
	// the store maps (store.Mapper) are hashed from the mapping without
	// reads or buffers. Objects that it can stream (store.RangeReader,
	// where each read is a request, as on S3) take one read per run of
	// consecutive leaves of at least ReadSize bytes, hashed as it arrives
	// through a small buffer, and those of at most ReadSize bytes one read
	// in all: hashed as it arrives too, unless the object starts as
	// Parquet does; then it is read into the buffer, which serves planning
	// and every leaf. Other objects are read ReadSize bytes at a time.
	ReadSize int
	// Progress, if set, is called after each leaf is hashed. Calls come
	// from worker goroutines but never concurrently.
	Progress func(Progress)
}

// Progress reports how much of a build is done.
type Progress struct {
	Bytes, TotalBytes     int64 // bytes hashed / to hash
	Objects, TotalObjects int   // objects finished / to hash
}

// withDefaults returns o with defaults filled in from hint (the zero
// ReadHint when the store gives none), validated.
func (o Options) withDefaults(hint store.ReadHint) (Options, error) {
	if o.Params.PartSize == 0 {
		o.Params.PartSize = DefaultPartSize
	}
	if o.Params.Plans == nil {
		o.Params.Plans = DefaultParams().Plans
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
		if hint.Concurrency > 0 {
			o.Workers = min(hint.Concurrency, maxWorkers)
		}
	}
	if o.ReadSize == 0 {
		o.ReadSize = 1 << 20
		if hint.Size > 0 {
			o.ReadSize = hint.Size
		}
		o.ReadSize = int(min(o.Params.PartSize, int64(o.ReadSize)))
	}
	return o, o.validate()
}

const maxWorkers = 1024

// hintOf returns st's read hint, if it gives one.
func hintOf(st store.Store) store.ReadHint {
	if h, ok := st.(store.ReadHinter); ok {
		return h.ReadHint()
	}
	return store.ReadHint{}
}

func (o Options) validate() error {
	if err := o.Params.Validate(); err != nil {
		return err
	}
	if o.Workers < 1 || o.Workers > maxWorkers {
		return fmt.Errorf("%w: %d workers", ErrInvalidParams, o.Workers)
	}
	if o.ReadSize < 1 || int64(o.ReadSize) > o.Params.PartSize {
		return fmt.Errorf("%w: read size %d outside [1, part size %d]", ErrInvalidParams, o.ReadSize, o.Params.PartSize)
	}
	return nil
}

// Validate reports whether o (with defaults filled in) can be used.
func (o Options) Validate() error {
	_, err := o.withDefaults(store.ReadHint{})
	return err
}

// Build hashes every object under prefix in st into a dataset tree.
//
// prefix is a directory: "" for the whole store, else it is given a
// trailing "/" if it lacks one, and entry paths are the keys with the
// prefix removed. Objects are hashed by a pool of opts.Workers goroutines,
// across objects and across the parts of large objects; the result does
// not depend on scheduling. Each object is opened once, to plan and hash
// it; when the store can map it (store.Mapper), its leaves are hashed
// straight from the mapping, and a fault from a file truncated under the
// mapping fails the build with ErrChanged instead of crashing. An object
// whose size or version changes while it is hashed fails the build with an
// error wrapping ErrChanged: Build stats each object again once it is
// hashed, unless the store's reads themselves fail when the object changes
// (store.Pinned, as on S3); then a read that finds the object changed
// fails the build, with an error wrapping both ErrChanged and
// store.ErrChanged, and the entry is of the version that was opened. A
// read that fails for another reason, such as a connection cut short, is
// a read error, not ErrChanged. Every such error names the object. Entries
// keep their leaf hashes, leaf plan and Parquet facts.
func Build(ctx context.Context, st store.Store, prefix string, opts Options) (*Dataset, error) {
	opts, err := opts.withDefaults(hintOf(st))
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if err := store.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	var keys []string
	var sizes []int64
	for info, err := range st.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(info.Key, prefix) || len(info.Key) == len(prefix) {
			return nil, fmt.Errorf("merkle: store listed key %q outside prefix %q", info.Key, prefix)
		}
		keys = append(keys, info.Key)
		sizes = append(sizes, info.Size)
	}
	b := newBuilder(opts)
	objs := make([]*buildObject, len(keys))
	for i, k := range keys {
		objs[i] = &buildObject{key: k, entry: Entry{Path: k[len(prefix):]}, listed: sizes[i], open: storeOpener(st, k)}
	}
	if err := b.run(ctx, objs); err != nil {
		return nil, err
	}
	entries := make([]Entry, len(objs))
	for i, o := range objs {
		entries[i] = o.entry
	}
	return NewDataset(opts.Params, entries)
}

// HashObject hashes one object of size bytes read through r into an Entry
// for path, with the same planning, parallelism and checks as Build.
func HashObject(ctx context.Context, r io.ReaderAt, size int64, path string, opts Options) (*Entry, error) {
	opts, err := opts.withDefaults(store.ReadHint{})
	if err != nil {
		return nil, err
	}
	if err := store.ValidKey(path); err != nil {
		return nil, fmt.Errorf("%w: path %q: %s", ErrInvalidEntry, path, err.Error())
	}
	if size < 0 {
		return nil, fmt.Errorf("%w: %s: negative size %d", ErrInvalidEntry, path, size)
	}
	o := &buildObject{key: path, entry: Entry{Path: path}, listed: size, open: func(context.Context) (sizedReaderAt, func(context.Context) error, error) {
		return fixedSize{r, size}, nil, nil
	}}
	if err := newBuilder(opts).run(ctx, []*buildObject{o}); err != nil {
		return nil, err
	}
	return &o.entry, nil
}

type sizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

type fixedSize struct {
	io.ReaderAt
	n int64
}

func (f fixedSize) Size() int64 { return f.n }

// opener opens an object for hashing; recheck, if not nil, is called after
// the last leaf is hashed and fails if the object changed. It is nil when
// the reads themselves fail if the object changes (store.Pinned).
type opener func(ctx context.Context) (r sizedReaderAt, recheck func(context.Context) error, err error)

func storeOpener(st store.Store, key string) opener {
	return func(ctx context.Context) (sizedReaderAt, func(context.Context) error, error) {
		obj, err := st.Open(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		if p, ok := obj.(store.Pinned); ok && p.Pinned() {
			return storeObject{obj}, nil, nil
		}
		info := obj.Info()
		size := obj.Size()
		recheck := func(ctx context.Context) error {
			now, err := st.Stat(ctx, key)
			if err != nil {
				return err
			}
			return sameVersion(key, size, info, now)
		}
		return storeObject{obj}, recheck, nil
	}
}

type storeObject struct{ store.Object }

func sameVersion(key string, size int64, was, now store.Info) error {
	if now.Size != size {
		return fmt.Errorf("%w: %s: size went from %d to %d bytes: %w", ErrChanged, key, size, now.Size, store.ErrSizeMismatch)
	}
	if was.VersionID != "" && now.VersionID != "" && was.VersionID != now.VersionID {
		return fmt.Errorf("%w: %s: version went from %s to %s", ErrChanged, key, was.VersionID, now.VersionID)
	}
	if was.ETag != "" && now.ETag != "" && was.ETag != now.ETag {
		return fmt.Errorf("%w: %s: ETag went from %s to %s", ErrChanged, key, was.ETag, now.ETag)
	}
	return nil
}

type buildObject struct {
	key    string
	entry  Entry
	listed int64 // the size the listing gave, for progress
	open   opener

	// Set by the worker that opens and plans the object, before any other
	// worker sees it; cleared by the worker that hashes its last leaf, or
	// by run after every worker has stopped.
	r       sizedReaderAt
	recheck func(context.Context) error
	mapper  store.Mapper
	mapped  []byte // the object's bytes, when the store maps them
	whole   []byte // else, the object's bytes in the planning worker's buffer
	// ends, else, are the bytes of an object read whole that planning
	// needs, when it was hashed as it arrived instead of kept.
	ends *endsReader
	// prehashed means that the planning worker's leaf hasher holds the
	// object's bytes, hashed as they arrived, and they are its one leaf.
	prehashed bool
	ranger    store.RangeReader // else its byte streams, if it has them

	claimed   int          // leaves handed out; guarded by schedule.mu
	remaining atomic.Int64 // leaves not yet hashed
}

// close closes the object if it is open.
func (o *buildObject) close() error {
	if o.r == nil {
		return nil
	}
	err := closeReader(o.r)
	o.r, o.mapper, o.mapped, o.whole, o.ends, o.ranger = nil, nil, nil, nil, nil, nil
	return err
}

func closeReader(r sizedReaderAt) error {
	if c, ok := r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// mapMinSize is the size from which an object the store can map is hashed
// through the mapping rather than read into a worker's buffer. Mapping
// saves the copy but costs a mmap, page faults and a munmap per object,
// and BLAKE3 then reads memory rather than a buffer in cache: on the
// reference machine (2 cores, AVX2) 2 GiB files took about 3% less CPU
// mapped and 1 MiB files about 8% more (BenchmarkTreeOneFile,
// BenchmarkTreeManyFiles). Tests lower it.
var mapMinSize int64 = 8 << 20

// mapperOf returns the store.Mapper behind r, if there is one.
func mapperOf(r sizedReaderAt) store.Mapper {
	m, _ := unwrap(r).(store.Mapper)
	return m
}

// rangerOf returns the store.RangeReader behind r, if there is one.
func rangerOf(r sizedReaderAt) store.RangeReader {
	rr, _ := unwrap(r).(store.RangeReader)
	return rr
}

// unwrap returns what r wraps.
func unwrap(r sizedReaderAt) any {
	switch v := r.(type) {
	case storeObject:
		return v.Object
	case fixedSize:
		return v.ReaderAt
	}
	return r
}

type builder struct {
	opts Options

	progMu sync.Mutex
	prog   Progress
}

func newBuilder(opts Options) *builder {
	return &builder{opts: opts}
}

// schedule hands out work to the workers: first the unclaimed leaves of
// objects already planned (oldest first, so objects finish and close in
// order), then the next object to open and plan. Every worker does
// whatever is next, so one large object is hashed by all workers, part by
// part, and many small ones by one worker each, without a goroutine or a
// buffer per object or per leaf. At most Workers objects are planned or
// hashed at a time, and at most one more has leaves waiting.
type schedule struct {
	objs     []*buildObject
	readSize int64 // ReadSize: see runEnd

	mu       sync.Mutex
	cond     sync.Cond
	next     int            // the next object to open
	planning int            // objects being opened and planned
	active   []*buildObject // planned objects with unclaimed leaves
	stopped  bool
}

// take returns the next run of leaves to hash, [i, j) of o, or the next
// object to plan (o, -1, 0), or nil when there is nothing left to do.
func (s *schedule) take() (*buildObject, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.stopped {
		for len(s.active) > 0 {
			o := s.active[0]
			if i := o.claimed; i < len(o.entry.Leaves) {
				o.claimed = s.runEnd(o, i)
				return o, i, o.claimed
			}
			s.active[0] = nil
			s.active = s.active[1:]
		}
		if s.next < len(s.objs) {
			s.next++
			s.planning++
			return s.objs[s.next-1], -1, 0
		}
		if s.planning == 0 {
			return nil, 0, 0
		}
		s.cond.Wait() // for objects being planned to add leaves
	}
	return nil, 0, 0
}

// runEnd returns the end of the run of o's leaves from leaf i that one
// worker hashes: that leaf alone, unless o is streamed from the store
// (o.ranger), where each stream is a request; then as many consecutive
// leaves as make at least ReadSize bytes, as the store advises
// (store.ReadHint.Size), read with one stream. A Parquet file's small
// leaves (its magic, small column chunks and gaps, its footer) then cost
// no request each.
func (s *schedule) runEnd(o *buildObject, i int) int {
	ls := o.entry.Leaves
	j := i + 1
	if o.ranger != nil {
		for n := ls[i].Length; j < len(ls) && n < s.readSize; j++ {
			n += ls[j].Length
		}
	}
	return j
}

// planned records that o is planned and returns the end of the first run
// of its leaves, [0, j), which the caller hashes; the other leaves are
// offered to every worker, unless o is held whole in the caller's buffer:
// then the caller hashes them all (j is the number of leaves).
func (s *schedule) planned(o *buildObject) (j int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.planning--
	switch {
	case o.whole != nil:
		o.claimed = len(o.entry.Leaves)
	case len(o.entry.Leaves) > 0:
		o.claimed = s.runEnd(o, 0)
	default:
		o.claimed = 0
	}
	if o.claimed < len(o.entry.Leaves) {
		s.active = append(s.active, o)
	}
	s.cond.Broadcast()
	return o.claimed
}

// stop makes take return nil to every worker.
func (s *schedule) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	s.cond.Broadcast()
}

// worker is one hashing goroutine's state: its leaf hasher and, for
// stores that cannot map objects, its read buffers.
type worker struct {
	h    *leafblake3.Hasher
	buf  []byte // for ReadAt, and objects held whole
	sbuf []byte // for streams hashed as they arrive
}

// buffer returns the worker's read buffer of n bytes, made on first use.
func (w *worker) buffer(n int) []byte {
	if w.buf == nil {
		w.buf = make([]byte, n)
	}
	return w.buf
}

// streamBuffer returns the worker's buffer for streams, of at most n
// bytes, made on first use.
func (w *worker) streamBuffer(n int) []byte {
	if w.sbuf == nil {
		w.sbuf = make([]byte, min(n, streamChunk))
	}
	return w.sbuf
}

// streamChunk is the size of the buffer that streams are hashed through:
// large enough that each Read takes what the connection has, small enough
// that the bytes are still in the CPU's cache when they are hashed, and
// that a worker streaming objects needs no ReadSize buffer (on S3, 8 MiB
// per worker, which a build would otherwise first have to fault in).
const streamChunk = 256 << 10

func (b *builder) run(ctx context.Context, objs []*buildObject) (err error) {
	defer func() {
		for _, o := range objs {
			if cerr := o.close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, o := range objs {
		b.prog.TotalBytes += o.listed
		b.prog.TotalObjects++
	}
	s := &schedule{objs: objs, readSize: int64(b.opts.ReadSize)}
	s.cond.L = &s.mu
	g, gctx := errgroup.WithContext(ctx)
	for range b.opts.Workers {
		g.Go(func() error {
			err := b.work(gctx, s)
			if err != nil {
				s.stop()
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

func (b *builder) work(ctx context.Context, s *schedule) error {
	w := &worker{h: protoLeaf.Clone()}
	for {
		o, i, j := s.take()
		if o == nil {
			return ctx.Err()
		}
		if i < 0 {
			err := b.start(ctx, w, o)
			j = s.planned(o)
			if err != nil {
				return err
			}
			if len(o.entry.Leaves) == 0 {
				if err := b.finish(ctx, o); err != nil {
					return err
				}
				b.report(0, true)
				continue
			}
			// If o is in w's buffer, j is every leaf: they are hashed
			// before w reads again.
			i = 0
		}
		if err := b.hashRun(ctx, w, o, i, j); err != nil {
			return err
		}
	}
}

// hashRun hashes leaves [i, j) of o: with one stream of their bytes if o
// is streamed (see runEnd), else one by one.
func (b *builder) hashRun(ctx context.Context, w *worker, o *buildObject, i, j int) error {
	if rr := o.ranger; rr != nil {
		if err := b.streamRun(ctx, w, o, rr, i, j); err != nil {
			return err
		}
		for k := i; k < j; k++ {
			if err := b.leafDone(ctx, o, k); err != nil {
				return err
			}
		}
		return nil
	}
	for k := i; k < j; k++ {
		if err := b.hashLeaf(ctx, w, o, k); err != nil {
			return err
		}
	}
	return nil
}

// start opens and plans o, as worker w. Planning reads at most the Parquet
// footer, or the whole object if it is small and the store streams it
// (see readWhole).
func (b *builder) start(ctx context.Context, w *worker, o *buildObject) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, recheck, err := o.open(ctx)
	if err != nil {
		return err
	}
	o.r, o.recheck = r, recheck
	size := r.Size()
	if size < 0 {
		return fmt.Errorf("merkle: %s: negative size %d", o.key, size)
	}
	if m := mapperOf(r); m != nil && size >= mapMinSize {
		if data, err := m.Map(); err == nil && int64(len(data)) == size {
			o.mapper, o.mapped = m, data
		}
	}
	if rr := rangerOf(r); rr != nil && o.mapped == nil && rr.Size() == size {
		if size > int64(b.opts.ReadSize) {
			o.ranger = rr
		} else if err = b.readWhole(ctx, w, o, rr, size); err != nil {
			return err
		}
	}
	var p *Plan
	switch {
	case o.mapped != nil:
		err = b.guard(ctx, o, func() error {
			p, err = PlanObject(ctx, bytesReaderAt(o.mapped), size, o.entry.Path, b.opts.Params)
			return err
		})
	case o.whole != nil:
		p, err = PlanObject(ctx, bytesReaderAt(o.whole), size, o.entry.Path, b.opts.Params)
	case o.ends != nil:
		p, err = PlanObject(ctx, o.ends, size, o.entry.Path, b.opts.Params)
		if errors.Is(err, errNotKept) {
			// The planner wants more than the ends: read it from the store.
			p, err = PlanObject(ctx, r, size, o.entry.Path, b.opts.Params)
		}
	case o.ranger != nil:
		p, err = PlanObject(ctx, &tailReader{r: r, size: size}, size, o.entry.Path, b.opts.Params)
	default:
		p, err = PlanObject(ctx, r, size, o.entry.Path, b.opts.Params)
	}
	if err != nil {
		return readError(o.key, "planning", err)
	}
	e := &o.entry
	if so, ok := r.(storeObject); ok {
		e.Store = so.Info()
	}
	e.Size, e.Plan, e.Leaves, e.Parquet, e.Warning = p.Size, p.ID, p.Leaves, p.Parquet, p.Warning
	e.NumLeaves = len(p.Leaves)
	e.Hashes = make([]Hash, len(p.Leaves))
	o.prehashed = o.prehashed && len(p.Leaves) == 1 && p.Leaves[0].Offset == 0 && p.Leaves[0].Length == size
	if o.ends != nil && !o.prehashed {
		// Not the one leaf hashed as it arrived: stream the leaves again.
		o.ranger = rangerOf(r)
	}
	o.remaining.Store(int64(len(p.Leaves)))
	if size != o.listed {
		b.progMu.Lock()
		b.prog.TotalBytes += size - o.listed
		b.progMu.Unlock()
	}
	return nil
}

// finish checks that o did not change, closes it and computes its root.
// It is called once, by the worker that hashed the last leaf.
func (b *builder) finish(ctx context.Context, o *buildObject) error {
	if o.recheck != nil {
		if err := o.recheck(ctx); err != nil {
			return err
		}
	}
	if err := o.close(); err != nil {
		return err
	}
	e := &o.entry
	e.Root = ObjectRoot(e.Size, e.Hashes)
	return nil
}

func (b *builder) hashLeaf(ctx context.Context, w *worker, o *buildObject, i int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := o.entry.Leaves[i]
	h := w.h
	if o.prehashed {
		// readWhole hashed this, the only leaf, into h as it arrived.
		o.prehashed = false
	} else if err := b.hashBytes(ctx, w, o, l); err != nil {
		return err
	}
	sumLeaf(h, o, i)
	return b.leafDone(ctx, o, i)
}

// sumLeaf completes the hash of leaf i of o, whose bytes h holds, into
// o.entry.Hashes[i].
func sumLeaf(h *leafblake3.Hasher, o *buildObject, i int) {
	l := o.entry.Leaves[i]
	s := leafSuffix(l.Offset, l.Length)
	h.Write(s[:])
	h.Sum(o.entry.Hashes[i][:0])
}

// leafDone counts leaf i of o, hashed, and finishes o if it was the last.
func (b *builder) leafDone(ctx context.Context, o *buildObject, i int) error {
	done := o.remaining.Add(-1) == 0
	if done {
		if err := b.finish(ctx, o); err != nil {
			return err
		}
	}
	b.report(o.entry.Leaves[i].Length, done)
	return nil
}

// hashBytes writes the bytes of leaf l of o to w.h, reset.
func (b *builder) hashBytes(ctx context.Context, w *worker, o *buildObject, l Leaf) error {
	h := w.h
	h.Reset()
	if o.mapped != nil {
		// Zero copy: BLAKE3 reads the page cache through the mapping.
		if err := b.guard(ctx, o, func() error {
			_, err := h.Write(o.mapped[l.Offset:l.End()])
			return err
		}); err != nil {
			return err
		}
		if len(o.entry.Leaves) > 1 {
			// Keep the resident set to the leaves being hashed. (A
			// one-leaf object is unmapped as soon as it is hashed.) This
			// must come before hashLeaf counts the leaf done: the last
			// leaf unmaps.
			o.mapper.Drop(l.Offset, l.Length)
		}
	} else if o.whole != nil {
		h.Write(o.whole[l.Offset:l.End()])
	} else {
		buf := w.buffer(b.opts.ReadSize)
		for off := int64(0); off < l.Length; {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(int64(len(buf)), l.Length-off)
			if err := readFull(o.r, buf[:n], l.Offset+off); err != nil {
				return readError(o.key, "reading", err)
			}
			h.Write(buf[:n])
			off += n
		}
	}
	return nil
}

// streamRun hashes leaves [i, j) of o, which are consecutive, into
// o.entry.Hashes from one stream of their bytes; the caller counts them
// done, after the stream is closed.
func (b *builder) streamRun(ctx context.Context, w *worker, o *buildObject, rr store.RangeReader, i, j int) error {
	ls := o.entry.Leaves
	off, n := ls[i].Offset, ls[j-1].End()-ls[i].Offset
	body, err := rr.ReadRange(off, n)
	if err != nil {
		return readError(o.key, "reading", err)
	}
	defer body.Close()
	buf := w.streamBuffer(b.opts.ReadSize)
	var got int64
	for k := i; k < j; k++ {
		w.h.Reset()
		for end := ls[k].End() - off; got < end; {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, err := body.Read(buf[:min(int64(len(buf)), end-got)])
			w.h.Write(buf[:m])
			got += int64(m)
			if err := streamEnd(o, err, got, off, n); err != nil {
				return err
			}
		}
		sumLeaf(w.h, o, k)
	}
	return nil
}

// readWhole reads the size bytes of o, at most ReadSize, with one stream.
// If they start with the Parquet magic, it keeps them in w's buffer
// (o.whole), to plan the object and hash its leaves from. Else the object
// is not Parquet, and its plan, fixed, is one leaf (ReadSize is at most
// PartSize): readWhole hashes the bytes into w.h as they arrive, through
// w's stream buffer, and keeps only what planning reads (o.ends); start
// keeps that hash if the plan is indeed that (o.prehashed).
func (b *builder) readWhole(ctx context.Context, w *worker, o *buildObject, rr store.RangeReader, size int64) error {
	body, err := rr.ReadRange(0, size)
	if err != nil {
		return readError(o.key, "reading", err)
	}
	defer body.Close()
	sbuf := w.streamBuffer(b.opts.ReadSize)
	e := &endsReader{size: size}
	o.prehashed = true
	w.h.Reset()
	for got := int64(0); got < size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		var p []byte
		if o.whole != nil {
			p = o.whole[got:min(got+wholeChunk, size)]
		} else {
			p = sbuf[:min(int64(len(sbuf)), size-got)]
		}
		n, err := body.Read(p)
		if o.whole == nil {
			p = p[:n]
			e.record(got, p)
			if got < 4 && got+int64(n) >= 4 && string(e.head[:]) == string(parquetMagic) {
				// Maybe Parquet: keep every byte.
				o.whole = w.buffer(b.opts.ReadSize)[:size]
				copy(o.whole, e.head[:got])
				copy(o.whole[got:], p)
				o.prehashed = false
			} else {
				w.h.Write(p)
			}
		}
		got += int64(n)
		if err := streamEnd(o, err, got, 0, size); err != nil {
			return err
		}
	}
	if o.whole == nil {
		o.ends = e
	}
	return nil
}

// wholeChunk bounds each read of readWhole into an object kept whole, so
// that the bytes it reads are in the CPU's cache when they are hashed.
const wholeChunk = 256 << 10

// endsReader serves, for PlanObject, the first 4 and last 8 bytes of an
// object of size bytes: all that the planner reads of an object that does
// not start with the Parquet magic (of one smaller than 12 bytes it reads
// nothing). Other reads fail with errNotKept.
type endsReader struct {
	size int64
	head [4]byte
	tail [8]byte
}

var errNotKept = errors.New("merkle: bytes not kept for planning")

// record notes p, the bytes at off, where they are among the ends.
func (e *endsReader) record(off int64, p []byte) {
	if off < int64(len(e.head)) {
		copy(e.head[off:], p)
	}
	tail := e.size - int64(len(e.tail))
	if end := off + int64(len(p)); end > tail {
		from := max(off, tail)
		copy(e.tail[from-tail:], p[from-off:])
	}
}

func (e *endsReader) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	tail := e.size - int64(len(e.tail))
	switch {
	case off < 0 || end > e.size:
	case end <= int64(len(e.head)):
		return copy(p, e.head[off:]), nil
	case off >= tail && tail >= 0:
		return copy(p, e.tail[off-tail:]), nil
	}
	return 0, errNotKept
}

// streamEnd returns the error that err, from a Read of the stream of the n
// bytes at off of o that has delivered got bytes so far, ends the stream
// with, or nil. io.EOF before the end means that the object shrank.
func streamEnd(o *buildObject, err error, got, off, n int64) error {
	switch {
	case err == nil || got == n && err == io.EOF:
		return nil
	case err == io.EOF:
		return fmt.Errorf("%w: %s: %w: the stream of the %d bytes at offset %d ended after %d", ErrChanged, o.key, io.ErrUnexpectedEOF, n, off, got)
	}
	return readError(o.key, "reading", err)
}

// readError returns the error that ends the build when a read of the
// object key, while doing what ("reading" or "planning"), fails with err.
// It wraps ErrChanged when the read shows that the object changed: it was
// shorter than its size (readFull's *shortReadError), or the store says so
// (store.ErrChanged). Otherwise it is a read error, even if err wraps
// io.ErrUnexpectedEOF, as a connection cut short does. Either names the
// object.
func readError(key, what string, err error) error {
	var short *shortReadError
	switch {
	case errors.Is(err, ErrChanged):
		return err // already ours, naming the object (guard)
	case errors.As(err, &short) || errors.Is(err, store.ErrChanged):
		return fmt.Errorf("%w: %s %s: %w", ErrChanged, what, key, err)
	}
	return fmt.Errorf("merkle: %s %s: %w", what, key, err)
}

// guard runs f, which reads o's mapping, and turns a memory fault inside
// the mapping (the file was truncated under it, or the kernel could not
// read a page in) into an error wrapping ErrChanged instead of a crash.
// Other panics go on.
func (b *builder) guard(ctx context.Context, o *buildObject, f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		fe, ok := r.(interface{ Addr() uintptr })
		if !ok || len(o.mapped) == 0 {
			panic(r)
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(o.mapped)))
		addr := fe.Addr()
		if addr < base || addr-base >= uintptr(len(o.mapped)) {
			panic(r)
		}
		err = fmt.Errorf("%w: %s: memory fault reading byte %d of %d through the mapping (truncated while hashed, or an I/O error)", ErrChanged, o.key, addr-base, len(o.mapped))
		if o.recheck != nil {
			if rerr := o.recheck(ctx); rerr != nil {
				err = fmt.Errorf("%w (memory fault reading byte %d through the mapping)", rerr, addr-base)
			}
		}
	}()
	return f()
}

// tailReader reads an object for PlanObject where each read is a request
// (o.ranger): once the object has started with the Parquet magic, the
// planner's read of the footer's length and magic reads the last
// tailSize bytes instead, in the same request, and its read of the footer
// is served from them if they hold it. A footer costs no request of its
// own then, and the bytes of an object that is not Parquet are not read.
type tailReader struct {
	r       io.ReaderAt
	size    int64
	parquet bool   // the first 4 bytes read were the magic
	tail    []byte // the last len(tail) bytes
}

// tailSize is what tailReader reads of a Parquet file's end: what costs
// far less than a request (see store/s3's ReadHint), and holds most
// footers.
const tailSize = 64 << 10

func (t *tailReader) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	from := t.size - int64(len(t.tail))
	switch {
	case off < 0 || end > t.size:
	case t.tail != nil && off >= from:
		return copy(p, t.tail[off-from:]), nil
	case t.parquet && t.tail == nil && end == t.size && int64(len(p)) < tailSize:
		tail := make([]byte, min(t.size, tailSize))
		if err := readFull(t.r, tail, t.size-int64(len(tail))); err != nil {
			return 0, err
		}
		t.tail = tail
		return t.ReadAt(p, off)
	}
	n, err := t.r.ReadAt(p, off)
	if off == 0 && n >= 4 && string(p[:4]) == string(parquetMagic) {
		t.parquet = true
	}
	return n, err
}

// bytesReaderAt reads a mapping for PlanObject.
type bytesReaderAt []byte

func (p bytesReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("merkle: negative offset")
	}
	if off >= int64(len(p)) {
		return 0, io.EOF
	}
	n := copy(b, p[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (b *builder) report(n int64, objectDone bool) {
	if b.opts.Progress == nil {
		return
	}
	b.progMu.Lock()
	defer b.progMu.Unlock()
	b.prog.Bytes += n
	if objectDone {
		b.prog.Objects++
	}
	b.opts.Progress(b.prog)
}
