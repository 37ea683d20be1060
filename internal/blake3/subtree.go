package blake3

// This file is cairn's addition to zeebo/blake3 (see README.md): it hashes
// long inputs in whole subtrees of chunks, reducing each subtree's chaining
// values eight at a time with HashP, instead of pushing every chunk's
// chaining value through the cvstack one by one.

import (
	"math/bits"
	"unsafe"

	"github.com/cairnml/cairn/internal/blake3/internal/alg"
	"github.com/cairnml/cairn/internal/blake3/internal/consts"
)

// maxGroups bounds a subtree to 128 groups of 8 chunks (1 MiB of input),
// whose chaining values (32 KiB) stay in the CPU's cache. The scratch for
// them lives on the stack: far larger (Go keeps locals up to 128 KiB there)
// and it would be allocated on every call.
const maxGroups = 128

// minGroups is the smallest subtree worth its scratch: below 8 groups,
// zeroing 32 KiB costs more than the cvstack saves.
const minGroups = 8

// testHookSubtree, if set, is called with the size in groups of each
// subtree hashed: the tests check that the fast path is taken.
var testHookSubtree func(groups int)

// subtrees hashes a prefix of buf as one subtree of at least minGroups
// groups of 8 chunks, if the chunk count allows one there, and returns its
// length, or 0. It needs a.len == 0 and len(buf) > 2*8192; it leaves at
// least one byte of buf, so the last chunk is never pushed (it may be the
// root).
func (a *hasher) subtrees(buf string) int {
	groups := (len(buf) - 1) / 8192
	p := min(1<<(bits.Len(uint(groups))-1), maxGroups)
	if a.chunks != 0 {
		// A subtree of 8p chunks must start at a multiple of 8p chunks.
		p = min(p, (1<<bits.TrailingZeros64(a.chunks))/8)
	}
	if p < minGroups {
		return 0
	}
	// The subtree's chaining value goes on the stack at its level, below
	// which the stack must hold nothing pending.
	for a.stack.bufn > 0 {
		a.stack.flush(a.flags, &a.key)
	}
	if testHookSubtree != nil {
		testHookSubtree(p)
	}
	input := unsafe.Pointer(unsafe.StringData(buf))
	var cv chainVector
	a.subtree(input, p, &cv)
	a.stack.pushL(uint8(bits.TrailingZeros(uint(8*p))), &cv, 0)
	a.chunks += uint64(8 * p)
	return p * 8192
}

// subtree sets lane 0 of out to the chaining value of the subtree over the
// 8p chunks at input, where p is a power of two from minGroups to maxGroups and
// a.chunks is the index of the first chunk.
func (a *hasher) subtree(input unsafe.Pointer, p int, out *chainVector) {
	var cvs [maxGroups]chainVector
	var chain [8]uint32
	for i := range p {
		alg.HashF((*[8192]byte)(unsafe.Add(input, i*8192)), 8192, a.chunks+uint64(8*i), a.flags, &a.key, &cvs[i], &chain)
	}
	flags := a.flags | consts.Flag_Parent
	var l, r chainVector
	// Each pass pairs up the chaining values of groups 2i and 2i+1 (16
	// siblings in order) into the 8 parents that make up group i.
	for n := p; n > 1; n /= 2 {
		for i := range n / 2 {
			unzip(&cvs[2*i], &cvs[2*i+1], &l, &r)
			alg.HashP(&l, &r, flags, &a.key, &cvs[i], 8)
		}
	}
	// The last 8 chaining values, in the lanes of group 0: 8 -> 4 -> 2 -> 1.
	g := &cvs[0]
	for m := 4; m >= 1; m /= 2 {
		for w := 0; w < 64; w += 8 {
			for j := range m {
				l[w+j], r[w+j] = g[w+2*j], g[w+2*j+1]
			}
		}
		alg.HashP(&l, &r, flags, &a.key, g, m)
	}
	for w := 0; w < 64; w += 8 {
		out[w] = g[w]
	}
}

// unzip splits 16 sibling chaining values, lanes 0-7 of a then of b (each
// a chainVector: word w of lane j at index 8w+j), into the 8 left children
// l and the 8 right children r.
func unzip(a, b, l, r *chainVector) {
	for w := 0; w < 64; w += 8 {
		x, y := (*[8]uint32)(a[w:]), (*[8]uint32)(b[w:])
		lw, rw := (*[8]uint32)(l[w:]), (*[8]uint32)(r[w:])
		lw[0], rw[0] = x[0], x[1]
		lw[1], rw[1] = x[2], x[3]
		lw[2], rw[2] = x[4], x[5]
		lw[3], rw[3] = x[6], x[7]
		lw[4], rw[4] = y[0], y[1]
		lw[5], rw[5] = y[2], y[3]
		lw[6], rw[6] = y[4], y[5]
		lw[7], rw[7] = y[6], y[7]
	}
}
