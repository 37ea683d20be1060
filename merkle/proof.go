package merkle

import (
	"errors"
	"fmt"
	"math/bits"
)

// ErrInvalidProof reports a proof that is malformed or does not lead to the
// expected root.
var ErrInvalidProof = errors.New("merkle: invalid proof")

// Proof is an RFC 9162 inclusion proof (section 2.1.3) of the leaf at Index
// in a tree of TreeSize leaves: the sibling hashes from the leaf upwards.
type Proof struct {
	Index    uint64 `json:"index"`
	TreeSize uint64 `json:"tree_size"`
	Path     []Hash `json:"path"`
}

// ProofLen returns the exact number of hashes in an inclusion proof of
// index in a tree of size leaves (index < size).
func ProofLen(index, size uint64) int {
	// Levels where the path has a sibling: the bits of the tree height
	// below the point where index and size-1 share their prefix, plus the
	// levels of the right border that are complete.
	inner := bits.Len64(index ^ (size - 1))
	border := bits.OnesCount64(index >> uint(inner))
	return inner + border
}

// RootFrom computes the tree root that p proves leaf is part of, following
// RFC 9162 section 2.1.3.2. It fails if the index is out of range or the
// path has the wrong length.
func (p Proof) RootFrom(leaf Hash) (Hash, error) {
	if p.TreeSize == 0 {
		return Hash{}, fmt.Errorf("%w: empty tree has no leaves", ErrInvalidProof)
	}
	if p.Index >= p.TreeSize {
		return Hash{}, fmt.Errorf("%w: index %d out of range for tree size %d", ErrInvalidProof, p.Index, p.TreeSize)
	}
	if want := ProofLen(p.Index, p.TreeSize); len(p.Path) != want {
		return Hash{}, fmt.Errorf("%w: path has %d hashes, want %d for index %d of %d", ErrInvalidProof, len(p.Path), want, p.Index, p.TreeSize)
	}
	fn, sn := p.Index, p.TreeSize-1
	r := leaf
	for _, c := range p.Path {
		if sn == 0 {
			return Hash{}, fmt.Errorf("%w: path too long", ErrInvalidProof)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(c, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return Hash{}, fmt.Errorf("%w: path too short", ErrInvalidProof)
	}
	return r, nil
}

// inclusionPath returns the RFC 9162 PATH(m, D[n]) over leaves.
func inclusionPath(leaves []Hash, m uint64) []Hash {
	var path []Hash
	for len(leaves) > 1 {
		k := splitPoint(uint64(len(leaves)))
		if m < k {
			path = append(path, TreeRoot(leaves[k:]))
			leaves = leaves[:k]
		} else {
			path = append(path, TreeRoot(leaves[:k]))
			leaves = leaves[k:]
			m -= k
		}
	}
	// Collected top-down; a proof lists siblings bottom-up.
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

func newProof(leaves []Hash, index int) (Proof, error) {
	if index < 0 || index >= len(leaves) {
		return Proof{}, fmt.Errorf("%w: index %d out of range for tree size %d", ErrInvalidProof, index, len(leaves))
	}
	return Proof{Index: uint64(index), TreeSize: uint64(len(leaves)), Path: inclusionPath(leaves, uint64(index))}, nil
}

// LeafProof returns the inclusion proof of leaf i in the object root. The
// entry must have its leaf hashes.
func (e *Entry) LeafProof(i int) (Proof, error) {
	if e.Hashes == nil {
		return Proof{}, fmt.Errorf("%w: %s: no leaf hashes", ErrInvalidEntry, e.Path)
	}
	return newProof(e.Hashes, i)
}

// EntryProof returns the inclusion proof of the entry with the given path
// in the dataset root.
func (d *Dataset) EntryProof(path string) (Proof, error) {
	i := d.Find(path)
	if i < 0 {
		return Proof{}, fmt.Errorf("%w: no entry %q", ErrInvalidProof, path)
	}
	return newProof(d.entryHashes(), i)
}

// VerifyLeaf checks that leaf (a LeafHash) is leaf p.Index of the object of
// objectSize bytes with the given object root.
func VerifyLeaf(objectRoot Hash, objectSize int64, leaf Hash, p Proof) error {
	tree, err := p.RootFrom(leaf)
	if err != nil {
		return err
	}
	if got := objectRootFromTree(objectSize, p.TreeSize, tree); got != objectRoot {
		return fmt.Errorf("%w: leaf %d of %d does not lead to object root %s", ErrInvalidProof, p.Index, p.TreeSize, objectRoot)
	}
	return nil
}

// VerifyEntry checks that e (its committed fields Path, Size, Root, Plan)
// is entry p.Index of the dataset with the given root, parameters and total
// bytes. Entries are sorted by path, so the index is the entry's rank.
func VerifyEntry(datasetRoot Hash, params Params, totalBytes int64, e *Entry, p Proof) error {
	if err := params.Validate(); err != nil {
		return err
	}
	tree, err := p.RootFrom(e.Hash())
	if err != nil {
		return err
	}
	if got := datasetRootFromTree(params, totalBytes, p.TreeSize, tree); got != datasetRoot {
		return fmt.Errorf("%w: entry %q (index %d of %d) does not lead to dataset root %s", ErrInvalidProof, e.Path, p.Index, p.TreeSize, datasetRoot)
	}
	return nil
}
