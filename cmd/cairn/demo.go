package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	register(command{
		name:    "demo",
		usage:   "[--keep DIR]",
		summary: "run the whole pipeline on bundled sample data in a temp dir and explain each step",
		run:     runDemo,
	})
}

// demoStep is one cairn invocation of the demo with what it shows.
type demoStep struct {
	title   string
	explain string
	args    []string
	want    int // expected exit code
	before  func() error
	after   func() error
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo")
	keep := fs.String("keep", "", "work in this `DIR` and keep it (default: a temp dir, removed afterwards)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "cairn-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Absolute, so that showing it as $DEMO replaces the whole path and
	// nothing else ("--keep a" must not turn every "a" into $DEMO).
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	trigger, err := writeDemoData(dir)
	if err != nil {
		return fmt.Errorf("writing the demo data: %w", err)
	}
	p := func(elem ...string) string { return filepath.Join(append([]string{dir}, elem...)...) }
	for _, d := range []string{"manifests", "keys", "out"} {
		if err := os.MkdirAll(p(d), 0o755); err != nil {
			return err
		}
	}
	prov := `collected_by: Example Shop Ltd, customer-feedback team
method: export of product reviews left on example.com
sources:
  - uri: https://example.com/reviews/export-2026-10
    retrieved_at: "2026-10-31"
timeframe: {start: "2026-01-01", end: "2026-10-31"}
authority:
  basis: consent
  instrument: review submission terms v3, clause 4 (use to improve our models)
  jurisdiction: GB
  evidence: https://example.com/legal/review-terms-v3
licenses: [CC-BY-4.0]
permitted_uses: [training, evaluation]
prohibited_uses: [re-identification, resale]
`
	if err := os.WriteFile(p("provenance.yaml"), []byte(prov), 0o644); err != nil {
		return err
	}
	parquetPath := p("dataset", "reviews.parquet")
	var original []byte

	steps := []demoStep{
		{
			title:   "Make a signing key",
			explain: "An ed25519 key pair. The private half signs manifests; the public half is what a training job trusts.",
			args:    []string{"keygen", "-o", p("keys", "demo"), "--force"}, // a kept DIR may hold the last run's
		},
		{
			title: "Hash the dataset and record its lineage",
			explain: "cairn builds a BLAKE3 Merkle tree over every byte (Parquet column chunks are leaves of their own), " +
				"and writes a manifest with the root, the provenance (who collected it, under what authority and licence, " +
				"for which uses), and a sidecar of leaf hashes. --sign adds a DSSE signature.",
			args: []string{"build", p("dataset"), "-o", p("manifests", "v1.json"), "--name", "reviews", "--version", "2026.10",
				"--provenance", p("provenance.yaml"), "--sign", p("keys", "demo"), "--no-progress"},
		},
		{
			title:   "Verify before training",
			explain: "A training job runs this step and starts only on exit 0: the signature first, then every byte re-hashed.",
			args:    []string{"verify", p("manifests", "v1.json"), "--source", p("dataset"), "--key", p("keys", "demo.pub")},
		},
		{
			title: "Someone edits one byte of the Parquet file",
			explain: "One byte in the middle of reviews.parquet changes. Verification fails (exit 1) and names the object, " +
				"the byte range, and the row group and column whose chunk holds the byte.",
			args: []string{"verify", p("manifests", "v1.json"), "--source", p("dataset"), "--key", p("keys", "demo.pub")},
			want: exitCheck,
			before: func() error {
				b, err := os.ReadFile(parquetPath)
				if err != nil {
					return err
				}
				original = bytes.Clone(b)
				b[len(b)/2] ^= 0x01
				return os.WriteFile(parquetPath, b, 0o644)
			},
			after: func() error { return os.WriteFile(parquetPath, original, 0o644) },
		},
		{
			title: "A new version for review",
			explain: "The data team adds a file and changes the licence. cairn diff renders the change as a pull-request " +
				"comment, policy first: that is what a reviewer must not miss.",
			args: []string{"diff", p("manifests", "v1.json"), p("manifests", "v2.json"), "--format", "md"},
			before: func() error {
				if err := os.WriteFile(p("dataset", "extra-notes.txt"), []byte("late additions from the support inbox\n"), 0o644); err != nil {
					return err
				}
				prov2 := strings.Replace(prov, "licenses: [CC-BY-4.0]", "licenses: [CC-BY-NC-4.0]", 1)
				prov2 = strings.Replace(prov2, "permitted_uses: [training, evaluation]", "permitted_uses: [evaluation]", 1)
				if err := os.WriteFile(p("provenance-v2.yaml"), []byte(prov2), 0o644); err != nil {
					return err
				}
				var sink bytes.Buffer
				code := run(ctx, &env{stdout: &sink, stderr: &sink}, []string{"build", p("dataset"), "-o", p("manifests", "v2.json"),
					"--name", "reviews", "--version", "2026.11", "--provenance", p("provenance-v2.yaml"),
					"--parent", p("manifests", "v1.json"), "--no-progress"})
				if code != exitOK {
					return fmt.Errorf("building v2: %s", sink.String())
				}
				return nil
			},
		},
		{
			title: "Profile the trusted reference",
			explain: "One pass over the reviewed corpus: per-column sketches, class priors, token document frequencies " +
				"per label, MinHash signatures and a seeded sample of rows. New batches are judged against it. " +
				"--ignore id: identifiers are expected to differ from batch to batch.",
			args: []string{"profile", parquetPath, "-o", p("out", "reference.json"), "--label", "label", "--text", "text", "--ignore", "id"},
		},
		{
			title:   "Check a clean incoming batch",
			explain: "A batch drawn like the reference passes.",
			args: []string{"check", p("batches", "clean.jsonl"), "--reference", p("out", "reference.json"),
				"--label", "label", "--text", "text", "--format", "md"},
		},
		{
			title: "Check a poisoned batch",
			explain: fmt.Sprintf("In this batch 1%% of the rows carry the made-up token %q with the label flipped to \"pos\" — "+
				"a backdoor trigger. cairn finds the (token, label) pair the reference cannot explain, confirms that those rows "+
				"read like the other label to their nearest reference neighbours, and lists the rows to quarantine; "+
				"--quarantine writes them apart from the clean rows.", trigger),
			args: []string{"check", p("batches", "poisoned.jsonl"), "--reference", p("out", "reference.json"),
				"--label", "label", "--text", "text", "--format", "md", "--quarantine", p("out", "quarantine")},
			want: exitCheck,
		},
		{
			title:   "Find personal data before it reaches training",
			explain: "Columns are sampled (seeded), values validated (Luhn for cards, real phone-number rules), and a column is labelled only when a lower confidence bound on the match rate is high enough.",
			args:    []string{"classify", p("dataset", "customers.csv"), "--format", "md"},
		},
		{
			title: "Make a tokenization key",
			explain: "A separate secret for keyed tokens, never the signing key: redact refuses a PEM key, " +
				"since a public key would let anyone recompute the tokens.",
			args: []string{"keygen", "--tokenize", "-o", p("keys", "tokenize.key"), "--force"},
		},
		{
			title:   "De-identify",
			explain: "Names, emails, phones, card numbers and countries are replaced by keyed tokens (stable, so joins still work); secrets would be redacted, dates kept. The output is written atomically.",
			args:    []string{"redact", p("dataset", "customers.csv"), "-o", p("out", "customers-redacted.parquet"), "--key", p("keys", "tokenize.key")},
		},
	}

	w := e.stdout
	fmt.Fprintf(w, "cairn demo — working in %s\n", dir)
	fmt.Fprintf(w, "Generated data: dataset/ (reviews.parquet: 6,000 reviews in 4 row groups; customers.csv: 400 customers with personal data), batches/ (two incoming batches).\n")
	for i, s := range steps {
		if s.before != nil {
			if err := s.before(); err != nil {
				return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
			}
		}
		fmt.Fprintf(w, "\n== %d. %s\n%s\n\n$ cairn %s\n", i+1, s.title, s.explain, strings.ReplaceAll(shellJoin(s.args), dir, "$DEMO"))
		var out bytes.Buffer
		code := run(ctx, &env{stdout: &out, stderr: &out}, s.args)
		io.WriteString(w, indent(strings.ReplaceAll(out.String(), dir, "$DEMO")))
		fmt.Fprintf(w, "(exit %d)\n", code)
		if code != s.want {
			return &exitError{code: exitCheck, err: fmt.Errorf("step %d (%s) exited %d, expected %d", i+1, s.title, code, s.want)}
		}
		if s.after != nil {
			if err := s.after(); err != nil {
				return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
			}
		}
	}
	fmt.Fprintf(w, "\nDone. Every step behaved as expected.")
	if *keep != "" {
		fmt.Fprintf(w, " The files are in %s.", dir)
	}
	fmt.Fprintln(w)
	return nil
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}
