// Package shareddata locates the real datasets tests and benchmarks use:
// ../shared/data relative to the module root (see ../shared/data/README.md).
// The data is never copied into the repository.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data directory, found by walking up from the
// working directory to the module root (the directory holding go.mod) and
// taking ../shared/data from there.
func Dir() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "data")
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("shareddata: no go.mod above the working directory")
		}
		d = parent
	}
}

// Path returns the path of a shared data file, failing the test (or
// benchmark) if the directory cannot be found. Under CI=true a missing
// directory is a failure; otherwise the test is skipped.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	d, err := Dir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared data: %v", err)
		}
		tb.Skipf("shared data not found: %v", err)
	}
	return filepath.Join(d, name)
}
