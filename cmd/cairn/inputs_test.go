package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyKindIsUsageError: verification refuses a private key and
// signing a public one, with exit 2 and a line that says which key to
// pass.
func TestKeyKindIsUsageError(t *testing.T) {
	dir, _ := datasetDir(t)
	key := filepath.Join(dir, "k")
	mustRun(t, "keygen", "-o", key)
	m := filepath.Join(dir, "m.json")
	mustRun(t, "build", filepath.Join(dir, "data"), "-o", m, "--sign", key)
	mustRun(t, "verify", m, "--key", key+".pub")
	private := "--key " + key + " is a private key: pass the public key (" + key + ".pub, written by cairn keygen) to verify"
	public := " is a public key: signing takes the private key (the file cairn keygen wrote without .pub)"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"verify", m, "--key", key}, "cairn verify: " + private},
		{[]string{"verify", m + ".dsse", "--key", key, "--format", "json"}, "cairn verify: " + private},
		{[]string{"prove", m, "notes.jsonl", "--key", key}, "cairn prove: " + private},
		{[]string{"verify-proof", filepath.Join(dir, "p.json"), "--manifest", m, "--key", key}, "cairn verify-proof: " + private},
		{[]string{"sign", m, "--key", key + ".pub"}, "cairn sign: --key " + key + ".pub" + public},
		{[]string{"build", filepath.Join(dir, "data"), "-o", filepath.Join(dir, "m2.json"), "--sign", key + ".pub"}, "cairn build: --sign " + key + ".pub" + public},
	}
	writeFile(t, filepath.Join(dir, "p.json"), []byte(mustRun(t, "prove", m, "notes.jsonl")))
	for _, c := range cases {
		code, out, errOut := runCLI(t, c.args...)
		if code != exitUsage || !strings.HasPrefix(errOut, c.want) || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("cairn %q: exit %d, want 2\nstdout: %q\nstderr: %q\nwant stderr starting %q", c.args, code, out, errOut, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m2.json")); !os.IsNotExist(err) {
		t.Errorf("build --sign with a public key wrote a manifest: %v", err)
	}
}

// TestVerifyCorruptInputsExit2: a corrupt leaf sidecar next to sound data
// is bad input (CLI.md: exit 2), not data that failed the check; stderr
// names the file and what is wrong, and the JSON report lists it in
// manifest_errors. A manifest edited since it was built is a failed check
// (exit 1), named first.
func TestVerifyCorruptInputsExit2(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	m := filepath.Join(dir, "m.json")
	sc := filepath.Join(dir, "m.leaves")
	mustRun(t, "build", data, "-o", m, "--part-size", "1KiB", "--no-progress")
	pristine := map[string][]byte{m: readFile(t, m), sc: readFile(t, sc)}
	restore := func() {
		for p, b := range pristine {
			writeFile(t, p, b)
		}
	}
	sidecarLine := "cairn verify: " + m + ": leaf sidecar " + sc + ": "
	cases := []struct {
		name   string
		modes  []string
		tamper func(t *testing.T)
		want   string // stderr prefix
		report string // in manifest_errors
	}{
		{"sidecar truncated", nil, func(t *testing.T) { writeFile(t, sc, pristine[sc][:len(pristine[sc])-5]) },
			sidecarLine + "length ", "is not a 64-byte header plus 32 bytes a leaf"},
		{"sidecar with an extra leaf", nil, func(t *testing.T) { writeFile(t, sc, append(readFile(t, sc), make([]byte, 32)...)) },
			sidecarLine + "holds ", "leaf hashes"},
		{"sidecar entry count", nil, func(t *testing.T) {
			b := readFile(t, sc)
			b[48]++
			writeFile(t, sc, b)
		}, sidecarLine + "its header counts ", "entries, the manifest has 4"},
		{"sidecar of another build", nil, func(t *testing.T) { flipAt(t, sc, 30) },
			sidecarLine + "written for dataset root ", "not the manifest's root"},
		{"sidecar leaf hash edited", nil, func(t *testing.T) { flipAt(t, sc, int64(len(pristine[sc]))-1) },
			sidecarLine + "the leaf hashes of ", "do not give its object root"},
		{"sidecar missing", []string{"sample"}, func(t *testing.T) { os.Remove(sc) },
			sidecarLine + "unreadable, and sample mode needs it", "unreadable"},
		{"manifest edited", nil, func(t *testing.T) {
			b := string(readFile(t, m))
			i := strings.Index(b, `"path": "notes.jsonl"`)
			j := i + strings.Index(b[i:], `"root": "`) + len(`"root": "`)
			writeFile(t, m, []byte(b[:j]+strings.Repeat("0", 64)+b[j+64:]))
		}, "cairn verify: " + m + ": manifest root does not match its entries", "manifest root does not match its entries"},
	}
	for _, c := range cases {
		modes := c.modes
		if modes == nil {
			modes = []string{"full", "sample"}
		}
		for _, mode := range modes {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				restore()
				c.tamper(t)
				exit := exitUsage
				if c.name == "manifest edited" {
					exit = exitCheck
				}
				code, out, errOut := runCLI(t, "verify", m, "--mode", mode, "--fraction", "1", "--seed", "1")
				if code != exit || !strings.HasPrefix(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
					t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %q\nwant stderr starting %q", code, exit, out, errOut, c.want)
				}
				if !strings.HasPrefix(out, "FAILED ("+mode+")") || !strings.Contains(out, "  manifest    ") {
					t.Errorf("text report:\n%s", out)
				}
				code, out, _ = runCLI(t, "verify", m, "--mode", mode, "--fraction", "1", "--seed", "1", "--format", "json")
				var r verifyJSON
				if err := json.Unmarshal([]byte(out), &r); err != nil || code != exit || r.Verified {
					t.Fatalf("json: exit %d, %v\n%s", code, err, out)
				}
				if len(r.Manifest) == 0 || !strings.Contains(r.Manifest[0], c.report) {
					t.Errorf("manifest_errors %q do not say %q", r.Manifest, c.report)
				}
			})
		}
	}
	// The data itself changed, with a sound manifest and sidecar: still 1.
	restore()
	writeFile(t, filepath.Join(data, "notes.jsonl"), []byte("{}\n"))
	if code, _, errOut := runCLI(t, "verify", m); code != exitCheck || !strings.HasPrefix(errOut, "cairn verify: dataset does not match its manifest: notes.jsonl") {
		t.Errorf("changed data: exit %d, %q", code, errOut)
	}
}

