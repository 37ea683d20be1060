package lineage_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/store/mem"
)

func mustProv(t *testing.T, doc string) *lineage.Provenance {
	t.Helper()
	p, err := lineage.ParseProvenance([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func twoVersions(t *testing.T) (*lineage.Manifest, *lineage.Manifest) {
	files := testFiles(t)
	old, _ := build(t, memDataset(t, files), mem.New(), lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "toy", Version: "1"},
		Provenance: mustProv(t, testProvenanceYAML),
		Transform:  &lineage.Transform{Name: "clean", Version: "1.0", Parameters: json.RawMessage(`{"dedupe": true}`)},
	})
	files2 := map[string][]byte{
		"a.bin":            randBytes(1, 10000),          // unchanged
		"b/moved.txt":      files["b/c.txt"],             // renamed
		"tables/t.parquet": parquetBytes(t, 350, 100, 1), // modified: 50 more rows
		"new.csv":          []byte("x,y\n1,2\n"),         // added
		// tables/empty.json removed
	}
	prov := strings.Replace(testProvenanceYAML, "basis: consent", "basis: legitimate-interest", 1)
	prov = strings.Replace(prov, `[cc-by-4.0, "MIT OR Apache-2.0"]`, `[CC-BY-NC-4.0]`, 1)
	prov = strings.Replace(prov, "[training, evaluation]", "[training, evaluation, commercial]", 1)
	new, _ := build(t, memDataset(t, files2), mem.New(), lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "toy", Version: "2"},
		Provenance: mustProv(t, prov),
		Transform:  &lineage.Transform{Name: "clean", Version: "1.1", Parameters: json.RawMessage(`{"dedupe": false}`)},
	})
	if err := new.SetChecks(map[string]any{"verdict": "warn", "findings": []map[string]any{{"check": "trigger_token", "column": "text", "severity": "warn"}}}); err != nil {
		t.Fatal(err)
	}
	return old, new
}

