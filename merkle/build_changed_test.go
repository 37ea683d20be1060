package merkle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

// meddlingStore wraps a store: the n-th read (ReadAt or ReadRange, counted
// from 1) of key first calls meddle, which may change the object in the
// wrapped store. It counts the Stats made through it. Objects that are
// store.RangeReader and store.Pinned stay so.
type meddlingStore struct {
	store.Store
	key    string
	n      int32
	meddle func()

	reads, stats atomic.Int32
	once         sync.Once
}

func (s *meddlingStore) ReadHint() store.ReadHint {
	if h, ok := s.Store.(store.ReadHinter); ok {
		return h.ReadHint()
	}
	return store.ReadHint{}
}

func (s *meddlingStore) Stat(ctx context.Context, key string) (store.Info, error) {
	s.stats.Add(1)
	return s.Store.Stat(ctx, key)
}

func (s *meddlingStore) Open(ctx context.Context, key string) (store.Object, error) {
	obj, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	o := &meddledObject{Object: obj, s: s, key: key}
	if _, ok := obj.(interface {
		store.RangeReader
		store.Pinned
	}); ok {
		return &meddledS3Object{o}, nil
	}
	return o, nil
}

func (s *meddlingStore) read(key string) {
	if key == s.key && s.reads.Add(1) == s.n {
		s.once.Do(s.meddle)
	}
}

type meddledObject struct {
	store.Object
	s   *meddlingStore
	key string
}

func (o *meddledObject) ReadAt(p []byte, off int64) (int, error) {
	o.s.read(o.key)
	return o.Object.ReadAt(p, off)
}

// meddledS3Object is a meddledObject of an object that is a
// store.RangeReader and store.Pinned, as S3's are.
type meddledS3Object struct{ *meddledObject }

func (o meddledS3Object) ReadRange(off, n int64) (io.ReadCloser, error) {
	o.s.read(o.key)
	return o.Object.(store.RangeReader).ReadRange(off, n)
}

func (o meddledS3Object) Pinned() bool { return o.Object.(store.Pinned).Pinned() }

// TestBuildS3ObjectChanged: an object overwritten (with as many bytes) or
// deleted in S3 while Build reads it, whether it is read whole, leaf by
// leaf or planned from its Parquet footer first, fails the build with an
// error that wraps merkle.ErrChanged and store.ErrChanged and names the
// object; Build learns it from its reads, without Stat. On a versioned
// bucket the opened version stays readable: the build succeeds, with the
// root of the bytes that were opened.
func TestBuildS3ObjectChanged(t *testing.T) {
	s3test.Require(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 21))
	pq := parquetBytes(t, 3000, 1000, 3)
	const part = 16 << 10
	files := map[string][]byte{
		"a/small.bin":  randBytes(r, 3000),      // read whole
		"a/big.bin":    randBytes(r, 5*part+17), // a stream per leaf
		"a/t.parquet":  pq,                      // footer, then leaves
		"a/other.bin":  randBytes(r, 100),
		"a/z/last.bin": randBytes(r, 2*part),
	}
	opts := merkle.Options{Params: merkle.Params{PartSize: part}, ReadSize: 4096}
	want, err := merkle.Build(ctx, memStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key string
		n   int32 // the read before which the object changes
	}{
		{"a/small.bin", 1},
		{"a/big.bin", 1},
		{"a/big.bin", 3},
		{"a/t.parquet", 1}, // planning: the magic
		{"a/t.parquet", 4}, // after the footer
	} {
		for _, how := range []string{"overwrite", "delete", "versioned"} {
			t.Run(fmt.Sprintf("%s/read%d/%s", strings.TrimPrefix(tc.key, "a/"), tc.n, how), func(t *testing.T) {
				st := s3test.NewStore(t, "")
				if how == "versioned" {
					st = s3test.NewVersionedStore(t, "")
				}
				for k, v := range files {
					putT(t, st, k, v)
				}
				ms := &meddlingStore{Store: st, key: tc.key, n: tc.n, meddle: func() {
					if how == "delete" {
						if err := st.Delete(ctx, tc.key); err != nil {
							t.Error(err)
						}
						return
					}
					b := bytes.Clone(files[tc.key])
					b[len(b)/2] ^= 1
					putT(t, st, tc.key, b)
				}}
				d, err := merkle.Build(ctx, ms, "", opts)
				if ms.reads.Load() < tc.n {
					t.Fatalf("%d reads of %s, the test wants at least %d", ms.reads.Load(), tc.key, tc.n)
				}
				if n := ms.stats.Load(); n != 0 {
					t.Errorf("%d Stats: Build should learn of changes from S3 reads", n)
				}
				if how == "versioned" {
					if err != nil {
						t.Fatalf("versioned bucket: %v, want the opened version hashed", err)
					}
					if d.Root != want.Root {
						t.Fatalf("versioned bucket: root %s, want %s (the opened bytes)", d.Root, want.Root)
					}
					return
				}
				switch {
				case err == nil:
					t.Fatalf("no error; root %s (unchanged data: %s)", d.Root, want.Root)
				case !errors.Is(err, merkle.ErrChanged) || !errors.Is(err, store.ErrChanged):
					t.Errorf("%v, want merkle.ErrChanged and store.ErrChanged", err)
				case !strings.Contains(err.Error(), tc.key):
					t.Errorf("%v does not name %s", err, tc.key)
				}
				if how == "delete" && !errors.Is(err, store.ErrNotExist) {
					t.Errorf("%v, want store.ErrNotExist too", err)
				}
			})
		}
	}
}

