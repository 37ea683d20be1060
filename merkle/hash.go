package merkle

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"sync"

	leafblake3 "github.com/cairnml/cairn/internal/blake3"
	"github.com/zeebo/blake3"
)

// Hash is a 32-byte BLAKE3 output. Its text form is 64 lowercase hex digits.
type Hash [32]byte

// String returns h as 64 lowercase hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler (lowercase hex).
func (h Hash) MarshalText() ([]byte, error) {
	out := make([]byte, 64)
	hex.Encode(out, h[:])
	return out, nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts exactly 64
// hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash parses 64 hex digits (either case) into a Hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("merkle: hash %q: want 64 hex digits, got %d characters", s, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("merkle: hash %q: %w", s, err)
	}
	return h, nil
}

// Role contexts: each role hashes with its own key, derived with BLAKE3's
// derive_key mode from the context string and empty key material, so a hash
// of one role can never be taken for a hash of another (docs/FORMAT.md §2).
const (
	ContextLeaf    = "cairn v1 leaf"
	ContextNode    = "cairn v1 node"
	ContextObject  = "cairn v1 object"
	ContextEntry   = "cairn v1 entry"
	ContextDataset = "cairn v1 dataset root"
)

var (
	keyLeaf    = deriveKey(ContextLeaf)
	keyNode    = deriveKey(ContextNode)
	keyObject  = deriveKey(ContextObject)
	keyEntry   = deriveKey(ContextEntry)
	keyDataset = deriveKey(ContextDataset)

	// Prototype hashers; Clone is cheaper than re-keying. Leaves, where
	// nearly all the bytes are, are hashed by internal/blake3, a fork of
	// zeebo/blake3 that is faster on long inputs; the tests check both
	// against a reference built on zeebo/blake3 alone.
	protoLeaf    = mustKeyedLeaf(keyLeaf)
	protoNode    = mustKeyed(keyNode)
	protoObject  = mustKeyed(keyObject)
	protoEntry   = mustKeyed(keyEntry)
	protoDataset = mustKeyed(keyDataset)
)

func deriveKey(context string) [32]byte {
	var k [32]byte
	blake3.DeriveKey(context, nil, k[:])
	return k
}

func mustKeyed(k [32]byte) *blake3.Hasher {
	h, err := blake3.NewKeyed(k[:])
	if err != nil {
		panic(err) // unreachable: the key is 32 bytes
	}
	return h
}

func mustKeyedLeaf(k [32]byte) *leafblake3.Hasher {
	h, err := leafblake3.NewKeyed(k[:])
	if err != nil {
		panic(err) // unreachable: the key is 32 bytes
	}
	return h
}

// nodePool holds node-role hashers: Clone copies zeebo/blake3's 8 KiB
// buffer, which costs more than hashing 64 bytes; Reset does not.
var nodePool = sync.Pool{New: func() any { return protoNode.Clone() }}

func sum(h *blake3.Hasher) Hash {
	var out Hash
	h.Sum(out[:0])
	return out
}

// leafSuffix encodes the 16 bytes that follow a leaf's content. They come
// after the content, not before, so that the content is fed to BLAKE3 at a
// chunk boundary (zeebo/blake3 then hashes it in place, without copying).
func leafSuffix(offset, length int64) [16]byte {
	var p [16]byte
	binary.LittleEndian.PutUint64(p[0:], uint64(offset))
	binary.LittleEndian.PutUint64(p[8:], uint64(length))
	return p
}

// LeafHash returns the hash of a leaf: the bytes data found at offset in
// their object. It binds the offset and the length, so the same bytes at
// another place hash differently.
func LeafHash(offset int64, data []byte) Hash {
	h := protoLeaf.Clone()
	h.Write(data)
	p := leafSuffix(offset, int64(len(data)))
	h.Write(p[:])
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash returns the hash of an interior tree node over two children.
func NodeHash(left, right Hash) Hash {
	var buf [64]byte
	copy(buf[:32], left[:])
	copy(buf[32:], right[:])
	h := nodePool.Get().(*blake3.Hasher)
	h.Reset()
	h.Write(buf[:])
	out := sum(h)
	nodePool.Put(h)
	return out
}

// emptyTreeRoot is the root of a tree with no leaves: the node role applied
// to the empty string (an interior node always hashes exactly 64 bytes, so
// the two cannot be confused).
var emptyTreeRoot = sum(protoNode.Clone())

// TreeRoot returns the RFC 9162 Merkle Tree Hash of the given leaf hashes
// with the node role: the node hash of the empty string for none, the hash itself for one, and
// otherwise NodeHash(TreeRoot(first k), TreeRoot(rest)) where k is the
// largest power of two smaller than the count. No node is duplicated.
func TreeRoot(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return emptyTreeRoot
	case 1:
		return leaves[0]
	}
	// Iterative: hash a stack of perfect subtrees left to right (the
	// compact-range technique); equal to the recursive definition.
	var stack [64]Hash
	var sizes [64]uint64
	top := 0
	for _, l := range leaves {
		stack[top], sizes[top] = l, 1
		top++
		for top >= 2 && sizes[top-1] == sizes[top-2] {
			stack[top-2] = NodeHash(stack[top-2], stack[top-1])
			sizes[top-2] *= 2
			top--
		}
	}
	r := stack[top-1]
	for i := top - 2; i >= 0; i-- {
		r = NodeHash(stack[i], r)
	}
	return r
}

