package merkle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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
// not depend on scheduling. An object whose size or version changes while
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
	for info, err := range st.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(info.Key, prefix) || len(info.Key) == len(prefix) {
			return nil, fmt.Errorf("merkle: store listed key %q outside prefix %q", info.Key, prefix)
		}
		keys = append(keys, info.Key)
	}
	b := newBuilder(opts)
	objs := make([]*buildObject, len(keys))
	for i, k := range keys {
		objs[i] = &buildObject{key: k, entry: Entry{Path: k[len(prefix):]}, open: storeOpener(st, k)}
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
	o := &buildObject{key: path, entry: Entry{Path: path}, open: func(context.Context) (sizedReaderAt, func(context.Context) error, error) {
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
	key   string
	entry Entry
	open  opener

	mu        sync.Mutex
	r         sizedReaderAt
	recheck   func(context.Context) error
	openErr   error
	remaining atomic.Int64
}

// acquire opens the object for hashing once; later calls share the handle.
func (o *buildObject) acquire(ctx context.Context) (io.ReaderAt, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.r == nil && o.openErr == nil {
		r, recheck, err := o.open(ctx)
		if err == nil && r.Size() != o.entry.Size {
			closeReader(r)
			err = fmt.Errorf("%w: %s: planned %d bytes, reopened with %d: %w", ErrChanged, o.key, o.entry.Size, r.Size(), store.ErrSizeMismatch)
		}
		o.r, o.recheck, o.openErr = r, recheck, err
		if err != nil {
			o.r = nil
		}
	}
	return o.r, o.openErr
}

func (o *buildObject) release() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.r == nil {
		return nil
	}
	err := closeReader(o.r)
	o.r = nil
	return err
}

func closeReader(r sizedReaderAt) error {
	if c, ok := r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

type builder struct {
	opts Options
	bufs sync.Pool // *[]byte of ReadSize
	hs   sync.Pool // *blake3.Hasher keyed for leaves

	progMu sync.Mutex
	prog   Progress
}

func newBuilder(opts Options) *builder {
	b := &builder{opts: opts}
	b.bufs.New = func() any { s := make([]byte, opts.ReadSize); return &s }
	b.hs.New = func() any { return protoLeaf.Clone() }
	return b
}

func (b *builder) run(ctx context.Context, objs []*buildObject) (err error) {
	defer func() {
		for _, o := range objs {
			if cerr := o.release(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}()
	// Stage 1: plan every object (reads at most the Parquet footer).
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Workers)
	for _, o := range objs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return b.plan(gctx, o) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, o := range objs {
		b.prog.TotalBytes += o.entry.Size
		b.prog.TotalObjects++
	}
	// Stage 2: hash every leaf of every object, in one pool.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Workers)
	for _, o := range objs {
		if len(o.entry.Leaves) == 0 {
			b.report(0, true)
			continue
		}
		o.remaining.Store(int64(len(o.entry.Leaves)))
		for i := range o.entry.Leaves {
			if gctx.Err() != nil {
				break
			}
			g.Go(func() error { return b.hashLeaf(gctx, o, i) })
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, o := range objs {
		e := &o.entry
		e.Root = ObjectRoot(e.Size, e.Hashes)
	}
	return nil
}

func (b *builder) plan(ctx context.Context, o *buildObject) error {
	r, _, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer closeReader(r)
	p, err := PlanObject(ctx, r, r.Size(), o.entry.Path, b.opts.Params)
	if err != nil {
		return fmt.Errorf("merkle: planning %s: %w", o.key, err)
	}
	e := &o.entry
	if so, ok := r.(storeObject); ok {
		e.Store = so.Info()
	}
	e.Size, e.Plan, e.Leaves, e.Parquet, e.Warning = p.Size, p.ID, p.Leaves, p.Parquet, p.Warning
	e.NumLeaves = len(p.Leaves)
	e.Hashes = make([]Hash, len(p.Leaves))
	return nil
}

func (b *builder) hashLeaf(ctx context.Context, o *buildObject, i int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := o.acquire(ctx)
	if err != nil {
		return err
	}
	l := o.entry.Leaves[i]
	bp := b.bufs.Get().(*[]byte)
	h := b.hs.Get().(*blake3.Hasher)
	defer b.bufs.Put(bp)
	defer b.hs.Put(h)
	h.Reset()
	buf := *bp
	for off := int64(0); off < l.Length; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(int64(len(buf)), l.Length-off)
		if err := readFull(r, buf[:n], l.Offset+off); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: %s: %w", ErrChanged, o.key, err)
			}
			return fmt.Errorf("merkle: reading %s: %w", o.key, err)
		}
		h.Write(buf[:n])
		off += n
	}
	s := leafSuffix(l.Offset, l.Length)
	h.Write(s[:])
	h.Sum(o.entry.Hashes[i][:0])
	done := o.remaining.Add(-1) == 0
	if done {
		o.mu.Lock()
		recheck := o.recheck
		o.mu.Unlock()
		if recheck != nil {
			if err := recheck(ctx); err != nil {
				return err
			}
		}
		if err := o.release(); err != nil {
			return err
		}
	}
	b.report(l.Length, done)
	return nil
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
