package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnml/cairn/ingest"
)

func init() {
	register(command{
		name:    "profile",
		usage:   "SOURCE -o REFERENCE [--label COL] [--text COL]... [--seed N] [--sample N]",
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
	seed := fs.Uint64("seed", 0, "seed for the sketches and the row sample")
	sample := fs.Int("sample", 0, "reference rows kept in the seeded sample (default 1000)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return errors.New("usage: cairn profile SOURCE -o REFERENCE [--label COL] [--text COL]...")
	}
	p, err := ingest.NewProfile(ingest.ProfileOptions{Label: *label, Text: text, Seed: *seed, SampleSize: *sample})
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
		if e.stderrIsTTY && p.Rows-progress >= 1_000_000 {
			progress = p.Rows
			fmt.Fprintf(e.stderr, "\rprofiled %d rows", p.Rows)
		}
	}
	if progress > 0 {
		fmt.Fprintln(e.stderr)
	}
	data, err := ingest.MarshalProfile(p)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, data, 0o644, true); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "profiled %d rows, %d columns from %s -> %s\n", p.Rows, len(p.Columns), pos[0], *out)
	return nil
}
