package ingest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/mem"
)

// countingObject stands in for merkle's verified reader: every byte read
// goes through it.
type countingObject struct {
	store.Object
	bytes *atomic.Int64
}

func (o countingObject) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.Object.ReadAt(p, off)
	o.bytes.Add(int64(n))
	return n, err
}

func TestReadThroughCustomOpen(t *testing.T) {
	s := mem.New()
	put(t, s, "a/x.csv", []byte("v\n1\n2\n"))
	put(t, s, "a/y.parquet", parquetFixture(t, 10))
	var opened []string
	var n atomic.Int64
	opts := ReadOptions{Open: func(ctx context.Context, s store.Store, key string) (Object, error) {
		opened = append(opened, key)
		o, err := s.Open(ctx, key)
		if err != nil {
			return nil, err
		}
		return countingObject{o, &n}, nil
	}}
	var rows int64
	for b, err := range Read(context.Background(), s, "a", opts) {
		if err != nil {
			t.Fatal(err)
		}
		rows += b.Record.NumRows()
	}
	if rows != 12 || len(opened) != 2 || n.Load() == 0 {
		t.Fatalf("rows %d, opened %v, %d bytes through the reader", rows, opened, n.Load())
	}
	// An error from the opener names the object.
	opts.Open = func(ctx context.Context, s store.Store, key string) (Object, error) {
		return nil, errors.New("leaf 3 does not match")
	}
	for _, err := range Read(context.Background(), s, "a", opts) {
		var re *ReadError
		if !errors.As(err, &re) || re.Path != "a/x.csv" {
			t.Fatalf("error %v", err)
		}
	}
}

func TestReadStopsEarlyAndOnCancel(t *testing.T) {
	s := mem.New()
	put(t, s, "shuttle.csv", readShared(t, "shuttle.csv"))
	n := 0
	for _, err := range Read(context.Background(), s, "shuttle.csv", ReadOptions{BatchSize: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	var last error
	for _, err := range Read(ctx, s, "shuttle.csv", ReadOptions{BatchSize: 100}) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 2 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("after cancel: %v", last)
	}
	if _, _, err := collect(t, s, "nothing", ReadOptions{}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty prefix: %v", err)
	}
}

// TestEmptyRootMessage: an empty store read as a whole (prefix "") gives
// an error that starts with what is wrong, not with ": ".
func TestEmptyRootMessage(t *testing.T) {
	_, _, err := collect(t, mem.New(), "", ReadOptions{})
	if !errors.Is(err, ErrEmpty) || strings.HasPrefix(err.Error(), ":") || !strings.Contains(err.Error(), "no input files") {
		t.Fatalf("err = %q", err)
	}
}
