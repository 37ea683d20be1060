package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
)

func TestDemoMarkdown(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatal(err)
	}
	md := out.String()
	// The lines a reviewer must see, in the order they must see them:
	// the summary, then policy before transformation before content.
	want := []string{
		"### cairn diff: `reviews` 1 → 2",
		"| objects | 3 | 4 | +1 |",
		"| rows (Parquet) | 2,000 | 2,500 | +500 |",
		"#### ⚠️ Policy",
		"- **Licences**: added `LicenseRef-partner-data-agreement`",
		"- **Permitted uses**: added `commercial`",
		"- **Prohibited uses**: removed `commercial`",
		"- **Sources**: added `https://partner.example/reviews.csv`",
		"#### Transformation",
		"- **Transform version**: `1.0.0` → `1.1.0`",
		"#### Content",
		"**1 added, 1 modified** · 2 unchanged",
		"| + | `eval/part-0.parquet` | 12.8 KiB | 300 rows |",
		"| ~ | `train/part-1.parquet` |",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(md[at:], w)
		if i < 0 {
			t.Fatalf("after byte %d, the Markdown lacks %q:\n%s", at, w, md)
		}
		at += i + len(w)
	}
	// Unchanged objects are not listed.
	for _, p := range []string{"README.md", "train/part-0.parquet"} {
		if strings.Contains(md, p) {
			t.Errorf("unchanged %s is listed:\n%s", p, md)
		}
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-format", "json"}, &out); err != nil {
		t.Fatal(err)
	}
	var d lineage.Diff
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	c := d.Content
	if c == nil || len(c.Added) != 1 || c.Added[0].Path != "eval/part-0.parquet" || c.Added[0].NewRows != 300 ||
		len(c.Modified) != 1 || c.Modified[0].Path != "train/part-1.parquet" ||
		c.Modified[0].OldRows != 1000 || c.Modified[0].NewRows != 1200 ||
		len(c.Removed) != 0 || c.Unchanged != 2 || c.RowsDelta != 500 {
		t.Errorf("content diff: %+v", c)
	}
	if d.Old.Objects != 3 || d.New.Objects != 4 || len(d.Policy) != 4 {
		t.Errorf("sides %+v %+v, %d policy changes: %+v", d.Old, d.New, len(d.Policy), d.Policy)
	}
}

func TestSameManifest(t *testing.T) {
	old, _, err := writeDemo(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-format", "json", old, old}, &out); err != nil {
		t.Fatal(err)
	}
	var d lineage.Diff
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.Policy != nil || d.Transformation != nil || (d.Content != nil && d.Content.RootChanged) {
		t.Errorf("a manifest differs from itself:\n%s", out.String())
	}
}

// TestEditedManifest changes an entry's size in a manifest without
// changing its root: the review refuses it.
func TestEditedManifest(t *testing.T) {
	oldPath, newPath, err := writeDemo(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(newPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := lineage.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	m.Entries[0].Size++
	m.Bytes++
	if b, err = m.Marshal(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{oldPath, newPath}, new(bytes.Buffer))
	if !errors.Is(err, lineage.ErrRootMismatch) {
		t.Errorf("err = %v, want ErrRootMismatch", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"one.json"}, {"-format", "html"}, {"missing1.json", "missing2.json"}} {
		if err := run(context.Background(), args, new(bytes.Buffer)); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
