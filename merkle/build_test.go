package merkle_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

var testPaths = []string{"a", "a.b", "a/b", "a/b/c.bin", "b", "z/ü/日本.txt", "A", "a-b", "0", "x y", "deep/er/still/f"}

func randomDataset(r *rand.Rand, part int) map[string][]byte {
	files := map[string][]byte{}
	n := r.IntN(len(testPaths) + 1)
	for _, i := range r.Perm(len(testPaths))[:n] {
		var size int
		switch r.IntN(6) {
		case 0:
			size = 0
		case 1:
			size = 1
		case 2:
			size = part
		case 3:
			size = part - 1 + r.IntN(3)
		default:
			size = r.IntN(5 * part)
		}
		files[testPaths[i]] = randBytes(r, size)
	}
	return files
}

func TestBuildMatchesReference(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 11))
		part := []int{1024, 1500, 4096}[r.IntN(3)]
		files := randomDataset(r, part)
		opts := merkle.Options{
			Params:   merkle.Params{PartSize: int64(part)},
			Workers:  1 + r.IntN(6),
			ReadSize: 1 + r.IntN(part),
		}
		d, err := merkle.Build(ctx, memStore(t, files), "", opts)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want := refFixedDataset(files, int64(part), []string{"fixed", "parquet"})
		if d.Root != want {
			t.Fatalf("seed %d (%d files, part %d, %d workers): root %s, want %s", seed, len(files), part, opts.Workers, d.Root, want)
		}
		if len(d.Entries) != len(files) {
			t.Fatalf("seed %d: %d entries for %d files", seed, len(d.Entries), len(files))
		}
		for _, e := range d.Entries {
			data := files[e.Path]
			root, leaves := refObject(data, refFixedRanges(int64(len(data)), int64(part)))
			if e.Root != root || !slices.Equal(e.Hashes, leaves) || e.NumLeaves != len(leaves) {
				t.Fatalf("seed %d: %s: entry differs from reference", seed, e.Path)
			}
			if err := (&merkle.Plan{ID: e.Plan, Size: e.Size, Leaves: e.Leaves}).Validate(int64(part)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestBuildPrefix(t *testing.T) {
	ctx := context.Background()
	files := map[string][]byte{"ds/a": []byte("1"), "ds/b/c": []byte("22"), "dsx": []byte("3"), "other/ds/a": []byte("4")}
	st := memStore(t, files)
	d1, err := merkle.Build(ctx, st, "ds", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := merkle.Build(ctx, st, "ds/", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d1.Root != d2.Root || len(d1.Entries) != 2 || d1.Entries[0].Path != "a" || d1.Entries[1].Path != "b/c" {
		t.Fatalf("prefix handling: %+v", d1.Entries)
	}
	alone := memStore(t, map[string][]byte{"a": []byte("1"), "b/c": []byte("22")})
	d3, err := merkle.Build(ctx, alone, "", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d3.Root != d1.Root {
		t.Error("the same dataset under a prefix and at the top has different roots")
	}
	for _, bad := range []string{"/ds", "../x", "a//b", "\xff"} {
		if _, err := merkle.Build(ctx, st, bad, merkle.Options{}); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("prefix %q: %v, want ErrInvalidKey", bad, err)
		}
	}
}

func TestBuildEmpty(t *testing.T) {
	d, err := merkle.Build(context.Background(), memStore(t, nil), "", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Root != refDataset(merkle.DefaultPartSize, []string{"fixed", "parquet"}, 0, nil) {
		t.Error("empty dataset root differs from reference")
	}
	e, err := merkle.HashObject(context.Background(), strings.NewReader(""), 0, "empty", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.NumLeaves != 0 || e.Root != refObjectRoot(0, nil) {
		t.Errorf("zero-byte object: %+v", e)
	}
}

func TestSameRootMemAndLocal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	files := map[string][]byte{
		"train/part-0.parquet": parquetBytes(t, 3000, 1000, 1),
		"train/part-1.parquet": parquetBytes(t, 10, 5, 2),
		"README.md":            []byte("hello\n"),
		"empty":                nil,
		"blob/ü.bin":           randBytes(r, 50_000),
	}
	opts := merkle.Options{Params: merkle.Params{PartSize: 4096}}
	dm, err := merkle.Build(context.Background(), memStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := merkle.Build(context.Background(), dirStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if dm.Root != dl.Root {
		t.Fatalf("mem root %s, local root %s", dm.Root, dl.Root)
	}
	if d := merkle.DiffTrees(dm, dl); !d.Empty() {
		t.Fatalf("diff of equal trees: %s", d)
	}
	for _, e := range dm.Entries {
		if strings.HasSuffix(e.Path, ".parquet") && (e.Plan != merkle.PlanParquet || e.Parquet == nil || e.Warning != "") {
			t.Errorf("%s planned as %s (%q)", e.Path, e.Plan, e.Warning)
		}
	}
	if p := dm.Entries[slices.IndexFunc(dm.Entries, func(e merkle.Entry) bool { return e.Path == "train/part-0.parquet" })].Parquet; p.Rows != 3000 || p.RowGroups != 3 {
		t.Errorf("parquet facts %+v", p)
	}
	// The fast path agrees with the reference over the Parquet plans too.
	for _, e := range dm.Entries {
		var ranges [][2]int64
		for _, l := range e.Leaves {
			ranges = append(ranges, [2]int64{l.Offset, l.Length})
		}
		if root, _ := refObject(files[e.Path], ranges); root != e.Root {
			t.Errorf("%s: root differs from reference", e.Path)
		}
	}
}

// TestRootChanges flips every single byte of a small dataset, and renames,
// swaps, deletes and adds files: each changes the root, and the diff names
// the entry and, for flips, the leaf.
func TestRootChanges(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 1))
	base := map[string][]byte{
		"d.parquet": parquetBytes(t, 40, 20, 3),
		"a.bin":     randBytes(r, 2500),
		"b.bin":     randBytes(r, 1024),
		"c.txt":     []byte("same"),
		"c2.txt":    []byte("same"),
		"zero":      nil,
	}
	opts := merkle.Options{Params: merkle.Params{PartSize: 1024}, Workers: 3}
	build := func(files map[string][]byte) *merkle.Dataset {
		t.Helper()
		d, err := merkle.Build(ctx, memStore(t, files), "", opts)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d0 := build(base)
	seen := map[merkle.Hash]string{d0.Root: "base"}
	expectNew := func(what string, d *merkle.Dataset) {
		t.Helper()
		if prev, ok := seen[d.Root]; ok {
			t.Fatalf("%s: root equals that of %s", what, prev)
		}
		seen[d.Root] = what
	}
	st := memStore(t, base)
	for _, path := range slices.Sorted(maps.Keys(base)) {
		data := base[path]
		for i := range data {
			flipped := slices.Clone(data)
			flipped[i] ^= 0x01
			putT(t, st, path, flipped)
			d, err := merkle.Build(ctx, st, "", opts)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("flip %s[%d]", path, i)
			expectNew(what, d)
			diff := merkle.DiffTrees(d0, d)
			if len(diff.Changed) != 1 || diff.Changed[0].Path != path || len(diff.Added)+len(diff.Removed) != 0 {
				t.Fatalf("%s: diff %s", what, diff)
			}
			// The leaf holding the byte is named; when the flip leaves the
			// plan as it was (not in a Parquet footer), it is the only one.
			c := diff.Changed[0]
			named := slices.ContainsFunc(c.Leaves, func(l merkle.LeafChange) bool { return l.Offset <= int64(i) && int64(i) < l.End() })
			samePlan := slices.Equal(d.Entries[d.Find(path)].Leaves, d0.Entries[d0.Find(path)].Leaves)
			if !c.LeavesKnown || !named || samePlan && len(c.Leaves) != 1 {
				t.Fatalf("%s: changed leaves %+v", what, c.Leaves)
			}
		}
		putT(t, st, path, data)
	}
	// Rename.
	m := maps.Clone(base)
	m["a2.bin"] = m["a.bin"]
	delete(m, "a.bin")
	d := build(m)
	expectNew("rename", d)
	if diff := merkle.DiffTrees(d0, d); fmt.Sprint(diff.Added, diff.Removed, len(diff.Changed)) != "[a2.bin] [a.bin] 0" {
		t.Errorf("rename diff: %s", diff)
	}
	// Swap two files' contents.
	m = maps.Clone(base)
	m["a.bin"], m["b.bin"] = m["b.bin"], m["a.bin"]
	d = build(m)
	expectNew("swap", d)
	if diff := merkle.DiffTrees(d0, d); len(diff.Changed) != 2 {
		t.Errorf("swap diff: %s", diff)
	}
	// Swapping two identical files changes nothing, as it should.
	m = maps.Clone(base)
	m["c.txt"], m["c2.txt"] = m["c2.txt"], m["c.txt"]
	if build(m).Root != d0.Root {
		t.Error("swapping identical contents changed the root")
	}
	// Delete, add (also a zero-byte one).
	for _, name := range []string{"zero", "a.bin"} {
		m = maps.Clone(base)
		delete(m, name)
		d = build(m)
		expectNew("delete "+name, d)
		if diff := merkle.DiffTrees(d0, d); fmt.Sprint(diff.Removed) != "["+name+"]" {
			t.Errorf("delete diff: %s", diff)
		}
	}
	for _, name := range []string{"new", "zero2"} {
		m = maps.Clone(base)
		m[name] = nil
		if name == "new" {
			m[name] = []byte("x")
		}
		d = build(m)
		expectNew("add "+name, d)
		if diff := merkle.DiffTrees(d0, d); fmt.Sprint(diff.Added) != "["+name+"]" {
			t.Errorf("add diff: %s", diff)
		}
	}
	// Different parameters.
	o2 := opts
	o2.Params = merkle.Params{PartSize: 2048}
	d2, err := merkle.Build(ctx, memStore(t, base), "", o2)
	if err != nil {
		t.Fatal(err)
	}
	expectNew("part size", d2)
	if !merkle.DiffTrees(d0, d2).ParamsChanged {
		t.Error("params change not reported")
	}
}

func putT(t testing.TB, st store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, strings.NewReader(string(data)), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// TestSameRootS3 builds the same dataset in an S3 bucket (MinIO under
// scripts/with-minio.sh), in memory and in a local directory: one root.
func TestSameRootS3(t *testing.T) {
	s3test.Require(t)
	r := rand.New(rand.NewPCG(12, 12))
	files := map[string][]byte{
		"train/part-0.parquet": parquetBytes(t, 3000, 1000, 1),
		"README.md":            []byte("hello\n"),
		"empty":                nil,
		"blob/ü.bin":           randBytes(r, 50_000),
	}
	st := s3test.NewStore(t, "datasets/v1")
	for k, v := range files {
		putT(t, st, k, v)
	}
	opts := merkle.Options{Params: merkle.Params{PartSize: 4096}}
	ctx := context.Background()
	ds, err := merkle.Build(ctx, st, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := merkle.Build(ctx, memStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := merkle.Build(ctx, dirStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Root != dm.Root || dl.Root != dm.Root {
		t.Fatalf("roots differ: s3 %s, mem %s, local %s", ds.Root, dm.Root, dl.Root)
	}
	if e := ds.Entries[ds.Find("README.md")]; e.Store.ETag == "" {
		t.Errorf("no ETag recorded from S3: %+v", e.Store)
	}
}
