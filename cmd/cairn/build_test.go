package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairnml/cairn/merkle"
)

func TestBuildRecordsProvenanceAndParents(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	prov := filepath.Join(dir, "prov.yaml")
	writeFile(t, prov, []byte("collected_by: Example Labs\nauthority: {basis: public-domain}\nlicenses: [cc0-1.0]\npermitted_uses: [training]\n"))
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	v1 := filepath.Join(dir, "v1.json")
	mustRun(t, "build", data, "-o", v1, "--name", "toy", "--version", "1", "--provenance", prov)
	again := filepath.Join(dir, "again.json")
	mustRun(t, "build", data, "-o", again, "--name", "toy", "--version", "1", "--provenance", prov, "--workers", "1")
	a, b := readFile(t, v1), readFile(t, again)
	if !bytes.Equal(bytes.Replace(b, []byte("again.leaves"), []byte("v1.leaves"), 1), a) {
		t.Errorf("two builds differ:\n%s\n---\n%s", a, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "v1.leaves")); err != nil {
		t.Fatalf("no sidecar: %v", err)
	}
	v2 := filepath.Join(dir, "v2.json")
	mustRun(t, "build", data, "-o", v2, "--parent", v1, "--transform", "dedupe", "--transform-version", "2.1", "--transform-code", "sha1:0123456789abcdef0123456789abcdef01234567")
	var m struct {
		Provenance struct {
			Licenses  []string `json:"licenses"`
			Authority struct{ Basis string }
		}
		Derivation struct {
			Parents   []struct{ Manifest, Root string }
			Transform struct{ Name, Version, Code string }
		}
		Created struct{ At string }
	}
	if err := json.Unmarshal(readFile(t, v1), &m); err != nil {
		t.Fatal(err)
	}
	if m.Provenance.Licenses[0] != "CC0-1.0" || m.Provenance.Authority.Basis != "public-domain" || m.Created.At != "2023-11-14T22:13:20Z" {
		t.Errorf("v1 = %+v", m)
	}
	if err := json.Unmarshal(readFile(t, v2), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Derivation.Parents) != 1 || !strings.HasPrefix(m.Derivation.Parents[0].Manifest, "sha256:") || m.Derivation.Transform.Version != "2.1" {
		t.Errorf("v2 derivation = %+v", m.Derivation)
	}
}

// TestBadInputExits2 feeds bad manifests, envelopes, provenance files and
// flags; each must exit 2 with one clear line on stderr.
func TestBadInputExits2(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	m := filepath.Join(dir, "m.json")
	mustRun(t, "build", data, "-o", m)
	valid := string(readFile(t, m))
	bad := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, []byte(content))
		return p
	}
	mustRun(t, "keygen", "-o", filepath.Join(dir, "k"))
	mustRun(t, "sign", m, "--key", filepath.Join(dir, "k"))
	other := filepath.Join(dir, "other.json")
	mustRun(t, "build", filepath.Join(data, "csv"), "-o", other)
	// An envelope over another manifest, presented as m.json's signature.
	signedOther := filepath.Join(dir, "signed.json")
	writeFile(t, signedOther, []byte(valid))
	mustRun(t, "sign", other, "--key", filepath.Join(dir, "k"), "-o", signedOther+".dsse")
	// A manifest that is not the one signed fails the check (exit 1), like
	// tampered data, rather than being an input error.
	if code, _, errOut := runCLI(t, "verify", signedOther, "--key", filepath.Join(dir, "k.pub")); code != exitCheck || !strings.Contains(errOut, "signature is over other bytes") {
		t.Errorf("verify of a manifest signed as another: exit %d, stderr %q", code, errOut)
	}
	// So does one not signed at all when a key requires a signature:
	// removing the envelope must not make it an input error.
	if code, _, errOut := runCLI(t, "verify", bad("nosig.json", valid), "--key", filepath.Join(dir, "k.pub")); code != exitCheck || !strings.Contains(errOut, "manifest is not signed: no signature envelope nosig.json.dsse") {
		t.Errorf("verify --key of an unsigned manifest: exit %d, stderr %q", code, errOut)
	}
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"verify", bad("trunc.json", valid[:len(valid)/3])}, "truncated JSON"},
		{[]string{"verify", bad("types.json", strings.Replace(valid, `"objects": 4`, `"objects": "4"`, 1))}, "objects: want an integer, got string"},
		{[]string{"verify", bad("v2.json", strings.Replace(valid, "cairn.manifest/v1", "cairn.manifest/v2", 1))}, `unsupported manifest format version: "cairn.manifest/v2"`},
		{[]string{"verify", bad("dotdot.json", strings.Replace(valid, `"path": "csv/iris.csv"`, `"path": "../iris.csv"`, 1))}, `entries[0].path: "../iris.csv"`},
		{[]string{"verify", bad("dup.json", strings.Replace(valid, `"path": "csv/wine.csv"`, `"path": "csv/iris.csv"`, 1))}, "duplicate path"},
		{[]string{"verify", m, "--key", bad("junk.pub", "not a key")}, `not a PEM "PUBLIC KEY"`},
		{[]string{"verify", filepath.Join(dir, "absent.json")}, "does not exist"},
		{[]string{"verify", m, "--mode", "fast"}, "unknown verification mode"},
		{[]string{"verify", m, "--mode", "sample", "--fraction", "0"}, "--fraction"},
		{[]string{"verify", m, "--format", "xml"}, "--format"},
		{[]string{"build", data, "-o", filepath.Join(dir, "x.json"), "--provenance", bad("p.yaml", "licenses: [Cool-1.0]\n")}, `licenses[0]: licence "Cool-1.0"`},
		{[]string{"build", data, "-o", filepath.Join(dir, "x.json"), "--provenance", bad("p2.yaml", "authority: {basis: vibes}\n")}, "authority.basis"},
		{[]string{"build", data}, "-o MANIFEST is required"},
		{[]string{"build", data, "-o", filepath.Join(dir, "x.json"), "--part-size", "12"}, "part size"},
		{[]string{"build", filepath.Join(dir, "nope"), "-o", filepath.Join(dir, "x.json")}, "no such file"},
		{[]string{"diff", m}, "want OLD and NEW"},
		{[]string{"diff", m, bad("bad.json", "{")}, "truncated JSON"},
		{[]string{"sign", bad("notmanifest.json", "{}"), "--key", filepath.Join(dir, "k")}, "format: missing"},
		{[]string{"sign", m, "--key", filepath.Join(dir, "k.pub")}, "--key " + filepath.Join(dir, "k.pub") + " is a public key: signing takes the private key"},
		{[]string{"keygen"}, "-o KEY is required"},
		{[]string{"keygen", "-o", filepath.Join(dir, "k")}, "already exists"},
		{[]string{"prove", m, "nope.csv"}, "not an entry"},
		{[]string{"verify-proof", bad("proof.json", "{}"), "--root", strings.Repeat("0", 64)}, "proof"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, c.args...)
		if code != exitUsage {
			t.Errorf("cairn %q: exit %d, want 2\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
			continue
		}
		if lines := strings.Count(errOut, "\n"); lines != 1 && !strings.Contains(errOut, "Usage") {
			t.Errorf("cairn %q: stderr is %d lines: %q", c.args, lines, errOut)
		}
		if !strings.Contains(errOut, c.msg) {
			t.Errorf("cairn %q: stderr %q does not say %q", c.args, errOut, c.msg)
		}
	}
}