// TestVerifyAfterInterruptedRebuild: a rebuild interrupted between its two
// writes leaves the new sidecar next to the old manifest. Verify fails on
// the data that changed (exit 1, named first), reports the sidecar written
// for another root, and building again repairs the pair.
func TestVerifyAfterInterruptedRebuild(t *testing.T) {
	dir, files := datasetDir(t)
	data := filepath.Join(dir, "data")
	m := filepath.Join(dir, "m.json")
	mustRun(t, "build", data, "-o", m)
	old := readFile(t, m)
	writeFile(t, filepath.Join(data, "notes.jsonl"), append(files["notes.jsonl"], "{}\n"...))
	out := mustRun(t, "build", data, "-o", m)
	newRoot := out[strings.LastIndex(out, "root ")+5 : len(out)-1]
	writeFile(t, m, old) // the manifest write never happened
	var oldM struct{ Root string }
	if err := json.Unmarshal(old, &oldM); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := runCLI(t, "verify", m)
	if code != exitCheck || !strings.HasPrefix(errOut, "cairn verify: dataset does not match its manifest: notes.jsonl: size differs") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming notes.jsonl", code, errOut)
	}
	if want := "leaf sidecar m.leaves: written for dataset root " + newRoot + ", not the manifest's root " + oldM.Root; !strings.Contains(stdout, want) {
		t.Errorf("report does not say %q:\n%s", want, stdout)
	}
	mustRun(t, "build", data, "-o", m)
	mustRun(t, "verify", m)
}

// TestVerifyDamagedSidecarHidesNoTampering: changed data next to a damaged
// sidecar (which nothing signs) still fails as changed data, exit 1, named
// first; the damaged sidecar is reported too.
func TestVerifyDamagedSidecarHidesNoTampering(t *testing.T) {
	dir, files := datasetDir(t)
	data := filepath.Join(dir, "data")
	key := filepath.Join(dir, "k")
	m := filepath.Join(dir, "m.json")
	mustRun(t, "keygen", "-o", key)
	mustRun(t, "build", data, "-o", m, "--sign", key)
	writeFile(t, filepath.Join(data, "notes.jsonl"), append(files["notes.jsonl"], "{}\n"...))
	writeFile(t, filepath.Join(dir, "m.leaves"), []byte("garbage"))
	for _, mode := range []string{"full", "sample"} {
		code, stdout, errOut := runCLI(t, "verify", m, "--key", key+".pub", "--mode", mode, "--fraction", "1")
		if code != exitCheck || !strings.HasPrefix(errOut, "cairn verify: dataset does not match its manifest: notes.jsonl") {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 naming notes.jsonl", mode, code, errOut)
		}
		if !strings.Contains(stdout, "leaf sidecar m.leaves") {
			t.Errorf("%s: the damaged sidecar is not reported:\n%s", mode, stdout)
		}
	}
}
