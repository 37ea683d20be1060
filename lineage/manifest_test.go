package lineage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/mem"
)

func validManifest(t testing.TB) []byte {
	t.Helper()
	prov, err := lineage.ParseProvenance([]byte(testProvenanceYAML))
	if err != nil {
		t.Fatal(err)
	}
	_, data := build(t, memDataset(t, testFiles(t)), mem.New(), lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "toy", URI: "mem://data", Version: "1"},
		Provenance: prov,
	})
	return data
}

func TestBuildManifestIsStableAndRoundTrips(t *testing.T) {
	files := testFiles(t)
	_, a := build(t, memDataset(t, files), mem.New(), lineage.BuildOptions{Workers: 1})
	_, b := build(t, memDataset(t, files), mem.New(), lineage.BuildOptions{Workers: 4})
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds of the same data differ:\n%s\n---\n%s", a, b)
	}
	m, err := lineage.ParseManifest(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, again) {
		t.Fatalf("parse+marshal changed the bytes:\n%s\n---\n%s", a, again)
	}
	if err := m.CheckRoot(); err != nil {
		t.Fatal(err)
	}
	if m.Objects != 4 || len(m.Entries) != 4 {
		t.Fatalf("objects = %d, entries = %d, want 4", m.Objects, len(m.Entries))
	}
	var paths []string
	for _, e := range m.Entries {
		paths = append(paths, e.Path)
	}
	if got := strings.Join(paths, " "); got != "a.bin b/c.txt tables/empty.json tables/t.parquet" {
		t.Fatalf("entry paths = %q", got)
	}
	pq := m.Find("tables/t.parquet")
	if pq.Plan != merkle.PlanParquet || pq.Parquet == nil || pq.Parquet.Rows != 300 || pq.Parquet.RowGroups != 3 || pq.Parquet.Columns != 3 {
		t.Fatalf("parquet entry = %+v facts %+v", pq, pq.Parquet)
	}
	if len(m.Schemas) != 1 || m.Schemas[0].Format != "parquet" || len(m.Schemas[0].Columns) != 3 || m.Schemas[0].Columns[1].Name != "name" {
		t.Fatalf("schemas = %+v", m.Schemas)
	}
	if e := m.Find("tables/empty.json"); e.Size != 0 || e.Leaves != 0 {
		t.Fatalf("empty entry = %+v", e)
	}
	if e := m.Find("a.bin"); e.Leaves != 10 || e.Store == nil || e.Store.VersionID == "" {
		t.Fatalf("a.bin = %+v (want 10 leaves of 1 KiB and the mem store's version id)", e)
	}
	// One field per line, entries as blocks: a git diff names the field.
	if !bytes.Contains(a, []byte("\n      \"path\": \"a.bin\",\n      \"size\": 10000,\n")) {
		t.Fatalf("entry layout is not one field per line:\n%s", a)
	}
	if !bytes.HasSuffix(a, []byte("}\n")) {
		t.Fatal("manifest does not end with a newline")
	}
}

