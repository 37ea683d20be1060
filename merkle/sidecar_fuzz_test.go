package merkle_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

// FuzzReadSidecar feeds ReadSidecar arbitrary bytes for a fixed dataset,
// as a manifest gives it back (leaf counts, no hashes). It must never
// panic, must fail with ErrSidecar or ErrMismatch leaving the dataset
// untouched, and may accept only the dataset's own sidecar: everything in
// it is bound to the roots.
func FuzzReadSidecar(f *testing.F) {
	d, good := sidecarFixture(f, 3)
	f.Add(good)
	f.Add(good[:64])
	f.Add(flip(good, 70))
	f.Add([]byte(merkle.SidecarMagic))
	f.Fuzz(func(t *testing.T, sc []byte) {
		nd := stripped(t, d)
		err := merkle.ReadSidecar(bytes.NewReader(sc), nd)
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
