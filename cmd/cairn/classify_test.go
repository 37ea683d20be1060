package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/check"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
)

// writeCustomers writes a small CSV with personal data and returns its path.
func writeCustomers(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,email,card,comment\n")
	cards := []string{"4111111111111111", "5500005555555559", "340000000000009"}
	for i := range 60 {
		b.WriteString(strings.Join([]string{
			string(rune('0'+i%10)) + "42",
			"user" + string(rune('a'+i%26)) + "@example.com",
			cards[i%len(cards)],
			"liked the product",
		}, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "customers.csv")
	writeFile(t, p, []byte(b.String()))
	return p
}

func TestClassifyCLI(t *testing.T) {
	src := writeCustomers(t)
	code, out, errOut := runCLI(t, "classify", src, "--format", "json")
	if code != exitOK {
		t.Fatalf("classify exited %d: %s", code, errOut)
	}
	var rep struct {
		Columns []struct {
			Path   string `json:"path"`
			Column string `json:"column"`
			Types  []struct {
				Type          string  `json:"type"`
				Confidence    float64 `json:"confidence"`
				MatchFraction float64 `json:"match_fraction"`
				Sampled       int     `json:"sampled"`
			} `json:"types"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("classify --format json output is not JSON: %v\n%s", err, out)
	}
	found := map[string]string{}
	for _, c := range rep.Columns {
		for _, ty := range c.Types {
			found[c.Column] = ty.Type
			if ty.Sampled != 60 || ty.MatchFraction != 1 {
				t.Errorf("%s: %s sampled %d, match fraction %v; want 60 and 1", c.Column, ty.Type, ty.Sampled, ty.MatchFraction)
			}
		}
		if c.Path != "customers.csv" {
			t.Errorf("column %s has path %q, want customers.csv", c.Column, c.Path)
		}
	}
	if found["email"] != "EMAIL_ADDRESS" || found["card"] != "CREDIT_CARD" {
		t.Errorf("classified %v, want email=EMAIL_ADDRESS card=CREDIT_CARD", found)
	}
	if _, ok := found["comment"]; ok {
		t.Errorf("comment column labelled %s", found["comment"])
	}

	// --fail-on exits 1 when the type is present, 0 when it is not.
	if code, _, _ := runCLI(t, "classify", src, "--fail-on", "CREDIT_CARD", "--format", "json"); code != exitCheck {
		t.Errorf("--fail-on CREDIT_CARD exited %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "classify", src, "--fail-on", "US_SSN", "--format", "json"); code != exitOK {
		t.Errorf("--fail-on US_SSN exited %d, want 0", code)
	}
	if code, _, errOut := runCLI(t, "classify", filepath.Join(t.TempDir(), "absent.csv")); code != exitUsage || errOut == "" {
		t.Errorf("classify of a missing file exited %d, stderr %q", code, errOut)
	}
}

func TestRedactCLI(t *testing.T) {
	src := writeCustomers(t)
	dir := t.TempDir()
	key, _ := tokenKey(t, dir)
	out := filepath.Join(dir, "redacted.parquet")
	if code, _, errOut := runCLI(t, "redact", src, "-o", out, "--key", key); code != exitOK {
		t.Fatalf("redact exited %d: %s", code, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"usera@example.com", "4111111111111111"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("redacted output still holds %q", secret)
		}
	}
	// The redacted copy holds no sensitive column any more.
	code, stdout, errOut := runCLI(t, "classify", out, "--format", "json", "--fail-on", "any")
	if code != exitOK {
		t.Errorf("classify of the redacted output exited %d: %s %s", code, stdout, errOut)
	}
	// Same key, same tokens: a second run writes the same bytes.
	out2 := filepath.Join(dir, "again.parquet")
	if code, _, errOut := runCLI(t, "redact", src, "-o", out2, "--key", key); code != exitOK {
		t.Fatalf("second redact exited %d: %s", code, errOut)
	}
	if string(readFile(t, out2)) != string(data) {
		t.Error("redact with the same key is not deterministic")
	}
	if code, _, errOut := runCLI(t, "redact", src, "-o", filepath.Join(dir, "x.parquet"), "--key", key, "--policy", filepath.Join(dir, "missing.yaml")); code != exitUsage || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("redact with a missing policy exited %d, stderr %q", code, errOut)
	}
}

func TestBuildClassify(t *testing.T) {
	src := writeCustomers(t)
	m := filepath.Join(t.TempDir(), "m.json")
	mustRun(t, "build", filepath.Dir(src), "-o", m, "--classify")
	var man struct {
		Classification struct {
			Columns []struct {
				Column string `json:"column"`
				Types  []struct {
					Type string `json:"type"`
				} `json:"types"`
			} `json:"columns"`
		} `json:"classification"`
	}
	if err := json.Unmarshal(readFile(t, m), &man); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range man.Classification.Columns {
		for _, ty := range c.Types {
			got[c.Column] = ty.Type
		}
	}
	if got["email"] != "EMAIL_ADDRESS" || got["card"] != "CREDIT_CARD" {
		t.Fatalf("manifest classification = %v, want email and card columns labelled", got)
	}
	// The classification is recorded, and the manifest still verifies.
	mustRun(t, "verify", m, "--source", filepath.Dir(src))
}

// The second pass of build --classify and --check reads through the tree
// just built: a file edited after it was hashed fails with a mismatch
// instead of being classified or checked in its new state.
func TestBuildSecondPassIsVerified(t *testing.T) {
	src := writeCustomers(t)
	dir := filepath.Dir(src)
	ctx := context.Background()
	st, prefix, err := openDataset(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	m, d, err := lineage.Build(ctx, st, prefix, lineage.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vd := lineage.BuiltDataset(m, d, st, prefix, 0)
	if err := classifyInto(ctx, m, st, prefix, vd); err != nil {
		t.Fatalf("unchanged data: %v", err)
	}
	if len(m.Classification) == 0 {
		t.Fatalf("unchanged data: no classification recorded")
	}
	data := readFile(t, src)
	i := bytes.IndexByte(data, '@')
	if i < 0 {
		t.Fatal("no e-mail address in the customers file")
	}
	data[i+1] ^= 0x20 // same size, other bytes
	writeFile(t, src, data)
	err = classifyInto(ctx, m, st, prefix, vd)
	var mm *merkle.MismatchError
	if !errors.As(err, &mm) || mm.Path != filepath.Base(src) {
		t.Fatalf("edited after hashing: classify error %v, want a *merkle.MismatchError for %s", err, filepath.Base(src))
	}
	ref, err := check.BuildReference(ingest.Read(ctx, st, prefix, ingest.ReadOptions{SkipUnknown: true}), check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkInto(ctx, m, st, prefix, ref, vd); !errors.As(err, &mm) {
		t.Fatalf("edited after hashing: check error %v, want a *merkle.MismatchError", err)
	}
}

// TestRedactKeepsFormat: the output's extension picks its format for a
// file SOURCE, and --keep-format keeps each file's own format and name for
// a directory SOURCE.
func TestRedactKeepsFormat(t *testing.T) {
	src := writeCustomers(t)
	dir := t.TempDir()
	key, _ := tokenKey(t, dir)

	out := filepath.Join(dir, "redacted.csv")
	if code, _, errOut := runCLI(t, "redact", src, "-o", out, "--key", key); code != exitOK {
		t.Fatalf("redact to CSV exited %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(string(readFile(t, out))), "\n")
	if len(lines) != 61 {
		t.Fatalf("redacted CSV has %d lines, want a header and 60 rows", len(lines))
	}
	if lines[0] != "id,email,card,comment" {
		t.Errorf("header %q", lines[0])
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 4 || strings.Contains(f[1], "@example.com") || strings.Contains(l, "4111111111111111") || f[3] != "liked the product" {
			t.Fatalf("redacted row %q", l)
		}
	}

	// A directory with CSV and JSONL files, kept in their formats.
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "a.csv"), readFile(t, src))
	writeFile(t, filepath.Join(in, "sub", "b.jsonl"), []byte(`{"email":"jane@example.org","n":1}`+"\n"+`{"email":"joe@example.org","n":2}`+"\n"))
	outDir := filepath.Join(dir, "out")
	if code, _, errOut := runCLI(t, "redact", in, "-o", outDir, "--key", key, "--keep-format"); code != exitOK {
		t.Fatalf("redact --keep-format exited %d: %s", code, errOut)
	}
	if got := string(readFile(t, filepath.Join(outDir, "a.csv"))); got != string(readFile(t, out)) {
		t.Errorf("a.csv redacted in a directory differs from the same file redacted alone")
	}
	jl := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(outDir, "sub", "b.jsonl")))), "\n")
	if len(jl) != 2 || strings.Contains(jl[0], "jane@example.org") || !strings.Contains(jl[1], `"n":2`) {
		t.Errorf("redacted JSONL %q", jl)
	}
	// Without --keep-format, a directory's files become Parquet.
	if code, _, errOut := runCLI(t, "redact", in, "-o", filepath.Join(dir, "pq"), "--key", key); code != exitOK {
		t.Fatalf("redact of a directory exited %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "pq", "sub", "b.parquet")); err != nil {
		t.Errorf("default directory output: %v", err)
	}

	// An output name of no known format is a usage error, and writes nothing.
	bad := filepath.Join(dir, "redacted.txt")
	if code, _, errOut := runCLI(t, "redact", src, "-o", bad, "--key", key); code != exitUsage || !strings.Contains(errOut, ".csv") {
		t.Errorf("redact -o .txt exited %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("redact -o .txt left %s: %v", bad, err)
	}
}

// TestClassifyMarkdownHostileNames: a file name with a line break cannot
// add lines to the Markdown report.
func TestClassifyMarkdownHostileNames(t *testing.T) {
	dir := t.TempDir()
	name := "a\n# Clean | ok.csv"
	writeFile(t, filepath.Join(dir, name), readFile(t, writeCustomers(t)))
	code, out, errOut := runCLI(t, "classify", dir, "--format", "md")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "\n# Clean") {
		t.Errorf("the file name added a heading:\n%s", out)
	}
	if !strings.Contains(out, `"a\n# Clean \| ok.csv"`) {
		t.Errorf("the name is not shown quoted and escaped:\n%s", out)
	}
}

// TestClassifyEveryValueSaysSo: --sample 0 classifies every value, and the
// Markdown report says so rather than "-1 values per column".
func TestClassifyEveryValueSaysSo(t *testing.T) {
	code, out, errOut := runCLI(t, "classify", writeCustomers(t), "--sample", "0", "--format", "md")
	if code != exitOK || !strings.Contains(out, "Every value of every column was classified") || strings.Contains(out, "-1 values") {
		t.Errorf("exit %d, stderr %q, report:\n%s", code, errOut, out)
	}
}