func TestMarshalSortsAndDoesNotEscapeHTML(t *testing.T) {
	var m lineage.Manifest
	if err := json.Unmarshal(validManifest(t), &m); err != nil {
		t.Fatal(err)
	}
	m.Entries[0], m.Entries[1] = m.Entries[1], m.Entries[0]
	m.Dataset.Name = "a<b>&c"
	if err := m.SetChecks(map[string]any{"z": 1, "a": []int{2}}); err != nil {
		t.Fatal(err)
	}
	out, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"a<b>&c"`)) {
		t.Error("HTML characters were escaped")
	}
	if i, j := bytes.Index(out, []byte(`"a.bin"`)), bytes.Index(out, []byte(`"b/c.txt"`)); i < 0 || j < i {
		t.Error("entries not sorted by path")
	}
	if i, j := bytes.Index(out, []byte(`"a": [`)), bytes.Index(out, []byte(`"z": 1`)); i < 0 || j < i {
		t.Errorf("checks slot keys not sorted:\n%s", out)
	}
	if err := m.SetChecks([]int{1}); err == nil {
		t.Error("SetChecks accepted a JSON array")
	}
}

func TestMarshalRejectsUnsafeIntegers(t *testing.T) {
	m, err := lineage.ParseManifest(validManifest(t))
	if err != nil {
		t.Fatal(err)
	}
	m.Entries[0].Size = 1 << 53
	_, err = m.Marshal()
	var fe *lineage.FormatError
	if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "entries[0]") {
		t.Fatalf("Marshal with a 2^53 size: %v", err)
	}
}

// TestParseManifestBadInput edits a valid manifest and checks each edit is
// rejected with a *FormatError naming the field.
func TestParseManifestBadInput(t *testing.T) {
	valid := string(validManifest(t))
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	firstEntry := valid[strings.Index(valid, "    {\n      \"path\": \"a.bin\""):strings.Index(valid, "    {\n      \"path\": \"b/c.txt\"")]
	cases := []struct {
		name, doc, field, msg string
	}{
		{"truncated", valid[:len(valid)/2], "entries", "truncated"},
		{"empty", "", "", "truncated"},
		{"not json", "format: v1", "", "invalid JSON"},
		{"trailing data", valid + "{}", "", "after the end"},
		{"unknown major version", edit(`"cairn.manifest/v1"`, `"cairn.manifest/v2"`), "format", "unsupported manifest format version"},
		{"not a cairn manifest", edit(`"cairn.manifest/v1"`, `"something/v1"`), "format", "not a cairn manifest"},
		{"format missing", edit(`"format": "cairn.manifest/v1",`, ``), "format", "missing"},
		{"format wrong type", edit(`"cairn.manifest/v1"`, `1`), "format", "want a string"},
		{"size as string", edit(`"size": 10000`, `"size": "10000"`), "entries[0].size", "want an integer, got string"},
		{"size fractional", edit(`"size": 10000`, `"size": 10000.5`), "entries[0].size", "want an integer"},
		{"size 2^53", edit(`"size": 10000`, `"size": 9007199254740992`), "entries[0].size", "outside"},
		{"negative size", edit(`"size": 10000`, `"size": -1`), "entries[0].size", "negative"},
		{"root not hex", edit(`"root": "`, `"root": "zz`), "root", "hash"},
		{"sidecar not string", edit(`"sidecar": "m.leaves"`, `"sidecar": ["m.leaves"]`), "sidecar", "want a string, got array"},
		{"classification not object", edit(`"objects": 4,`, `"objects": 4, "classification": [1],`), "classification", "want a JSON object"},
		{"unknown field", edit(`"objects": 4,`, `"objects": 4, "colour": "red",`), "colour", "unknown field"},
		{"duplicate key", edit(`"objects": 4,`, `"objects": 4, "objects": 4,`), "objects", "duplicate key"},
		{"duplicate path", edit(firstEntry, firstEntry+firstEntry), "entries[1].path", "duplicate path"},
		{"dotdot path", edit(`"path": "a.bin"`, `"path": "../a.bin"`), "entries[0].path", `".." segment`},
		{"absolute path", edit(`"path": "a.bin"`, `"path": "/a.bin"`), "entries[0].path", "absolute"},
		{"unsorted", edit(`"path": "a.bin"`, `"path": "z.bin"`), "entries[1].path", "out of order"},
		{"bad plan", edit(`"plan": "fixed"`, `"plan": "magic"`), "entries[0].plan", "not one of the tree's plans"},
		{"bad tree hash", edit(`"hash": "blake3"`, `"hash": "sha1"`), "tree.hash", "unknown tree hash"},
		{"bad licence", edit(`"CC-BY-4.0"`, `"Cool-License"`), "provenance.licenses[0]", "not a recognised SPDX"},
		{"bad basis", edit(`"basis": "consent"`, `"basis": "because"`), "provenance.authority.basis", "not a known basis"},
		{"created missing", edit(`"at": "2025-03-01T12:00:00Z"`, `"at": "0001-01-01T00:00:00Z"`), "created.at", "missing"},
		{"created bad time", edit(`"at": "2025-03-01T12:00:00Z"`, `"at": "yesterday"`), "created.at", "parsing time"},
		{"deep nesting", edit(`"objects": 4,`, `"objects": 4, "checks": `+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`,`), "checks", "nested more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := lineage.ParseManifest([]byte(c.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, lineage.ErrInvalidManifest) {
				t.Errorf("error %v does not wrap ErrInvalidManifest", err)
			}
			var fe *lineage.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FormatError", err, err)
			}
			if !strings.HasPrefix(fe.Field, c.field) {
				t.Errorf("field = %q, want %q (error %v)", fe.Field, c.field, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
	if _, err := lineage.ParseManifest([]byte(edit(`"cairn.manifest/v1"`, `"cairn.manifest/v2"`))); !errors.Is(err, lineage.ErrUnsupportedVersion) {
		t.Errorf("v2: %v does not wrap ErrUnsupportedVersion", err)
	}
}

func TestParseManifestMinorVersionIgnoresNewFields(t *testing.T) {
	valid := string(validManifest(t))
	doc := strings.Replace(valid, `"cairn.manifest/v1"`, `"cairn.manifest/v1.3"`, 1)
	doc = strings.Replace(doc, `"objects": 4,`, `"objects": 4, "new_field": {"x": 1},`, 1)
	m, err := lineage.ParseManifest([]byte(doc))
	if err != nil {
		t.Fatalf("v1.3 with a new field: %v", err)
	}
	if m.Format != "cairn.manifest/v1.3" || m.Objects != 4 {
		t.Fatalf("format %q objects %d", m.Format, m.Objects)
	}
}

func TestTruncationsNeverParse(t *testing.T) {
	valid := validManifest(t)
	for n := 0; n < len(valid)-2; n += 7 { // the last bytes are "}\n"
		if _, err := lineage.ParseManifest(valid[:n]); err == nil {
			t.Fatalf("a manifest truncated to %d of %d bytes parsed", n, len(valid))
		}
	}
}

func TestEditedCountsFailCheckRoot(t *testing.T) {
	valid := string(validManifest(t))
	for _, e := range [][2]string{{`"objects": 4`, `"objects": 5`}, {`"bytes": `, `"bytes": 1`}} {
		m, err := lineage.ParseManifest([]byte(strings.Replace(valid, e[0], e[1], 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckRoot(); !errors.Is(err, lineage.ErrRootMismatch) {
			t.Errorf("%s: CheckRoot = %v", e[1], err)
		}
	}
}

func TestEditedRootFailsCheckRoot(t *testing.T) {
	m, err := lineage.ParseManifest(validManifest(t))
	if err != nil {
		t.Fatal(err)
	}
	m.Entries[1].Size++
	m.Bytes++
	if err := m.CheckRoot(); !errors.Is(err, lineage.ErrRootMismatch) {
		t.Fatalf("CheckRoot after editing a size: %v", err)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add(validManifest(f))
	f.Add([]byte(`{"format":"cairn.manifest/v1"}`))
	f.Add([]byte(`{"format":"cairn.manifest/v9","x":[1,2,{"a":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := lineage.ParseManifest(data)
		if err != nil {
			var fe *lineage.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		// Whatever parses re-encodes to a manifest that parses to the
		// same encoding.
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("parsed but does not marshal: %v", err)
		}
		m2, err := lineage.ParseManifest(out)
		if err != nil {
			t.Fatalf("re-encoded manifest does not parse: %v\n%s", err, out)
		}
		out2, err := m2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable: %v", err)
		}
		_ = m.CheckRoot()
		_ = context.Background()
	})
}
