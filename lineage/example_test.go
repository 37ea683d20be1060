package lineage_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/mem"
)

// exampleStore returns an in-memory store holding the given objects.
func exampleStore(objects map[string]string) *mem.Store {
	st := mem.New()
	for k, v := range objects {
		if err := st.Put(context.Background(), k, strings.NewReader(v), int64(len(v))); err != nil {
			panic(err)
		}
	}
	return st
}

var exampleData = map[string]string{
	"reviews/train.csv": "id,text,label\n1,great value,pos\n2,arrived broken,neg\n",
	"reviews/test.csv":  "id,text,label\n3,works fine,pos\n",
}

// Build hashes the objects under a prefix into a manifest; WriteManifest
// stores it with its leaf sidecar.
func ExampleBuild() {
	ctx := context.Background()
	st := exampleStore(exampleData)
	m, tree, err := lineage.Build(ctx, st, "reviews/", lineage.BuildOptions{
		Dataset: lineage.Dataset{Name: "reviews", Version: "1"},
		Provenance: &lineage.Provenance{
			CollectedBy:   "Reviews team",
			Authority:     &lineage.Authority{Basis: "contract", Jurisdiction: "EU"},
			Licenses:      []string{"CC-BY-4.0"},
			PermittedUses: []string{"evaluation", "training"},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("root", m.Root)
	for _, e := range m.Entries {
		fmt.Println(e.Path, e.Size, e.Plan, e.Root)
	}
	if _, err := lineage.WriteManifest(ctx, st, "manifests/reviews-1.json", m, tree); err != nil {
		panic(err)
	}
	for info := range st.List(ctx, "manifests/") {
		fmt.Println(info.Key)
	}
	// Output:
	// root 5f4b2f4c26450d6f56e2dd58c8044bb3c9ce02c713d3eda51ca56534378feba7
	// test.csv 31 fixed a6772e0a1d913d5ec138b1b06201112cc56fd7201bdb126bdad1e8a248fad82d
	// train.csv 53 fixed 4983b2ab88d5f317ce8847c7581340dc03383573882f663404a09cdeae5ea4c6
	// manifests/reviews-1.json
	// manifests/reviews-1.leaves
}

// VerifyDataset is the one call a training job makes: it checks the
// manifest's signature, then the data against the manifest.
func ExampleVerifyDataset() {
	ctx := context.Background()
	data := exampleStore(exampleData)
	m, tree, err := lineage.Build(ctx, data, "reviews/", lineage.BuildOptions{})
	if err != nil {
		panic(err)
	}
	// Sign the manifest. A real signer keeps a key from lineage.GenerateKey;
	// a fixed seed keeps this example's output fixed.
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	manifests := mem.New()
	b, err := lineage.WriteManifest(ctx, manifests, "reviews.json", m, tree)
	if err != nil {
		panic(err)
	}
	env, err := lineage.SignManifest(b, key)
	if err != nil {
		panic(err)
	}
	if err := manifests.Put(ctx, "reviews.json"+lineage.EnvelopeSuffix, bytes.NewReader(env), int64(len(env))); err != nil {
		panic(err)
	}

	pub := key.Public().(ed25519.PublicKey)
	r, err := lineage.VerifyDataset(ctx, manifests, "reviews.json", pub, data, "reviews/", lineage.VerifyOptions{})
	fmt.Println(r.Verified, r.Objects, "objects", r.Bytes, "bytes; signed by", r.SignedBy[:16], "err:", err)

	// One changed byte, and the job does not start.
	bad := "id,text,label\n1,great value,pos\n2,arrived broken,pos\n"
	if err := data.Put(ctx, "reviews/train.csv", strings.NewReader(bad), int64(len(bad))); err != nil {
		panic(err)
	}
	r, err = lineage.VerifyDataset(ctx, manifests, "reviews.json", pub, data, "reviews/", lineage.VerifyOptions{})
	fmt.Println(r.Verified, errors.Is(err, lineage.ErrNotVerified))
	fmt.Println(r.Mismatches[0])
	// Output:
	// true 2 objects 84 bytes; signed by 139e3940e64b5491 err: <nil>
	// false true
	// train.csv: leaf 0, bytes [0, 53): content differs
}

// OpenDataset gives a data loader an io.ReaderAt per object that serves
// only verified bytes.
func ExampleOpenDataset() {
	ctx := context.Background()
	st := exampleStore(exampleData)
	m, tree, err := lineage.Build(ctx, st, "reviews/", lineage.BuildOptions{})
	if err != nil {
		panic(err)
	}
	if _, err := lineage.WriteManifest(ctx, st, "reviews.json", m, tree); err != nil {
		panic(err)
	}
	l, err := lineage.Load(ctx, st, "reviews.json", nil)
	if err != nil {
		panic(err)
	}
	ds, err := lineage.OpenDataset(l, st, "reviews/", 0)
	if err != nil {
		panic(err)
	}
	obj, err := ds.Open(ctx, "test.csv")
	if err != nil {
		panic(err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Size()))
	fmt.Printf("%q %v\n", b, err)

	// Bytes changed after the manifest was written are refused with a
	// *merkle.MismatchError naming the object and the byte range.
	bad := "id,text,label\n3,works fine,neg\n"
	if err := st.Put(ctx, "reviews/test.csv", strings.NewReader(bad), int64(len(bad))); err != nil {
		panic(err)
	}
	obj2, err := ds.Open(ctx, "test.csv")
	if err != nil {
		panic(err)
	}
	defer obj2.Close()
	_, err = obj2.ReadAt(make([]byte, 4), 0)
	var me *merkle.MismatchError
	fmt.Println(errors.As(err, &me), me.Path, me.Offset, me.Length)
	// Output:
	// "id,text,label\n3,works fine,pos\n" <nil>
	// true test.csv 0 31
}

// Prove shows that one object is in a dataset to someone who holds only
// the dataset root.
func ExampleProve() {
	m, _, err := lineage.Build(context.Background(), exampleStore(exampleData), "reviews/", lineage.BuildOptions{})
	if err != nil {
		panic(err)
	}
	p, err := lineage.Prove(m, "test.csv")
	if err != nil {
		panic(err)
	}
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	// The proof travels as JSON; the verifier parses it and checks it
	// against the root it trusts.
	q, err := lineage.ParseProof(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(q.Entry.Path, q.Entry.Size, "index", q.Proof.Index, "of", q.Proof.TreeSize)
	fmt.Println("verify:", q.Verify(m.Root))
	q.Entry.Size++
	fmt.Println("lying about the size:", errors.Is(q.Verify(m.Root), lineage.ErrProofFailed))
	// Output:
	// test.csv 31 index 0 of 2
	// verify: <nil>
	// lying about the size: true
}

// DiffManifests compares two versions of a dataset for review, policy
// first.
func ExampleDiffManifests() {
	ctx := context.Background()
	st := exampleStore(exampleData)
	prov := &lineage.Provenance{Licenses: []string{"CC-BY-4.0"}, PermittedUses: []string{"training"}}
	created := lineage.Created{At: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}
	v1, _, err := lineage.Build(ctx, st, "reviews/", lineage.BuildOptions{Dataset: lineage.Dataset{Name: "reviews", Version: "1"}, Provenance: prov, Created: created})
	if err != nil {
		panic(err)
	}

	more := exampleData["reviews/train.csv"] + "4,too small,neg\n"
	if err := st.Put(ctx, "reviews/train.csv", strings.NewReader(more), int64(len(more))); err != nil {
		panic(err)
	}
	prov2 := &lineage.Provenance{Licenses: []string{"CC-BY-4.0"}, PermittedUses: []string{"commercial", "training"}}
	v2, _, err := lineage.Build(ctx, st, "reviews/", lineage.BuildOptions{Dataset: lineage.Dataset{Name: "reviews", Version: "2"}, Provenance: prov2, Created: created})
	if err != nil {
		panic(err)
	}
	fmt.Print(lineage.DiffManifests(v1, v2).Text())
	// Output:
	// cairn diff reviews 1 -> 2
	// root     5f4b2f4c2645 -> 97e961336454
	// objects  2 -> 2 (0)
	// bytes    84 B -> 100 B (+16 B)
	//
	// dataset:
	//   Version: "1" -> "2"
	//
	// policy:
	//   Permitted uses: added "commercial"
	//
	// content: 1 modified, 1 unchanged
	//   ~ train.csv  53 B -> 69 B (+16 B)
}
