package lineage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/mem"
)

var errInjected = errors.New("injected write failure")

// faultStore fails every Put of key with errInjected, after copying the
// store's content into crash: the state a crash at that moment (between
// the writes before it and this one) leaves on disk. It counts the Puts of
// each key.
type faultStore struct {
	*mem.Store
	key   string
	crash *mem.Store
	puts  map[string]int
	// after makes the failing Put replace the object first, as a Put
	// whose directory sync, or whose response, failed after the commit.
	after bool
}

func (f *faultStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if f.puts == nil {
		f.puts = map[string]int{}
	}
	f.puts[key]++
	if key != f.key {
		return f.Store.Put(ctx, key, r, size)
	}
	f.crash = mem.New()
	for info, err := range f.Store.List(ctx, "") {
		if err != nil {
			return err
		}
		b, err := store.ReadAll(ctx, f.Store, info.Key, 1<<30)
		if err != nil {
			return err
		}
		if err := f.crash.Put(ctx, info.Key, bytes.NewReader(b), int64(len(b))); err != nil {
			return err
		}
	}
	if f.after {
		if err := f.Store.Put(ctx, key, r, size); err != nil {
			return err
		}
	}
	return errInjected
}

// contents returns every object of st by key.
func contents(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	m := map[string]string{}
	for info, err := range st.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		m[info.Key] = string(get(t, st, info.Key))
	}
	return m
}

// TestWriteManifestFailureBetweenWrites injects a failure between the
// sidecar and the manifest write. On the error path the old pair is left
// as it was; in the state a crash at that moment leaves (old manifest,
// new sidecar), verification names the sidecar and the two roots.
func TestWriteManifestFailureBetweenWrites(t *testing.T) {
	ctx := context.Background()
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	oldM, _ := build(t, st, out, lineage.BuildOptions{})
	oldPair := contents(t, out)
	if len(oldPair) != 2 || oldPair["m/m.json"] == "" || oldPair["m/m.leaves"] == "" {
		t.Fatalf("old pair: %d objects", len(oldPair))
	}

	put(t, st, "data/a.bin", flip(files["a.bin"], 10))
	m, d, err := lineage.Build(ctx, st, "data", lineage.BuildOptions{PartSize: merkle.MinPartSize, Created: lineage.Created{At: fixedTime}})
	if err != nil {
		t.Fatal(err)
	}
	var newSidecar bytes.Buffer
	if err := merkle.WriteSidecar(&newSidecar, d); err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: out, key: "m/m.json"}
	_, err = lineage.WriteManifest(ctx, fs, "m/m.json", m, d)
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "lineage: write manifest m/m.json: ") {
		t.Fatalf("WriteManifest = %v, want the injected failure naming the manifest", err)
	}
	// The error path puts the old sidecar back: the complete old pair.
	if got := contents(t, out); !maps.Equal(got, oldPair) {
		t.Errorf("after the failed write the store holds %d objects; old manifest kept %v, old sidecar kept %v",
			len(got), got["m/m.json"] == oldPair["m/m.json"], got["m/m.leaves"] == oldPair["m/m.leaves"])
	}

	// A crash at the same moment: old manifest, new sidecar.
	crash := contents(t, fs.crash)
	if crash["m/m.json"] != oldPair["m/m.json"] || crash["m/m.leaves"] != newSidecar.String() {
		t.Fatalf("crash state is not (old manifest, new sidecar)")
	}
	l, err := lineage.Load(ctx, fs.crash, "m/m.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []lineage.Mode{lineage.ModeFull, lineage.ModeSample} {
		r, err := lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{Mode: mode, Fraction: 1})
		if err != nil {
			t.Fatal(err)
		}
		err = r.Err()
		if mode == lineage.ModeFull {
			// Full mode hashes everything: the data changed since the
			// old manifest, which comes first, and the check failed.
			if !errors.Is(err, lineage.ErrNotVerified) || !strings.Contains(err.Error(), ": a.bin: ") || !r.Failed() {
				t.Fatalf("%s: Err() = %v, Failed() = %v; want a.bin named first, failed", mode, err, r.Failed())
			}
		} else {
			// Sample mode needs the sidecar to check anything: bad input.
			var se *lineage.SidecarError
			if !errors.Is(err, lineage.ErrInvalidSidecar) || !errors.As(err, &se) || se.Key != "m/m.leaves" || r.Failed() {
				t.Fatalf("%s: Err() = %v, Failed() = %v; want a *SidecarError for m/m.leaves, not failed", mode, err, r.Failed())
			}
		}
		want := "leaf sidecar m/m.leaves: written for dataset root " + m.Root.String() + ", not the manifest's root " + oldM.Root.String()
		if len(r.Manifest) == 0 || !strings.HasPrefix(r.Manifest[0], want) {
			t.Errorf("%s: manifest problems %q, want one starting %q", mode, r.Manifest, want)
		}
	}
}

