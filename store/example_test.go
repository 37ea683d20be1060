package store_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/mem"
)

// Every Store lists in ascending byte order of key, whatever the backend,
// so a dataset is enumerated in the same order from a directory, a bucket
// or memory.
func Example() {
	ctx := context.Background()
	var st store.Store = mem.New()
	for _, key := range []string{"train/b.csv", "train/a.csv", "eval/a.csv", "train/a.csv.bak"} {
		if err := st.Put(ctx, key, strings.NewReader(key), int64(len(key))); err != nil {
			panic(err)
		}
	}
	for info, err := range st.List(ctx, "train/") {
		if err != nil {
			panic(err)
		}
		fmt.Println(info.Key, info.Size)
	}

	// Objects are read at random offsets.
	obj, err := st.Open(ctx, "train/b.csv")
	if err != nil {
		panic(err)
	}
	defer obj.Close()
	p := make([]byte, 5)
	n, err := obj.ReadAt(p, 6)
	fmt.Printf("%q %d %v\n", p[:n], n, err)

	// Missing objects and invalid keys are errors of their own class.
	_, err = st.Stat(ctx, "train/c.csv")
	fmt.Println(errors.Is(err, store.ErrNotExist), errors.Is(err, fs.ErrNotExist))
	_, err = st.Stat(ctx, "train/../secret")
	fmt.Println(errors.Is(err, store.ErrInvalidKey), err)
	// Output:
	// train/a.csv 11
	// train/a.csv.bak 15
	// train/b.csv 11
	// "b.csv" 5 <nil>
	// true true
	// true stat train/../secret: invalid object key: key has a ".." segment
}

// ReadAll reads a small object whole, refusing one larger than the limit.
func ExampleReadAll() {
	ctx := context.Background()
	st := mem.New()
	if err := st.Put(ctx, "m.json", strings.NewReader(`{"format":"x"}`), 14); err != nil {
		panic(err)
	}
	b, err := store.ReadAll(ctx, st, "m.json", 1<<20)
	fmt.Println(string(b), err)
	_, err = store.ReadAll(ctx, st, "m.json", 8)
	fmt.Println(err)
	// Output:
	// {"format":"x"} <nil>
	// read m.json: object is 14 bytes, over the 8-byte limit
}
