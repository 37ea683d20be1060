package lineage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
	"github.com/cairnml/cairn/store/mem"
)

// chunkLeaf returns the plan of a Parquet file and the index of a chunk
// leaf of the given row group and column.
func chunkLeaf(t *testing.T, data []byte, rg int, col string) (*merkle.Plan, int) {
	t.Helper()
	p, err := merkle.ParquetPlan(context.Background(), bytes.NewReader(data), int64(len(data)), merkle.MinPartSize)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range p.Leaves {
		if l.Kind == merkle.KindChunk && l.RowGroup == rg && l.Column == col {
			return p, i
		}
	}
	t.Fatalf("no chunk for row group %d column %s", rg, col)
	return nil, 0
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// TestVerifyTamperMatrix tampers with a dataset in every way the issue
// lists and checks that full verification fails and names the object (and
// the row group and column for bytes in a Parquet column chunk), and that
// the untouched dataset verifies.
func TestVerifyTamperMatrix(t *testing.T) {
	files := testFiles(t)
	pq := files["tables/t.parquet"]
	plan, chunk := chunkLeaf(t, pq, 1, "name")
	cl := plan.Leaves[chunk]
	footer := plan.Leaves[len(plan.Leaves)-1]

	type want struct {
		path       string
		rowGroup   int // -1: none expected
		column     string
		missing    string
		unexpected string
		manifest   string
	}
	cases := []struct {
		name   string
		tamper func(st *mem.Store, out *mem.Store)
		want   want
	}{
		{"untouched", func(st, out *mem.Store) {}, want{}},
		{"flip byte in parquet column chunk", func(st, out *mem.Store) {
			put(t, st, "data/tables/t.parquet", flip(pq, int(cl.Offset+cl.Length/2)))
		}, want{path: "tables/t.parquet", rowGroup: 1, column: "name"}},
		{"flip byte in parquet footer", func(st, out *mem.Store) {
			put(t, st, "data/tables/t.parquet", flip(pq, int(footer.Offset+footer.Length/2)))
		}, want{path: "tables/t.parquet", rowGroup: -1}},
		{"flip byte in plain file", func(st, out *mem.Store) {
			put(t, st, "data/a.bin", flip(files["a.bin"], 5000))
		}, want{path: "a.bin", rowGroup: -1}},
		{"truncate", func(st, out *mem.Store) {
			put(t, st, "data/a.bin", files["a.bin"][:9999])
		}, want{path: "a.bin", rowGroup: -1}},
		{"append", func(st, out *mem.Store) {
			put(t, st, "data/b/c.txt", append(bytes.Clone(files["b/c.txt"]), '!'))
		}, want{path: "b/c.txt", rowGroup: -1}},
		{"rename", func(st, out *mem.Store) {
			put(t, st, "data/b/renamed.txt", files["b/c.txt"])
			st.Delete(context.Background(), "data/b/c.txt")
		}, want{missing: "b/c.txt", unexpected: "b/renamed.txt"}},
		{"swap two files", func(st, out *mem.Store) {
			put(t, st, "data/a.bin", files["b/c.txt"])
			put(t, st, "data/b/c.txt", files["a.bin"])
		}, want{path: "a.bin", rowGroup: -1}},
		{"delete", func(st, out *mem.Store) {
			st.Delete(context.Background(), "data/tables/empty.json")
		}, want{missing: "tables/empty.json"}},
		{"extra file", func(st, out *mem.Store) {
			put(t, st, "data/tables/extra.parquet", pq)
		}, want{unexpected: "tables/extra.parquet"}},
		{"edit manifest entry root", func(st, out *mem.Store) {
			m := get(t, out, "m/m.json")
			e, _ := lineage.ParseManifest(m)
			r := e.Find("a.bin").Root.String()
			put(t, out, "m/m.json", bytes.Replace(m, []byte(r), []byte(strings.Repeat("0", 64)), 1))
		}, want{rowGroup: -1, manifest: "root does not match its entries: entry a.bin: its root is not the one its leaf hashes in m/m.leaves give"}},
		{"edit sidecar", func(st, out *mem.Store) {
			sc := get(t, out, "m/m.leaves")
			put(t, out, "m/m.leaves", flip(sc, len(sc)-40))
		}, want{rowGroup: -1, manifest: "leaf sidecar m/m.leaves: the leaf hashes of tables/t.parquet"}},
		{"truncate sidecar", func(st, out *mem.Store) {
			sc := get(t, out, "m/m.leaves")
			put(t, out, "m/m.leaves", sc[:len(sc)-1])
		}, want{rowGroup: -1, manifest: "leaf sidecar m/m.leaves: length "}},
	}
	for _, c := range cases {
		for _, mode := range []lineage.Mode{lineage.ModeFull, lineage.ModeSample} {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				st, out := memDataset(t, files), mem.New()
				build(t, st, out, lineage.BuildOptions{})
				c.tamper(st, out)
				l := load(t, out)
				r, err := lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{Mode: mode, Fraction: 1, Seed: 7})
				if err != nil {
					t.Fatal(err)
				}
				if c.name == "untouched" {
					if !r.OK() || !r.Verified || r.Err() != nil {
						t.Fatalf("untouched dataset: %+v", r)
					}
					return
				}
				if r.OK() || r.Verified || !errors.Is(r.Err(), lineage.ErrNotVerified) {
					t.Fatalf("tampered dataset verified: %+v", r)
				}
				w := c.want
				if w.path != "" {
					found := false
					for _, m := range r.Mismatches {
						if m.Path != w.path {
							continue
						}
						found = true
						if w.rowGroup >= 0 && (m.RowGroup == nil || *m.RowGroup != w.rowGroup || m.Column != w.column) {
							t.Errorf("mismatch %s does not name row group %d column %s", m, w.rowGroup, w.column)
						}
						if w.rowGroup >= 0 && (*m.Offset > cl.Offset+cl.Length/2 || *m.Offset+*m.Length <= cl.Offset+cl.Length/2) {
							t.Errorf("mismatch range [%d,+%d) does not hold the flipped byte", *m.Offset, *m.Length)
						}
					}
					if !found {
						t.Errorf("no mismatch names %s: %+v", w.path, r)
					}
				}
				if w.missing != "" && (len(r.Missing) != 1 || r.Missing[0] != w.missing) {
					t.Errorf("missing = %q, want [%s]", r.Missing, w.missing)
				}
				if w.unexpected != "" && (len(r.Unexpected) != 1 || r.Unexpected[0] != w.unexpected) {
					t.Errorf("unexpected = %q, want [%s]", r.Unexpected, w.unexpected)
				}
				if w.manifest != "" && !strings.Contains(strings.Join(r.Manifest, "\n"), w.manifest) {
					t.Errorf("manifest problems %q do not mention %q", r.Manifest, w.manifest)
				}
			})
		}
	}
}

