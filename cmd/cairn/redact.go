package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairnml/cairn/classify"
	"github.com/cairnml/cairn/ingest"
)

func init() {
	register(command{
		name:    "redact",
		usage:   "SOURCE -o OUT --key KEY [--policy FILE] [--rules FILE] [--keep-format]",
		summary: "write a de-identified copy per a policy: drop, mask, redact, keyed tokenization",
		run:     runRedact,
	})
}

func runRedact(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "redact")
	out := fs.String("o", "", "`OUT`put: a file for a file SOURCE (its extension, .parquet, .csv, .jsonl or .arrow, picks the format), a directory for a directory SOURCE")
	keepFormat := fs.Bool("keep-format", false, "for a directory SOURCE, write each file in its own format and under its own name (default: Parquet, named .parquet)")
	keyFile := fs.String("key", "", "`KEY` file: tokenization key material, at least 16 random bytes, not a signing key (make one with 'cairn keygen --tokenize -o KEY'; keep it secret, reuse it so tokens join)")
	policyFile := fs.String("policy", "", "YAML or JSON policy `FILE` (default: tokenize findings, redact secrets, keep dates; a finding in an integer column, which cannot hold a token, makes the value null)")
	rules := fs.String("rules", "", "YAML or JSON `FILE` of extra regular-expression detectors")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one SOURCE, got %d arguments", len(pos))
	}
	if *out == "" {
		return errors.New("-o OUT is required")
	}
	if strings.HasPrefix(*out, "s3://") {
		return errors.New("-o: writing to s3:// is not supported; write locally")
	}
	if *keyFile == "" {
		return errors.New("--key KEY is required")
	}
	tok, err := loadTokenizer(*keyFile)
	if err != nil {
		return err
	}
	reg, err := loadRegistry(*rules)
	if err != nil {
		return err
	}
	pol := classify.DefaultPolicy()
	if *policyFile != "" {
		f, err := os.Open(*policyFile)
		if err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
		pol, err = classify.ParsePolicy(f, reg)
		f.Close()
		if err != nil {
			return fmt.Errorf("--policy %s: %w", *policyFile, err)
		}
	} else if err := pol.Validate(reg); err != nil {
		return err
	}
	sc, err := classify.NewScanner(reg, classify.Options{})
	if err != nil {
		return err
	}
	red, err := classify.NewRedactor(pol, sc, tok, nil)
	if err != nil {
		return err
	}

	st, key, err := openSource(ctx, pos[0])
	if err != nil {
		return err
	}
	single := key != ""
	_, outIsTable := ingest.FormatOf(*out)
	if single && !outIsTable {
		return fmt.Errorf("-o %s: name the de-identified copy .parquet, .csv, .jsonl or .arrow: its extension picks the format", *out)
	}
	// Read CSV cells as the text they hold: a kept value must be written
	// back as it was ("007" stays "007", "NA" stays "NA").
	var skipped []string
	ropts := ingest.ReadOptions{CSV: ingest.CSVOptions{Verbatim: true}, SkipUnknown: !single,
		Skipped: func(k string) { skipped = append(skipped, k) }}
	if !single {
		if outIsTable {
			return fmt.Errorf("-o %s: for a directory SOURCE, -o names a directory, which gets a copy of each file under its own path", *out)
		}
		if sameFile(*out, pos[0]) {
			return fmt.Errorf("-o %s: is the SOURCE directory; refusing to overwrite its files: name another directory", *out)
		}
		// An OUT inside the SOURCE directory holds earlier output, not
		// input: a second run must not redact it again.
		if rel, ok := insideSource(pos[0], *out); ok {
			ropts.Exclude = func(k string) bool { return k == rel || strings.HasPrefix(k, rel+"/") }
		}
	}
	var cur *outFile
	var curSrc string
	defer func() {
		if cur != nil {
			cur.abort()
		}
	}()
	var files, rows int64
	findings := map[string]int{}
	written := map[string]string{} // output file -> the input written to it
	for b, err := range ingest.Read(ctx, st, key, ropts) {
		if err != nil {
			return noTables(err, skipped)
		}
		if cur == nil || curSrc != b.Path {
			dst := *out
			if !single {
				name := b.Path
				if !*keepFormat {
					name = strings.TrimSuffix(b.Path, path.Ext(b.Path)) + ".parquet"
				}
				rel, err := filepath.Localize(name)
				if err != nil {
					return fmt.Errorf("%s: cannot map to a local path: %w", b.Path, err)
				}
				dst = filepath.Join(*out, rel)
			}
			if prev, ok := written[dst]; ok {
				return fmt.Errorf("%s and %s would both be written to %s; rename one of them", prev, b.Path, dst)
			}
			written[dst] = b.Path
			in := pos[0]
			if !single && !strings.HasPrefix(in, "s3://") {
				in = filepath.Join(in, filepath.FromSlash(b.Path))
			}
			if err := notAnInput("-o", dst, in); err != nil {
				return err
			}
			// Commit the previous file only now, so a clash with it
			// leaves no output of either.
			if cur != nil {
				if err := cur.commit(); err != nil {
					return err
				}
				cur = nil
			}
			schema, err := red.OutputSchema(b.Record.Schema())
			if err != nil {
				return fmt.Errorf("%s: %w", b.Path, err)
			}
			if cur, err = newOutFile(dst, schema); err != nil {
				return err
			}
			curSrc = b.Path
			files++
		}
		rec, stats, err := red.Apply(b.Record)
		if err != nil {
			return fmt.Errorf("%s (row %d): %w", b.Path, b.Row, err)
		}
		err = cur.write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("%s: writing %s: %w", curSrc, cur.dst, err)
		}
		rows += b.Record.NumRows()
		for k, v := range stats.Findings {
			findings[k] += v
		}
	}
	if cur != nil {
		if err := cur.commit(); err != nil {
			return err
		}
		cur = nil
	}
	if len(skipped) > 0 {
		fmt.Fprintf(e.stderr, "cairn redact: skipped %s\n", skippedList(skipped))
	}
	for _, r := range red.UnusedRules() {
		fmt.Fprintf(e.stderr, "cairn redact: warning: policy rule for column %q (%s) matched no column; check its name\n",
			r.Column, r.Action)
	}
	fmt.Fprintf(e.stdout, "wrote %d file(s), %d rows to %s\n", files, rows, *out)
	types := make([]string, 0, len(findings))
	for k := range findings {
		types = append(types, k)
	}
	slices.Sort(types)
	for _, k := range types {
		fmt.Fprintf(e.stdout, "  %-16s %d replaced\n", k, findings[k])
	}
	return nil
}

// loadTokenizer reads tokenization key material from file. It refuses a
// PEM file: a public key is no secret (anyone holding it could recompute
// the tokens) and a private signing key must serve that one purpose, so
// either is a mistake to stop, not to work around.
func loadTokenizer(file string) (*classify.Tokenizer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("--key %s: is a PEM key; tokenization needs its own secret key, not a signing key (a public key would let anyone recompute the tokens); make one with 'cairn keygen --tokenize -o tokenize.key' (or 'head -c 32 /dev/urandom > tokenize.key')", file)
	}
	tok, err := classify.NewTokenizer(bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("--key %s: %w (make one with 'cairn keygen --tokenize -o tokenize.key')", file, err)
	}
	return tok, nil
}
