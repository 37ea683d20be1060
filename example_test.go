package cairn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/mem"
	"github.com/parquet-go/parquet-go"
)

// The life of a dataset version: hash it into a manifest, verify the data
// against it, prove one object is in it, and review the next version.
func Example() {
	ctx := context.Background()
	st := mem.New()
	put := func(key, s string) {
		if err := st.Put(ctx, key, strings.NewReader(s), int64(len(s))); err != nil {
			panic(err)
		}
	}
	put("corpus/train/0.jsonl", `{"text":"great value","label":"pos"}`+"\n")
	put("corpus/train/1.jsonl", `{"text":"arrived broken","label":"neg"}`+"\n")
	put("corpus/eval/0.jsonl", `{"text":"works fine","label":"pos"}`+"\n")

	// 1. Hash the dataset: one root commits every byte, path and size.
	v1, tree, err := lineage.Build(ctx, st, "corpus/", lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "corpus", Version: "1"},
		Provenance: &lineage.Provenance{Licenses: []string{"CC-BY-4.0"}, PermittedUses: []string{"training"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("root:", v1.Root)
	if _, err := lineage.WriteManifest(ctx, st, "manifests/corpus-1.json", v1, tree); err != nil {
		panic(err)
	}

	// 2. Verify the data against the stored manifest, as a training job does.
	l, err := lineage.Load(ctx, st, "manifests/corpus-1.json", nil)
	if err != nil {
		panic(err)
	}
	r, err := lineage.Verify(ctx, l, st, "corpus/", lineage.VerifyOptions{Mode: lineage.ModeFull})
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", r.OK(), r.Objects, "objects")

	// 3. Prove one object is in the dataset to someone who holds only the root.
	p, err := lineage.Prove(v1, "eval/0.jsonl")
	if err != nil {
		panic(err)
	}
	fmt.Println("proof of eval/0.jsonl:", len(p.Proof.Path), "hashes, verify:", p.Verify(v1.Root))

	// 4. A relabelled row, and the data no longer matches its manifest.
	put("corpus/train/1.jsonl", `{"text":"arrived broken","label":"pos"}`+"\n")
	r, err = lineage.Verify(ctx, l, st, "corpus/", lineage.VerifyOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", r.OK(), errors.Is(r.Err(), lineage.ErrNotVerified))
	fmt.Println(r.Mismatches[0])

	// 5. Publish it as version 2 instead, and review the change.
	v2, _, err := lineage.Build(ctx, st, "corpus/", lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "corpus", Version: "2"},
		Provenance: v1.Provenance,
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(lineage.DiffManifests(v1, v2).Text())
	// Output:
	// root: 2ddd35d8445c98f652afeacda190d1d539e87dd2ee96e3fd5afbbcd9e5baf18f
	// verified: true 3 objects
	// proof of eval/0.jsonl: 2 hashes, verify: <nil>
	// verified: false true
	// train/1.jsonl: leaf 0, bytes [0, 40): content differs
	// cairn diff corpus 1 -> 2
	// root     2ddd35d8445c -> 114ff5f325a7
	// objects  3 -> 3 (0)
	// bytes    113 B -> 113 B (0 B)
	//
	// dataset:
	//   Version: "1" -> "2"
	//
	// content: 1 modified, 2 unchanged
	//   ~ train/1.jsonl  40 B
}

type exampleRow struct {
	ID    int64  `parquet:"id"`
	Label string `parquet:"label"`
}

// A Parquet file is hashed along its column chunks, so a loader that reads
// some columns through the verified io.ReaderAt checks just those bytes.
func Example_parquet() {
	ctx := context.Background()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[exampleRow](&buf, parquet.MaxRowsPerRowGroup(3))
	for i := range 6 {
		if _, err := w.Write([]exampleRow{{ID: int64(i), Label: []string{"neg", "pos"}[i%2]}}); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	st := mem.New()
	if err := st.Put(ctx, "data/part-0.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		panic(err)
	}
	m, tree, err := lineage.Build(ctx, st, "data/", lineage.BuildOptions{})
	if err != nil {
		panic(err)
	}
	e := tree.Entries[0]
	fmt.Println(e.Path, e.Plan, e.Parquet.Rows, "rows", e.Parquet.RowGroups, "row groups")
	for _, l := range e.Leaves {
		fmt.Println(" ", l)
	}
	if _, err := lineage.WriteManifest(ctx, st, "m.json", m, tree); err != nil {
		panic(err)
	}

	// A loader reads the manifest, then the data through verified readers.
	l, err := lineage.Load(ctx, st, "m.json", nil)
	if err != nil {
		panic(err)
	}
	ds, err := lineage.OpenDataset(l, st, "data/", 0)
	if err != nil {
		panic(err)
	}
	read := func(columns []int) (int64, error) {
		obj, err := ds.Open(ctx, "part-0.parquet")
		if err != nil {
			return 0, err
		}
		defer obj.Close()
		pf, err := file.NewParquetReader(io.NewSectionReader(obj, 0, obj.Size()))
		if err != nil {
			return 0, err
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			return 0, err
		}
		tbl, err := fr.ReadRowGroups(ctx, columns, []int{0, 1})
		if err != nil {
			return 0, err
		}
		defer tbl.Release()
		return tbl.NumRows(), nil
	}
	fmt.Println(read([]int{0, 1}))

	// Change one byte of the label chunk of row group 1.
	leaf := e.Leaves[slices.IndexFunc(e.Leaves, func(l merkle.Leaf) bool { return l.RowGroup == 1 && l.Column == "label" })]
	bad := bytes.Clone(buf.Bytes())
	bad[leaf.End()-1] ^= 1
	if err := st.Put(ctx, "data/part-0.parquet", bytes.NewReader(bad), int64(len(bad))); err != nil {
		panic(err)
	}
	fmt.Println(read([]int{0})) // the id column alone still reads
	_, err = read([]int{0, 1})
	var me *merkle.MismatchError
	fmt.Println(errors.As(err, &me), me.Path, me.RowGroup, me.Column)
	// Output:
	// part-0.parquet parquet 6 rows 2 row groups
	//   bytes [0, 4) (header)
	//   bytes [4, 100) (row group 0, column id)
	//   bytes [100, 179) (row group 0, column label)
	//   bytes [179, 275) (row group 1, column id)
	//   bytes [275, 354) (row group 1, column label)
	//   bytes [354, 505) (gap)
	//   bytes [505, 932) (footer)
	// 6 <nil>
	// 6 <nil>
	// true part-0.parquet 1 label
}
