package merkle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cairnml/cairn/merkle"
)

func hashEntry(t testing.TB, data []byte, path string, part int64) *merkle.Entry {
	t.Helper()
	e, err := merkle.HashObject(context.Background(), bytes.NewReader(data), int64(len(data)), path, merkle.Options{Params: merkle.Params{PartSize: part}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// readTable reads the given columns of every row group through r with
// arrow-go's pqarrow and returns the number of rows read.
func readTable(t testing.TB, r io.ReaderAt, size int64, cols []int) (int64, error) {
	t.Helper()
	// arrow-go v18.8.0 leaks 64-byte buffers of its DELTA_BINARY_PACKED
	// decoder (delta_bit_packing.go:147) into the allocator, so the
	// checked allocator's balance is not asserted here.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	pf, err := file.NewParquetReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return 0, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, mem)
	if err != nil {
		return 0, err
	}
	rgs := make([]int, pf.NumRowGroups())
	for i := range rgs {
		rgs[i] = i
	}
	tbl, err := fr.ReadRowGroups(context.Background(), cols, rgs)
	if err != nil {
		return 0, err
	}
	defer tbl.Release()
	return tbl.NumRows(), nil
}

func TestVerifiedReaderPqarrow(t *testing.T) {
	data := parquetBytes(t, 5000, 1000, 8)
	e := hashEntry(t, data, "train/part-0.parquet", merkle.MinPartSize)
	if e.Plan != merkle.PlanParquet {
		t.Fatalf("plan %s", e.Plan)
	}
	for _, opts := range []merkle.ReaderOptions{{}, {CacheSize: -1}, {CacheSize: 4096}, {ReadAhead: -1}, {ReadAhead: 1}, {CacheSize: 4096, ReadAhead: 4}} {
		v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), e, opts)
		if err != nil {
			t.Fatal(err)
		}
		n, err := readTable(t, v, v.Size(), []int{0, 2})
		if err != nil || n != 5000 {
			t.Fatalf("%+v: read %d rows: %v", opts, n, err)
		}
	}

	// Flip one byte in the middle of row group 3's "score" chunk.
	var target merkle.Leaf
	for _, l := range e.Leaves {
		if l.Kind == merkle.KindChunk && l.RowGroup == 3 && l.Column == "score" {
			target = l
			break
		}
	}
	if target.Length == 0 {
		t.Fatal("no chunk leaf for row group 3, column score")
	}
	bad := bytes.Clone(data)
	bad[target.Offset+target.Length/2] ^= 0x40
	v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(bad), e, merkle.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Columns 0 (id) and 1 (name) do not touch the flipped byte.
	if n, err := readTable(t, v, v.Size(), []int{0, 1}); err != nil || n != 5000 {
		t.Fatalf("reading untouched columns: %d rows, %v", n, err)
	}
	_, err = readTable(t, v, v.Size(), []int{2})
	var me *merkle.MismatchError
	if !errors.As(err, &me) || !errors.Is(err, merkle.ErrMismatch) {
		t.Fatalf("reading the flipped column: %v, want a *MismatchError", err)
	}
	if me.Path != "train/part-0.parquet" || me.RowGroup != 3 || me.Column != "score" || me.Offset != target.Offset || me.Length != target.Length {
		t.Fatalf("mismatch error %+v, want row group 3, column score, %v", me, target)
	}
	t.Log(me)
}

func TestVerifiedReaderRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	data := randBytes(r, 10_000)
	e := hashEntry(t, data, "blob", merkle.MinPartSize)
	v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), e, merkle.ReaderOptions{CacheSize: 3000})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 500 {
				off := r.Int64N(10_100)
				p := make([]byte, r.IntN(3000))
				n, err := v.ReadAt(p, off)
				want := max(0, min(int64(len(p)), 10_000-off))
				if int64(n) != want || (want < int64(len(p)) && err != io.EOF) || (want == int64(len(p)) && err != nil) {
					t.Errorf("ReadAt(%d, %d) = %d, %v", len(p), off, n, err)
					return
				}
				if n > 0 && !bytes.Equal(p[:n], data[off:off+int64(n)]) {
					t.Errorf("ReadAt(%d, %d): wrong bytes", len(p), off)
					return
				}
			}
		}()
	}
	wg.Wait()
	// A flipped byte fails only reads that touch its leaf; bytes before it
	// are returned.
	bad := bytes.Clone(data)
	bad[5000] ^= 1
	v, _ = merkle.NewVerifiedReader(context.Background(), bytes.NewReader(bad), e, merkle.ReaderOptions{})
	p := make([]byte, 3000)
	n, err := v.ReadAt(p, 3000)
	var me *merkle.MismatchError
	if !errors.As(err, &me) || me.Leaf != 4 || me.Offset != 4096 || n != 4096-3000 || me.RowGroup != -1 {
		t.Fatalf("ReadAt over the flipped byte: n=%d err=%v", n, err)
	}
	if _, err := v.ReadAt(p, 6000); err != nil {
		t.Fatalf("read past the flipped leaf: %v", err)
	}
	// A read of everything stops at the flipped leaf.
	all := make([]byte, len(data))
	if n, err := v.ReadAt(all, 0); !errors.As(err, &me) || me.Leaf != 4 || n != 4096 || !bytes.Equal(all[:n], data[:n]) {
		t.Fatalf("ReadAt(all) = %d, %v", n, err)
	}
	for i := range v.Leaves() {
		if err := v.CheckLeaf(i); (err != nil) != (i == 4) {
			t.Errorf("CheckLeaf(%d) = %v", i, err)
		}
	}
	if err := v.CheckLeaf(len(v.Leaves())); err == nil {
		t.Error("CheckLeaf out of range succeeded")
	}
	// A wrong-size object and tampered leaf hashes are refused up front.
	if _, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data[:9999]), e, merkle.ReaderOptions{}); !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("short object: %v", err)
	}
	e2 := *e
	e2.Hashes = append([]merkle.Hash{}, e.Hashes...)
	e2.Hashes[0][0] ^= 1
	if _, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), &e2, merkle.ReaderOptions{}); !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("tampered leaf hashes: %v", err)
	}
}