func TestDiffManifests(t *testing.T) {
	old, new := twoVersions(t)
	d := lineage.DiffManifests(old, new)
	if d.Empty() {
		t.Fatal("diff is empty")
	}
	want := func(cs []lineage.Change, s string) {
		t.Helper()
		var got []string
		for _, c := range cs {
			got = append(got, fmt.Sprintf("%s %s %s>%s", c.Field, c.Op, c.Old, c.New))
		}
		if strings.Join(got, "\n") != s {
			t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), s)
		}
	}
	want(d.Dataset, "version changed 1>2")
	want(d.Policy, strings.Join([]string{
		"authority.basis changed consent>legitimate-interest",
		"licenses added >CC-BY-NC-4.0",
		"licenses removed CC-BY-4.0>",
		"licenses removed MIT OR Apache-2.0>",
		"permitted_uses added >commercial",
	}, "\n"))
	want(d.Schema, "")
	want(d.Transformation, "transform.version changed 1.0>1.1\ntransform.parameters.dedupe changed true>false")
	want(d.Checks, "verdict added >warn\nfindings added >warn trigger_token on text")
	c := d.Content
	if c == nil || !c.RootChanged {
		t.Fatalf("content = %+v", c)
	}
	if len(c.Added) != 1 || c.Added[0].Path != "new.csv" || c.Added[0].NewSize != 8 {
		t.Errorf("added = %+v", c.Added)
	}
	if len(c.Removed) != 1 || c.Removed[0].Path != "tables/empty.json" {
		t.Errorf("removed = %+v", c.Removed)
	}
	if len(c.Renamed) != 1 || c.Renamed[0] != (lineage.Rename{From: "b/c.txt", To: "b/moved.txt", Size: 13}) {
		t.Errorf("renamed = %+v", c.Renamed)
	}
	if len(c.Modified) != 1 || c.Modified[0].Path != "tables/t.parquet" || c.Modified[0].OldRows != 300 || c.Modified[0].NewRows != 350 {
		t.Errorf("modified = %+v", c.Modified)
	}
	if c.Unchanged != 1 || c.RowsDelta != 50 || c.BytesDelta != new.Bytes-old.Bytes {
		t.Errorf("unchanged %d rows delta %d bytes delta %d", c.Unchanged, c.RowsDelta, c.BytesDelta)
	}

	md := d.Markdown()
	for _, s := range []string{
		"### cairn diff: `toy` 1 → 2",
		"#### ⚠️ Policy",
		"- **Authority basis**: `consent` → `legitimate-interest`",
		"- **Licences**: added `CC-BY-NC-4.0`; removed `CC-BY-4.0`, `MIT OR Apache-2.0`",
		"**1 added, 1 removed, 1 modified, 1 renamed** · 1 unchanged",
		"| → | `b/c.txt` → `b/moved.txt` | 13 B |  |",
		"| ~ | `tables/t.parquet` |",
		"300 → 350 (+50)",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	// Policy comes before content, content before checks.
	if p, cn, ck := strings.Index(md, "Policy"), strings.Index(md, "#### Content"), strings.Index(md, "#### Checks"); !(p < cn && cn < ck) {
		t.Errorf("sections out of order:\n%s", md)
	}
	if strings.Contains(md, "0 ") && strings.Contains(md, " 0 removed") {
		t.Error("zero count shown")
	}
	txt := d.Text()
	if !strings.Contains(txt, "authority basis: \"consent\" -> \"legitimate-interest\"") && !strings.Contains(txt, "Authority basis: \"consent\" -> \"legitimate-interest\"") {
		t.Errorf("text:\n%s", txt)
	}
	// JSON is stable.
	if a, b := string(d.JSON()), string(lineage.DiffManifests(old, new).JSON()); a != b {
		t.Error("JSON differs between two runs")
	}
	var back lineage.Diff
	if err := json.Unmarshal(d.JSON(), &back); err != nil || back.Content.Renamed[0].To != "b/moved.txt" {
		t.Errorf("JSON does not round-trip: %v", err)
	}
	// Same manifest: empty.
	if e := lineage.DiffManifests(old, old); !e.Empty() || !strings.Contains(e.Markdown(), "No differences") {
		t.Errorf("self diff not empty: %+v", e)
	}
}

func TestDiffFoldsLongLists(t *testing.T) {
	a := map[string][]byte{}
	b := map[string][]byte{}
	for i := range 25 {
		b[fmt.Sprintf("f%02d.txt", i)] = []byte(fmt.Sprint(i))
	}
	a["keep"] = []byte("k")
	b["keep"] = []byte("k")
	old, _ := build(t, memDataset(t, a), mem.New(), lineage.BuildOptions{})
	new, _ := build(t, memDataset(t, b), mem.New(), lineage.BuildOptions{})
	d := lineage.DiffManifests(old, new)
	md := d.Markdown()
	if !strings.Contains(md, "<details><summary>15 more</summary>") || strings.Count(md, "| + |") != 25 {
		t.Errorf("long list not folded:\n%s", md)
	}
	if strings.Contains(md, "removed") || strings.Contains(md, "Policy") {
		t.Errorf("zero counts or empty sections shown:\n%s", md)
	}
	if !strings.Contains(d.Text(), "... and 15 more") {
		t.Errorf("text not folded:\n%s", d.Text())
	}
}

