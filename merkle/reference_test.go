package merkle_test

// A slow, obviously correct implementation of docs/FORMAT.md, written from
// the spec and sharing no code with the package: every message is built in
// full as bytes and hashed in one call, and the tree is the recursive
// definition of RFC 9162 section 2.1.1.

import (
	"bytes"
	"encoding/binary"
	"sort"

	"github.com/cairnml/cairn/merkle"
	"github.com/zeebo/blake3"
)

func refKeyed(context string, msg []byte) merkle.Hash {
	var key [32]byte
	blake3.DeriveKey(context, nil, key[:])
	h, err := blake3.NewKeyed(key[:])
	if err != nil {
		panic(err)
	}
	h.Write(msg)
	var out merkle.Hash
	copy(out[:], h.Sum(nil))
	return out
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func refLeaf(offset int64, data []byte) merkle.Hash {
	msg := append(append([]byte{}, data...), u64(uint64(offset))...)
	msg = append(msg, u64(uint64(len(data)))...)
	return refKeyed("cairn v1 leaf", msg)
}

func refNode(l, r merkle.Hash) merkle.Hash {
	return refKeyed("cairn v1 node", append(append([]byte{}, l[:]...), r[:]...))
}

// refMTH is RFC 9162 MTH with the node role; the empty tree hashes the
// empty string with the node role.
func refMTH(d []merkle.Hash) merkle.Hash {
	n := len(d)
	if n == 0 {
		return refKeyed("cairn v1 node", nil)
	}
	if n == 1 {
		return d[0]
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	return refNode(refMTH(d[:k]), refMTH(d[k:]))
}

// refPath is RFC 9162 PATH(m, D[n]), bottom-up.
func refPath(m int, d []merkle.Hash) []merkle.Hash {
	n := len(d)
	if n <= 1 {
		return nil
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	if m < k {
		return append(refPath(m, d[:k]), refMTH(d[k:]))
	}
	return append(refPath(m-k, d[k:]), refMTH(d[:k]))
}

func refObjectRoot(size int64, leaves []merkle.Hash) merkle.Hash {
	t := refMTH(leaves)
	msg := append(u64(uint64(size)), u64(uint64(len(leaves)))...)
	return refKeyed("cairn v1 object", append(msg, t[:]...))
}

func refEntry(path string, size int64, root merkle.Hash, plan string) merkle.Hash {
	msg := binary.LittleEndian.AppendUint32(nil, uint32(len(path)))
	msg = append(msg, path...)
	msg = append(msg, u64(uint64(size))...)
	msg = append(msg, byte(len(plan)))
	msg = append(msg, plan...)
	msg = append(msg, root[:]...)
	return refKeyed("cairn v1 entry", msg)
}

func refDataset(partSize int64, plans []string, total int64, entries []merkle.Hash) merkle.Hash {
	msg := u64(uint64(len(entries)))
	msg = append(msg, u64(uint64(total))...)
	msg = append(msg, u64(uint64(partSize))...)
	msg = append(msg, byte(len(plans)))
	for _, p := range plans {
		msg = append(msg, byte(len(p)))
		msg = append(msg, p...)
	}
	t := refMTH(entries)
	return refKeyed("cairn v1 dataset root", append(msg, t[:]...))
}

// refFixedRanges is the fixed plan: [i*part, min((i+1)*part, size)).
func refFixedRanges(size, part int64) [][2]int64 {
	var r [][2]int64
	for off := int64(0); off < size; off += part {
		r = append(r, [2]int64{off, min(part, size-off)})
	}
	return r
}

// refObject hashes data along the given ranges, checking that they
// partition it.
func refObject(data []byte, ranges [][2]int64) (merkle.Hash, []merkle.Hash) {
	covered := make([]int, len(data))
	var leaves []merkle.Hash
	for _, r := range ranges {
		for i := r[0]; i < r[0]+r[1]; i++ {
			covered[i]++
		}
		leaves = append(leaves, refLeaf(r[0], data[r[0]:r[0]+r[1]]))
	}
	for i, c := range covered {
		if c != 1 {
			panic("ranges do not partition the object at byte " + string(rune('0'+i%10)))
		}
	}
	return refObjectRoot(int64(len(data)), leaves), leaves
}

// refFixedDataset is the dataset root of files with every object planned
// as fixed parts.
func refFixedDataset(files map[string][]byte, partSize int64, plans []string) merkle.Hash {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return bytes.Compare([]byte(paths[i]), []byte(paths[j])) < 0 })
	var total int64
	var hs []merkle.Hash
	for _, p := range paths {
		d := files[p]
		root, _ := refObject(d, refFixedRanges(int64(len(d)), partSize))
		hs = append(hs, refEntry(p, int64(len(d)), root, "fixed"))
		total += int64(len(d))
	}
	return refDataset(partSize, plans, total, hs)
}
