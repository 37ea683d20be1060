package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/classify"
)

// tokenKey writes tokenization key material to a file in dir and returns
// the file's path and the tokenizer it makes.
func tokenKey(t *testing.T, dir string) (string, *classify.Tokenizer) {
	t.Helper()
	const material = "a secret tokenization key, 32 bytes+"
	p := filepath.Join(dir, "tok.key")
	writeFile(t, p, []byte(material))
	tok, err := classify.NewTokenizer([]byte(material))
	if err != nil {
		t.Fatal(err)
	}
	return p, tok
}

// TestRedactKeepsValues: a value the policy keeps is written back as it
// was read. CSV cells are text: "007", "NA", "TRUE" and an empty cell are
// not read as 7, null, true and null on the way.
func TestRedactKeepsValues(t *testing.T) {
	dir := t.TempDir()
	key, tok := tokenKey(t, dir)
	in := "code,status,flag,score,note,card_number\n" +
		"007,NA,TRUE,1.50,,4111111111111111\n" +
		"010,N/A,false,2,\"a, b\",5500005555555559\n" +
		"0042,null,True,3e2,None,340000000000009\n"
	src := filepath.Join(dir, "in.csv")
	writeFile(t, src, []byte(in))
	policy := filepath.Join(dir, "keep.yaml")
	writeFile(t, policy, []byte("default: keep\n"))

	out := filepath.Join(dir, "kept.csv")
	mustRun(t, "redact", src, "-o", out, "--key", key, "--policy", policy)
	if got := string(readFile(t, out)); got != in {
		t.Errorf("default: keep changed the data:\n got %q\nwant %q", got, in)
	}

	// Through Parquet and back, the kept values are the same text.
	pq := filepath.Join(dir, "kept.parquet")
	mustRun(t, "redact", src, "-o", pq, "--key", key, "--policy", policy)
	back := filepath.Join(dir, "back.csv")
	mustRun(t, "redact", pq, "-o", back, "--key", key, "--policy", policy)
	if got := string(readFile(t, back)); got != in {
		t.Errorf("CSV -> Parquet -> CSV with default: keep:\n got %q\nwant %q", got, in)
	}

	// The default policy tokenizes the card numbers, read as the text
	// they are, and keeps the other columns as they were.
	def := filepath.Join(dir, "default.csv")
	mustRun(t, "redact", src, "-o", def, "--key", key)
	lines := strings.Split(strings.TrimSuffix(string(readFile(t, def)), "\n"), "\n")
	wantLines := []string{
		"code,status,flag,score,note,card_number",
		"007,NA,TRUE,1.50,," + tok.Token("CREDIT_CARD", "4111111111111111"),
		"010,N/A,false,2,\"a, b\"," + tok.Token("CREDIT_CARD", "5500005555555559"),
		"0042,null,True,3e2,None," + tok.Token("CREDIT_CARD", "340000000000009"),
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("default policy wrote\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}

	// A card number held in an integer column cannot hold a token: the
	// value becomes null, as --help says.
	jl := filepath.Join(dir, "ints.jsonl")
	writeFile(t, jl, []byte(`{"card_number":4111111111111111,"n":7}`+"\n"))
	jout := filepath.Join(dir, "ints-out.jsonl")
	mustRun(t, "redact", jl, "-o", jout, "--key", key)
	if got := strings.TrimSpace(string(readFile(t, jout))); got != `{"card_number":null,"n":7}` {
		t.Errorf("integer card number redacted to %s, want null", got)
	}
	if _, _, help := runCLI(t, "redact", "--help"); !strings.Contains(help, "integer column") || !strings.Contains(help, "tokenize findings") {
		t.Errorf("redact --help does not say what the default policy does to integers: %s", help)
	}
}

// TestRedactOutputInsideSource: an OUT directory inside the SOURCE
// directory is not read as input, so a second run writes the same copy
// instead of redacting its own output again.
func TestRedactOutputInsideSource(t *testing.T) {
	dir := t.TempDir()
	key, _ := tokenKey(t, dir)
	src := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(src, "a.csv"), readFile(t, writeCustomers(t)))
	out := filepath.Join(src, "redacted")
	for run := 1; run <= 2; run++ {
		code, stdout, stderr := runCLI(t, "redact", src, "-o", out, "--key", key, "--keep-format")
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		if !strings.Contains(stdout, "wrote 1 file(s), 60 rows") {
			t.Errorf("run %d: %q, want one file of 60 rows", run, stdout)
		}
		if stderr != "" {
			t.Errorf("run %d: stderr %q", run, stderr)
		}
	}
	if n := strings.Count(string(readFile(t, filepath.Join(out, "a.csv"))), "\n"); n != 61 {
		t.Errorf("redacted a.csv has %d lines, want 61", n)
	}
	if _, err := os.Stat(filepath.Join(out, "redacted")); !os.IsNotExist(err) {
		t.Errorf("the second run redacted the first run's output: %v", err)
	}

	// A file name is no OUT for a directory SOURCE.
	bad := filepath.Join(dir, "out", "x.csv")
	code, _, stderr := runCLI(t, "redact", src, "-o", bad, "--key", key)
	if code != exitUsage || !strings.Contains(stderr, "-o names a directory") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("redact DIR -o x.csv: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("redact DIR -o x.csv wrote something: %v", err)
	}
}

// TestRedactRefusesSigningKeys: a PEM key, public or private, is no
// tokenization key; keygen --tokenize makes one.
func TestRedactRefusesSigningKeys(t *testing.T) {
	dir := t.TempDir()
	src := writeCustomers(t)
	sk := filepath.Join(dir, "sign")
	mustRun(t, "keygen", "-o", sk)
	for _, k := range []string{sk, sk + ".pub"} {
		out := filepath.Join(dir, "out.csv")
		code, _, stderr := runCLI(t, "redact", src, "-o", out, "--key", k)
		if code != exitUsage || !strings.Contains(stderr, "PEM key") || !strings.Contains(stderr, "cairn keygen --tokenize") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("redact --key %s: exit %d, stderr %q", filepath.Base(k), code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("redact --key %s wrote output", filepath.Base(k))
		}
	}

	tk := filepath.Join(dir, "tokenize.key")
	mustRun(t, "keygen", "--tokenize", "-o", tk)
	fi, err := os.Stat(tk)
	if err != nil {
		t.Fatal(err)
	}
	data := readFile(t, tk)
	if fi.Mode().Perm() != 0o600 || len(data) != 65 || strings.Contains(string(data), "-----BEGIN") {
		t.Errorf("keygen --tokenize wrote %d bytes, mode %v: %q", len(data), fi.Mode().Perm(), data)
	}
	if _, err := os.Stat(tk + ".pub"); !os.IsNotExist(err) {
		t.Errorf("keygen --tokenize wrote a public key: %v", err)
	}
	if code, _, stderr := runCLI(t, "keygen", "--tokenize", "-o", tk); code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("keygen --tokenize over an existing key: exit %d, stderr %q", code, stderr)
	}
	if string(readFile(t, tk)) != string(data) {
		t.Error("keygen --tokenize replaced a key without --force")
	}
	mustRun(t, "keygen", "--tokenize", "-o", filepath.Join(dir, "other.key"))
	if string(readFile(t, filepath.Join(dir, "other.key"))) == string(data) {
		t.Error("two keygen --tokenize runs made the same key")
	}
	mustRun(t, "redact", src, "-o", filepath.Join(dir, "ok.csv"), "--key", tk)
}