func TestVerifyAllowUnexpectedAndIgnore(t *testing.T) {
	st, out := memDataset(t, testFiles(t)), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	put(t, st, "data/extra", []byte("x"))
	put(t, st, "data/m.json", []byte("x"))
	l := load(t, out)
	r, err := lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{AllowUnexpected: true, Ignore: []string{"m.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Unexpected) != 1 || r.Unexpected[0] != "extra" {
		t.Fatalf("report %+v", r)
	}
}

func TestVerifyMetadataMode(t *testing.T) {
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	l := load(t, out)
	r, err := lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{Mode: lineage.ModeMetadata})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Verified || !r.MetadataVerified || r.Mode != lineage.ModeMetadata || r.Sample != nil {
		t.Fatalf("untouched, metadata mode: %+v", r)
	}
	// Same bytes put again: a new version of the object. Metadata mode
	// sees the version change; full mode sees the same bytes.
	put(t, st, "data/a.bin", files["a.bin"])
	r, _ = lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{Mode: lineage.ModeMetadata})
	if r.OK() || r.MetadataVerified || len(r.Mismatches) != 1 || r.Mismatches[0].Path != "a.bin" || !strings.Contains(r.Mismatches[0].Reason, "version id differs") {
		t.Fatalf("new version, metadata mode: %+v", r)
	}
	r, _ = lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{Mode: lineage.ModeFull})
	if !r.OK() || !r.Verified {
		t.Fatalf("new version with the same bytes, full mode: %+v", r)
	}
}

// countingStore counts the bytes read from its objects.
type countingStore struct {
	store.Store
	n atomic.Int64
}

func (c *countingStore) Open(ctx context.Context, key string) (store.Object, error) {
	o, err := c.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &countingObject{Object: o, n: &c.n}, nil
}

type countingObject struct {
	store.Object
	n *atomic.Int64
}

func (o *countingObject) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.Object.ReadAt(p, off)
	o.n.Add(int64(n))
	return n, err
}

