package merkle_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

func randHashes(r *rand.Rand, n int) []merkle.Hash {
	hs := make([]merkle.Hash, n)
	for i := range hs {
		for j := range hs[i] {
			hs[i][j] = byte(r.Uint32())
		}
	}
	return hs
}

func TestRolesMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 15, 16, 1023, 1024, 1025, 8192, 8193, 20000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		off := int64(r.Uint32())
		if got, want := merkle.LeafHash(off, data), refLeaf(off, data); got != want {
			t.Errorf("LeafHash(%d bytes) = %s, want %s", n, got, want)
		}
	}
	hs := randHashes(r, 2)
	if merkle.NodeHash(hs[0], hs[1]) != refNode(hs[0], hs[1]) {
		t.Error("NodeHash differs from reference")
	}
	if merkle.EntryHash("a/b.parquet", 77, hs[0], merkle.PlanParquet) != refEntry("a/b.parquet", 77, hs[0], "parquet") {
		t.Error("EntryHash differs from reference")
	}
	if merkle.ObjectRoot(10, hs) != refObjectRoot(10, hs) {
		t.Error("ObjectRoot differs from reference")
	}
	p := merkle.DefaultParams()
	if merkle.DatasetRoot(p, 99, hs) != refDataset(p.PartSize, []string{"fixed", "parquet"}, 99, hs) {
		t.Error("DatasetRoot differs from reference")
	}
}

func TestRolesDistinct(t *testing.T) {
	// The same 64 bytes under every role give different hashes.
	var a, b merkle.Hash
	a[0], b[0] = 1, 2
	seen := map[merkle.Hash]string{}
	add := func(name string, h merkle.Hash) {
		if prev, ok := seen[h]; ok {
			t.Errorf("%s and %s collide", name, prev)
		}
		seen[h] = name
	}
	add("node", merkle.NodeHash(a, b))
	add("leaf", merkle.LeafHash(0, append(a[:], b[:]...)))
	add("empty tree", merkle.TreeRoot(nil))
	add("object", merkle.ObjectRoot(0, nil))
	add("entry", merkle.EntryHash("x", 0, a, merkle.PlanFixed))
	add("dataset", merkle.DatasetRoot(merkle.DefaultParams(), 0, nil))
}

func TestTreeRootMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 130; n++ {
		hs := randHashes(r, n)
		if got, want := merkle.TreeRoot(hs), refMTH(hs); got != want {
			t.Fatalf("TreeRoot(%d leaves) = %s, want %s", n, got, want)
		}
	}
}

func TestHashText(t *testing.T) {
	h := merkle.LeafHash(0, []byte("x"))
	b, _ := h.MarshalText()
	var g merkle.Hash
	if err := g.UnmarshalText(b); err != nil || g != h {
		t.Fatalf("round trip: %v %s", err, g)
	}
	for _, bad := range []string{"", "00", h.String() + "0", "zz" + h.String()[2:]} {
		if _, err := merkle.ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) succeeded", bad)
		}
	}
}

func TestParamsValidate(t *testing.T) {
	bad := []merkle.Params{
		{PartSize: 0, Plans: []merkle.PlanID{"fixed"}},
		{PartSize: merkle.MaxPartSize + 1, Plans: []merkle.PlanID{"fixed"}},
		{PartSize: 4096, Plans: nil},
		{PartSize: 4096, Plans: []merkle.PlanID{"parquet"}},
		{PartSize: 4096, Plans: []merkle.PlanID{"parquet", "fixed"}},
		{PartSize: 4096, Plans: []merkle.PlanID{"fixed", "fixed"}},
		{PartSize: 4096, Plans: []merkle.PlanID{"fixed", "zip"}},
	}
	for _, p := range bad {
		if err := p.Validate(); !errors.Is(err, merkle.ErrInvalidParams) {
			t.Errorf("%+v: Validate = %v, want ErrInvalidParams", p, err)
		}
	}
	if err := merkle.DefaultParams().Validate(); err != nil {
		t.Error(err)
	}
}

func TestProofs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 70; n++ {
		hs := randHashes(r, n)
		e := &merkle.Entry{Path: "x", Size: int64(n), Plan: merkle.PlanFixed, NumLeaves: n, Hashes: hs, Root: merkle.ObjectRoot(int64(n), hs)}
		for i := range n {
			p, err := e.LeafProof(i)
			if err != nil {
				t.Fatal(err)
			}
			want := refPath(i, hs)
			if fmt.Sprint(p.Path) != fmt.Sprint(want) || len(want) != merkle.ProofLen(uint64(i), uint64(n)) {
				t.Fatalf("n=%d i=%d: path %v, want %v", n, i, p.Path, want)
			}
			if err := merkle.VerifyLeaf(e.Root, e.Size, hs[i], p); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
			// Every single change must fail.
			bad := []merkle.Proof{
				{Index: p.Index + 1, TreeSize: p.TreeSize, Path: p.Path},
				{Index: p.Index, TreeSize: p.TreeSize + 1, Path: p.Path},
				{Index: p.Index, TreeSize: p.TreeSize, Path: append(append([]merkle.Hash{}, p.Path...), hs[0])},
				{Index: p.Index, TreeSize: 0, Path: p.Path},
				{Index: uint64(n), TreeSize: uint64(n), Path: p.Path},
			}
			if len(p.Path) > 0 {
				bad = append(bad, merkle.Proof{Index: p.Index, TreeSize: p.TreeSize, Path: p.Path[:len(p.Path)-1]})
				flipped := append([]merkle.Hash{}, p.Path...)
				flipped[r.IntN(len(flipped))][r.IntN(32)] ^= 1
				bad = append(bad, merkle.Proof{Index: p.Index, TreeSize: p.TreeSize, Path: flipped})
			}
			for _, b := range bad {
				if err := merkle.VerifyLeaf(e.Root, e.Size, hs[i], b); !errors.Is(err, merkle.ErrInvalidProof) {
					t.Fatalf("n=%d i=%d: bad proof %+v verified: %v", n, i, b, err)
				}
			}
			if err := merkle.VerifyLeaf(e.Root, e.Size+1, hs[i], p); err == nil {
				t.Fatal("wrong object size verified")
			}
		}
	}
	if _, err := (&merkle.Entry{Path: "x", Hashes: randHashes(r, 3)}).LeafProof(3); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("out-of-range LeafProof: %v", err)
	}
}
