package main

import (
	"strings"
	"testing"
)

// TestDemo runs the whole demo: every step must exit as the demo expects,
// and the output must show what each step is there to show.
func TestDemo(t *testing.T) {
	code, out, errOut := runCLI(t, "demo", "--keep", t.TempDir())
	if code != exitOK {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"VERIFIED (full): 3 objects",
		"mismatch    reviews.parquet: leaf",
		"row group 2, column id: content differs",
		"**Licences**: added `CC-BY-NC-4.0`; removed `CC-BY-4.0`",
		"**Permitted uses**: removed `training`",
		"profiled 6000 rows",
		"zqxv",
		// De-identification uses a tokenization key of its own, not the
		// signing key, and tokenizes the card numbers.
		"$ cairn keygen --tokenize -o $DEMO/keys/tokenize.key --force\n",
		"--key $DEMO/keys/tokenize.key\n",
		"CREDIT_CARD      400 replaced",
		"Every step behaved as expected.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

// TestDemoKeepTwice: --keep with a short relative name, run twice in the
// same directory: it succeeds both times, and $DEMO stands for the whole
// path only (not for every "a" in the output).
func TestDemoKeepTwice(t *testing.T) {
	t.Chdir(t.TempDir())
	for run := range 2 {
		code, out, errOut := runCLI(t, "demo", "--keep", "a")
		if code != exitOK {
			t.Fatalf("run %d: demo exited %d\n%s\n%s", run+1, code, out, errOut)
		}
		if !strings.Contains(out, "(private) and $DEMO/keys/demo.pub") || strings.Contains(out, "priv$DEMO") {
			t.Errorf("run %d: $DEMO substitution mangled the output", run+1)
		}
	}
}