// TestBuildStatsUnpinned: on stores whose reads do not detect a change
// (mem, local), Build still stats every object once it is hashed.
func TestBuildStatsUnpinned(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(22, 22))
	files := map[string][]byte{"a": randBytes(r, 5000), "b.parquet": parquetBytes(t, 300, 100, 4), "c": nil}
	for name, st := range map[string]store.Store{"mem": memStore(t, files), "local": dirStore(t, files)} {
		ms := &meddlingStore{Store: st, meddle: func() {}}
		if _, err := merkle.Build(ctx, ms, "", merkle.Options{Params: merkle.Params{PartSize: 1024}}); err != nil {
			t.Fatal(err)
		}
		if n := ms.stats.Load(); n != int32(len(files)) {
			t.Errorf("%s: %d Stats, want %d", name, n, len(files))
		}
	}
}

// failingStore wraps a store: ReadAts of key that cover byte at fail there
// with err, or end there with io.EOF, short, if err is nil.
type failingStore struct {
	store.Store
	key string
	at  int64
	err error
}

func (s *failingStore) Open(ctx context.Context, key string) (store.Object, error) {
	obj, err := s.Store.Open(ctx, key)
	if err != nil || key != s.key {
		return obj, err
	}
	return &failingObject{Object: obj, s: s}, nil
}

type failingObject struct {
	store.Object
	s *failingStore
}

func (o *failingObject) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= o.s.at || off > o.s.at {
		return o.Object.ReadAt(p, off)
	}
	n := 0
	if off < o.s.at {
		n, _ = o.Object.ReadAt(p[:o.s.at-off], off)
	}
	if o.s.err == nil {
		return n, io.EOF
	}
	return n, &store.Error{Op: "read", Key: o.s.key, Err: o.s.err}
}

// TestBuildReadErrorNotChanged: a read that fails with an error wrapping
// io.ErrUnexpectedEOF, as a connection cut short after the store's
// retries does, is a read error naming the object, whether it comes while
// the object is planned or while a leaf is read, and not ErrChanged; a
// read that ends early at io.EOF is ErrChanged.
func TestBuildReadErrorNotChanged(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(23, 23))
	pq := parquetBytes(t, 3000, 1000, 5)
	files := map[string][]byte{"d/blob.bin": randBytes(r, 20_000), "d/t.parquet": pq}
	cut := fmt.Errorf("body cut short with 100 bytes to go: %w (gave up after 5 attempts)", io.ErrUnexpectedEOF)
	for _, tc := range []struct {
		key  string
		at   int64
		what string
	}{
		{"d/blob.bin", 0, "planning"}, // the probe for Parquet magic
		{"d/blob.bin", 9000, "reading"},
		{"d/t.parquet", 0, "planning"},                   // the magic
		{"d/t.parquet", int64(len(pq)) - 20, "planning"}, // the footer
		{"d/t.parquet", int64(len(pq)) / 2, "reading"},   // a leaf
	} {
		for _, mode := range []string{"cut", "short"} {
			st := &failingStore{Store: memStore(t, files), key: tc.key, at: tc.at}
			if mode == "cut" {
				st.err = cut
			}
			opts := merkle.Options{Params: merkle.Params{PartSize: 4096}, ReadSize: 1024, Workers: 2}
			_, err := merkle.Build(ctx, st, "", opts)
			name := fmt.Sprintf("%s at %d, %s", tc.key, tc.at, mode)
			switch {
			case err == nil:
				t.Errorf("%s: no error", name)
			case !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.what):
				t.Errorf("%s: %q, want it to say %s %s", name, err, tc.what, tc.key)
			case mode == "short" && !errors.Is(err, merkle.ErrChanged):
				t.Errorf("%s: %v, want ErrChanged", name, err)
			case mode == "cut" && (errors.Is(err, merkle.ErrChanged) || !errors.Is(err, cut)):
				t.Errorf("%s: %v, want the read error and not ErrChanged", name, err)
			case mode == "cut" && !strings.HasPrefix(err.Error(), "merkle: "+tc.what+" "+tc.key+": "):
				t.Errorf("%s: %q, want it to start %q", name, err, "merkle: "+tc.what+" "+tc.key+": ")
			}
		}
	}
}
