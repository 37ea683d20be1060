package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsUpToDate regenerates the vectors and compares them with the
// committed testdata/merkle-vectors.json. On a difference, run
// `go run ./internal/cmd/vectors` from the module root, and review why the
// format changed.
func TestVectorsUpToDate(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "merkle-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("testdata/merkle-vectors.json is not what internal/cmd/vectors generates; run `go run ./internal/cmd/vectors`")
	}
}
