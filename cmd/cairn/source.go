package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
	"github.com/cairnml/cairn/store/s3"
)

// openSource opens a command's SOURCE argument as a store and the key or
// prefix to read in it: a local file (its directory, and its name), a local
// directory (the directory, and ""), or s3://bucket/prefix (the bucket
// prefix, and ""; a URL whose last segment has a data file extension names
// one object: its parent prefix, and its name).
func openSource(ctx context.Context, src string) (store.Store, string, error) {
	if strings.HasPrefix(src, "s3://") {
		rest := strings.TrimSuffix(strings.TrimPrefix(src, "s3://"), "/")
		if i := strings.IndexByte(rest, '/'); i > 0 {
			if _, ok := ingest.FormatOf(rest); ok {
				parent, name := path.Split(rest)
				st, err := s3.Open(ctx, "s3://"+strings.TrimSuffix(parent, "/"))
				if err != nil {
					return nil, "", err
				}
				return st, name, nil
			}
		}
		st, err := s3.Open(ctx, src)
		if err != nil {
			return nil, "", err
		}
		return st, "", nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, "", err
	}
	if fi.IsDir() {
		st, err := local.Open(src)
		if err != nil {
			return nil, "", err
		}
		return st, "", nil
	}
	if !fi.Mode().IsRegular() {
		return nil, "", fmt.Errorf("%s: not a regular file or directory", src)
	}
	st, err := local.Open(filepath.Dir(src))
	if err != nil {
		return nil, "", err
	}
	return st, filepath.Base(src), nil
}
