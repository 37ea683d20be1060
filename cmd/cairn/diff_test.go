package main

import (
	"encoding/json"
	"path/filepath"
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
