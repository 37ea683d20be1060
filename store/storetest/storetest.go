// Package storetest is the conformance suite every store.Store must pass.
//
// Run it from a test of the implementation:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return newEmptyStore(t) })
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cairnml/cairn/store"
)

// Run runs the conformance suite. newStore must return a new, empty store
// for each call; the suite calls it once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"PutStatOpen", testPutStatOpen},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListEarlyBreak", testListEarlyBreak},
		{"ListCancelled", testListCancelled},
		{"Missing", testMissing},
		{"ReadEdges", testReadEdges},
		{"ZeroByte", testZeroByte},
		{"Large", testLarge},
		{"ConcurrentReaders", testConcurrentReaders},
		{"AtomicOverwrite", testAtomicOverwrite},
		{"PutSizeMismatch", testPutSizeMismatch},
		{"InvalidKeys", testInvalidKeys},
		{"Delete", testDelete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s store.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s store.Store, key string) []byte {
	t.Helper()
	obj, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer obj.Close()
	buf := make([]byte, obj.Size())
	n, err := obj.ReadAt(buf, 0)
	if n != len(buf) || (err != nil && !(err == io.EOF && n == len(buf))) {
		t.Fatalf("ReadAt(%q, whole): n=%d of %d, err=%v", key, n, len(buf), err)
	}
	return buf
}

func list(t *testing.T, s store.Store, prefix string) []store.Info {
	t.Helper()
	var out []store.Info
	for info, err := range s.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, info)
	}
	return out
}

