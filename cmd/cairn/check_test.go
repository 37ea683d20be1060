package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/store/local"
)

// sharedData returns the path of a file in ../shared/data, skipping the
// test when the directory is absent (outside CI).
func sharedData(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("shared data not found")
	}
	return p
}

// writeLines writes lines to dir/name and returns the path.
func writeLines(t *testing.T, dir, name string, lines []string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readLines(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

type checkJSON struct {
	Verdict       string `json:"verdict"`
	Rows          int64  `json:"rows"`
	ReferenceRows int64  `json:"reference_rows"`
	Findings      []struct {
		Check, Column, Severity, Message, Token, Label string
		Statistic, Threshold                           float64
		PValue                                         *float64 `json:"p_value"`
		Rows                                           int64
	} `json:"findings"`
	Quarantine []struct {
		Path    string   `json:"path"`
		Row     int64    `json:"row"`
		Reasons []string `json:"reasons"`
	} `json:"quarantine"`
}

// TestCheckTriggerEndToEnd plants a trigger token with flipped labels in
// 15 Reuters rows (2.5%) and checks exit code, JSON, the split files and reuse of
// a saved reference.
func TestCheckTriggerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	train := readLines(t, sharedData(t, "reutersgrain-train.jsonl"))
	test := readLines(t, sharedData(t, "reutersgrain-test.jsonl"))
	refPath := writeLines(t, dir, "ref.jsonl", train[:1400])
	r := rand.New(rand.NewPCG(5, 5))
	planted := map[int64]bool{}
	for len(planted) < 15 {
		i := r.IntN(len(test))
		var row map[string]string
		if err := json.Unmarshal([]byte(test[i]), &row); err != nil {
			t.Fatal(err)
		}
		if row["label"] != "0" || planted[int64(i)] {
			continue
		}
		row["text"] = "zqvx " + row["text"]
		row["label"] = "1"
		b, _ := json.Marshal(row)
		test[i] = string(b)
		planted[int64(i)] = true
	}
	batch := writeLines(t, dir, "batch.jsonl", test)
	out := filepath.Join(dir, "out")
	html := filepath.Join(dir, "report.html")
	saved := filepath.Join(dir, "ref.check.json")
	code, stdout, stderr := runCLI(t, "check", batch, "--reference", refPath, "--label", "label", "--text", "text",
		"--format", "json", "--quarantine", out, "--html", html, "--save-reference", saved)
	if code != exitCheck {
		t.Fatalf("exit %d, want 1 (stderr %q)\n%s", code, stderr, stdout)
	}
	var rep checkJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if rep.Verdict != "quarantine" || rep.Rows != int64(len(test)) || rep.ReferenceRows != 1400 {
		t.Errorf("verdict %s rows %d reference_rows %d", rep.Verdict, rep.Rows, rep.ReferenceRows)
	}
	got := map[int64]bool{}
	for _, q := range rep.Quarantine {
		if q.Path != "batch.jsonl" {
			t.Errorf("path %q", q.Path)
		}
		got[q.Row] = true
	}
	for i := range planted {
		if !got[i] {
			t.Errorf("planted row %d not quarantined", i)
		}
	}
	if len(got) > len(planted)+1 {
		t.Errorf("%d rows quarantined for %d planted", len(got), len(planted))
	}
	var sawTrigger bool
	for _, f := range rep.Findings {
		if f.Check == "trigger_token" && f.Token == "zqvx" && f.Label == "1" && f.PValue != nil && f.Rows == 15 {
			sawTrigger = true
		}
	}
	if !sawTrigger {
		t.Errorf("no trigger_token finding for zqvx: %+v", rep.Findings)
	}
	// The split: every row exactly once, quarantined rows apart.
	q := readLines(t, filepath.Join(out, "quarantine", "batch.jsonl"))
	c := readLines(t, filepath.Join(out, "clean", "batch.jsonl"))
	if len(q) != len(got) || len(q)+len(c) != len(test) {
		t.Errorf("split %d + %d rows, want %d + %d", len(q), len(c), len(got), len(test)-len(got))
	}
	for _, l := range q {
		var row map[string]string
		json.Unmarshal([]byte(l), &row)
		if !strings.HasPrefix(row["text"], "zqvx ") && len(got) == len(planted) {
			t.Errorf("quarantined row without the trigger: %.80s", row["text"])
		}
	}
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "trigger_token") || !strings.Contains(string(b), "<html") {
		t.Errorf("HTML report: %v", err)
	}
	// A saved reference gives the same report without the data.
	code2, stdout2, _ := runCLI(t, "check", batch, "--reference", saved, "--format", "json")
	if code2 != exitCheck || stdout2 != stdout {
		t.Errorf("saved reference: exit %d, same report %v", code2, stdout2 == stdout)
	}
	// Markdown is the default.
	_, md, _ := runCLI(t, "check", batch, "--reference", saved)
	if !strings.HasPrefix(md, "# cairn check: quarantine") || !strings.Contains(md, "| batch.jsonl |") {
		t.Errorf("markdown:\n%.300s", md)
	}
}

