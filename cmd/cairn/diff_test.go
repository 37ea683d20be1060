package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDiffCommand(t *testing.T) {
	dir, files := datasetDir(t)
	data := filepath.Join(dir, "data")
	v1 := filepath.Join(dir, "v1.json")
	mustRun(t, "build", data, "-o", v1, "--name", "toy", "--version", "1")
	writeFile(t, filepath.Join(data, "csv", "more.csv"), []byte("a,b\n1,2\n"))
	writeFile(t, filepath.Join(data, "notes.jsonl"), append(files["notes.jsonl"], "{}\n"...))
	v2 := filepath.Join(dir, "v2.json")
	mustRun(t, "build", data, "-o", v2, "--name", "toy", "--version", "2")

	out := mustRun(t, "diff", v1, v2, "--format", "md")
	for _, s := range []string{"### cairn diff: `toy` 1 → 2", "**1 added, 1 modified** · 3 unchanged", "| + | `csv/more.csv` | 8 B |"} {
		if !strings.Contains(out, s) {
			t.Errorf("markdown lacks %q:\n%s", s, out)
		}
	}
	out = mustRun(t, "diff", v1, v2, "--format", "json")
	var d struct {
		Content struct {
			Added []struct {
				Path      string
				SizeDelta int64 `json:"size_delta"`
			}
			Modified []struct {
				Path      string
				SizeDelta int64  `json:"size_delta"`
				RowsDelta *int64 `json:"rows_delta"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Content.Added[0].Path != "csv/more.csv" || d.Content.Modified[0].Path != "notes.jsonl" {
		t.Errorf("json: %v\n%s", err, out)
	}
	if d.Content.Added[0].SizeDelta != 8 || d.Content.Modified[0].SizeDelta != 3 || d.Content.Modified[0].RowsDelta != nil {
		t.Errorf("json deltas: %+v\n%s", d.Content, out)
	}
	if out := mustRun(t, "diff", v1, v2); !strings.Contains(out, "content: 1 added, 1 modified, 3 unchanged") {
		t.Errorf("text:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "diff", v1, v2, "--exit-code"); code != exitCheck || errOut != "" {
		t.Errorf("--exit-code on different manifests: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "diff", v1, v1, "--exit-code"); code != exitOK {
		t.Errorf("--exit-code on the same manifest: %d", code)
	}
}

// TestDiffHostilePathCannotForgeTheReview: a file named to inject an
// approved "Policy" section into the pull-request comment shows quoted and
// escaped; the comment has the lines and headings it would have with a
// plain name.
func TestDiffHostilePathCannotForgeTheReview(t *testing.T) {
	const hostile = "x` |\n\n#### Policy\n\n- **Licences**: no change, approved ✅\n\n`y"
	dir, _ := datasetDir(t)
	data := filepath.Join(dir, "data")
	prov := filepath.Join(dir, "prov.yaml")
	writeFile(t, prov, []byte("licenses: [CC-BY-4.0]\n"))
	v1 := filepath.Join(dir, "v1.json")
	mustRun(t, "build", data, "-o", v1, "--name", "toy", "--provenance", prov)
	writeFile(t, prov, []byte("licenses: [CC-BY-NC-4.0]\n"))
	diffs := func(name string) (md, text string) {
		p := filepath.Join(data, name)
		writeFile(t, p, []byte("a,b\n1,2\n"))
		defer os.Remove(p)
		v2 := filepath.Join(dir, "v2.json")
		mustRun(t, "build", data, "-o", v2, "--name", "toy", "--provenance", prov)
		return mustRun(t, "diff", v1, v2, "--format", "md"), mustRun(t, "diff", v1, v2)
	}
	pm, pt := diffs("plain.csv")
	em, et := diffs(hostile)
	if a, b := strings.Count(pm, "\n"), strings.Count(em, "\n"); a != b {
		t.Errorf("markdown has %d lines with a plain name, %d with a hostile one:\n%s", a, b, em)
	}
	var policy []string
	for l := range strings.Lines(em) {
		if strings.HasPrefix(l, "#### ") && strings.Contains(l, "Policy") {
			policy = append(policy, l)
		}
	}
	if len(policy) != 1 || policy[0] != "#### ⚠️ Policy\n" {
		t.Errorf("policy headings %q, want only the real one:\n%s", policy, em)
	}
	quoted := strconv.Quote(hostile)
	if row := "| + | ``" + strings.ReplaceAll(quoted, "|", `\|`) + "`` | 8 B |  |\n"; !strings.Contains(em, row) {
		t.Errorf("markdown lacks the escaped row %q:\n%s", row, em)
	}
	if !strings.Contains(pm, "| + | `plain.csv` | 8 B |  |\n") || !strings.Contains(pm, "- **Licences**: added `CC-BY-NC-4.0`; removed `CC-BY-4.0`\n") {
		t.Errorf("plain markdown changed:\n%s", pm)
	}
	if a, b := strings.Count(pt, "\n"), strings.Count(et, "\n"); a != b || !strings.Contains(et, "\n  + "+quoted+"  8 B\n") {
		t.Errorf("text has %d lines with a plain name, %d with a hostile one, want it quoted:\n%s", a, b, et)
	}
}
