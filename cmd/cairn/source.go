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

// sameFile reports whether the local paths a and b name the same existing
// file (through links, relative paths and the like).
func sameFile(a, b string) bool {
	if strings.HasPrefix(a, "s3://") || strings.HasPrefix(b, "s3://") {
		return false
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// notAnInput returns an error if the output file out (given by flag) is
// the same file as one of the inputs, which writing it would destroy.
func notAnInput(flag, out string, inputs ...string) error {
	for _, in := range inputs {
		if in != "" && sameFile(out, in) {
			return fmt.Errorf("%s %s: is the input %s; refusing to overwrite it", flag, out, in)
		}
	}
	return nil
}