// TestWriteManifestSidecarFailure: a failed sidecar write leaves the old
// pair and never writes the manifest.
func TestWriteManifestSidecarFailure(t *testing.T) {
	ctx := context.Background()
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	oldPair := contents(t, out)
	put(t, st, "data/a.bin", flip(files["a.bin"], 10))
	m, d, err := lineage.Build(ctx, st, "data", lineage.BuildOptions{PartSize: merkle.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: out, key: "m/m.leaves"}
	if _, err := lineage.WriteManifest(ctx, fs, "m/m.json", m, d); !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "write sidecar m/m.leaves") {
		t.Fatalf("WriteManifest = %v", err)
	}
	if fs.puts["m/m.json"] != 0 {
		t.Errorf("manifest written %d times after the sidecar failed", fs.puts["m/m.json"])
	}
	if got := contents(t, out); !maps.Equal(got, oldPair) {
		t.Errorf("old pair not kept")
	}
}

// TestWriteManifestFirstWriteFailure: with no previous pair, a failed
// manifest write removes the new sidecar, leaving nothing.
func TestWriteManifestFirstWriteFailure(t *testing.T) {
	ctx := context.Background()
	st, out := memDataset(t, testFiles(t)), mem.New()
	m, d, err := lineage.Build(ctx, st, "data", lineage.BuildOptions{PartSize: merkle.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: out, key: "m/m.json"}
	if _, err := lineage.WriteManifest(ctx, fs, "m/m.json", m, d); !errors.Is(err, errInjected) {
		t.Fatalf("WriteManifest = %v", err)
	}
	if got := contents(t, out); len(got) != 0 {
		t.Errorf("left %d objects behind, want none", len(got))
	}
}

// TestWriteManifestSameDataKeepsSidecar: the sidecar is a function of the
// dataset root, so rewriting the manifest of unchanged data does not
// rewrite it, and a crash then cannot separate the pair.
func TestWriteManifestSameDataKeepsSidecar(t *testing.T) {
	ctx := context.Background()
	st, out := memDataset(t, testFiles(t)), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	sc := get(t, out, "m/m.leaves")
	m, d, err := lineage.Build(ctx, st, "data", lineage.BuildOptions{PartSize: merkle.MinPartSize, Dataset: lineage.Dataset{Name: "renamed"}})
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: out, key: "none"}
	data, err := lineage.WriteManifest(ctx, fs, "m/m.json", m, d)
	if err != nil {
		t.Fatal(err)
	}
	if fs.puts["m/m.leaves"] != 0 || fs.puts["m/m.json"] != 1 {
		t.Errorf("puts = %v, want only the manifest", fs.puts)
	}
	if !bytes.Equal(get(t, out, "m/m.leaves"), sc) || !bytes.Equal(get(t, out, "m/m.json"), data) {
		t.Errorf("store does not hold the new manifest and the unchanged sidecar")
	}
}