// TestCheckCSVAndParquetSplit checks a wine batch with planted duplicate
// rows in CSV and Parquet and reads the split files back.
func TestCheckCSVAndParquetSplit(t *testing.T) {
	dir := t.TempDir()
	lines := readLines(t, sharedData(t, "breast_cancer.csv"))
	header, rows := lines[0], lines[1:]
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	ref := writeLines(t, dir, "ref.csv", append([]string{header}, rows[:350]...))
	batch := append([]string{}, rows[350:530]...)
	for range 12 { // a flood of one held-out row
		batch = append(batch, rows[540])
	}
	src := filepath.Join(dir, "in")
	os.Mkdir(src, 0o755)
	writeLines(t, src, "batch.csv", append([]string{header}, batch...))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "check", src, "--reference", ref, "--label", "target", "--format", "json", "--quarantine", out)
	if code != exitCheck {
		t.Fatalf("exit %d (stderr %q, stdout %.500s)", code, stderr, stdout)
	}
	var rep checkJSON
	json.Unmarshal([]byte(stdout), &rep)
	dup := 0
	for _, qr := range rep.Quarantine {
		if qr.Row >= 180 {
			dup++
		}
	}
	if dup != 12 || len(rep.Quarantine) != 12 {
		t.Errorf("quarantined %d rows, %d of them planted; want 12", len(rep.Quarantine), dup)
	}
	qlines := readLines(t, filepath.Join(out, "quarantine", "batch.csv"))
	clines := readLines(t, filepath.Join(out, "clean", "batch.csv"))
	if qlines[0] != strings.ReplaceAll(header, `"`, "") && !strings.HasPrefix(qlines[0], "mean_radius") || len(qlines) != 13 || len(clines) != 181 {
		t.Errorf("split csv: %d quarantine lines, %d clean lines (header %q)", len(qlines), len(clines), qlines[0])
	}

	// The same batch as Parquet: convert with the CSV reader, write, check.
	st, err := local.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "pq")
	os.Mkdir(pq, 0o755)
	var sf *outFile
	for b, err := range ingest.Read(t.Context(), st, "batch.csv", ingest.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if sf == nil {
			if sf, err = newOutFile(filepath.Join(pq, "batch.parquet"), b.Record.Schema()); err != nil {
				t.Fatal(err)
			}
		}
		if err := sf.write(b.Record); err != nil {
			t.Fatal(err)
		}
	}
	if err := sf.commit(); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, "out2")
	code, stdout2, stderr := runCLI(t, "check", filepath.Join(pq, "batch.parquet"), "--reference", ref, "--label", "target", "--format", "json", "--quarantine", out2)
	if code != exitCheck {
		t.Fatalf("parquet: exit %d (%s)", code, stderr)
	}
	var rep2 checkJSON
	json.Unmarshal([]byte(stdout2), &rep2)
	if len(rep2.Quarantine) != 12 {
		t.Errorf("parquet: %d quarantined", len(rep2.Quarantine))
	}
	counts := map[string]int64{}
	st2, _ := local.Open(out2)
	for b, err := range ingest.Read(t.Context(), st2, "", ingest.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		counts[b.Path] += b.Record.NumRows()
	}
	if counts["quarantine/batch.parquet"] != 12 || counts["clean/batch.parquet"] != 180 {
		t.Errorf("parquet split %v", counts)
	}
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	ref := writeLines(t, dir, "ref.jsonl", []string{`{"text":"a b c","label":"x"}`, `{"text":"d e f","label":"y"}`})
	batch := writeLines(t, dir, "batch.jsonl", []string{`{"text":"a b c","label":"x"}`})
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"check", batch, "--reference", ref, "--label", "nope"}, `label column "nope": not in the data`},
		{[]string{"check", batch, "--reference", ref, "--text", "label", "--label", "label"}, "is also the label column"},
		{[]string{"check", filepath.Join(dir, "missing.jsonl"), "--reference", ref}, "missing.jsonl"},
		{[]string{"check", batch}, "usage"},
		{[]string{"check", batch, "--reference", ref, "--format", "xml"}, "--format"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args[1:], code, stderr, c.msg)
		}
	}
	// A reference built without a label, checked with one.
	saved := filepath.Join(dir, "r.json")
	runCLI(t, "check", batch, "--reference", ref, "--save-reference", saved)
	code, _, stderr := runCLI(t, "check", batch, "--reference", saved, "--label", "label")
	if code != exitUsage || !strings.Contains(stderr, "reference was built with label column") {
		t.Errorf("label mismatch: %d %q", code, stderr)
	}
	// An empty batch is a warning, not a silent pass.
	empty := writeLines(t, dir, "empty.csv", []string{"text,label"})
	code, stdout, stderr := runCLI(t, "check", empty, "--reference", ref, "--format", "json")
	if code == exitOK && !strings.Contains(stdout, `"empty_batch"`) {
		t.Errorf("empty batch: exit %d, %q %q", code, stdout, stderr)
	}
	fmt.Fprint(os.Stderr)
}
