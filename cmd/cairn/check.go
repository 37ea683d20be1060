package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/check"
)

func init() {
	register(command{
		name:    "check",
		usage:   "SOURCE --reference REFERENCE [--label COL] [--text COL]... [--ignore COL]... [--format json|md] [--quarantine DIR] [--html FILE] [--save-reference FILE] [--seed N] [--alpha A]",
		summary: "check a batch for poisoning against a trusted reference; exit 1 on a quarantine verdict",
		run:     runCheck,
	})
}

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "check")
	refPath := fs.String("reference", "", "reference `file` written by cairn profile (or --save-reference), or trusted data to build it from")
	label := fs.String("label", "", "label column (default: the reference's)")
	var text stringList
	fs.Var(&text, "text", "text column; repeatable (default: the reference's)")
	var ignore stringList
	fs.Var(&ignore, "ignore", "`column` whose values are not checked, when the reference is built from data here (a reference file keeps its own); repeatable")
	format := fs.String("format", "md", "report format: json or md")
	qdir := fs.String("quarantine", "", "write quarantined and clean rows under DIR/quarantine and DIR/clean, in the input's format")
	htmlOut := fs.String("html", "", "also write a self-contained HTML report to FILE")
	saveRef := fs.String("save-reference", "", "write the reference built from trusted data to FILE for reuse")
	seed := fs.Uint64("seed", 0, "seed for every random choice (default 1)")
	alpha := fs.Float64("alpha", 0, "error rate per family of tests (default 0.001)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *refPath == "" {
		return errors.New("usage: cairn check SOURCE --reference REFERENCE [--label COL] [--text COL]... [--format json|md] [--quarantine DIR]")
	}
	for _, o := range []struct{ flag, path string }{{"--save-reference", *saveRef}, {"--html", *htmlOut}} {
		if o.path != "" {
			if err := notAnInput(o.flag, o.path, pos[0], *refPath); err != nil {
				return err
			}
		}
	}
	if *format != "json" && *format != "md" {
		return fmt.Errorf("--format %q: want json or md", *format)
	}
	opts := check.Options{Label: *label, Text: text, Ignore: ignore, Seed: *seed, Alpha: *alpha}
	if err := opts.Validate(); err != nil {
		return err
	}
	ref, err := loadReference(ctx, *refPath, opts)
	if err != nil {
		return fmt.Errorf("reference %s: %w", *refPath, err)
	}
	if *saveRef != "" {
		var b strings.Builder
		if _, err := ref.WriteTo(&b); err != nil {
			return err
		}
		if err := writeFileAtomic(*saveRef, []byte(b.String()), 0o644, true); err != nil {
			return err
		}
	}
	st, key, err := openSource(ctx, pos[0])
	if err != nil {
		return err
	}
	batches := func() iter.Seq2[check.Batch, error] { return ingest.Read(ctx, st, key, ingest.ReadOptions{}) }
	rep, err := check.Check(ctx, ref, opts, batches)
	if err != nil {
		return err
	}
	if *qdir != "" {
		if err := writeSplit(ctx, *qdir, rep, batches); err != nil {
			return err
		}
	}
	if *htmlOut != "" {
		var b strings.Builder
		if err := rep.WriteHTML(&b); err != nil {
			return err
		}
		if err := writeFileAtomic(*htmlOut, []byte(b.String()), 0o644, true); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(e.stdout)
	if *format == "json" {
		err = rep.WriteJSON(w)
	} else {
		err = rep.WriteMarkdown(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return err
	}
	if rep.Verdict == check.Quarantine {
		return errSilentFailure
	}
	return nil
}

// loadReference reads a check reference file, or builds a reference from
// trusted data at path (a file, directory or s3:// prefix).
func loadReference(ctx context.Context, path string, opts check.Options) (*check.Reference, error) {
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		br := bufio.NewReader(f)
		head, _ := br.Peek(256) // a short file gives what it has
		switch {
		case check.IsReferenceFile(head):
			rf, err := check.ReadReferenceFile(br)
			if err != nil {
				return nil, err
			}
			return rf.Check, nil
		case check.IsReference(head):
			return check.ReadReference(br)
		}
	}
	st, key, err := openSource(ctx, path)
	if err != nil {
		return nil, err
	}
	return check.BuildReference(ingest.Read(ctx, st, key, ingest.ReadOptions{}), opts)
}

// writeSplit reads the batch a third time and writes every row either to
// DIR/quarantine/KEY or DIR/clean/KEY, in the format of KEY. Each file is
// written to a temporary name and renamed into place when complete.
func writeSplit(ctx context.Context, dir string, rep *check.Report, batches func() iter.Seq2[check.Batch, error]) (err error) {
	if rep.QuarantineTruncated {
		return errors.New("--quarantine: the quarantine list was truncated; not splitting an incomplete list")
	}
	q := rep.Quarantined()
	var cur [2]*outFile
	var curPath string
	closeAll := func(commit bool) error {
		var first error
		for i, f := range cur {
			if f == nil {
				continue
			}
			if commit {
				if err := f.commit(); err != nil && first == nil {
					first = err
				}
			} else {
				f.abort()
			}
			cur[i] = nil
		}
		return first
	}
	defer func() {
		if err != nil {
			closeAll(false)
		}
	}()
	for b, err := range batches() {
		if err != nil {
			return err
		}
		if b.Path != curPath {
			if err := closeAll(true); err != nil {
				return err
			}
			curPath = b.Path
		}
		rec := b.Record
		n := int(rec.NumRows())
		for i := 0; i < n; {
			_, bad := q[check.RowID{Path: b.Path, Row: b.Row + int64(i)}]
			j := i + 1
			for j < n {
				_, bad2 := q[check.RowID{Path: b.Path, Row: b.Row + int64(j)}]
				if bad2 != bad {
					break
				}
				j++
			}
			side := 0 // clean
			if bad {
				side = 1
			}
			if cur[side] == nil {
				sub := "clean"
				if bad {
					sub = "quarantine"
				}
				f, err := newOutFile(filepath.Join(dir, sub, filepath.FromSlash(b.Path)), rec.Schema())
				if err != nil {
					return err
				}
				cur[side] = f
			}
			s := rec.NewSlice(int64(i), int64(j))
			err := cur[side].write(s)
			s.Release()
			if err != nil {
				return err
			}
			i = j
		}
	}
	return closeAll(true)
}
