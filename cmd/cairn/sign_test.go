package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeygenSignVerify(t *testing.T) {
	dir, _ := datasetDir(t)
	key := filepath.Join(dir, "keys", "k")
	os.MkdirAll(filepath.Dir(key), 0o755)
	out := mustRun(t, "keygen", "-o", key)
	if !strings.Contains(out, "key id ") {
		t.Errorf("keygen output %q", out)
	}
	for p, mode := range map[string]os.FileMode{key: 0o600, key + ".pub": 0o644} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != mode {
			t.Fatalf("%s: %v mode %v, want %v", p, err, fi.Mode().Perm(), mode)
		}
	}
	m := filepath.Join(dir, "m.json")
	mustRun(t, "build", filepath.Join(dir, "data"), "-o", m, "--sign", key)
	out = mustRun(t, "verify", m, "--key", key+".pub")
	if !strings.Contains(out, "signed by key ") {
		t.Errorf("verify output %q", out)
	}
	// The envelope itself can be given as MANIFEST, with the key; without
	// it, verify says what the file is.
	mustRun(t, "verify", m+".dsse", "--key", key+".pub")
	if code, _, errOut := runCLI(t, "verify", m+".dsse"); code != exitUsage || !strings.Contains(errOut, "this is a signature envelope, not a manifest: verify it with a public key (--key)") {
		t.Errorf("verify of an envelope without --key: exit %d, %q", code, errOut)
	}
	// Another key: the signature does not verify: exit 1.
	mustRun(t, "keygen", "-o", filepath.Join(dir, "other"))
	if code, _, errOut := runCLI(t, "verify", m, "--key", filepath.Join(dir, "other.pub")); code != exitCheck || !strings.Contains(errOut, "signature does not verify") {
		t.Errorf("other key: exit %d %q", code, errOut)
	}
	// An envelope whose signature was tampered with: exit 1.
	env := readFile(t, m+".dsse")
	var e struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	json.Unmarshal(env, &e)
	s := []byte(e.Signatures[0].Sig)
	s[5] ^= 1
	e.Signatures[0].Sig = string(s)
	tampered, _ := json.Marshal(e)
	writeFile(t, m+".dsse", tampered)
	if code, _, errOut := runCLI(t, "verify", m, "--key", key+".pub"); code != exitCheck || !strings.Contains(errOut, "signature does not verify") {
		t.Errorf("tampered signature: exit %d %q", code, errOut)
	}
	// Re-sign, then edit the manifest's provenance (not covered by the
	// root): only the signature catches it.
	mustRun(t, "sign", m, "--key", key, "--in-toto", filepath.Join(dir, "m.intoto.json"))
	mustRun(t, "verify", m, "--key", key+".pub")
	writeFile(t, m, bytes.Replace(readFile(t, m), []byte(`"cairn devel"`), []byte(`"cairn evil"`), 1))
	if code, _, errOut := runCLI(t, "verify", m, "--key", key+".pub"); code != exitCheck || !strings.Contains(errOut, "signature is over other bytes") {
		t.Errorf("an edited signed manifest: exit %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "verify", m); code != exitOK {
		t.Error("without --key, an edit outside the root is not seen (as documented)")
	}
	var st struct {
		PayloadType string `json:"payloadType"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "m.intoto.json")), &st); err != nil || st.PayloadType != "application/vnd.in-toto+json" {
		t.Errorf("in-toto envelope: %v %+v", err, st)
	}
}

func TestProveAndVerifyProof(t *testing.T) {
	dir, _ := datasetDir(t)
	m := filepath.Join(dir, "m.json")
	out := mustRun(t, "build", filepath.Join(dir, "data"), "-o", m)
	root := strings.TrimSpace(out[strings.LastIndex(out, "root ")+5:])
	proof := filepath.Join(dir, "p.json")
	mustRun(t, "prove", m, "csv/wine.csv", "-o", proof)
	out = mustRun(t, "verify-proof", proof, "--root", root, "--file", filepath.Join(dir, "data", "csv", "wine.csv"))
	if !strings.HasPrefix(out, "OK: csv/wine.csv") {
		t.Errorf("verify-proof: %q", out)
	}
	mustRun(t, "verify-proof", proof, "--manifest", m)
	// Another root, or another file: exit 1.
	if code, _, _ := runCLI(t, "verify-proof", proof, "--root", strings.Repeat("ab", 32)); code != exitCheck {
		t.Errorf("wrong root: exit %d", code)
	}
	if code, _, errOut := runCLI(t, "verify-proof", proof, "--root", root, "--file", filepath.Join(dir, "data", "csv", "iris.csv")); code != exitCheck || !strings.Contains(errOut, "is not csv/wine.csv") {
		t.Errorf("wrong file: exit %d %q", code, errOut)
	}
	p := readFile(t, proof)
	writeFile(t, proof, bytes.Replace(p, []byte(`"index": 1`), []byte(`"index": 2`), 1))
	if code, _, _ := runCLI(t, "verify-proof", proof, "--root", root); code != exitCheck {
		t.Errorf("edited proof index: exit %d", code)
	}
}

// TestUnsignedRebuildDropsStaleEnvelope: rebuilding a signed manifest
// without --sign removes the envelope that signed the old bytes (verify
// would otherwise report a signature over other bytes), and keeps it when
// the rebuild reproduced the signed bytes exactly.
func TestUnsignedRebuildDropsStaleEnvelope(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir, _ := datasetDir(t)
	key := filepath.Join(dir, "k")
	mustRun(t, "keygen", "-o", key)
	m := filepath.Join(dir, "m.json")
	data := filepath.Join(dir, "data")
	mustRun(t, "build", data, "-o", m, "--sign", key)
	signed, err := os.ReadFile(m + ".dsse")
	if err != nil {
		t.Fatal(err)
	}

	// The same data, the same epoch: the same manifest bytes, so the
	// envelope still signs them and stays.
	code, _, errOut := runCLI(t, "build", data, "-o", m)
	if code != 0 || strings.Contains(errOut, "removed") {
		t.Fatalf("reproducible rebuild: exit %d, stderr %q", code, errOut)
	}
	if got, err := os.ReadFile(m + ".dsse"); err != nil || !bytes.Equal(got, signed) {
		t.Fatalf("reproducible rebuild changed the envelope: %v", err)
	}
	mustRun(t, "verify", m, "--key", key+".pub")

	// Other data: the envelope is stale, and goes, with a note.
	entries, err := os.ReadDir(data)
	if err != nil || len(entries) == 0 {
		t.Fatalf("data dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(data, "added.txt"), []byte("new file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "build", data, "-o", m)
	if code != 0 || !strings.Contains(errOut, "removed "+m+".dsse") {
		t.Fatalf("rebuild of changed data: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(m + ".dsse"); !os.IsNotExist(err) {
		t.Fatalf("stale envelope still there: %v", err)
	}
	out := mustRun(t, "verify", m)
	if strings.Contains(out, "signed by") {
		t.Errorf("unsigned manifest verified as signed: %q", out)
	}
}

// TestKeygenPaths: keygen creates the key's directory (the README's first
// step, in a fresh directory), and -o naming a directory is a usage error.
func TestKeygenPaths(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "keys", "signer")
	mustRun(t, "keygen", "-o", key)
	for _, p := range []string{key, key + ".pub"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("keygen did not write %s: %v", p, err)
		}
	}
	code, _, stderr := runCLI(t, "keygen", "-o", filepath.Join(dir, "keys"), "--force")
	if code != exitUsage || !strings.Contains(stderr, "is a directory: name the file to write") {
		t.Errorf("keygen -o DIR: exit %d, %q", code, stderr)
	}
}
