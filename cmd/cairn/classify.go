package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cairnml/cairn/classify"
	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/store"
)

func init() {
	register(command{
		name:    "classify",
		usage:   "SOURCE [--format json|md] [--cells] [--sample N] [--seed N] [--fail-on TYPES] [--rules FILE]",
		summary: "find sensitive columns (PII, secrets, regulated identifiers); exit 1 if a --fail-on type is found",
		run:     runClassify,
	})
}

// loadRegistry returns the built-in detectors plus the rules in file, if
// any.
func loadRegistry(file string) (*classify.Registry, error) {
	reg := classify.DefaultRegistry()
	if file == "" {
		return reg, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--rules: %w", err)
	}
	defer f.Close()
	ds, err := classify.ParseRules(f)
	if err != nil {
		return nil, fmt.Errorf("--rules %s: %w", file, err)
	}
	for _, d := range ds {
		if err := reg.Register(d); err != nil {
			return nil, fmt.Errorf("--rules %s: %w", file, err)
		}
	}
	return reg, nil
}

// classifyStore classifies the columns of every readable file under key
// (a file, or a prefix: "" for all) in st, opening them with open (nil:
// the store's own Open).
func classifyStore(ctx context.Context, st store.Store, key string, sc *classify.Scanner, opts classify.ColumnOptions, open ingest.OpenFunc) (*classify.Report, error) {
	cl, err := classify.NewClassifier(sc, opts)
	if err != nil {
		return nil, err
	}
	for b, err := range ingest.Read(ctx, st, key, ingest.ReadOptions{SkipUnknown: key == "" || strings.HasSuffix(key, "/"), Open: open}) {
		if err != nil {
			return nil, err
		}
		if err := cl.Add(b.Path, b.Row, b.Record); err != nil {
			return nil, err
		}
	}
	return cl.Report(), nil
}

// notATable is the reason a file of no table format is skipped.
const notATable = "not a table: not .parquet, .csv, .jsonl or .arrow"

// noTables adds to err, if it says a directory SOURCE holds no table
// (ingest.ErrEmpty), the files that were skipped for not being tables.
func noTables(err error, skipped []string) error {
	if len(skipped) > 0 && errors.Is(err, ingest.ErrEmpty) {
		return fmt.Errorf("%w; skipped %s", err, skippedList(skipped))
	}
	return err
}

// skippedList says "N file(s) that are not tables: a, b, c", naming at
// most ten.
func skippedList(skipped []string) string {
	const most = 10
	names := strings.Join(skipped[:min(len(skipped), most)], ", ")
	if len(skipped) > most {
		names += fmt.Sprintf(", ... (%d more)", len(skipped)-most)
	}
	return fmt.Sprintf("%d file(s) that are not tables: %s", len(skipped), names)
}

func runClassify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "classify")
	format := fs.String("format", "md", "output `format`: json or md")
	cells := fs.Bool("cells", false, "add cell-level findings with code-point offsets (scans every value)")
	sample := fs.Int("sample", 1000, "values sampled per column (`N`; 0 or less: every value)")
	seed := fs.Uint64("seed", 0, "seed of the sample (recorded in the report)")
	failOn := fs.String("fail-on", "", "comma-separated `TYPES` (or \"any\") whose presence exits 1")
	rules := fs.String("rules", "", "YAML or JSON `FILE` of extra regular-expression detectors")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one SOURCE, got %d arguments", len(pos))
	}
	if *format != "json" && *format != "md" {
		return fmt.Errorf("--format %q: want json or md", *format)
	}
	reg, err := loadRegistry(*rules)
	if err != nil {
		return err
	}
	var fail []string
	if *failOn != "" {
		known := reg.Entities()
		for _, t := range strings.Split(*failOn, ",") {
			t = strings.TrimSpace(t)
			if t != "any" && !slices.Contains(known, t) {
				return fmt.Errorf("--fail-on: unknown type %q (known: %s)", t, strings.Join(known, ", "))
			}
			fail = append(fail, t)
		}
	}
	sc, err := classify.NewScanner(reg, classify.Options{})
	if err != nil {
		return err
	}
	n := *sample
	if n <= 0 {
		n = -1
	}
	st, key, err := openSource(ctx, pos[0])
	if err != nil {
		return err
	}
	var skipped []string
	ropts := ingest.ReadOptions{SkipUnknown: key == "", Skipped: func(k string) { skipped = append(skipped, k) }}
	cl, err := classify.NewClassifier(sc, classify.ColumnOptions{Sample: n, Seed: *seed, Cells: *cells})
	if err != nil {
		return err
	}
	for b, err := range ingest.Read(ctx, st, key, ropts) {
		if err != nil {
			return noTables(err, skipped)
		}
		if err := cl.Add(b.Path, b.Row, b.Record); err != nil {
			return err
		}
	}
	rep := cl.Report()
	// Files not read at all come first in the list of what was not
	// scanned: they are the bigger gap.
	files := make([]classify.Skipped, len(skipped))
	for i, k := range skipped {
		files[i] = classify.Skipped{Path: k, Reason: notATable}
	}
	rep.Skipped = append(files, rep.Skipped...)
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeClassifyMD(e.stdout, rep, *cells)
	}
	if found := failedTypes(rep, fail); len(found) > 0 {
		return failed("sensitive data found: %s", strings.Join(found, "; "))
	}
	return nil
}

