package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/s3"
	"github.com/cairnml/cairn/store/storetest"
)

func TestConformance(t *testing.T) {
	s3test.Require(t)
	t.Run("Unversioned", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return s3test.NewStore(t, "") })
	})
	t.Run("Versioned", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return s3test.NewVersionedStore(t, "") })
	})
	t.Run("Prefixed", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return s3test.NewStore(t, "some/prefix") })
	})
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustPut(t *testing.T, s store.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func readAll(t *testing.T, obj store.Object) []byte {
	t.Helper()
	buf := make([]byte, obj.Size())
	n, err := obj.ReadAt(buf, 0)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(buf)) {
		t.Fatalf("ReadAt(all): n=%d err=%v", n, err)
	}
	return buf[:n]
}

func TestStatInfo(t *testing.T) {
	ctx := context.Background()
	for _, versioned := range []bool{false, true} {
		t.Run(map[bool]string{false: "Unversioned", true: "Versioned"}[versioned], func(t *testing.T) {
			var s *s3.Store
			if versioned {
				s = s3test.NewVersionedStore(t, "p")
			} else {
				s = s3test.NewStore(t, "p")
			}
			data := randBytes(1, 3000)
			before := time.Now().Add(-2 * time.Second)
			mustPut(t, s, "dir/obj.bin", data)
			after := time.Now().Add(2 * time.Second)

			info, err := s.Stat(ctx, "dir/obj.bin")
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(data)
			if info.Key != "dir/obj.bin" || info.Size != 3000 || info.ETag != hex.EncodeToString(sum[:]) {
				t.Errorf("Stat = key %q size %d etag %q, want dir/obj.bin 3000 %x", info.Key, info.Size, info.ETag, sum)
			}
			if info.ModTime.Before(before) || info.ModTime.After(after) || info.ModTime.Location() != time.UTC {
				t.Errorf("ModTime = %v, want a UTC time between %v and %v", info.ModTime, before, after)
			}
			if versioned == (info.VersionID == "") {
				t.Errorf("VersionID = %q on a versioned=%v bucket", info.VersionID, versioned)
			}
			for alg, v := range info.Checksums {
				if alg == "" || v == "" {
					t.Errorf("empty checksum entry %q=%q", alg, v)
				}
			}
			obj, err := s.Open(ctx, "dir/obj.bin")
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			if oi := obj.Info(); oi.ETag != info.ETag || oi.VersionID != info.VersionID || oi.Size != info.Size {
				t.Errorf("Open.Info = %+v, want %+v", oi, info)
			}

			var listed []store.Info
			for li, err := range s.List(ctx, "") {
				if err != nil {
					t.Fatal(err)
				}
				listed = append(listed, li)
			}
			if len(listed) != 1 || listed[0].Key != "dir/obj.bin" || listed[0].Size != 3000 || listed[0].ETag != info.ETag {
				t.Errorf("List = %+v, want one entry dir/obj.bin 3000 %s", listed, info.ETag)
			}
		})
	}
}

