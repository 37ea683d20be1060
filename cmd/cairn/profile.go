package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/check"
)

func init() {
	register(command{
		name:    "profile",
		usage:   "SOURCE -o REFERENCE [--label COL] [--text COL]... [--ignore COL]... [--seed N] [--sample N]",
		summary: "build the trusted reference profile of a dataset",
		run:     runProfile,
	})
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runProfile(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "profile")
	out := fs.String("o", "", "write the reference profile to this file")
	label := fs.String("label", "", "label column (class prior and per-class summaries)")
	var text stringList
	fs.Var(&text, "text", "text column (token statistics and MinHash); repeatable")
	var ignore stringList
	fs.Var(&ignore, "ignore", "`column` whose values are not checked (an identifier, a timestamp); repeatable")
	seed := fs.Uint64("seed", 0, "seed for the sketches and the row sample")
	sample := fs.Int("sample", 0, "reference rows kept in the seeded sample (default 1000)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return errors.New("usage: cairn profile SOURCE -o REFERENCE [--label COL] [--text COL]")
	}
	if err := notAnInput("-o", *out, pos[0]); err != nil {
		return err
	}
	p, err := ingest.NewProfile(ingest.ProfileOptions{Label: *label, Text: text, Seed: *seed, SampleSize: *sample})
	if err != nil {
		return err
	}
	copts := check.Options{Label: *label, Text: text, Ignore: ignore, Seed: *seed, SampleSize: *sample}
	if err := copts.Validate(); err != nil {
		return err
	}
	bld, err := check.NewBuilder(copts)
	if err != nil {
		return err
	}
	st, key, err := openSource(ctx, pos[0])
	if err != nil {
		return err
	}
	var progress int64
	for b, err := range ingest.Read(ctx, st, key, ingest.ReadOptions{}) {
		if err != nil {
			return err
		}
		if err := p.Add(b); err != nil {
			return err
		}
		if err := bld.Add(b); err != nil {
			return err
		}
		if e.stderrIsTTY && p.Rows-progress >= 1_000_000 {
			progress = p.Rows
			fmt.Fprintf(e.stderr, "\rprofiled %d rows", p.Rows)
		}
	}
	if progress > 0 {
		fmt.Fprintln(e.stderr)
	}
	ref, err := bld.Reference()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := (&check.ReferenceFile{Profile: p, Check: ref}).WriteTo(&buf); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes(), 0o644, true); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "profiled %d rows, %d columns from %s -> %s\n", p.Rows, len(p.Columns), pos[0], *out)
	return nil
}
