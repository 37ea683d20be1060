package merkle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cairnml/cairn/merkle"
	"github.com/zeebo/blake3"
)

var sinkHash merkle.Hash

func BenchmarkLeafHash(b *testing.B) {
	for _, n := range []int{1 << 10, 64 << 10, 1 << 20, 8 << 20} {
		data := randBytes(rand.New(rand.NewPCG(1, 1)), n)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				sinkHash = merkle.LeafHash(0, data)
			}
		})
	}
}

// BenchmarkBLAKE3 is the plain zeebo/blake3 speed on one core, for scale.
func BenchmarkBLAKE3(b *testing.B) {
	data := randBytes(rand.New(rand.NewPCG(1, 1)), 8<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sinkHash = blake3.Sum256(data)
	}
}

func BenchmarkTreeRoot(b *testing.B) {
	for _, n := range []int{16, 1024, 65536} {
		hs := randHashes(rand.New(rand.NewPCG(1, 1)), n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkHash = merkle.TreeRoot(hs)
			}
		})
	}
}

// BenchmarkHashObject hashes one in-memory object with all workers.
func BenchmarkHashObject(b *testing.B) {
	for _, n := range []int{1 << 20, 16 << 20, 128 << 20} {
		data := randBytes(rand.New(rand.NewPCG(1, 1)), n)
		b.Run(fmt.Sprintf("%dMiB", n>>20), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := merkle.HashObject(context.Background(), bytes.NewReader(data), int64(n), "x", merkle.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildSmallFiles builds over many small objects in store/mem.
func BenchmarkBuildSmallFiles(b *testing.B) {
	for _, c := range []struct{ files, size int }{{1000, 4 << 10}, {200, 1 << 20}} {
		r := rand.New(rand.NewPCG(1, 1))
		files := map[string][]byte{}
		for i := range c.files {
			files[fmt.Sprintf("shard/%05d.bin", i)] = randBytes(r, c.size)
		}
		st := memStore(b, files)
		b.Run(fmt.Sprintf("%dx%dKiB", c.files, c.size>>10), func(b *testing.B) {
			b.SetBytes(int64(c.files * c.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := merkle.Build(context.Background(), st, "", merkle.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifiedReadAt reads a whole object in 64 KiB reads, unverified
// and through a fresh VerifiedReader per pass (so no pass is served from the
// previous pass's cache).
func BenchmarkVerifiedReadAt(b *testing.B) {
	const n = 32 << 20
	data := randBytes(rand.New(rand.NewPCG(1, 1)), n)
	e := hashEntry(b, data, "x", merkle.DefaultPartSize)
	buf := make([]byte, 64<<10)
	read := func(b *testing.B, open func() io.ReaderAt) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			r := open()
			for off := int64(0); off < n; off += int64(len(buf)) {
				if _, err := r.ReadAt(buf, off); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("plain", func(b *testing.B) { read(b, func() io.ReaderAt { return bytes.NewReader(data) }) })
	b.Run("verified", func(b *testing.B) {
		read(b, func() io.ReaderAt {
			v, err := merkle.NewVerifiedReader(context.Background(), bytes.NewReader(data), e, merkle.ReaderOptions{})
			if err != nil {
				b.Fatal(err)
			}
			return v
		})
	})
}
