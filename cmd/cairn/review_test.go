package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildCheckBaseline: the contract's "cairn build --check BASELINE"
// checks the dataset against a reference, records the report in the
// manifest's checks and exits 1 on a quarantine verdict (the manifest is
// still written, with the verdict in it).
func TestBuildCheckBaseline(t *testing.T) {
	dir := t.TempDir()
	if _, err := writeDemoData(dir); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.json")
	mustRun(t, "profile", filepath.Join(dir, "dataset", "reviews.parquet"), "-o", ref, "--label", "label", "--text", "text", "--ignore", "id")
	for _, c := range []struct {
		batch, verdict string
		code           int
	}{{"clean.jsonl", "pass", exitOK}, {"poisoned.jsonl", "quarantine", exitCheck}} {
		data := filepath.Join(dir, "ds-"+c.batch)
		writeFile(t, filepath.Join(data, c.batch), readFile(t, filepath.Join(dir, "batches", c.batch)))
		writeFile(t, filepath.Join(data, "README.txt"), []byte("not a table\n"))
		out := filepath.Join(dir, c.batch+".manifest.json")
		code, stdout, stderr := runCLI(t, "build", data, "-o", out, "--check", ref)
		if code != c.code {
			t.Fatalf("build --check on %s exited %d, want %d\nstdout %s\nstderr %s", c.batch, code, c.code, stdout, stderr)
		}
		var m struct {
			Checks struct {
				Verdict    string            `json:"verdict"`
				Quarantine []json.RawMessage `json:"quarantine"`
			} `json:"checks"`
		}
		if err := json.Unmarshal(readFile(t, out), &m); err != nil {
			t.Fatal(err)
		}
		if m.Checks.Verdict != c.verdict {
			t.Errorf("%s: checks.verdict = %q, want %q", c.batch, m.Checks.Verdict, c.verdict)
		}
		mustRun(t, "verify", out, "--source", data)
	}
	code, _, stderr := runCLI(t, "build", filepath.Join(dir, "dataset"), "-o", filepath.Join(dir, "x.json"), "--check", filepath.Join(dir, "missing.json"))
	if code != exitUsage || !strings.HasPrefix(stderr, "cairn build: --check ") {
		t.Errorf("missing baseline: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); err == nil {
		t.Errorf("a manifest was written although the baseline is missing")
	}
}

// TestOutputsNeverOverwriteInputs: an output flag naming an input file
// exits 2 and leaves the input as it was, in every command that writes.
func TestOutputsNeverOverwriteInputs(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	csvFile := filepath.Join(data, "csv", "iris.csv")
	m := filepath.Join(dir, "m.json")
	mustRun(t, "build", data, "-o", m)
	key := filepath.Join(dir, "k")
	mustRun(t, "keygen", "-o", key)
	tk := filepath.Join(dir, "tok.key")
	writeFile(t, tk, []byte("0123456789abcdef0123456789abcdef"))
	ref := filepath.Join(dir, "ref.json")
	mustRun(t, "profile", csvFile, "-o", ref)
	pq := filepath.Join(data, "tables", "t.parquet")
	cases := [][]string{
		{"build", csvFile, "-o", csvFile},
		{"build", data, "-o", csvFile},
		{"build", pq, "-o", filepath.Join(data, "tables", "t.json"), "--sign", key}, // sidecar t.leaves is fine ...
		{"sign", m, "--key", key, "-o", m},
		{"sign", m, "--key", key, "--in-toto", m},
		{"profile", csvFile, "-o", csvFile},
		{"check", csvFile, "--reference", ref, "--save-reference", ref},
		{"check", csvFile, "--reference", ref, "--html", csvFile},
		{"redact", pq, "-o", pq, "--key", tk},
		{"redact", filepath.Join(data, "tables"), "-o", filepath.Join(data, "tables"), "--key", tk},
	}
	for i, args := range cases {
		inputs := map[string][]byte{}
		for _, p := range []string{csvFile, m, ref, pq} {
			inputs[p] = readFile(t, p)
		}
		code, _, stderr := runCLI(t, args...)
		if i == 2 {
			if code != exitOK {
				t.Errorf("cairn %q exited %d: %s", args, code, stderr)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(stderr, "refusing to overwrite") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("cairn %q exited %d, stderr %q; want 2 and one line refusing to overwrite", args, code, stderr)
		}
		for p, b := range inputs {
			if string(readFile(t, p)) != string(b) {
				t.Fatalf("cairn %q changed %s", args, p)
			}
		}
	}
}

// TestRedactOutputClash: x.csv and x.jsonl in one directory both map to
// x.parquet; redact must fail instead of silently keeping only one.
func TestRedactOutputClash(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "x.csv"), []byte("name,email\nBob,bob@example.com\n"))
	writeFile(t, filepath.Join(src, "x.jsonl"), []byte(`{"name":"Al","email":"al@example.com"}`+"\n"))
	tk := filepath.Join(dir, "tok.key")
	writeFile(t, tk, []byte("0123456789abcdef0123456789abcdef"))
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, "redact", src, "-o", out, "--key", tk)
	if code != exitUsage || !strings.Contains(stderr, "x.csv and x.jsonl") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "x.parquet")); err == nil {
		t.Errorf("a partial output was left behind")
	}
}

// TestErrorsNameTheThing: an empty source and an output in a missing
// directory give one line naming what is wrong, not a temporary file or
// an empty path.
func TestErrorsNameTheThing(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "profile", empty, "-o", filepath.Join(dir, "r.json"))
	if code != exitUsage || strings.Contains(stderr, ": : ") || !strings.Contains(stderr, "no input files") {
		t.Errorf("profile of an empty dir: exit %d, stderr %q", code, stderr)
	}
	// A missing directory is made; one that cannot be (its parent is a
	// file) is named, never a temporary file.
	mustRun(t, "keygen", "-o", filepath.Join(dir, "nodir", "k"))
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(notDir, "sub", "k")
	code, _, stderr = runCLI(t, "keygen", "-o", bad)
	if code != exitUsage || strings.Contains(stderr, ".cairn-tmp") || !strings.Contains(stderr, bad) {
		t.Errorf("keygen under a file: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "check", empty)
	if code != exitUsage || !strings.HasPrefix(stderr, "cairn check: usage") {
		t.Errorf("check without --reference: exit %d, stderr %q (want the error on the first line)", code, stderr)
	}
}
