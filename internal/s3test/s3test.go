// Package s3test gives tests a fresh bucket on the S3 server named by
// AWS_ENDPOINT_URL, normally the MinIO that scripts/with-minio.sh starts:
//
//	scripts/with-minio.sh go test ./store/s3/...
//
// When AWS_ENDPOINT_URL is unset, the helpers skip the test, except under
// CI=true, where they fail it: in CI an S3 test that did not run is a
// failure. When it is set but the server cannot be used, they fail the
// test.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cairnml/cairn/store/s3"
)

// Require skips the test (fails it under CI=true) unless an S3 endpoint is
// configured in AWS_ENDPOINT_URL.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL") != "" {
		return
	}
	const how = "run the tests through scripts/with-minio.sh (e.g. scripts/with-minio.sh go test ./store/s3/...)"
	if os.Getenv("CI") == "true" {
		t.Fatal("AWS_ENDPOINT_URL is not set and CI=true: S3 tests must run against MinIO here; " + how)
	}
	t.Skip("AWS_ENDPOINT_URL is not set; " + how)
}

// NewBucket creates a fresh, empty bucket with a unique name and returns
// its s3://bucket/ URL. With versioned, object versioning is turned on.
// The bucket and everything in it are removed when the test ends.
func NewBucket(t testing.TB, versioned bool) string {
	t.Helper()
	Require(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "cairn-" + hex.EncodeToString(b[:])
	if s := sanitize(t.Name()); s != "" {
		name = "cairn-" + s + "-" + hex.EncodeToString(b[:])
	}
	u := "s3://" + name + "/"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s3.CreateBucket(ctx, u, versioned); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s3.RemoveBucket(ctx, u); err != nil {
			t.Errorf("s3test: cleanup: %v", err)
		}
	})
	return u
}

// NewStore returns a Store over a fresh, unversioned bucket (see
// NewBucket), with prefix appended to the bucket's URL ("" for none).
// opts are passed to s3.Open.
func NewStore(t testing.TB, prefix string, opts ...s3.Option) *s3.Store {
	t.Helper()
	return open(t, NewBucket(t, false)+prefix, opts)
}

// NewVersionedStore is NewStore over a bucket with versioning turned on.
func NewVersionedStore(t testing.TB, prefix string, opts ...s3.Option) *s3.Store {
	t.Helper()
	return open(t, NewBucket(t, true)+prefix, opts)
}

func open(t testing.TB, u string, opts []s3.Option) *s3.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := s3.Open(ctx, u, opts...)
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return s
}

// sanitize turns a test name into at most 30 characters that are valid in
// a bucket name.
func sanitize(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 30 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