// TestSkippedFilesReported: files of a directory that are not tables are
// named, not silently passed over; exit codes stay as they were.
func TestSkippedFilesReported(t *testing.T) {
	dir := t.TempDir()
	key, _ := tokenKey(t, dir)
	src := filepath.Join(dir, "data")
	writeFile(t, filepath.Join(src, "a.csv"), readFile(t, writeCustomers(t)))
	writeFile(t, filepath.Join(src, "small.bin"), []byte{0xde, 0xad})
	writeFile(t, filepath.Join(src, "sub", "empty.dat"), nil)
	writeFile(t, filepath.Join(src, "_SUCCESS"), nil)

	code, stdout, stderr := runCLI(t, "classify", src, "--format", "json")
	if code != exitOK {
		t.Fatalf("classify: exit %d: %s", code, stderr)
	}
	var rep struct {
		Columns []struct {
			Column string `json:"column"`
		} `json:"columns"`
		Skipped []map[string]string `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"path": "small.bin", "reason": notATable},
		{"path": "sub/empty.dat", "reason": notATable},
	}
	if len(rep.Skipped) != len(want) {
		t.Fatalf("skipped = %v, want %v", rep.Skipped, want)
	}
	for i := range want {
		if len(rep.Skipped[i]) != 2 || rep.Skipped[i]["path"] != want[i]["path"] || rep.Skipped[i]["reason"] != want[i]["reason"] {
			t.Errorf("skipped[%d] = %v, want %v", i, rep.Skipped[i], want[i])
		}
	}
	if len(rep.Columns) < 2 {
		t.Errorf("columns = %v: a.csv was not classified", rep.Columns)
	}
	code, stdout, _ = runCLI(t, "classify", src, "--fail-on", "US_SSN")
	if code != exitOK || !strings.Contains(stdout, "- small.bin: "+notATable+"\n") || !strings.Contains(stdout, "- sub/empty.dat: ") {
		t.Errorf("classify --format md: exit %d, no skipped files in\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, "classify", src, "--fail-on", "CREDIT_CARD"); code != exitCheck {
		t.Errorf("classify --fail-on CREDIT_CARD: exit %d, want 1", code)
	}

	code, stdout, stderr = runCLI(t, "redact", src, "-o", filepath.Join(dir, "out"), "--key", key)
	if code != exitOK || !strings.Contains(stdout, "wrote 1 file(s), 60 rows") {
		t.Fatalf("redact: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if stderr != "cairn redact: skipped 2 file(s) that are not tables: small.bin, sub/empty.dat\n" {
		t.Errorf("redact stderr %q", stderr)
	}

	// With no table at all, the error (one line) names what was skipped.
	only := filepath.Join(dir, "only")
	writeFile(t, filepath.Join(only, "small.bin"), []byte{1})
	for _, args := range [][]string{{"redact", only, "-o", filepath.Join(dir, "out2"), "--key", key}, {"classify", only}} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "no input files") || !strings.Contains(stderr, "skipped 1 file(s) that are not tables: small.bin") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s of a directory with no table: exit %d, stderr %q", args[0], code, stderr)
		}
	}

	// profile and check read every file: they fail on one that is not a
	// table, and say how to have it ignored (no option that does not exist).
	code, _, stderr = runCLI(t, "profile", src, "-o", filepath.Join(dir, "ref.json"))
	if code != exitUsage || !strings.Contains(stderr, "small.bin") || !strings.Contains(stderr, `start its name with "_" or "."`) || strings.Contains(stderr, "skip unknown") {
		t.Errorf("profile of a directory with small.bin: exit %d, stderr %q", code, stderr)
	}
}

// TestRedactWarnsOnUnusedRule: a policy rule whose column matches nothing
// (here a misspelt name) is named on stderr, and the rules that matched
// are not.
func TestRedactWarnsOnUnusedRule(t *testing.T) {
	dir := t.TempDir()
	key, _ := tokenKey(t, dir)
	src := filepath.Join(dir, "in.csv")
	writeFile(t, src, []byte("name,emial_address,notes\nAda,ada@example.com,x\n"))
	policy := filepath.Join(dir, "p.yaml")
	writeFile(t, policy, []byte("columns:\n  - column: email_address\n    action: drop\n  - column: notes\n    action: drop\n  - column: \"n*\"\n    action: keep\n"))
	out := filepath.Join(dir, "out.csv")
	code, _, stderr := runCLI(t, "redact", src, "-o", out, "--key", key, "--policy", policy)
	if code != exitOK {
		t.Fatalf("redact exited %d: %s", code, stderr)
	}
	want := "cairn redact: warning: policy rule for column \"email_address\" (drop) matched no column; check its name\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if got := string(readFile(t, out)); strings.Contains(got, "notes") || !strings.Contains(got, "emial_address") {
		t.Errorf("output %q: want notes dropped and emial_address kept", got)
	}
}