// TestDiffJSONObjectDeltas: each object change in the JSON carries its
// size delta, and its row delta (or, for a rename, its rows) when the rows
// are known, instead of leaving readers to combine placeholder values.
func TestDiffJSONObjectDeltas(t *testing.T) {
	old, new := twoVersions(t)
	var d struct {
		Content struct {
			Added, Removed, Modified []map[string]any
		}
	}
	if err := json.Unmarshal(lineage.DiffManifests(old, new).JSON(), &d); err != nil {
		t.Fatal(err)
	}
	mod := d.Content.Modified[0]
	oldPQ, newPQ := old.Find("tables/t.parquet"), new.Find("tables/t.parquet")
	if mod["path"] != "tables/t.parquet" || mod["size_delta"] != float64(newPQ.Size-oldPQ.Size) || mod["rows_delta"] != 50.0 {
		t.Errorf("modified = %v, want size_delta %d and rows_delta 50", mod, newPQ.Size-oldPQ.Size)
	}
	if add := d.Content.Added[0]; add["path"] != "new.csv" || add["size_delta"] != 8.0 || add["rows_delta"] != nil {
		t.Errorf("added = %v, want size_delta 8 and no rows_delta", add)
	}
	rm := d.Content.Removed[0]
	if want := -float64(old.Find("tables/empty.json").Size); rm["path"] != "tables/empty.json" || rm["size_delta"] != want || rm["rows_delta"] != nil {
		t.Errorf("removed = %v, want size_delta %v and no rows_delta", rm, want)
	}

	// A renamed Parquet file keeps its row count; other renames have none.
	pq := parquetBytes(t, 120, 60, 3)
	a, _ := build(t, memDataset(t, map[string][]byte{"t.parquet": pq, "x.txt": []byte("x")}), mem.New(), lineage.BuildOptions{})
	b, _ := build(t, memDataset(t, map[string][]byte{"moved.parquet": pq, "y.txt": []byte("x")}), mem.New(), lineage.BuildOptions{})
	var r struct {
		Content struct{ Renamed []map[string]any }
	}
	if err := json.Unmarshal(lineage.DiffManifests(a, b).JSON(), &r); err != nil {
		t.Fatal(err)
	}
	rn := r.Content.Renamed
	if len(rn) != 2 || rn[0]["to"] != "moved.parquet" || rn[0]["rows"] != 120.0 || rn[1]["to"] != "y.txt" || rn[1]["rows"] != nil {
		t.Errorf("renamed = %v, want moved.parquet with 120 rows and y.txt without rows", rn)
	}
}

// hostile is a file name that, printed raw into the Markdown review
// comment, would forge an approved policy section.
const hostile = "x` |\n\n#### Policy\n\n- **Licences**: no change, approved ✅\n\n`y"