func TestProgressOnlyWhenAsked(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	m := filepath.Join(dir, "m.json")
	_, _, errOut := runCLI(t, "build", data, "-o", m)
	if errOut != "" {
		t.Errorf("stderr is not a terminal, yet: %q", errOut)
	}
	_, _, errOut = runCLI(t, "build", data, "-o", m, "--progress")
	if !strings.Contains(errOut, "hashing 100.0%") || !strings.Contains(errOut, "4/4 objects") {
		t.Errorf("--progress: %q", errOut)
	}
	_, _, errOut = runCLI(t, "verify", m, "--progress")
	if !strings.Contains(errOut, "verifying 100.0%") {
		t.Errorf("verify --progress: %q", errOut)
	}
}

// TestBuildEmptySourceWarns: an empty directory (or a mistyped S3 prefix)
// builds an empty dataset, but says so on stderr.
func TestBuildEmptySourceWarns(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "build", empty, "-o", filepath.Join(dir, "m.json"))
	if code != exitOK || !strings.Contains(stdout, ": 0 objects, 0 bytes") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "warning: "+empty+" holds no objects") {
		t.Errorf("stderr %q does not warn of the empty source", stderr)
	}
}

// TestBuildOutputPaths: -o naming a directory or an s3:// URL is a clear
// usage error before any hashing; a missing parent directory is created.
func TestBuildOutputPaths(t *testing.T) {
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(filepath.Join(dir, "mdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ out, want string }{
		{filepath.Join(dir, "mdir"), "is a directory, not a manifest file"},
		{"s3://bucket/m.json", "the manifest is written to a local file"},
	} {
		code, _, stderr := runCLI(t, "build", data, "-o", c.out)
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("-o %s: exit %d, stderr %q, want %q", c.out, code, stderr, c.want)
		}
	}
	m := filepath.Join(dir, "new", "sub", "m.json")
	mustRun(t, "build", data, "-o", m)
	mustRun(t, "verify", m)
}

func TestProgressLine(t *testing.T) {
	pr := merkle.Progress{Bytes: 1 << 30, TotalBytes: 5 << 29, Objects: 3, TotalObjects: 8}
	cases := []struct {
		elapsed time.Duration
		pr      merkle.Progress
		want    string
	}{
		{500 * time.Millisecond, pr, "hashing  40.0%  3/8 objects  1.00 GiB of 2.50 GiB"},
		{2 * time.Second, pr, "hashing  40.0%  3/8 objects  1.00 GiB of 2.50 GiB  512 MiB/s  ETA 3s"},
		{2 * time.Second, merkle.Progress{Bytes: 700, TotalBytes: 700, Objects: 1, TotalObjects: 1},
			"hashing 100.0%  1/1 objects  700 B of 700 B  350 B/s"},
		{3 * time.Second, merkle.Progress{}, "hashing 100.0%  0/0 objects  0 B of 0 B"},
	}
	for _, c := range cases {
		if got := progressLine("hashing", c.pr, c.elapsed); got != c.want {
			t.Errorf("progressLine(%+v, %v) = %q, want %q", c.pr, c.elapsed, got, c.want)
		}
	}
}
