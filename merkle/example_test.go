package merkle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/mem"
)

func Example() {
	ctx := context.Background()
	st := mem.New()
	for k, v := range map[string]string{"ds/a.txt": "hello", "ds/b/c.txt": "world"} {
		st.Put(ctx, k, strings.NewReader(v), int64(len(v)))
	}
	d, err := merkle.Build(ctx, st, "ds/", merkle.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(d.Entries), "entries,", d.Bytes, "bytes")
	fmt.Println("root", d.Root)

	// Prove one entry, as a verifier holding only the root would check it.
	e := &d.Entries[d.Find("b/c.txt")]
	p, _ := d.EntryProof(e.Path)
	fmt.Println("entry proof:", merkle.VerifyEntry(d.Root, d.Params, d.Bytes, e, p))

	// Read it back verified.
	obj, _ := st.Open(ctx, "ds/b/c.txt")
	defer obj.Close()
	v, _ := merkle.NewVerifiedReader(ctx, obj, e, merkle.ReaderOptions{})
	b, _ := io.ReadAll(io.NewSectionReader(v, 0, v.Size()))
	fmt.Printf("%s\n", b)

	// Change a byte: the root changes and the diff names the entry and leaf.
	st.Put(ctx, "ds/b/c.txt", bytes.NewReader([]byte("World")), 5)
	d2, _ := merkle.Build(ctx, st, "ds/", merkle.Options{})
	fmt.Print(merkle.DiffTrees(d, d2))
	// Output:
	// 2 entries, 10 bytes
	// root 7c753b4ab6d9454099526e6aca6b880ba6ecc6449567d83b5112cefd14101a3d
	// entry proof: <nil>
	// world
	// M b/c.txt
	//     leaf 0: bytes [0, 5)
}