// TestSampleReadsTheFraction shows that --fraction 0.1 reads about a tenth
// of the bytes, that the seed fixes the sample, and that the coverage is
// reported.
func TestSampleReadsTheFraction(t *testing.T) {
	files := map[string][]byte{}
	for i := range 40 {
		files[string(rune('a'+i%26))+strings.Repeat("x", i/26)+".bin"] = randBytes(uint64(i), 25*1024)
	}
	st, out := memDataset(t, files), mem.New()
	m, _ := build(t, st, out, lineage.BuildOptions{})
	l := load(t, out)
	cs := &countingStore{Store: st}
	opts := lineage.VerifyOptions{Mode: lineage.ModeSample, Fraction: 0.1, Seed: 42}
	r, err := lineage.Verify(context.Background(), l, cs, "data", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || !r.Verified {
		t.Fatalf("report %+v", r)
	}
	s := r.Sample
	if s.Seed != 42 || s.Fraction != 0.1 || s.LeavesTotal != 1000 || s.LeavesChecked != 100 || s.BytesTotal != m.Bytes || s.BytesChecked != 100*1024 {
		t.Fatalf("sample stats %+v", s)
	}
	read := float64(cs.n.Load()) / float64(m.Bytes)
	if math.Abs(read-0.1) > 0.01 {
		t.Fatalf("sample mode read %.3f of the bytes, want about 0.1", read)
	}
	t.Logf("fraction 0.1 read %d of %d bytes (%.2f%%)", cs.n.Load(), m.Bytes, 100*read)
	// The seed fixes the sample: a flipped leaf is found, or not, the same
	// way every time; with fraction 1 it is always found.
	put(t, st, "data/a.bin", flip(files["a.bin"], 3))
	found := func(seed uint64, f float64) bool {
		r, err := lineage.Verify(context.Background(), l, st, "data", lineage.VerifyOptions{Mode: lineage.ModeSample, Fraction: f, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return !r.OK()
	}
	var hits []bool
	for seed := range uint64(20) {
		hits = append(hits, found(seed, 0.1))
	}
	for seed := range uint64(20) {
		if found(seed, 0.1) != hits[seed] {
			t.Fatalf("seed %d gives different samples", seed)
		}
	}
	// a.bin has 25 of the 1000 leaves, one flipped: a 10% sample finds it
	// with probability 0.1; over 20 seeds, some find it and some do not.
	n := 0
	for _, h := range hits {
		if h {
			n++
		}
	}
	if n == 0 || n == len(hits) {
		t.Errorf("%d of %d seeds found the flipped leaf; want some but not all", n, len(hits))
	}
	if !found(9, 1) {
		t.Fatal("fraction 1 missed a flipped byte")
	}
	// Full mode reads everything once.
	cs.n.Store(0)
	put(t, st, "data/a.bin", files["a.bin"])
	if r, _ := lineage.Verify(context.Background(), l, cs, "data", lineage.VerifyOptions{}); !r.OK() || cs.n.Load() < m.Bytes || cs.n.Load() > m.Bytes+m.Bytes/100 {
		t.Fatalf("full mode read %d of %d bytes", cs.n.Load(), m.Bytes)
	}
}

func TestVerifyOptionsErrors(t *testing.T) {
	st, out := memDataset(t, testFiles(t)), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	l := load(t, out)
	for _, o := range []lineage.VerifyOptions{{Mode: "fast"}, {Mode: lineage.ModeSample}, {Mode: lineage.ModeSample, Fraction: 1.5}} {
		if _, err := lineage.Verify(context.Background(), l, st, "data", o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestOpenDatasetServesVerifiedBytes(t *testing.T) {
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	d, err := lineage.OpenDataset(load(t, out), st, "data", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o, err := d.Open(ctx, "tables/t.parquet")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(o, 0, o.Size()))
	o.Close()
	if err != nil || !bytes.Equal(got, files["tables/t.parquet"]) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if _, err := d.Open(ctx, "nope"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("opening a path not in the manifest: %v", err)
	}
	plan, chunk := chunkLeaf(t, files["tables/t.parquet"], 2, "score")
	cl := plan.Leaves[chunk]
	put(t, st, "data/tables/t.parquet", flip(files["tables/t.parquet"], int(cl.Offset)))
	o, err = d.Open(ctx, "tables/t.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	buf := make([]byte, cl.Length)
	_, err = o.ReadAt(buf, cl.Offset)
	var me *merkle.MismatchError
	if !errors.As(err, &me) || me.Path != "tables/t.parquet" || me.RowGroup != 2 || me.Column != "score" {
		t.Fatalf("reading a flipped chunk: %v", err)
	}
	// Other row groups still read.
	p1, c1 := chunkLeaf(t, files["tables/t.parquet"], 0, "score")
	if _, err := o.ReadAt(make([]byte, p1.Leaves[c1].Length), p1.Leaves[c1].Offset); err != nil {
		t.Fatalf("reading an intact chunk: %v", err)
	}
}

func TestProve(t *testing.T) {
	st, out := memDataset(t, testFiles(t)), mem.New()
	m, _ := build(t, st, out, lineage.BuildOptions{})
	p, err := lineage.Prove(m, "b/c.txt")
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	q, err := lineage.ParseProof(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Verify(m.Root); err != nil {
		t.Fatal(err)
	}
	if q.Entry.Path != "b/c.txt" || q.Proof.Index != 1 || q.Proof.TreeSize != 4 {
		t.Fatalf("proof %+v", q)
	}
	var other merkle.Hash
	if err := q.Verify(other); !errors.Is(err, lineage.ErrProofFailed) {
		t.Errorf("other root: %v", err)
	}
	q.Entry.Size++
	if err := q.Verify(m.Root); !errors.Is(err, lineage.ErrProofFailed) {
		t.Errorf("edited entry: %v", err)
	}
	q.Entry.Size--
	q.Bytes++
	if err := q.Verify(m.Root); !errors.Is(err, lineage.ErrProofFailed) {
		t.Errorf("edited total bytes: %v", err)
	}
	if _, err := lineage.Prove(m, "nope"); err == nil {
		t.Error("proved a path not in the manifest")
	}
	bad := bytes.Replace(data, []byte(`"tree_size": 4`), []byte(`"tree_size": 5`), 1)
	if _, err := lineage.ParseProof(bad); err == nil {
		t.Error("a proof whose tree size is not the object count parsed")
	}
}

func TestVerifyDatasetOneCall(t *testing.T) {
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	priv, pub := keys(t)
	_, data := build(t, st, out, lineage.BuildOptions{})
	env, err := lineage.SignManifest(data, priv)
	if err != nil {
		t.Fatal(err)
	}
	put(t, out, "m/m.json.dsse", env)
	ctx := context.Background()
	r, err := lineage.VerifyDataset(ctx, out, "m/m.json", pub, st, "data", lineage.VerifyOptions{})
	if err != nil || !r.Verified || r.SignedBy != lineage.KeyID(pub) {
		t.Fatalf("VerifyDataset: %v %+v", err, r)
	}
	put(t, st, "data/a.bin", flip(files["a.bin"], 0))
	if _, err := lineage.VerifyDataset(ctx, out, "m/m.json", pub, st, "data", lineage.VerifyOptions{}); !errors.Is(err, lineage.ErrNotVerified) || !strings.Contains(err.Error(), "a.bin: leaf 0") {
		t.Fatalf("tampered: %v", err)
	}
	_, other := keys(t)
	if _, err := lineage.VerifyDataset(ctx, out, "m/m.json", other, st, "data", lineage.VerifyOptions{}); !errors.Is(err, lineage.ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
}

// s3Like is a store that reports ETags (and, for some keys, checksums)
// the way S3 does, over a mem store that reports only version ids.
type s3Like struct {
	*mem.Store
	etag      func(key string) string
	checksums map[string]map[string]string
}

func (s *s3Like) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		for info, err := range s.Store.List(ctx, prefix) {
			if err == nil {
				info.ETag = s.etag(info.Key)
				info.Checksums = s.checksums[info.Key]
			}
			if !yield(info, err) {
				return
			}
		}
	}
}

// s3Metadata records on every entry the store metadata of an S3 build:
// an ETag and version id on each, a SHA256 checksum on b/c.txt.
func s3Metadata(m *lineage.Manifest) {
	for i := range m.Entries {
		e := &m.Entries[i]
		e.Store = &lineage.StoreMetadata{VersionID: e.Store.VersionID, ETag: "etag-" + e.Path}
		if e.Path == "b/c.txt" {
			e.Store.Checksums = map[string]string{"SHA256": "sum"}
		}
	}
}

// TestVerifyMetadataComparesWhatBothSidesHave: metadata mode compares a
// field only where both the manifest and the source have it, and reports
// which fields it compared, for how many objects.
func TestVerifyMetadataComparesWhatBothSidesHave(t *testing.T) {
	ctx := context.Background()
	files := testFiles(t)
	st, out := memDataset(t, files), mem.New()
	build(t, st, out, lineage.BuildOptions{})
	l := load(t, out)
	s3Metadata(l.Manifest)
	opts := lineage.VerifyOptions{Mode: lineage.ModeMetadata}

	// An identical local copy: no ETags, version ids or checksums to
	// compare, and that is not a mismatch.
	dir := t.TempDir()
	for k, v := range files {
		p := filepath.Join(dir, "data", filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	r, err := lineage.Verify(ctx, l, ls, "data", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || !r.MetadataVerified || r.Verified || len(r.Mismatches) != 0 {
		t.Errorf("local copy of an S3 dataset: ok %v, mismatches %v", r.OK(), r.Mismatches)
	}
	if !slices.Equal(r.MetadataFields, []string{"size"}) || !maps.Equal(r.MetadataCompared, map[string]int64{"size": 4}) {
		t.Errorf("local copy: compared %v %v, want only the sizes of 4 objects", r.MetadataFields, r.MetadataCompared)
	}

	// A source that reports version ids, ETags and, for one object, a
	// checksum: each is compared where the manifest has it too.
	s3 := &s3Like{Store: st, etag: func(k string) string { return "etag-" + strings.TrimPrefix(k, "data/") },
		checksums: map[string]map[string]string{"data/b/c.txt": {"SHA256": "sum"}, "data/a.bin": {"SHA256": "no manifest value"}}}
	r, err = lineage.Verify(ctx, l, s3, "data", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"size": 4, "version_id": 4, "etag": 4, "checksums": 1}
	if !r.MetadataVerified || !slices.Equal(r.MetadataFields, []string{"size", "version_id", "etag", "checksums"}) || !maps.Equal(r.MetadataCompared, want) {
		t.Errorf("S3-like source: verified %v, compared %v %v, want %v; mismatches %v", r.MetadataVerified, r.MetadataFields, r.MetadataCompared, want, r.Mismatches)
	}

	// A different ETag, and a different checksum, are mismatches.
	s3.etag = func(k string) string {
		if k == "data/a.bin" {
			return "other"
		}
		return "etag-" + strings.TrimPrefix(k, "data/")
	}
	s3.checksums["data/b/c.txt"] = map[string]string{"SHA256": "changed"}
	r, err = lineage.Verify(ctx, l, s3, "data", opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.Mismatches {
		got = append(got, m.String())
	}
	if r.OK() || r.MetadataVerified || !slices.Equal(got, []string{
		`a.bin: ETag differs: "other" in the source, "etag-a.bin" in the manifest`,
		`b/c.txt: SHA256 checksum differs: "changed" in the source, "sum" in the manifest`,
	}) {
		t.Errorf("changed ETag and checksum: ok %v, mismatches %q", r.OK(), got)
	}

	// Other modes report no metadata fields.
	r, err = lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{})
	if err != nil || r.MetadataFields != nil || r.MetadataCompared != nil {
		t.Errorf("full mode: %v, metadata fields %v %v", err, r.MetadataFields, r.MetadataCompared)
	}
}

// TestVerifyReportsHostileNamesOnOneLine: a path with a line break or
// another control character is quoted in Mismatch.String and Report.Err,
// so the one-line error stays one line; a plain path is not.
func TestVerifyReportsHostileNamesOnOneLine(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ name, shown string }{
		{"new\nline.txt", `"new\nline.txt"`},
		{"tab\t\u202e.txt", `"tab\t\u202e.txt"`},
		{"plain name.txt", "plain name.txt"},
	} {
		files := map[string][]byte{c.name: []byte("hello"), "other": []byte("x")}
		st, out := memDataset(t, files), mem.New()
		build(t, st, out, lineage.BuildOptions{})
		l := load(t, out)
		put(t, st, "data/"+c.name, []byte("HELLO"))
		r, err := lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := lineage.ErrNotVerified.Error() + ": " + c.shown + ": leaf 0, bytes [0, 5): content differs"
		if err := r.Err(); err == nil || err.Error() != want {
			t.Errorf("%q changed: %v, want %s", c.name, err, want)
		}
		if err := st.Delete(ctx, "data/"+c.name); err != nil {
			t.Fatal(err)
		}
		r, err = lineage.Verify(ctx, l, st, "data", lineage.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := lineage.ErrNotVerified.Error() + ": " + c.shown + ": missing from the source"; r.Err() == nil || r.Err().Error() != want {
			t.Errorf("%q missing: %v, want %s", c.name, r.Err(), want)
		}
	}
}