// TestVerifyCorruptSidecar: every kind of corrupt or unreadable sidecar is
// a *SidecarError naming the sidecar and what is wrong, reported as a
// manifest problem and not as a data mismatch (the data is untouched).
func TestVerifyCorruptSidecar(t *testing.T) {
	files := testFiles(t)
	le := func(n uint64) []byte {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(n >> (8 * i))
		}
		return b
	}
	cases := []struct {
		name   string
		modes  []lineage.Mode
		tamper func(sc []byte) []byte // nil result: delete the sidecar
		want   string
	}{
		{"truncated by one byte", nil, func(sc []byte) []byte { return sc[:len(sc)-1] },
			"is not a 64-byte header plus 32 bytes a leaf"},
		{"shorter than the header", nil, func(sc []byte) []byte { return sc[:10] },
			"10 bytes, shorter than its 64-byte header"},
		{"bad magic", nil, func(sc []byte) []byte { return append([]byte("not.a.sidecar!!\n"), sc[16:]...) },
			`does not start with "cairn.leaves/v1"`},
		{"one leaf too many", nil, func(sc []byte) []byte { return append(bytes.Clone(sc), make([]byte, 32)...) },
			"leaf hashes ("},
		{"entry count differs", nil, func(sc []byte) []byte {
			c := bytes.Clone(sc)
			copy(c[48:56], le(99))
			return c
		}, "its header counts 99 entries, the manifest has 4"},
		{"leaf count differs", nil, func(sc []byte) []byte {
			c := bytes.Clone(sc)
			copy(c[56:64], le(7))
			return c
		}, "its header counts 7 leaves, the manifest's entries have"},
		{"root differs", nil, func(sc []byte) []byte { return flip(sc, 20) },
			"written for dataset root "},
		{"leaf hash edited", nil, func(sc []byte) []byte { return flip(sc, len(sc)-40) },
			"the leaf hashes of tables/t.parquet do not give its object root"},
		{"missing", []lineage.Mode{lineage.ModeSample}, func([]byte) []byte { return nil },
			"unreadable, and sample mode needs it"},
	}
	for _, c := range cases {
		modes := c.modes
		if modes == nil {
			modes = []lineage.Mode{lineage.ModeFull, lineage.ModeSample}
		}
		for _, mode := range modes {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				ctx := context.Background()
				st, out := memDataset(t, files), mem.New()
				build(t, st, out, lineage.BuildOptions{})
				if sc := c.tamper(get(t, out, "m/m.leaves")); sc != nil {
					put(t, out, "m/m.leaves", sc)
				} else if err := out.Delete(ctx, "m/m.leaves"); err != nil {
					t.Fatal(err)
				}
				l := load(t, out)
				if l.SidecarKey != "m/m.leaves" {
					t.Errorf("SidecarKey = %q", l.SidecarKey)
				}
				r, err := lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{Mode: mode, Fraction: 1, Seed: 3})
				if err != nil {
					t.Fatal(err)
				}
				if r.OK() || r.Verified {
					t.Fatalf("verified with a corrupt sidecar: %+v", r)
				}
				if len(r.Mismatches) != 0 || len(r.Missing) != 0 || len(r.Unexpected) != 0 {
					t.Errorf("untouched data reported as changed: %+v", r)
				}
				if len(r.Manifest) != 1 || !strings.HasPrefix(r.Manifest[0], "leaf sidecar m/m.leaves: ") || !strings.Contains(r.Manifest[0], c.want) {
					t.Errorf("manifest problems %q, want one naming m/m.leaves and %q", r.Manifest, c.want)
				}
				err = r.Err()
				var se *lineage.SidecarError
				if !errors.Is(err, lineage.ErrInvalidSidecar) || !errors.Is(err, lineage.ErrNotVerified) || !errors.As(err, &se) || se.Key != "m/m.leaves" {
					t.Errorf("Err() = %v, want ErrNotVerified and a *SidecarError for m/m.leaves", err)
				}
			})
		}
	}
}

// TestWriteManifestFailureAfterCommit: a manifest Put that fails after it
// replaced the object must not put the old sidecar back (or remove the
// new one) under the new manifest: the new pair stays, and the error says
// it is in place. Both for a rebuild and for a first build.
func TestWriteManifestFailureAfterCommit(t *testing.T) {
	ctx := context.Background()
	files := testFiles(t)
	for _, first := range []bool{false, true} {
		st, out := memDataset(t, files), mem.New()
		if !first {
			build(t, st, out, lineage.BuildOptions{})
			put(t, st, "data/a.bin", flip(files["a.bin"], 10))
		}
		m, d, err := lineage.Build(ctx, st, "data", lineage.BuildOptions{PartSize: merkle.MinPartSize, Created: lineage.Created{At: fixedTime}})
		if err != nil {
			t.Fatal(err)
		}
		fs := &faultStore{Store: out, key: "m/m.json", after: true}
		_, err = lineage.WriteManifest(ctx, fs, "m/m.json", m, d)
		if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "the new manifest and its sidecar are in place") {
			t.Fatalf("first=%v: WriteManifest = %v", first, err)
		}
		l, err := lineage.Load(ctx, out, "m/m.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		if l.Manifest.Root != m.Root {
			t.Fatalf("first=%v: stored manifest has root %s, want the new %s", first, l.Manifest.Root, m.Root)
		}
		r, err := lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{Mode: lineage.ModeSample, Fraction: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			t.Errorf("first=%v: the pair left behind does not verify: %v", first, r.Err())
		}
	}
}
