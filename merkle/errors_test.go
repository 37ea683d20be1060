package merkle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

// changingStore wraps a store and makes one key look different on Stat,
// or truncates its reads. (Build opens each object once, to plan and hash
// it, so there is no second Open to lie about the size.)
type changingStore struct {
	store.Store
	key   string
	mode  string // "stat", "short"
	opens atomic.Int32
}

func (s *changingStore) Open(ctx context.Context, key string) (store.Object, error) {
	obj, err := s.Store.Open(ctx, key)
	if err != nil || key != s.key {
		return obj, err
	}
	if s.opens.Add(1) == 1 && s.mode == "short" {
		return shortObj{obj}, nil
	}
	return obj, nil
}

func (s *changingStore) Stat(ctx context.Context, key string) (store.Info, error) {
	info, err := s.Store.Stat(ctx, key)
	if s.mode == "stat" && key == s.key {
		info.Size++
	}
	return info, err
}

type shortObj struct{ store.Object }

// ReadAt returns one byte too few at the end of the object, except for
// the planner's small reads, so that hashing (not planning) meets the
// short read.
func (o shortObj) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > 16 && off+int64(len(p)) > o.Size()-1 {
		n, _ := o.Object.ReadAt(p[:max(0, o.Size()-1-off)], off)
		return n, io.EOF
	}
	return o.Object.ReadAt(p, off)
}

func TestBuildObjectChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	files := map[string][]byte{"a": randBytes(r, 5000), "b": randBytes(r, 10)}
	for _, mode := range []string{"stat", "short"} {
		st := &changingStore{Store: memStore(t, files), key: "a", mode: mode}
		_, err := merkle.Build(context.Background(), st, "", merkle.Options{Params: merkle.Params{PartSize: 1024}})
		if !errors.Is(err, merkle.ErrChanged) {
			t.Errorf("%s: %v, want ErrChanged", mode, err)
		}
		if mode != "short" && !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("%s: %v, want it to wrap store.ErrSizeMismatch", mode, err)
		}
	}
}

func TestBuildCancel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	files := map[string][]byte{}
	for _, p := range testPaths {
		files[p] = randBytes(r, 20_000)
	}
	st := memStore(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := merkle.Build(ctx, st, "", merkle.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	_, err := merkle.Build(ctx, st, "", merkle.Options{Params: merkle.Params{PartSize: 1024}, Progress: func(merkle.Progress) {
		if calls++; calls == 5 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during: %v", err)
	}
}

func TestBuildProgress(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	files := map[string][]byte{"a": randBytes(r, 5000), "b": nil, "c": randBytes(r, 100)}
	var mu sync.Mutex
	var last merkle.Progress
	_, err := merkle.Build(context.Background(), memStore(t, files), "", merkle.Options{Params: merkle.Params{PartSize: 1024}, Workers: 4, Progress: func(p merkle.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Bytes < last.Bytes || p.Objects < last.Objects {
			t.Errorf("progress went back: %+v after %+v", p, last)
		}
		last = p
	}})
	if err != nil {
		t.Fatal(err)
	}
	if last != (merkle.Progress{Bytes: 5100, TotalBytes: 5100, Objects: 3, TotalObjects: 3}) {
		t.Errorf("final progress %+v", last)
	}
}

type errStore struct{ store.Store }

func (errStore) Open(ctx context.Context, key string) (store.Object, error) {
	return nil, &store.Error{Op: "open", Key: key, Err: errors.New("disk on fire")}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	if _, err := merkle.Build(ctx, errStore{memStore(t, map[string][]byte{"a": []byte("x")})}, "", merkle.Options{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("open error: %v", err)
	}
	for _, o := range []merkle.Options{
		{Workers: -1},
		{Params: merkle.Params{PartSize: 10}},
		{ReadSize: merkle.DefaultPartSize + 1},
		{Params: merkle.Params{PartSize: 4096, Plans: []merkle.PlanID{"parquet"}}},
	} {
		if _, err := merkle.Build(ctx, memStore(t, nil), "", o); !errors.Is(err, merkle.ErrInvalidParams) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	for _, p := range []string{"", "/abs", "a/../b", "a//b", "\xff\xfe", "a/./b", "nul\x00"} {
		if _, err := merkle.HashObject(ctx, strings.NewReader("x"), 1, p, merkle.Options{}); !errors.Is(err, merkle.ErrInvalidEntry) {
			t.Errorf("HashObject path %q: %v", p, err)
		}
		if _, err := merkle.NewDataset(merkle.DefaultParams(), []merkle.Entry{{Path: p, Plan: merkle.PlanFixed}}); !errors.Is(err, merkle.ErrInvalidEntry) {
			t.Errorf("NewDataset path %q: %v", p, err)
		}
	}
	for name, es := range map[string][]merkle.Entry{
		"duplicate":     {{Path: "a", Plan: "fixed"}, {Path: "a", Plan: "fixed"}},
		"negative size": {{Path: "a", Size: -1, Plan: "fixed"}},
		"unknown plan":  {{Path: "a", Plan: "zip"}},
		"plan disabled": {{Path: "a", Plan: "parquet"}},
		"too many":      {{Path: "a", Size: 1, NumLeaves: 2, Plan: "fixed"}},
	} {
		params := merkle.DefaultParams()
		if name == "plan disabled" {
			params.Plans = []merkle.PlanID{merkle.PlanFixed}
		}
		if _, err := merkle.NewDataset(params, es); !errors.Is(err, merkle.ErrInvalidEntry) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Truncated reader under HashObject: the object is shorter than said.
	if _, err := merkle.HashObject(ctx, bytes.NewReader([]byte("abc")), 10, "x", merkle.Options{}); !errors.Is(err, merkle.ErrChanged) {
		t.Errorf("short reader: %v", err)
	}
}

func TestEntryProofs(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	files := map[string][]byte{}
	for _, p := range testPaths {
		files[p] = randBytes(r, r.IntN(3000))
	}
	d, err := merkle.Build(context.Background(), memStore(t, files), "", merkle.Options{Params: merkle.Params{PartSize: 1024}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Entries {
		e := &d.Entries[i]
		p, err := d.EntryProof(e.Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := merkle.VerifyEntry(d.Root, d.Params, d.Bytes, e, p); err != nil {
			t.Fatalf("%s: %v", e.Path, err)
		}
		if err := merkle.VerifyEntry(d.Root, d.Params, d.Bytes+1, e, p); !errors.Is(err, merkle.ErrInvalidProof) {
			t.Errorf("%s: wrong total verified: %v", e.Path, err)
		}
		other := *e
		other.Path += "x"
		if err := merkle.VerifyEntry(d.Root, d.Params, d.Bytes, &other, p); !errors.Is(err, merkle.ErrInvalidProof) {
			t.Errorf("%s: renamed entry verified: %v", e.Path, err)
		}
		for j := range e.NumLeaves {
			lp, err := e.LeafProof(j)
			if err != nil {
				t.Fatal(err)
			}
			if err := merkle.VerifyLeaf(e.Root, e.Size, e.Hashes[j], lp); err != nil {
				t.Fatalf("%s leaf %d: %v", e.Path, j, err)
			}
		}
	}
	if _, err := d.EntryProof("missing"); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("proof of a missing entry: %v", err)
	}
}
