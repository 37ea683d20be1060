package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cairnml/cairn/store"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ in, bucket, prefix string }{
		{"s3://bucket", "bucket", ""},
		{"s3://bucket/", "bucket", ""},
		{"s3://bucket/data", "bucket", "data/"},
		{"s3://bucket/data/", "bucket", "data/"},
		{"s3://my-bucket.v2/a/b c/é%20", "my-bucket.v2", "a/b c/é%20/"},
	} {
		b, p, err := ParseURL(tc.in)
		if err != nil || b != tc.bucket || p != tc.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q", tc.in, b, p, err, tc.bucket, tc.prefix)
		}
	}
	for _, in := range []string{"", "s3:/bucket", "S3://bucket", "gs://bucket", "s3://", "s3:///x", "s3://B/x",
		"s3://ab", "s3://bucket_x", "s3://bucket//x", "s3://bucket/a/../b", "s3://bucket/./a", "s3://bucket/a\x00b",
		"s3://bucket/\xff"} {
		if b, p, err := ParseURL(in); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want ErrInvalidURL", in, b, p, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	f.Add("s3://bucket/a/b")
	f.Add("s3://b..c/")
	f.Fuzz(func(t *testing.T, in string) {
		b, p, err := ParseURL(in)
		if err != nil {
			return
		}
		if p != "" && (store.ValidKey(strings.TrimSuffix(p, "/")) != nil || !strings.HasSuffix(p, "/")) {
			t.Fatalf("ParseURL(%q) accepted prefix %q", in, p)
		}
		if b2, p2, err := ParseURL("s3://" + b + "/" + p); err != nil || b2 != b || p2 != p {
			t.Fatalf("round trip of %q: %q %q %v", in, b2, p2, err)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	t.Setenv("AWS_REGION", "eu-west-3")
	c, err := newConfig(nil)
	if err != nil || c.endpoint != "http://127.0.0.1:9" || c.region != "eu-west-3" || c.maxAttempts != DefaultMaxAttempts {
		t.Errorf("newConfig from env = %+v, %v", c, err)
	}
	c, err = newConfig([]Option{WithEndpoint("https://example.com"), WithRegion("")})
	if err != nil || c.endpoint != "https://example.com" || c.region != "" {
		t.Errorf("newConfig with options = %+v, %v", c, err)
	}
	for _, opt := range []Option{WithRetry(0, 0, 0), WithRetry(1, -1, 0), WithRetry(1, 2, 1), WithStallTimeout(0)} {
		if _, err := newConfig([]Option{opt}); err == nil {
			t.Errorf("newConfig accepted an invalid option")
		}
	}
	for _, ep := range []string{"127.0.0.1:9000", "ftp://h", "http://", "http://h/path", "http://h?x=1", "http://u:p@h"} {
		if _, err := newStore("bucket", "", []Option{WithEndpoint(ep)}); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("endpoint %q: err = %v, want ErrInvalidURL", ep, err)
		}
	}
}

// onlyReader hides every method but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestExactReader(t *testing.T) {
	for _, tc := range []struct {
		data     string
		size     int64
		mismatch bool
	}{
		{"hello", 5, false},
		{"", 0, false},
		{"hello", 4, true},
		{"hello", 6, true},
		{"x", 0, true},
	} {
		e := &exactReader{r: onlyReader{strings.NewReader(tc.data)}, size: tc.size, remaining: tc.size}
		var got []byte
		var err error
		if tc.size == 0 {
			err = e.checkEnd()
		}
		if err == nil {
			got, err = io.ReadAll(e)
		}
		if tc.mismatch {
			if !errors.Is(err, store.ErrSizeMismatch) || int64(len(got)) >= tc.size && tc.size > 0 {
				t.Errorf("%q size %d: got %q, %v; want fewer than %d bytes and ErrSizeMismatch", tc.data, tc.size, got, err, tc.size)
			}
		} else if err != nil || string(got) != tc.data {
			t.Errorf("%q size %d: got %q, %v", tc.data, tc.size, got, err)
		}
	}
}

// TestPutMultipartMismatch checks that a multipart upload (over 16 MiB)
// whose source is short or long leaves neither an object nor an unfinished
// upload behind, and keeps the old object.
func TestPutMultipartMismatch(t *testing.T) {
	if os.Getenv("AWS_ENDPOINT_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AWS_ENDPOINT_URL is not set and CI=true; run through scripts/with-minio.sh")
		}
		t.Skip("AWS_ENDPOINT_URL is not set; run through scripts/with-minio.sh")
	}
	ctx := context.Background()
	var rb [6]byte
	rand.Read(rb[:])
	u := "s3://cairn-multipart-" + hex.EncodeToString(rb[:]) + "/"
	if err := CreateBucket(ctx, u, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := RemoveBucket(context.Background(), u); err != nil {
			t.Error(err)
		}
	})
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "big", strings.NewReader("old"), 3); err != nil {
		t.Fatal(err)
	}
	const size = 17 << 20
	data := make([]byte, size+1)
	for _, n := range []int{size - 1000, size + 1} {
		err := s.Put(ctx, "big", onlyReader{bytes.NewReader(data[:n])}, size)
		if !errors.Is(err, store.ErrSizeMismatch) || !strings.Contains(err.Error(), u+"big") {
			t.Errorf("Put(%d bytes declared %d): err = %v, want ErrSizeMismatch naming the object", n, size, err)
		}
		err = s.Put(ctx, "fresh", onlyReader{bytes.NewReader(data[:n])}, size)
		if !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("Put(fresh, %d bytes declared %d): err = %v, want ErrSizeMismatch", n, size, err)
		}
	}
	if got, err := store.ReadAll(ctx, s, "big", 10); err != nil || string(got) != "old" {
		t.Errorf("after failed puts big = %q, %v; want the old object", got, err)
	}
	if _, err := s.Stat(ctx, "fresh"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(fresh) err = %v, want ErrNotExist", err)
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for up := range s.client.ListIncompleteUploads(lctx, s.bucket, "", true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		t.Errorf("unfinished upload left behind: %q (%s)", up.Key, up.UploadID)
	}
	// A correct multipart Put still works, and reads back whole.
	copy(data, "head")
	if err := s.Put(ctx, "big", bytes.NewReader(data[:size]), size); err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadAll(ctx, s, "big", size)
	if err != nil || !bytes.Equal(got, data[:size]) {
		t.Errorf("multipart object reads back wrong: %d bytes, %v", len(got), err)
	}
}
