package local_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
	"github.com/cairnml/cairn/store/storetest"
)

func newStore(t *testing.T) *local.Store {
	t.Helper()
	s, err := local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestSymlinks(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.WriteFile(filepath.Join(dir, "real"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}

	// A link inside the root reads as its target.
	obj, err := s.Open(ctx, "alias")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, obj.Size())
	if _, err := obj.ReadAt(buf, 0); err != nil || string(buf) != "inside" {
		t.Fatalf("alias read %q, %v", buf, err)
	}
	obj.Close()

	// A link out of the root is refused by Open, Stat and List.
	if _, err := s.Open(ctx, "escape"); err == nil || !strings.Contains(err.Error(), "escape") {
		t.Fatalf("Open(escape) err = %v, want an error naming the escape", err)
	}
	if _, err := s.Stat(ctx, "escape"); err == nil {
		t.Fatal("Stat(escape) succeeded")
	}
	var listErr error
	var listed []string
	for info, err := range s.List(ctx, "") {
		if err != nil {
			listErr = err
			break
		}
		listed = append(listed, info.Key)
	}
	if listErr == nil || !strings.Contains(listErr.Error(), "escape") || !strings.Contains(listErr.Error(), "escape: path escapes") {
		t.Fatalf("List err = %v (listed %q), want an error naming the escaping link", listErr, listed)
	}
}

func TestLocalKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, k := range []string{`a\b`, ".cairn-tmp-x", "d/.cairn-tmp-1"} {
		if err := s.Put(ctx, k, strings.NewReader("x"), 1); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q) err = %v, want ErrInvalidKey", k, err)
		}
	}
	// A leftover temporary file from a crashed Put is not listed.
	if err := os.WriteFile(filepath.Join(s.Dir(), ".cairn-tmp-deadbeef"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "d/x", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	var got []string
	for info, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
	}
	if len(got) != 1 || got[0] != "d/x" {
		t.Fatalf("List = %q, want [d/x]", got)
	}
	// A directory is not an object.
	if _, err := s.Open(ctx, "d"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open(directory) err = %v, want fs.ErrNotExist", err)
	}
	// A key cannot be both a file and a directory on a file system.
	if err := s.Put(ctx, "d/x/y", strings.NewReader("y"), 1); err == nil {
		t.Fatal("Put(d/x/y) over the file d/x succeeded")
	}
}

func TestOpenNotDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := local.Open(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Open(file) err = %v", err)
	}
	if _, err := local.Open(filepath.Join(f, "missing")); err == nil {
		t.Fatal("Open(missing) succeeded")
	}
}

func TestMap(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	data := []byte(strings.Repeat("cairn mapped bytes ", 1000))
	for key, v := range map[string][]byte{"empty": nil, "data": data} {
		if err := s.Put(ctx, key, strings.NewReader(string(v)), int64(len(v))); err != nil {
			t.Fatal(err)
		}
	}
	obj, err := s.Open(ctx, "data")
	if err != nil {
		t.Fatal(err)
	}
	m, ok := obj.(store.Mapper)
	if !ok {
		t.Fatal("local objects do not implement store.Mapper")
	}
	b, err := m.Map()
	if err != nil {
		t.Skipf("cannot map here: %v", err)
	}
	if string(b) != string(data) {
		t.Fatal("mapped bytes differ from the object")
	}
	if b2, _ := m.Map(); &b2[0] != &b[0] {
		t.Error("a second Map returned another mapping")
	}
	// Drop keeps the bytes readable; out-of-range drops are ignored.
	m.Drop(0, 4096)
	m.Drop(100, 1)
	m.Drop(-5, 1<<40)
	if string(b) != string(data) {
		t.Fatal("bytes differ after Drop")
	}
	// A Put replaces the file; the mapping keeps the version opened.
	if err := s.Put(ctx, "data", strings.NewReader("new"), 3); err != nil {
		t.Fatal(err)
	}
	if string(b) != string(data) {
		t.Fatal("the mapping changed when Put replaced the object")
	}
	if err := obj.Close(); err != nil {
		t.Fatal(err)
	}

	obj, err = s.Open(ctx, "empty")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if b, err := obj.(store.Mapper).Map(); err != nil || len(b) != 0 {
		t.Fatalf("zero-byte object mapped to %d bytes, %v", len(b), err)
	}
}
