package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnml/cairn/ingest/check"
)

func TestProfileCLI(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.jsonl")
	var b strings.Builder
	for i := range 200 {
		label := "a"
		if i%4 == 0 {
			label = "b"
		}
		b.WriteString(`{"x": ` + string(rune('0'+i%10)) + `, "label": "` + label + `", "text": "some words here"}` + "\n")
	}
	writeFile(t, src, []byte(b.String()))
	out := filepath.Join(dir, "ref.json")
	code, stdout, errOut := runCLI(t, "profile", src, "-o", out, "--label", "label", "--text", "text")
	if code != exitOK {
		t.Fatalf("profile exited %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "200 rows") {
		t.Errorf("stdout %q does not give the row count", stdout)
	}
	f, err := check.ReadReferenceFile(bytes.NewReader(readFile(t, out)))
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Profile; p.Rows != 200 || p.Label == nil || len(p.Text) != 1 {
		t.Fatalf("profile: rows %d, label %v, text columns %d; want 200, set, 1", p.Rows, p.Label != nil, len(p.Text))
	}
	if f.Check.Rows() != 200 || f.Check.Label() != "label" {
		t.Fatalf("check reference: rows %d, label %q; want 200, label", f.Check.Rows(), f.Check.Label())
	}
	// Same input, same bytes.
	out2 := filepath.Join(dir, "ref2.json")
	mustRun(t, "profile", src, "-o", out2, "--label", "label", "--text", "text")
	if !bytes.Equal(readFile(t, out), readFile(t, out2)) {
		t.Error("profile output is not deterministic")
	}

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"profile", filepath.Join(dir, "absent.csv"), "-o", filepath.Join(dir, "x.json")}, "absent.csv"},
		{[]string{"profile", src, "-o", filepath.Join(dir, "y.json"), "--text", "nope"}, "nope"},
		{[]string{"profile", src}, "-o"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.msg) {
			t.Errorf("cairn %q exited %d, stderr %q; want 2 and a message naming %q", c.args, code, errOut, c.msg)
		}
		if _, err := os.Stat(filepath.Join(dir, "y.json")); err == nil {
			t.Errorf("a failed profile left its output behind")
		}
	}
}
