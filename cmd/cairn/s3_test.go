package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/internal/s3test"
)

// TestS3ReplaceWithOlderVersion builds a manifest of a dataset in a
// versioned MinIO bucket, then puts an older version of one object back:
// every mode fails and names the object. It also checks that the same
// bytes give the same root in MinIO and in a local directory. It needs
// MinIO (scripts/with-minio.sh); it skips without AWS_ENDPOINT_URL, and
// fails under CI=true.
func TestS3ReplaceWithOlderVersion(t *testing.T) {
	st := s3test.NewVersionedStore(t, "ds/")
	ctx := context.Background()
	dir, files := datasetDir(t)
	older := []byte("id,label\n1,cat\n2,dog\n")
	for k, v := range files {
		if err := st.Put(ctx, k, bytes.NewReader(v), int64(len(v))); err != nil {
			t.Fatal(err)
		}
	}
	// labels.csv: an older version, then the current one.
	current := []byte("id,label\n1,cat\n2,cat\n")
	for _, v := range [][]byte{older, current} {
		if err := st.Put(ctx, "labels.csv", bytes.NewReader(v), int64(len(v))); err != nil {
			t.Fatal(err)
		}
	}
	m := filepath.Join(dir, "s3.json")
	out := mustRun(t, "build", st.URL(), "-o", m, "--part-size", "1KiB")
	s3Root := out[strings.LastIndex(out, "root ")+5:]
	writeFile(t, filepath.Join(dir, "data", "labels.csv"), current)
	out = mustRun(t, "build", filepath.Join(dir, "data"), "-o", filepath.Join(dir, "local.json"), "--part-size", "1KiB")
	if localRoot := out[strings.LastIndex(out, "root ")+5:]; localRoot != s3Root {
		t.Errorf("MinIO root %s, local root %s", s3Root, localRoot)
	}
	var man struct {
		Entries []struct {
			Path  string
			Store struct {
				VersionID string `json:"version_id"`
				ETag      string `json:"etag"`
			}
		}
	}
	if err := json.Unmarshal(readFile(t, m), &man); err != nil {
		t.Fatal(err)
	}
	for _, e := range man.Entries {
		if e.Store.VersionID == "" || e.Store.ETag == "" {
			t.Errorf("%s: no version id or ETag recorded: %+v", e.Path, e.Store)
		}
	}
	for _, mode := range []string{"full", "sample", "metadata"} {
		mustRun(t, "verify", m, "--mode", mode, "--fraction", "1")
	}
	// Replace labels.csv with its older version (same size).
	if err := st.Put(ctx, "labels.csv", bytes.NewReader(older), int64(len(older))); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"full", "sample", "metadata"} {
		code, out, errOut := runCLI(t, "verify", m, "--mode", mode, "--fraction", "1")
		if code != exitCheck || !strings.Contains(out, "labels.csv") {
			t.Errorf("%s mode after restoring an older version: exit %d\n%s%s", mode, code, out, errOut)
		}
	}
}