// namedDiff diffs two manifests whose new version adds an object, a
// licence, a source, a column and sensitive data, each named after name,
// and whose version and parameter keys contain it.
func namedDiff(t *testing.T, name string) *lineage.Diff {
	t.Helper()
	keep := map[string][]byte{"keep.csv": []byte("a,b\n1,2\n")}
	old, _ := build(t, memDataset(t, keep), mem.New(), lineage.BuildOptions{Dataset: lineage.Dataset{Name: "toy", Version: "1"}})
	keep[name] = []byte("c,d\n3,4\n")
	new, _ := build(t, memDataset(t, keep), mem.New(), lineage.BuildOptions{Dataset: lineage.Dataset{Name: "toy", Version: "1"}})
	old.Provenance = &lineage.Provenance{Licenses: []string{"MIT"}, Sources: []lineage.Source{{URI: "s3://b/" + name, Digest: "sha256:aa"}}}
	new.Provenance = &lineage.Provenance{Licenses: []string{"MIT", name}, Sources: []lineage.Source{{URI: "s3://b/" + name, Digest: "sha256:bb"}}}
	new.Dataset.Version = "2 " + name
	new.Schemas = append(new.Schemas, lineage.Schema{Fingerprint: "f", Columns: []lineage.Column{{Name: name, Type: "string"}}})
	cls, err := json.Marshal(map[string]any{"columns": []any{map[string]any{"path": name, "column": name, "types": []any{map[string]any{"type": "EMAIL_ADDRESS"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	new.Classification = cls
	new.Derivation = &lineage.Derivation{Transform: &lineage.Transform{Name: name, Parameters: json.RawMessage(`{"` + strings.ReplaceAll(name, "\n", `\n`) + `": 1}`)}}
	return lineage.DiffManifests(old, new)
}

// TestDiffRendersHostileNamesSafely: names from the data cannot add lines
// or sections to the Markdown or text diff; they show quoted with Go
// escapes, and in Markdown cannot close a code span or a table cell.
func TestDiffRendersHostileNamesSafely(t *testing.T) {
	plain, evil := namedDiff(t, "plain.csv"), namedDiff(t, hostile)
	quoted := strconv.Quote(hostile)
	headings := func(md string) []string {
		var hs []string
		for l := range strings.Lines(md) {
			if strings.HasPrefix(l, "####") {
				hs = append(hs, strings.TrimSpace(l))
			}
		}
		return hs
	}
	pm, em := plain.Markdown(), evil.Markdown()
	if a, b := strings.Count(pm, "\n"), strings.Count(em, "\n"); a != b {
		t.Errorf("markdown: %d lines with a plain name, %d with a hostile one:\n%s", a, b, em)
	}
	if got, want := strings.Join(headings(em), " / "), strings.Join(headings(pm), " / "); got != want {
		t.Errorf("markdown headings %q, want %q", got, want)
	}
	for l := range strings.Lines(em) {
		if strings.HasPrefix(l, "#### Policy") || strings.HasPrefix(l, "- **Licences**: no change") {
			t.Errorf("forged line %q in:\n%s", l, em)
		}
	}
	for _, want := range []string{
		// The version: quoted, then escaped as Markdown text.
		"### cairn diff: `toy` 1 → " + `"2 x\` + "`" + ` \|\\n\\n\#\#\#\# Policy\\n\\n- \*\*Licences\*\*: no change, approved ✅\\n\\n\` + "`" + `y"` + "\n",
		// A value in a list: a code span whose fence outlasts the backtick
		// in it, pipes as they are.
		"- **Licences**: added ``" + quoted + "``",
		// A field name from the data: escaped text.
		`- **Sensitive data in "x\` + "`",
		// An object in a table cell: a code span with the pipe escaped.
		"| + | ``" + strings.ReplaceAll(quoted, "|", `\|`) + "`` | 8 B |  |",
	} {
		if !strings.Contains(em, want) {
			t.Errorf("markdown lacks %q:\n%s", want, em)
		}
	}
	pt, et := plain.Text(), evil.Text()
	if a, b := strings.Count(pt, "\n"), strings.Count(et, "\n"); a != b {
		t.Errorf("text: %d lines with a plain name, %d with a hostile one:\n%s", a, b, et)
	}
	for _, want := range []string{
		"cairn diff toy 1 -> " + strconv.Quote("2 "+hostile) + "\n",
		"  Licences: added " + quoted + "\n",
		"  Sensitive data in " + strconv.Quote(hostile+": "+hostile) + ": added \"EMAIL_ADDRESS\"\n",
		"  + " + quoted + "  8 B\n",
	} {
		if !strings.Contains(et, want) {
			t.Errorf("text lacks %q:\n%s", want, et)
		}
	}
	// Plain names print as before.
	for _, want := range []string{"  Licences: added \"plain.csv\"\n", "  + plain.csv  8 B\n", "- **Licences**: added `plain.csv`\n", "| + | `plain.csv` | 8 B |  |\n"} {
		if !strings.Contains(pt+pm, want) {
			t.Errorf("plain diff lacks %q:\n%s\n%s", want, pt, pm)
		}
	}
	// JSON keeps the exact name.
	var d lineage.Diff
	if err := json.Unmarshal(evil.JSON(), &d); err != nil || d.Content == nil || len(d.Content.Added) != 1 || d.Content.Added[0].Path != hostile {
		t.Errorf("JSON: %v %+v", err, d.Content)
	}
}
