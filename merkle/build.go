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

	"github.com/cairnml/cairn/store"
	"github.com/zeebo/blake3"
	"golang.org/x/sync/errgroup"
)

// Options control Build and HashObject. The zero value builds with the
// default parameters and one worker per CPU.
type Options struct {
	// Params are the tree parameters. A zero PartSize means
	// DefaultPartSize; nil Plans means the default planners (fixed and
	// Parquet).
	Params Params
	// Workers bounds the objects and parts hashed at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// ReadSize is the size of each read from the store, in bytes; 0 means
	// min(PartSize, 1 MiB). Memory for read buffers is Workers x ReadSize.
	// Stores where each read is a request (S3) do better with PartSize.
	// Objects that the store maps (store.Mapper) are hashed from the
	// mapping without reads or buffers.
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

// withDefaults returns o with defaults filled in, validated.
func (o Options) withDefaults() (Options, error) {
	if o.Params.PartSize == 0 {
		o.Params.PartSize = DefaultPartSize
	}
	if o.Params.Plans == nil {
		o.Params.Plans = DefaultParams().Plans
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ReadSize == 0 {
		o.ReadSize = int(min(o.Params.PartSize, 1<<20))
	}
	return o, o.validate()
}

func (o Options) validate() error {
	if err := o.Params.Validate(); err != nil {
		return err
	}
	if o.Workers < 1 || o.Workers > 1024 {
		return fmt.Errorf("%w: %d workers", ErrInvalidParams, o.Workers)
	}
	if o.ReadSize < 1 || int64(o.ReadSize) > o.Params.PartSize {
		return fmt.Errorf("%w: read size %d outside [1, part size %d]", ErrInvalidParams, o.ReadSize, o.Params.PartSize)
	}
	return nil
}

// Validate reports whether o (with defaults filled in) can be used.
func (o Options) Validate() error {
	_, err := o.withDefaults()
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
// mapping fails the build with ErrChanged instead of crashing. An object whose size or version changes while
// it is hashed fails the build with an error wrapping ErrChanged. Entries
// keep their leaf hashes, leaf plan and Parquet facts.
func Build(ctx context.Context, st store.Store, prefix string, opts Options) (*Dataset, error) {
	opts, err := opts.withDefaults()
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
	opts, err := opts.withDefaults()
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
// the last leaf is hashed and fails if the object changed.
type opener func(ctx context.Context) (r sizedReaderAt, recheck func(context.Context) error, err error)

func storeOpener(st store.Store, key string) opener {
	return func(ctx context.Context) (sizedReaderAt, func(context.Context) error, error) {
		obj, err := st.Open(ctx, key)
		if err != nil {
			return nil, nil, err
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

	claimed   int          // leaves handed out; guarded by schedule.mu
	remaining atomic.Int64 // leaves not yet hashed
}

// close closes the object if it is open.
func (o *buildObject) close() error {
	if o.r == nil {
		return nil
	}
	err := closeReader(o.r)
	o.r, o.mapper, o.mapped = nil, nil, nil
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
	var x any = r
	switch v := r.(type) {
	case storeObject:
		x = v.Object
	case fixedSize:
		x = v.ReaderAt
	}
	m, _ := x.(store.Mapper)
	return m
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
	objs []*buildObject

	mu       sync.Mutex
	cond     sync.Cond
	next     int            // the next object to open
	planning int            // objects being opened and planned
	active   []*buildObject // planned objects with unclaimed leaves
	stopped  bool
}

// take returns the next leaf to hash (o, i), or the next object to plan
// (o, -1), or nil when there is nothing left to do.
func (s *schedule) take() (*buildObject, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.stopped {
		for len(s.active) > 0 {
			o := s.active[0]
			if o.claimed < len(o.entry.Leaves) {
				o.claimed++
				return o, o.claimed - 1
			}
			s.active[0] = nil
			s.active = s.active[1:]
		}
		if s.next < len(s.objs) {
			s.next++
			s.planning++
			return s.objs[s.next-1], -1
		}
		if s.planning == 0 {
			return nil, 0
		}
		s.cond.Wait() // for objects being planned to add leaves
	}
	return nil, 0
}

// planned records that o is planned; the caller hashes its first leaf,
// if it has one, and the other leaves are offered to every worker.
func (s *schedule) planned(o *buildObject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.planning--
	o.claimed = min(1, len(o.entry.Leaves))
	if o.claimed < len(o.entry.Leaves) {
		s.active = append(s.active, o)
	}
	s.cond.Broadcast()
}

// stop makes take return nil to every worker.
func (s *schedule) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	s.cond.Broadcast()
}

// worker is one hashing goroutine's state: its leaf hasher and, for
// stores that cannot map objects, its read buffer.
type worker struct {
	h   *blake3.Hasher
	buf []byte
}

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
	s := &schedule{objs: objs}
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
		o, i := s.take()
		if o == nil {
			return ctx.Err()
		}
		if i < 0 {
			err := b.start(ctx, o)
			s.planned(o)
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
			i = 0
		}
		if err := b.hashLeaf(ctx, w, o, i); err != nil {
			return err
		}
	}
}

// start opens and plans o. Planning reads at most the Parquet footer.
func (b *builder) start(ctx context.Context, o *buildObject) error {
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
	var p *Plan
	if o.mapped != nil {
		err = b.guard(ctx, o, func() error {
			p, err = PlanObject(ctx, bytesReaderAt(o.mapped), size, o.entry.Path, b.opts.Params)
			return err
		})
	} else {
		p, err = PlanObject(ctx, r, size, o.entry.Path, b.opts.Params)
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: planning %s: %w", ErrChanged, o.key, err)
		}
		if errors.Is(err, ErrChanged) {
			return err
		}
		return fmt.Errorf("merkle: planning %s: %w", o.key, err)
	}
	e := &o.entry
	if so, ok := r.(storeObject); ok {
		e.Store = so.Info()
	}
	e.Size, e.Plan, e.Leaves, e.Parquet, e.Warning = p.Size, p.ID, p.Leaves, p.Parquet, p.Warning
	e.NumLeaves = len(p.Leaves)
	e.Hashes = make([]Hash, len(p.Leaves))
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
			// must come before the count below: the last leaf unmaps.
			o.mapper.Drop(l.Offset, l.Length)
		}
	} else {
		if w.buf == nil {
			w.buf = make([]byte, b.opts.ReadSize)
		}
		buf := w.buf
		for off := int64(0); off < l.Length; {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(int64(len(buf)), l.Length-off)
			if err := readFull(o.r, buf[:n], l.Offset+off); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return fmt.Errorf("%w: %s: %w", ErrChanged, o.key, err)
				}
				return fmt.Errorf("merkle: reading %s: %w", o.key, err)
			}
			h.Write(buf[:n])
			off += n
		}
	}
	s := leafSuffix(l.Offset, l.Length)
	h.Write(s[:])
	h.Sum(o.entry.Hashes[i][:0])
	done := o.remaining.Add(-1) == 0
	if done {
		if err := b.finish(ctx, o); err != nil {
			return err
		}
	}
	b.report(l.Length, done)
	return nil
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