// TestVerifiedReaderReplan checks the path from a manifest: an entry with
// hashes (from the sidecar) but no leaf ranges.
func TestVerifiedReaderReplan(t *testing.T) {
	data := parquetBytes(t, 2000, 500, 9)
	e := hashEntry(t, data, "p.parquet", merkle.MinPartSize)
	bare := *e
	bare.Leaves = nil
	v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), &bare, merkle.ReaderOptions{PartSize: merkle.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := readTable(t, v, v.Size(), []int{0, 1, 2, 3}); err != nil || n != 2000 {
		t.Fatalf("%d rows, %v", n, err)
	}
	// Wrong part size: the plan differs, and is refused.
	if _, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), &bare, merkle.ReaderOptions{PartSize: 4096}); !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("wrong part size: %v", err)
	}
	// A tampered footer is refused.
	bad := bytes.Clone(data)
	bad[len(bad)-20] ^= 1
	if _, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(bad), &bare, merkle.ReaderOptions{PartSize: merkle.MinPartSize}); !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("tampered footer: %v", err)
	}
}

// sidecarFixture builds a small dataset (a plain object, a Parquet file
// and an empty object, 1 KiB parts) and returns it with its sidecar bytes.
func sidecarFixture(t testing.TB, seed uint64) (*merkle.Dataset, []byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	files := map[string][]byte{"a": randBytes(r, 3000+int(seed)*1000), "b.parquet": parquetBytes(t, 100, 30, seed), "c": nil}
	d, err := merkle.Build(context.Background(), memStore(t, files), "", merkle.Options{Params: merkle.Params{PartSize: 1024}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := merkle.WriteSidecar(&buf, d); err != nil {
		t.Fatal(err)
	}
	return d, buf.Bytes()
}

// stripped returns d as a manifest gives it back: committed fields and
// leaf counts, no leaf hashes.
func stripped(t testing.TB, d *merkle.Dataset) *merkle.Dataset {
	t.Helper()
	es := make([]merkle.Entry, len(d.Entries))
	for i, e := range d.Entries {
		es[i] = merkle.Entry{Path: e.Path, Size: e.Size, Root: e.Root, Plan: e.Plan, NumLeaves: e.NumLeaves}
	}
	nd, err := merkle.NewDataset(d.Params, es)
	if err != nil {
		t.Fatal(err)
	}
	return nd
}

func TestSidecar(t *testing.T) {
	d, sc := sidecarFixture(t, 2)
	buf := bytes.NewBuffer(sc)
	if int64(buf.Len()) != merkle.SidecarSize(d) {
		t.Fatalf("sidecar is %d bytes, SidecarSize says %d", buf.Len(), merkle.SidecarSize(d))
	}
	strip := func() *merkle.Dataset { return stripped(t, d) }
	nd := strip()
	if nd.Root != d.Root {
		t.Fatal("stripped dataset has another root")
	}
	if err := merkle.ReadSidecar(bytes.NewReader(buf.Bytes()), nd); err != nil {
		t.Fatal(err)
	}
	for i := range nd.Entries {
		if !equalHashes(nd.Entries[i].Hashes, d.Entries[i].Hashes) {
			t.Fatalf("%s: hashes differ after the round trip", nd.Entries[i].Path)
		}
	}
	for name, bad := range map[string][]byte{
		"empty":        nil,
		"header only":  sc[:64],
		"short":        sc[:len(sc)-1],
		"long":         append(bytes.Clone(sc), 0),
		"bad magic":    flip(sc, 0),
		"other root":   flip(sc, 20),
		"entry count":  flip(sc, 48),
		"leaf count":   flip(sc, 56),
		"leaf hash":    flip(sc, 64+32*3+5),
		"last hash":    flip(sc, len(sc)-1),
		"swapped hash": swap32(sc, 64, 96),
	} {
		nd := strip()
		err := merkle.ReadSidecar(bytes.NewReader(bad), nd)
		if !errors.Is(err, merkle.ErrSidecar) && !errors.Is(err, merkle.ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
		for _, e := range nd.Entries {
			if e.Hashes != nil {
				t.Errorf("%s: hashes set after a failed read", name)
			}
		}
	}
	// A dataset whose root does not match its entries is refused.
	nd = strip()
	nd.Root[0] ^= 1
	if err := merkle.ReadSidecar(bytes.NewReader(sc), nd); !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("wrong dataset root: %v", err)
	}
}

func equalHashes(a, b []merkle.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func flip(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 1; return c }

func swap32(b []byte, i, j int) []byte {
	c := bytes.Clone(b)
	copy(c[i:i+32], b[j:j+32])
	copy(c[j:j+32], b[i:i+32])
	return c
}

// TestDiffFromManifest diffs datasets rebuilt from committed fields and a
// sidecar (no leaf ranges): fixed-plan leaves are still named.
func TestDiffFromManifest(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	a := randBytes(r, 5000)
	files := map[string][]byte{"a": a, "p.parquet": parquetBytes(t, 50, 20, 2)}
	opts := merkle.Options{Params: merkle.Params{PartSize: 1024}}
	d0, err := merkle.Build(context.Background(), memStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if d0.Entries[0].Store.Key != "a" || d0.Entries[0].Store.Size != 5000 {
		t.Errorf("store info %+v", d0.Entries[0].Store)
	}
	files["a"] = flip(a, 3000)
	d1, err := merkle.Build(context.Background(), memStore(t, files), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	reload := func(d *merkle.Dataset) *merkle.Dataset {
		var sc bytes.Buffer
		if err := merkle.WriteSidecar(&sc, d); err != nil {
			t.Fatal(err)
		}
		nd := stripped(t, d)
		if err := merkle.ReadSidecar(&sc, nd); err != nil {
			t.Fatal(err)
		}
		return nd
	}
	diff := merkle.DiffTrees(reload(d0), reload(d1))
	if len(diff.Changed) != 1 || !diff.Changed[0].LeavesKnown || len(diff.Changed[0].Leaves) != 1 || diff.Changed[0].Leaves[0].Index != 2 {
		t.Fatalf("diff %s %+v", diff, diff.Changed)
	}
}