func keys(infos []store.Info) []string {
	ks := make([]string, len(infos))
	for i, info := range infos {
		ks[i] = info.Key
	}
	return ks
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testPutStatOpen(t *testing.T, s store.Store) {
	data := []byte("hello, cairn")
	put(t, s, "dir/obj.txt", data)
	info, err := s.Stat(context.Background(), "dir/obj.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != "dir/obj.txt" || info.Size != int64(len(data)) {
		t.Fatalf("Stat = {Key:%q Size:%d}, want {dir/obj.txt %d}", info.Key, info.Size, len(data))
	}
	if got := get(t, s, "dir/obj.txt"); !bytes.Equal(got, data) {
		t.Fatalf("read %q, want %q", got, data)
	}
	obj, err := s.Open(context.Background(), "dir/obj.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if obj.Size() != int64(len(data)) || obj.Info().Key != "dir/obj.txt" || obj.Info().Size != int64(len(data)) {
		t.Fatalf("Object Size=%d Info=%+v", obj.Size(), obj.Info())
	}
}

// orderKeys sort differently as bytes than as path components or runes
// folded to lower case, which is what implementations get wrong.
// A key is never also a "directory" of another key here, as local file
// systems cannot hold both "a/b" and "a/b/c".
var orderKeys = []string{"a/b/d", "a-c", "a0", "a/b/c", "B", "b", "é/x", "z/\u00e9", "z/e\u0301", "a/b c", "~"}

func testListOrder(t *testing.T, s store.Store) {
	for i, k := range orderKeys {
		put(t, s, k, []byte(fmt.Sprint(i)))
	}
	want := slices.Clone(orderKeys)
	slices.Sort(want) // byte order
	got := list(t, s, "")
	if !slices.Equal(keys(got), want) {
		t.Fatalf("List(\"\") = %q, want %q", keys(got), want)
	}
	for _, info := range got {
		i := slices.Index(orderKeys, info.Key)
		if info.Size != int64(len(fmt.Sprint(i))) {
			t.Errorf("List: %q has size %d, want %d", info.Key, info.Size, len(fmt.Sprint(i)))
		}
	}
}

func testListPrefix(t *testing.T, s store.Store) {
	for _, k := range orderKeys {
		put(t, s, k, []byte("x"))
	}
	cases := map[string][]string{
		"a":        {"a-c", "a/b c", "a/b/c", "a/b/d", "a0"},
		"a/":       {"a/b c", "a/b/c", "a/b/d"},
		"a/b":      {"a/b c", "a/b/c", "a/b/d"},
		"a/b/":     {"a/b/c", "a/b/d"},
		"a/b/d":    {"a/b/d"},
		"z/e":      {"z/e\u0301"},
		"z/\u00e9": {"z/\u00e9"},
		"nope":     nil,
		"nope/":    nil,
		"a/b/c/":   nil,
	}
	for prefix, want := range cases {
		if got := keys(list(t, s, prefix)); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func testListEarlyBreak(t *testing.T, s store.Store) {
	for i := range 20 {
		put(t, s, fmt.Sprintf("k%02d", i), []byte{byte(i)})
	}
	var got []string
	for info, err := range s.List(context.Background(), "k") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
		if len(got) == 3 {
			break
		}
	}
	if !slices.Equal(got, []string{"k00", "k01", "k02"}) {
		t.Fatalf("first three = %q", got)
	}
	// The store must still work after an abandoned listing.
	if n := len(list(t, s, "k")); n != 20 {
		t.Fatalf("List after break: %d keys, want 20", n)
	}
}

func testListCancelled(t *testing.T, s store.Store) {
	put(t, s, "x", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var sawErr error
	for _, err := range s.List(ctx, "") {
		if err != nil {
			sawErr = err
		}
	}
	if !errors.Is(sawErr, context.Canceled) {
		t.Fatalf("List with cancelled ctx: err = %v, want context.Canceled", sawErr)
	}
}

func testMissing(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, "present", []byte("x"))
	if _, err := s.Stat(ctx, "absent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(absent) err = %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Open(ctx, "absent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(absent) err = %v, want fs.ErrNotExist", err)
	}
	if err := s.Delete(ctx, "absent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Delete(absent) err = %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "present/child"); err == nil {
		t.Errorf("Stat(present/child) succeeded")
	}
	var se *store.Error
	_, err := s.Stat(ctx, "absent")
	if !errors.As(err, &se) || se.Key != "absent" || se.Op != "stat" {
		t.Errorf("Stat(absent) err = %#v, want *store.Error{Op: stat, Key: absent}", err)
	}
}

func testReadEdges(t *testing.T, s store.Store) {
	data := randBytes(1, 1000)
	put(t, s, "edges", data)
	obj, err := s.Open(context.Background(), "edges")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	cases := []struct {
		off, n  int64
		wantN   int
		wantEOF bool
	}{
		{0, 1, 1, false},
		{0, 1000, 1000, false},
		{999, 1, 1, false},
		{500, 500, 500, false},
		{990, 20, 10, true},   // spans the end
		{1000, 1, 0, true},    // at the end
		{5000, 10, 0, true},   // past the end
		{0, 2000, 1000, true}, // longer than the object
	}
	for _, c := range cases {
		buf := make([]byte, c.n)
		n, err := obj.ReadAt(buf, c.off)
		if n != c.wantN {
			t.Errorf("ReadAt(off=%d, len=%d) n = %d, want %d (err %v)", c.off, c.n, n, c.wantN, err)
		}
		if c.wantEOF && err != io.EOF {
			t.Errorf("ReadAt(off=%d, len=%d) err = %v, want io.EOF", c.off, c.n, err)
		}
		if !c.wantEOF && err != nil {
			t.Errorf("ReadAt(off=%d, len=%d) err = %v, want nil", c.off, c.n, err)
		}
		if n > 0 && !bytes.Equal(buf[:n], data[c.off:c.off+int64(n)]) {
			t.Errorf("ReadAt(off=%d, len=%d) returned the wrong bytes", c.off, c.n)
		}
	}
	if _, err := obj.ReadAt(make([]byte, 1), -1); err == nil {
		t.Errorf("ReadAt at a negative offset succeeded")
	}
}

func testZeroByte(t *testing.T, s store.Store) {
	put(t, s, "empty", nil)
	info, err := s.Stat(context.Background(), "empty")
	if err != nil || info.Size != 0 {
		t.Fatalf("Stat(empty) = %+v, %v", info, err)
	}
	if got := keys(list(t, s, "")); !slices.Equal(got, []string{"empty"}) {
		t.Fatalf("List = %q, want [empty]", got)
	}
	obj, err := s.Open(context.Background(), "empty")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if n, err := obj.ReadAt(make([]byte, 4), 0); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt on empty object = %d, %v, want 0, io.EOF", n, err)
	}
}

const largeSize = 9<<20 + 12345 // over 8 MiB and not a multiple of anything

func testLarge(t *testing.T, s store.Store) {
	data := randBytes(2, largeSize)
	put(t, s, "large/blob.bin", data)
	obj, err := s.Open(context.Background(), "large/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if obj.Size() != largeSize {
		t.Fatalf("Size = %d, want %d", obj.Size(), largeSize)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		off := r.Int64N(largeSize)
		n := r.Int64N(1 << 20)
		buf := make([]byte, n)
		got, err := obj.ReadAt(buf, off)
		want := min(n, largeSize-off)
		if int64(got) != want || (int64(got) < n && err != io.EOF) || (int64(got) == n && err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(off=%d, len=%d) = %d, %v; want %d", off, n, got, err, want)
		}
		if !bytes.Equal(buf[:got], data[off:off+int64(got)]) {
			t.Fatalf("ReadAt(off=%d, len=%d) returned the wrong bytes", off, n)
		}
	}
	if got := get(t, s, "large/blob.bin"); !bytes.Equal(got, data) {
		t.Fatal("whole read of the large object differs")
	}
}

func testConcurrentReaders(t *testing.T, s store.Store) {
	data := randBytes(5, 3<<20)
	put(t, s, "shared", data)
	obj, err := s.Open(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 10 {
				off := r.Int64N(int64(len(data)) - 1)
				n := min(r.Int64N(256<<10)+1, int64(len(data))-off)
				buf := make([]byte, n)
				if _, err := obj.ReadAt(buf, off); err != nil && err != io.EOF {
					errs <- err
					return
				}
				if !bytes.Equal(buf, data[off:off+n]) {
					errs <- fmt.Errorf("reader %d: wrong bytes at %d+%d", g, off, n)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testAtomicOverwrite(t *testing.T, s store.Store) {
	v1 := bytes.Repeat([]byte("1"), 64<<10)
	v2 := bytes.Repeat([]byte("2"), 96<<10)
	put(t, s, "obj", v1)
	old, err := s.Open(context.Background(), "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	put(t, s, "obj", v2)

	// The old handle reads v1 or fails; it never mixes versions.
	buf := make([]byte, len(v1))
	n, err := old.ReadAt(buf, 0)
	if err == nil || err == io.EOF {
		if n != len(v1) || !bytes.Equal(buf, v1) {
			t.Fatalf("handle opened before the overwrite read %d bytes that are not the old version", n)
		}
	}
	if got := get(t, s, "obj"); !bytes.Equal(got, v2) {
		t.Fatalf("after overwrite read %d bytes, not the new version", len(got))
	}
	info, err := s.Stat(context.Background(), "obj")
	if err != nil || info.Size != int64(len(v2)) {
		t.Fatalf("Stat after overwrite = %+v, %v", info, err)
	}
	if got := keys(list(t, s, "")); !slices.Equal(got, []string{"obj"}) {
		t.Fatalf("List after overwrite = %q, want [obj] (no temporary objects)", got)
	}
}

// shortReader yields fewer bytes than declared.
func testPutSizeMismatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, "keep", []byte("original"))
	for _, tc := range []struct {
		data []byte
		size int64
	}{
		{[]byte("short"), 10},
		{[]byte("much too long"), 4},
	} {
		err := s.Put(ctx, "keep", bytes.NewReader(tc.data), tc.size)
		if !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("Put(%d bytes declared %d) err = %v, want ErrSizeMismatch", len(tc.data), tc.size, err)
		}
		if got := get(t, s, "keep"); string(got) != "original" {
			t.Errorf("after a failed Put the object reads %q, want %q", got, "original")
		}
		err = s.Put(ctx, "new", bytes.NewReader(tc.data), tc.size)
		if !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("Put(new) err = %v, want ErrSizeMismatch", err)
		}
		if _, err := s.Stat(ctx, "new"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a failed Put left an object behind: Stat err = %v", err)
		}
	}
	if got := keys(list(t, s, "")); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("List after failed puts = %q, want [keep]", got)
	}
	if err := s.Put(ctx, "neg", strings.NewReader(""), -1); err == nil {
		t.Errorf("Put with size -1 succeeded")
	}
}

// InvalidKeys are rejected by every store.
var InvalidKeys = []string{"", "/abs", "a//b", "a/", "../x", "a/../b", "./a", "a/.", "..", ".", "bad\xffutf8", "nul\x00byte"}

func testInvalidKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, k := range InvalidKeys {
		if _, err := s.Stat(ctx, k); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Stat(%q) err = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Open(ctx, k); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Open(%q) err = %v, want ErrInvalidKey", k, err)
		}
		if err := s.Put(ctx, k, strings.NewReader("x"), 1); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q) err = %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Delete(%q) err = %v, want ErrInvalidKey", k, err)
		}
	}
	for _, p := range []string{"/abs", "a//", "../", "bad\xff"} {
		var sawErr error
		for _, err := range s.List(ctx, p) {
			sawErr = err
		}
		if !errors.Is(sawErr, store.ErrInvalidKey) {
			t.Errorf("List(%q) err = %v, want ErrInvalidKey", p, sawErr)
		}
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("invalid puts created objects: %q", keys(got))
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, "d/one", []byte("1"))
	put(t, s, "d/two", []byte("2"))
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "d/one"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat after Delete err = %v", err)
	}
	if got := keys(list(t, s, "")); !slices.Equal(got, []string{"d/two"}) {
		t.Fatalf("List after Delete = %q", got)
	}
	if err := s.Delete(ctx, "d/two"); err != nil {
		t.Fatal(err)
	}
	// The key space is flat: a deleted "directory" is no obstacle.
	put(t, s, "d", []byte("now a file"))
	if got := get(t, s, "d"); string(got) != "now a file" {
		t.Fatalf("read %q", got)
	}
}