func TestPrefixIsolation(t *testing.T) {
	ctx := context.Background()
	u := s3test.NewBucket(t, false)
	open := func(prefix string) *s3.Store {
		s, err := s3.Open(ctx, u+prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	root, a, ab := open(""), open("a"), open("a/b/")
	if a.URL() != u+"a/" || ab.Prefix() != "a/b/" || root.Prefix() != "" {
		t.Fatalf("URL/Prefix = %q %q %q", a.URL(), ab.Prefix(), root.Prefix())
	}
	mustPut(t, ab, "x", []byte("in a/b"))
	mustPut(t, root, "ax", []byte("beside a"))
	mustPut(t, a, "y", []byte("in a"))

	var keys []string
	for info, err := range a.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	if !slices.Equal(keys, []string{"b/x", "y"}) {
		t.Errorf("List of prefix a = %q, want [b/x y] (not the sibling object ax)", keys)
	}
	got, err := store.ReadAll(ctx, root, "a/b/x", 100)
	if err != nil || string(got) != "in a/b" {
		t.Errorf("root sees a/b/x = %q, %v", got, err)
	}
	if _, err := a.Stat(ctx, "ax"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(ax) under prefix a: err = %v, want ErrNotExist", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	s3test.Require(t)
	_, err := s3.Open(ctx, "s3://cairn-no-such-bucket-0f3c9a/x")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "cairn-no-such-bucket-0f3c9a") {
		t.Errorf("Open(missing bucket) err = %v, want ErrNotExist naming the bucket", err)
	}
	for _, u := range []string{"", "s3://", "http://bucket/x", "s3://Bad_Bucket/x", "s3://bucket/a//b", "s3://bucket/../x"} {
		_, err := s3.Open(ctx, u)
		if !errors.Is(err, s3.ErrInvalidURL) {
			t.Errorf("Open(%q) err = %v, want ErrInvalidURL", u, err)
		}
	}
	_, err = s3.Open(ctx, "s3://bucket", s3.WithEndpoint("ftp://127.0.0.1:1"))
	if !errors.Is(err, s3.ErrInvalidURL) {
		t.Errorf("Open with an ftp endpoint: err = %v, want ErrInvalidURL", err)
	}
	_, err = s3.Open(ctx, "s3://bucket", s3.WithRetry(0, 0, 0))
	if err == nil {
		t.Errorf("Open with 0 attempts succeeded")
	}
	// Wrong credentials fail at Open, naming the bucket.
	u := s3test.NewBucket(t, false)
	_, err = s3.Open(ctx, u, s3.WithCredentials("nobody", "wrong-secret-key", ""))
	if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(strings.TrimPrefix(u, "s3://"), "/")) {
		t.Errorf("Open with wrong credentials: err = %v, want an error naming the bucket", err)
	}
}

func TestErrorsNameObject(t *testing.T) {
	ctx := context.Background()
	s := s3test.NewStore(t, "pre")
	_, err := s.Stat(ctx, "missing/key")
	want := s.URL() + "missing/key"
	if !errors.Is(err, store.ErrNotExist) || !strings.Contains(err.Error(), want) {
		t.Errorf("Stat(missing) err = %v, want ErrNotExist naming %s", err, want)
	}
	var se *store.Error
	if !errors.As(err, &se) || se.Op != "stat" || se.Key != "missing/key" {
		t.Errorf("Stat(missing) err = %#v, want *store.Error{stat, missing/key}", err)
	}
	if _, err := s.Open(ctx, "missing/key"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Open(missing) err = %v, want ErrNotExist", err)
	}
}

func TestReadAfterClose(t *testing.T) {
	ctx := context.Background()
	s := s3test.NewStore(t, "")
	mustPut(t, s, "k", []byte("hello"))
	obj, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	if _, err := obj.ReadAt(make([]byte, 2), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadAt after Close: err = %v, want os.ErrClosed", err)
	}
}

// TestPinnedVersion overwrites and deletes an object after Open: reads must
// see the opened bytes or fail with store.ErrChanged, never a mix; the
// object is store.Pinned.
func TestPinnedVersion(t *testing.T) {
	ctx := context.Background()
	const size = 256 << 10
	oldData, newData := randBytes(10, size), randBytes(11, size)

	t.Run("Unversioned", func(t *testing.T) {
		s := s3test.NewStore(t, "")
		mustPut(t, s, "obj", oldData)
		obj, err := s.Open(ctx, "obj")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		head := make([]byte, 1024)
		if n, err := obj.ReadAt(head, 0); n != 1024 || err != nil || !bytes.Equal(head, oldData[:1024]) {
			t.Fatalf("first read: n=%d err=%v equal=%v", n, err, bytes.Equal(head, oldData[:1024]))
		}
		mustPut(t, s, "obj", newData)
		rest := make([]byte, size-1024)
		n, err := obj.ReadAt(rest, 1024)
		if err == nil {
			t.Fatalf("read after overwrite succeeded (n=%d, old=%v new=%v); want ErrChanged",
				n, bytes.Equal(rest, oldData[1024:]), bytes.Equal(rest, newData[1024:]))
		}
		if !errors.Is(err, s3.ErrChanged) || !strings.Contains(err.Error(), s.URL()+"obj") || n != 0 {
			t.Errorf("read after overwrite: n=%d err=%v, want 0 and ErrChanged naming the object", n, err)
		}
		if err := s.Delete(ctx, "obj"); err != nil {
			t.Fatal(err)
		}
		_, err = obj.ReadAt(rest, 1024)
		if !errors.Is(err, store.ErrChanged) || !errors.Is(err, store.ErrNotExist) {
			t.Errorf("read after delete: err = %v, want ErrChanged and ErrNotExist", err)
		}
		if p, ok := obj.(store.Pinned); !ok || !p.Pinned() {
			t.Errorf("opened object is not store.Pinned")
		}
	})

	t.Run("Versioned", func(t *testing.T) {
		s := s3test.NewVersionedStore(t, "")
		mustPut(t, s, "obj", oldData)
		obj, err := s.Open(ctx, "obj")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		mustPut(t, s, "obj", newData)
		if got := readAll(t, obj); !bytes.Equal(got, oldData) {
			t.Errorf("read after overwrite differs from the opened version (new=%v)", bytes.Equal(got, newData))
		}
		if err := s.Delete(ctx, "obj"); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, obj); !bytes.Equal(got, oldData) {
			t.Errorf("read after delete differs from the opened version")
		}
		if _, err := s.Open(ctx, "obj"); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Open after delete: err = %v, want ErrNotExist", err)
		}
	})
}

// failingReader reads r and then fails with err instead of io.EOF.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPutSourceError(t *testing.T) {
	ctx := context.Background()
	s := s3test.NewStore(t, "")
	mustPut(t, s, "k", []byte("original"))
	boom := errors.New("disk on fire")
	err := s.Put(ctx, "k", &failingReader{r: strings.NewReader("new bytes"), err: boom}, 20)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), s.URL()+"k") {
		t.Errorf("Put from a failing source: err = %v, want it to wrap the source error and name the object", err)
	}
	if got, err := store.ReadAll(ctx, s, "k", 100); err != nil || string(got) != "original" {
		t.Errorf("after a failed Put: %q, %v; want the original object", got, err)
	}
}
