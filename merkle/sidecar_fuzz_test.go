package merkle_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

// FuzzReadSidecar feeds ReadSidecar arbitrary bytes for a fixed dataset,
// as a manifest gives it back (leaf counts, no hashes). It must never
// panic, must fail with ErrSidecar or ErrMismatch leaving the dataset
// untouched, and may accept only the dataset's own sidecar: everything in
// it is bound to the roots.
func FuzzReadSidecar(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 3))
	files := map[string][]byte{"a": randBytes(r, 3000), "b.parquet": parquetBytes(f, 60, 20, 2), "c": nil}
	d, err := merkle.Build(context.Background(), memStore(f, files), "", merkle.Options{Params: merkle.Params{PartSize: 1024}})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := merkle.WriteSidecar(&buf, d); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:64])
	f.Add(flip(good, 70))
	f.Add([]byte(merkle.SidecarMagic))
	f.Fuzz(func(t *testing.T, sc []byte) {
		es := make([]merkle.Entry, len(d.Entries))
		for i, e := range d.Entries {
			es[i] = merkle.Entry{Path: e.Path, Size: e.Size, Root: e.Root, Plan: e.Plan, NumLeaves: e.NumLeaves}
		}
		nd, err := merkle.NewDataset(d.Params, es)
		if err != nil {
			t.Fatal(err)
		}
		err = merkle.ReadSidecar(bytes.NewReader(sc), nd)
		if err == nil {
			if !bytes.Equal(sc, good) {
				t.Fatalf("accepted a sidecar that is not the dataset's own (%d bytes)", len(sc))
			}
			for i := range nd.Entries {
				if !equalHashes(nd.Entries[i].Hashes, d.Entries[i].Hashes) {
					t.Fatalf("%s: wrong hashes", nd.Entries[i].Path)
				}
			}
			return
		}
		if !errors.Is(err, merkle.ErrSidecar) && !errors.Is(err, merkle.ErrMismatch) {
			t.Fatalf("error wraps neither ErrSidecar nor ErrMismatch: %v", err)
		}
		for _, e := range nd.Entries {
			if e.Hashes != nil {
				t.Fatal("hashes set after a failed read")
			}
		}
	})
}
