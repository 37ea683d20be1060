package check

import (
	"bytes"
	"errors"
	"iter"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnml/cairn/ingest"
)

func TestReferenceFileRoundTrip(t *testing.T) {
	var rows strings.Builder
	for i := range 300 {
		label := []string{"a", "b", "c"}[i%3]
		rows.WriteString(`{"x": ` + string(rune('0'+i%10)) + `, "label": "` + label + `", "text": "word` + label + ` common words"}` + "\n")
	}
	batches := func() []ingest.Batch {
		var out []ingest.Batch
		for b, err := range ingest.ReadObject(t.Context(), "ref.jsonl", strings.NewReader(rows.String()), int64(rows.Len()), ingest.ReadOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			b.Record.Retain()
			out = append(out, b)
		}
		return out
	}()
	defer func() {
		for _, b := range batches {
			b.Record.Release()
		}
	}()
	p, err := ingest.NewProfile(ingest.ProfileOptions{Label: "label", Text: []string{"text"}})
	if err != nil {
		t.Fatal(err)
	}
	bld, err := NewBuilder(Options{Label: "label", Text: []string{"text"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := p.Add(b); err != nil {
			t.Fatal(err)
		}
		if err := bld.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := bld.Reference()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := (&ReferenceFile{Profile: p, Check: ref}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !IsReferenceFile(buf.Bytes()) || IsReference(buf.Bytes()) {
		t.Fatalf("IsReferenceFile/IsReference misjudge the file: %q", buf.Bytes()[:64])
	}
	f, err := ReadReferenceFile(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Profile.Rows != 300 || f.Check.Rows() != 300 || f.Check.Label() != "label" {
		t.Fatalf("read back rows %d/%d label %q; want 300/300 label", f.Profile.Rows, f.Check.Rows(), f.Check.Label())
	}
	var again bytes.Buffer
	if _, err := f.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("a read-back reference file does not write the same bytes")
	}

	for name, bad := range map[string]string{
		"truncated": buf.String()[:buf.Len()/2],
		"version":   strings.Replace(buf.String(), `"version":1,`, `"version":7,`, 1),
		"no check":  `{"format":"cairn.reference","version":1,"profile":{}}`,
	} {
		if _, err := ReadReferenceFile(strings.NewReader(bad)); !errors.Is(err, ErrReference) {
			t.Errorf("%s: err = %v, want ErrReference", name, err)
		}
	}
}

func TestIgnoreColumns(t *testing.T) {
	jsonl := func(firstID int) string {
		var b strings.Builder
		for i := range 400 {
			b.WriteString(`{"id": ` + itoa(firstID+i) + `, "x": ` + itoa(i%10) + "}\n")
		}
		return b.String()
	}
	read := func(s string) iter.Seq2[Batch, error] {
		return ingest.ReadObject(t.Context(), "b.jsonl", strings.NewReader(s), int64(len(s)), ingest.ReadOptions{})
	}
	findings := func(ignore []string) []Finding {
		ref, err := BuildReference(read(jsonl(0)), Options{Ignore: ignore})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Check(t.Context(), ref, Options{}, func() iter.Seq2[Batch, error] { return read(jsonl(1_000_000)) })
		if err != nil {
			t.Fatal(err)
		}
		return rep.Findings
	}
	onID := func(fs []Finding) int {
		n := 0
		for _, f := range fs {
			if f.Column == "id" || strings.HasPrefix(f.Column, "id ") {
				n++
			}
		}
		return n
	}
	if n := onID(findings(nil)); n == 0 {
		t.Fatal("ids far outside the reference range raised no finding without --ignore")
	}
	if fs := findings([]string{"id"}); len(fs) != 0 {
		t.Fatalf("with id ignored: %d findings, want none: %+v", len(fs), fs)
	}
	if _, err := BuildReference(read(jsonl(0)), Options{Ignore: []string{"nope"}}); !errors.Is(err, ErrColumn) {
		t.Fatalf("ignoring a missing column: err = %v, want ErrColumn", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