// failedTypes lists "TYPE in path:column" for each --fail-on type found.
func failedTypes(rep *classify.Report, fail []string) []string {
	if len(fail) == 0 {
		return nil
	}
	var out []string
	hit := func(t string) bool { return slices.Contains(fail, "any") || slices.Contains(fail, t) }
	for _, c := range rep.Columns {
		for _, t := range c.Types {
			if hit(t.Type) {
				out = append(out, fmt.Sprintf("%s in %s:%s", t.Type, c.Path, c.Column))
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range rep.Cells {
		k := fmt.Sprintf("%s in %s:%s", c.Type, c.Path, c.Column)
		if hit(c.Type) && !seen[k] && !slices.Contains(out, k) {
			seen[k] = true
			out = append(out, k+" (cells)")
		}
	}
	return out
}

func writeClassifyMD(w io.Writer, rep *classify.Report, cells bool) {
	if rep.Sample < 0 {
		fmt.Fprintf(w, "# Sensitive columns\n\nEvery value of every column was classified (no sampling).\n\n")
	} else {
		fmt.Fprintf(w, "# Sensitive columns\n\nSample: %d values per column, seed %d.\n\n", rep.Sample, rep.Seed)
	}
	if len(rep.Columns) == 0 {
		fmt.Fprintf(w, "No sensitive columns found.\n")
	} else {
		fmt.Fprintf(w, "| path | column | type | confidence | match fraction | sampled |\n|---|---|---|---:|---:|---:|\n")
		for _, c := range rep.Columns {
			for _, t := range c.Types {
				hint := ""
				if t.NameHint {
					hint = " (name)"
				}
				fmt.Fprintf(w, "| %s | %s | %s%s | %.3f | %.3f | %d |\n", mdEscape(c.Path), mdEscape(c.Column), t.Type, hint, t.Confidence, t.MatchFraction, t.Sampled)
			}
		}
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "\n## Not scanned\n\n")
		for _, s := range rep.Skipped {
			if s.Column == "" { // a whole file
				fmt.Fprintf(w, "- %s: %s\n", mdEscape(s.Path), s.Reason)
				continue
			}
			fmt.Fprintf(w, "- %s: %s: %s\n", mdEscape(s.Path), mdEscape(s.Column), s.Reason)
		}
	}
	if cells {
		fmt.Fprintf(w, "\n## Cells\n\n")
		if len(rep.Cells) == 0 {
			fmt.Fprintf(w, "No findings.\n")
			return
		}
		fmt.Fprintf(w, "| path | row | column | type | start | end | score |\n|---|---:|---|---|---:|---:|---:|\n")
		for _, c := range rep.Cells {
			fmt.Fprintf(w, "| %s | %d | %s | %s | %d | %d | %.2f |\n", mdEscape(c.Path), c.Row, mdEscape(c.Column), c.Type, c.Start, c.End, c.Score)
		}
		if rep.CellsTruncated {
			fmt.Fprintf(w, "\n(cell findings truncated)\n")
		}
	}
}

// mdEscape makes a name from the data safe in a Markdown table cell or
// list item: quoted with Go escapes if it holds a line break or other
// unprintable character (so it cannot add lines), pipes escaped.
func mdEscape(s string) string { return strings.ReplaceAll(lineage.QuoteUnprintable(s), "|", `\|`) }
