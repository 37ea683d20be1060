package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/s3"
)

func openRange(t *testing.T, s store.Store, key string) store.RangeReader {
	t.Helper()
	obj, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { obj.Close() })
	rr, ok := obj.(store.RangeReader)
	if !ok {
		t.Fatalf("%T is not a store.RangeReader", obj)
	}
	return rr
}

// TestReadRange streams ranges of an object: their bytes, io.EOF exactly
// at their end, and errors for ranges outside the object and after Close.
func TestReadRange(t *testing.T) {
	s := s3test.NewStore(t, "p")
	data := randBytes(20, 300_000)
	mustPut(t, s, "obj", data)
	rr := openRange(t, s, "obj")
	for _, r := range [][2]int64{{0, 300_000}, {0, 1}, {299_999, 1}, {12_345, 100_000}, {300_000, 0}, {0, 0}} {
		body, err := rr.ReadRange(r[0], r[1])
		if err != nil {
			t.Fatalf("ReadRange(%d, %d): %v", r[0], r[1], err)
		}
		if err := iotest.TestReader(body, data[r[0]:r[0]+r[1]]); err != nil {
			t.Errorf("ReadRange(%d, %d): %v", r[0], r[1], err)
		}
		body.Close()
	}
	for _, r := range [][2]int64{{-1, 2}, {0, 300_001}, {300_001, 0}, {10, -1}} {
		if body, err := rr.ReadRange(r[0], r[1]); err == nil || !strings.Contains(err.Error(), s.URL()+"obj") {
			if body != nil {
				body.Close()
			}
			t.Errorf("ReadRange(%d, %d): err = %v, want an error naming the object", r[0], r[1], err)
		}
	}

	// Close mid-stream: the reader fails from then on.
	body, err := rr.ReadRange(0, 300_000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	body.Close()
	if _, err := body.Read(make([]byte, 10)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read after Close: %v, want os.ErrClosed", err)
	}

	rr.Close()
	if _, err := rr.ReadRange(0, 1); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadRange after the object's Close: %v, want os.ErrClosed", err)
	}
}

// TestReadRangeChanged: a stream of an object replaced after Open fails
// with ErrChanged, never with the new bytes.
func TestReadRangeChanged(t *testing.T) {
	s := s3test.NewStore(t, "")
	mustPut(t, s, "obj", randBytes(21, 100_000))
	rr := openRange(t, s, "obj")
	mustPut(t, s, "obj", randBytes(22, 100_000))
	body, err := rr.ReadRange(0, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	if n, err := io.Copy(io.Discard, body); !errors.Is(err, s3.ErrChanged) || n != 0 {
		t.Errorf("stream after overwrite: %d bytes, %v; want 0 and ErrChanged", n, err)
	}
}

func TestReadHint(t *testing.T) {
	s := s3test.NewStore(t, "")
	h := s.ReadHint()
	if h.Size != 8<<20 || h.Concurrency != min(max(8, 2*runtime.GOMAXPROCS(0)), 32) {
		t.Errorf("ReadHint() = %+v", h)
	}
	var _ store.ReadHinter = s
}

// TestReadRangeResumes streams an object through a proxy that cuts every
// connection after 100,000 bytes: each attempt resumes where the last one
// stopped, and the stream delivers every byte, once.
func TestReadRangeResumes(t *testing.T) {
	const size = 1 << 20
	p, s, data := faultFixture(t, size, s3.WithRetry(20, 0, 0))
	rr := openRange(t, s, "dir/obj")
	p.setFault(&fault{after: 100_000, times: -1})
	body, err := rr.ReadRange(1000, size-2000)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(body, 10))) // small reads first
	if err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(body)
	got = append(got, rest...)
	if err != nil || !bytes.Equal(got, data[1000:size-1000]) {
		t.Fatalf("stream through a cutting proxy: %d bytes, %v; equal=%v", len(got), err, bytes.Equal(got, data[1000:size-1000]))
	}
	if p.acted.Load() < 5 {
		t.Errorf("the proxy cut %d connections, want several", p.acted.Load())
	}
}

// TestReadRangeGivesUp: a stream whose every attempt is cut fails with an
// error that names the object and the bytes missing, and is not io.EOF.
func TestReadRangeGivesUp(t *testing.T) {
	p, s, _ := faultFixture(t, 300_000)
	rr := openRange(t, s, "dir/obj")
	p.setFault(&fault{afterHeaders: true, times: -1})
	body, err := rr.ReadRange(0, 300_000)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	n, err := io.Copy(io.Discard, body)
	if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "dir/obj") || !strings.Contains(err.Error(), "bytes 0-299999") {
		t.Errorf("stream through a proxy that always cuts: %d bytes, %v", n, err)
	}
	if _, err2 := body.Read(make([]byte, 1)); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("the next Read: %v, want the same error", err2)
	}
}
