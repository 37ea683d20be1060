package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
)

// setup writes the demo into a test directory and returns the flags that
// verify it, with the key id and manifest the output should name.
func setup(t *testing.T, tamper bool) (args []string, keyID string, m *lineage.Manifest) {
	t.Helper()
	manifest, pubKey, data, err := writeDemo(context.Background(), t.TempDir(), tamper)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(pubKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := lineage.ParsePublicKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if m, err = lineage.ParseManifest(b); err != nil {
		t.Fatal(err)
	}
	return []string{"-manifest", manifest, "-key", pubKey, "-data", data}, lineage.KeyID(pub), m
}

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "verified: 3 objects, ") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestVerified(t *testing.T) {
	args, keyID, m := setup(t, false)
	var out bytes.Buffer
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := fmt.Sprintf("verified: 3 objects, %d bytes, root %s\nmode full, signed by key %s\n", m.Bytes, m.Root, keyID)
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestSample(t *testing.T) {
	args, _, _ := setup(t, false)
	var out bytes.Buffer
	if err := run(context.Background(), append(args, "-mode", "sample", "-fraction", "1", "-seed", "7"), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "\nsample: seed 7, ") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestTamperedData(t *testing.T) {
	args, _, _ := setup(t, true)
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	if !errors.Is(err, lineage.ErrNotVerified) || !failed(err) {
		t.Fatalf("err = %v, want ErrNotVerified", err)
	}
	for _, line := range []string{"NOT VERIFIED: 3 objects", "mismatch: README.md: leaf 0, bytes [0, 35): content differs"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}

func TestUnexpectedFile(t *testing.T) {
	args, _, _ := setup(t, false)
	if err := os.WriteFile(filepath.Join(args[5], "extra.csv"), []byte("a,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	if !errors.Is(err, lineage.ErrNotVerified) || !strings.Contains(out.String(), "unexpected: extra.csv\n") {
		t.Errorf("err = %v, output:\n%s", err, out.String())
	}
}

func TestEditedManifest(t *testing.T) {
	args, _, _ := setup(t, false)
	manifest := args[1]
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte(`"version": "1"`), []byte(`"version": "2"`), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("nothing edited")
	}
	if err := os.WriteFile(manifest, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), args, new(bytes.Buffer))
	if !errors.Is(err, lineage.ErrPayloadMismatch) || !failed(err) {
		t.Errorf("err = %v, want ErrPayloadMismatch", err)
	}
}

func TestOtherSigner(t *testing.T) {
	args, _, _ := setup(t, false)
	_, pubPEM, err := lineage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(args[3], pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), args, new(bytes.Buffer))
	if !errors.Is(err, lineage.ErrBadSignature) || !failed(err) {
		t.Errorf("err = %v, want ErrBadSignature", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-manifest", "m.json"},
		{"-mode", "quick"},
		{"-manifest", "nowhere/m.json", "-key", "nowhere/k.pub", "-data", "nowhere"},
	} {
		if err := run(context.Background(), args, new(bytes.Buffer)); err == nil || failed(err) {
			t.Errorf("run %q: err = %v, want an error that is not a failed check", args, err)
		}
	}
}
