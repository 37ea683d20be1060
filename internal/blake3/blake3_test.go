package blake3

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"testing"

	zeebo "github.com/zeebo/blake3"
)

// TestVectors checks the official BLAKE3 test vectors (inputs up to 31 KiB)
// and a 4 MiB one checked with b3sum, which takes the subtree path with
// subtrees of up to 1 MiB, in all three modes, written whole and in pieces.
func TestVectors(t *testing.T) {
	for _, tv := range vectors {
		in := tv.input()
		keyed, err := NewKeyed([]byte(testVectorKey))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			mode string
			h    *Hasher
			want string
		}{
			{"hash", New(), tv.hash},
			{"keyed", keyed, tv.keyedHash},
			{"derive", NewDeriveKey(testVectorContext), tv.deriveKey},
		} {
			for _, piece := range []int{len(in) + 1, 8192, 1000, 16385} {
				h := c.h.Clone()
				for rest := in; ; {
					n := min(piece, len(rest))
					h.Write(rest[:n])
					if rest = rest[n:]; len(rest) == 0 {
						break
					}
				}
				got := make([]byte, len(c.want)/2)
				h.Digest().Read(got)
				if g := hex.EncodeToString(got); g != c.want {
					t.Errorf("%s of %d bytes in pieces of %d: got %s…, want %s…", c.mode, tv.inputLen, piece, g[:16], c.want[:16])
				}
			}
		}
	}
}

// sameAsZeebo writes data to this package's hasher and to zeebo/blake3's in
// the pieces given by cuts (increasing offsets), with Sum between pieces
// when sums is set, and fails if any digest differs.
func sameAsZeebo(t testing.TB, key, data []byte, cuts []int, sums bool) {
	t.Helper()
	ours, err := NewKeyed(key)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := zeebo.NewKeyed(key)
	if err != nil {
		t.Fatal(err)
	}
	prev := 0
	for _, c := range append(cuts, len(data)) {
		c = min(max(c, prev), len(data))
		ours.Write(data[prev:c])
		ref.Write(data[prev:c])
		prev = c
		if sums || c == len(data) {
			if a, b := ours.Sum(nil), ref.Sum(nil); !bytes.Equal(a, b) {
				t.Fatalf("%d bytes, cuts %v: after %d bytes got %x, zeebo/blake3 %x", len(data), cuts, c, a, b)
			}
		}
	}
}

// TestSameAsZeebo compares with zeebo/blake3 on lengths around every
// subtree size and on random lengths and cuts, including sums mid-stream
// (after which zeebo's state holds a chunk count that is not a multiple of
// 8, so later subtrees start unaligned).
func TestSameAsZeebo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 9<<20+100)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	var sizes []int
	for g := 1; g <= 2*maxGroups; g *= 2 {
		for _, d := range []int{-1025, -1024, -1, 0, 1, 1024, 8191, 8192} {
			if n := g*8192 + d; n >= 0 {
				sizes = append(sizes, n)
			}
		}
	}
	sizes = append(sizes, 8<<20, 8<<20+16, len(data))
	for _, n := range sizes {
		sameAsZeebo(t, key, data[:n], nil, false)
		sameAsZeebo(t, key, data[:n], []int{n / 3, n / 2}, true)
	}
	for range 200 {
		n := r.IntN(len(data) + 1)
		if r.IntN(2) == 0 {
			n = r.IntN(64 << 10)
		}
		var cuts []int
		for range r.IntN(4) {
			cuts = append(cuts, r.IntN(n+1))
		}
		if len(cuts) > 1 && cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		sameAsZeebo(t, key, data[:n], cuts, r.IntN(2) == 0)
	}
}

// FuzzSameAsZeebo compares with zeebo/blake3 on fuzzed lengths, cuts and
// content.
func FuzzSameAsZeebo(f *testing.F) {
	f.Add(uint32(3*8192+5), uint32(100), uint32(20000), uint8(1), false)
	f.Add(uint32(1<<20+1), uint32(0), uint32(8192*7), uint8(7), true)
	f.Fuzz(func(t *testing.T, n, c1, c2 uint32, seed uint8, sums bool) {
		n %= 3 << 20
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*int(seed|1) + i>>10)
		}
		key := bytes.Repeat([]byte{seed}, 32)
		cuts := []int{int(c1 % (n + 1)), int(c2 % (n + 1))}
		if cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		sameAsZeebo(t, key, data, cuts, sums)
	})
}

// TestSubtreesDoNotAllocate: the subtree scratch must stay on the stack
// (an array too large for it would cost an allocation per MiB).
func TestSubtreesDoNotAllocate(t *testing.T) {
	data := make([]byte, 2<<20)
	h := New()
	var out [32]byte
	if n := testing.AllocsPerRun(5, func() {
		h.Reset()
		h.Write(data)
		h.Sum(out[:0])
	}); n != 0 {
		t.Errorf("hashing 2 MiB allocates %v times, want 0", n)
	}
}

// TestSubtreesTaken: a leaf written whole is hashed in aligned 1 MiB
// subtrees, and one written in pieces in the largest subtrees its
// alignment allows, so the fast path cannot quietly switch off.
func TestSubtreesTaken(t *testing.T) {
	var got []int
	testHookSubtree = func(p int) { got = append(got, p) }
	defer func() { testHookSubtree = nil }()
	data := make([]byte, 8<<20+16)
	h := New()
	h.Write(data)
	if want := []int{128, 128, 128, 128, 128, 128, 128, 128}; !slices.Equal(got, want) {
		t.Errorf("8 MiB + 16 bytes written whole: subtrees of %v groups, want %v", got, want)
	}
	got = nil
	h.Reset()
	// 100 KiB: one subtree of 8 groups, then single groups up to chunk 88
	// (4 KiB kept back). The rest: single groups up to chunk 128, then
	// subtrees as large as each offset's alignment and what is left allow.
	h.Write(data[:100<<10])
	h.Write(data[100<<10 : 1<<20])
	if want := []int{8, 16, 32, 32, 16, 8}; !slices.Equal(got, want) {
		t.Errorf("100 KiB then the rest of 1 MiB: subtrees of %v groups, want %v", got, want)
	}
}
