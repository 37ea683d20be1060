package merkle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

// FuzzHashObject checks the fast path against the reference on arbitrary
// bytes, part sizes, read sizes and worker counts: fixed plans for most
// inputs, Parquet plans when the bytes are Parquet.
func FuzzHashObject(f *testing.F) {
	f.Add([]byte("hello"), uint16(0), uint16(1), uint8(1))
	f.Add(bytes.Repeat([]byte{7}, 5000), uint16(100), uint16(700), uint8(3))
	f.Add(parquetBytes(f, 30, 7, 1), uint16(0), uint16(100), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, partExtra, readSize uint16, workers uint8) {
		part := int64(merkle.MinPartSize) + int64(partExtra)
		opts := merkle.Options{
			Params:   merkle.Params{PartSize: part},
			ReadSize: 1 + int(readSize)%int(part),
			Workers:  1 + int(workers%8),
		}
		e, err := merkle.HashObject(context.Background(), bytes.NewReader(data), int64(len(data)), "f", opts)
		if err != nil {
			t.Fatal(err)
		}
		var ranges [][2]int64
		for _, l := range e.Leaves {
			ranges = append(ranges, [2]int64{l.Offset, l.Length})
		}
		if e.Plan == merkle.PlanFixed {
			want := refFixedRanges(int64(len(data)), part)
			if len(want) != len(ranges) {
				t.Fatalf("fixed plan has %d leaves, reference %d", len(ranges), len(want))
			}
			for i := range want {
				if want[i] != ranges[i] {
					t.Fatalf("leaf %d is %v, reference %v", i, ranges[i], want[i])
				}
			}
		}
		root, leaves := refObject(data, ranges) // panics unless a partition
		if root != e.Root || !equalHashes(leaves, e.Hashes) {
			t.Fatalf("root %s, reference %s", e.Root, root)
		}
	})
}

// FuzzVerifyProof feeds arbitrary proofs to the verifier: it must never
// panic, and must accept exactly the proofs that the reference accepts.
func FuzzVerifyProof(f *testing.F) {
	f.Add(uint8(5), uint64(2), uint64(5), []byte{}, uint8(0))
	f.Add(uint8(1), uint64(0), uint64(1), []byte{}, uint8(0))
	f.Add(uint8(9), uint64(8), uint64(9), make([]byte, 32), uint8(1))
	f.Fuzz(func(t *testing.T, n uint8, index, size uint64, extra []byte, mode uint8) {
		leaves := make([]merkle.Hash, int(n)%40)
		for i := range leaves {
			binary.LittleEndian.PutUint64(leaves[i][:], uint64(i)*0x9e3779b97f4a7c15)
		}
		root := merkle.ObjectRoot(int64(len(leaves)), leaves)
		var p merkle.Proof
		var leaf merkle.Hash
		if len(leaves) > 0 && mode%2 == 0 {
			// A real proof, perhaps tampered with.
			i := int(index % uint64(len(leaves)))
			e := &merkle.Entry{Path: "x", Size: int64(len(leaves)), Plan: "fixed", NumLeaves: len(leaves), Hashes: leaves, Root: root}
			var err error
			if p, err = e.LeafProof(i); err != nil {
				t.Fatal(err)
			}
			leaf = leaves[i]
			switch mode % 8 {
			case 2:
				p.TreeSize = size
			case 4:
				p.Index = index
			case 6:
				for len(extra) >= 32 {
					var h merkle.Hash
					copy(h[:], extra)
					p.Path = append(p.Path, h)
					extra = extra[32:]
				}
			}
		} else {
			p = merkle.Proof{Index: index, TreeSize: size}
			for len(extra) >= 32 {
				var h merkle.Hash
				copy(h[:], extra)
				p.Path = append(p.Path, h)
				extra = extra[32:]
			}
			copy(leaf[:], extra)
		}
		err := merkle.VerifyLeaf(root, int64(len(leaves)), leaf, p)
		want := len(leaves) > 0 && p.TreeSize == uint64(len(leaves)) && p.Index < p.TreeSize &&
			leaves[p.Index] == leaf && equalHashes(p.Path, refPath(int(p.Index), leaves))
		if want != (err == nil) {
			t.Fatalf("proof %+v of %d leaves: err %v, reference accepts: %v", p, len(leaves), err, want)
		}
		if err != nil && !errors.Is(err, merkle.ErrInvalidProof) {
			t.Fatalf("error class: %v", err)
		}
	})
}