// ObjectRoot returns the root of an object of size bytes whose leaves hash
// to leaves: the object role over size, leaf count and TreeRoot(leaves).
func ObjectRoot(size int64, leaves []Hash) Hash {
	return objectRootFromTree(size, uint64(len(leaves)), TreeRoot(leaves))
}

func objectRootFromTree(size int64, n uint64, tree Hash) Hash {
	var buf [48]byte
	binary.LittleEndian.PutUint64(buf[0:], uint64(size))
	binary.LittleEndian.PutUint64(buf[8:], n)
	copy(buf[16:], tree[:])
	h := protoObject.Clone()
	h.Write(buf[:])
	return sum(h)
}

// EntryHash returns the hash of a dataset entry: its canonical path, size,
// object root and leaf plan id.
func EntryHash(path string, size int64, root Hash, plan PlanID) Hash {
	h := protoEntry.Clone()
	var n [8]byte
	binary.LittleEndian.PutUint32(n[:4], uint32(len(path)))
	h.Write(n[:4])
	h.WriteString(path)
	binary.LittleEndian.PutUint64(n[:], uint64(size))
	h.Write(n[:])
	h.Write([]byte{byte(len(plan))})
	h.WriteString(string(plan))
	h.Write(root[:])
	return sum(h)
}

// DatasetRoot returns the dataset root over entry hashes already sorted by
// path: the dataset-root role over the entry count, the total bytes, the
// parameters and TreeRoot(entries).
func DatasetRoot(params Params, totalBytes int64, entries []Hash) Hash {
	return datasetRootFromTree(params, totalBytes, uint64(len(entries)), TreeRoot(entries))
}

func datasetRootFromTree(params Params, totalBytes int64, n uint64, tree Hash) Hash {
	h := protoDataset.Clone()
	h.Write(params.encode(n, totalBytes))
	h.Write(tree[:])
	return sum(h)
}

// encode writes the dataset header: count, total bytes, part size, plans.
func (p Params) encode(n uint64, totalBytes int64) []byte {
	buf := make([]byte, 0, 32+8*len(p.Plans))
	buf = binary.LittleEndian.AppendUint64(buf, n)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(totalBytes))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(p.PartSize))
	buf = append(buf, byte(len(p.Plans)))
	for _, id := range p.Plans {
		buf = append(buf, byte(len(id)))
		buf = append(buf, id...)
	}
	return buf
}

// splitPoint returns the largest power of two strictly smaller than n (n >= 2).
func splitPoint(n uint64) uint64 {
	return 1 << (bits.Len64(n-1) - 1)
}

// PlanID names a leaf planner. It is recorded in every entry and, for the
// planners enabled in a build, in the dataset parameters.
type PlanID string

// The leaf planners.
const (
	// PlanFixed splits an object into parts of Params.PartSize bytes (the
	// last one shorter); a zero-byte object has no leaves.
	PlanFixed PlanID = "fixed"
	// PlanParquet splits a Parquet file into its header magic, column
	// chunks, gaps and footer, each split into parts no longer than
	// Params.PartSize.
	PlanParquet PlanID = "parquet"
)

func (id PlanID) valid() bool { return id == PlanFixed || id == PlanParquet }

// DefaultPartSize is the default maximum leaf length: 8 MiB.
const DefaultPartSize = 8 << 20

// MinPartSize and MaxPartSize bound Params.PartSize.
const (
	MinPartSize = 1 << 10
	MaxPartSize = 1 << 30
)

// Params are the tree parameters committed in the dataset root.
type Params struct {
	// PartSize is the maximum leaf length in bytes.
	PartSize int64 `json:"part_size"`
	// Plans lists the leaf planners enabled for the build, sorted and
	// without duplicates; PlanFixed is always present.
	Plans []PlanID `json:"plans"`
}

// DefaultParams returns the default parameters: 8 MiB parts, fixed and
// Parquet planners.
func DefaultParams() Params {
	return Params{PartSize: DefaultPartSize, Plans: []PlanID{PlanFixed, PlanParquet}}
}

// Validate reports whether p is usable: PartSize within [MinPartSize,
// MaxPartSize], Plans sorted, known, without duplicates, including
// PlanFixed.
func (p Params) Validate() error {
	if p.PartSize < MinPartSize || p.PartSize > MaxPartSize {
		return fmt.Errorf("%w: part size %d outside [%d, %d]", ErrInvalidParams, p.PartSize, MinPartSize, MaxPartSize)
	}
	if !sort.SliceIsSorted(p.Plans, func(i, j int) bool { return p.Plans[i] < p.Plans[j] }) {
		return fmt.Errorf("%w: plans %q not sorted", ErrInvalidParams, p.Plans)
	}
	fixed := false
	for i, id := range p.Plans {
		if !id.valid() {
			return fmt.Errorf("%w: unknown plan %q", ErrInvalidParams, id)
		}
		if i > 0 && p.Plans[i-1] == id {
			return fmt.Errorf("%w: plan %q listed twice", ErrInvalidParams, id)
		}
		fixed = fixed || id == PlanFixed
	}
	if !fixed {
		return fmt.Errorf("%w: plans %q lack %q", ErrInvalidParams, p.Plans, PlanFixed)
	}
	return nil
}

func (p Params) has(id PlanID) bool {
	for _, x := range p.Plans {
		if x == id {
			return true
		}
	}
	return false
}

// ErrInvalidParams reports tree parameters or build options that cannot be used.
var ErrInvalidParams = errors.New("merkle: invalid parameters")
