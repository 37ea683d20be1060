package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cairnml/cairn/classify"
	"github.com/cairnml/cairn/ingest"
)

func init() {
	register(command{
		name:    "redact",
		usage:   "SOURCE -o OUT --key KEY [--policy FILE] [--rules FILE]",
		summary: "write a de-identified copy (Parquet) per a policy: drop, mask, redact, keyed tokenization",
		run:     runRedact,
	})
}

func runRedact(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "redact")
	out := fs.String("o", "", "`OUT`put: a .parquet file for a file SOURCE, a directory for a directory SOURCE")
	keyFile := fs.String("key", "", "`KEY` file: tokenization key material (at least 16 bytes; keep it secret, reuse it so tokens join)")
	policyFile := fs.String("policy", "", "YAML or JSON policy `FILE` (default: tokenize findings, redact secrets, keep dates)")
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
	keyData, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	tok, err := classify.NewTokenizer(bytes.TrimSpace(keyData))
	if err != nil {
		return fmt.Errorf("--key %s: %w", *keyFile, err)
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
	if ext := strings.ToLower(filepath.Ext(*out)); single && ext != ".parquet" && ext != ".pq" {
		return fmt.Errorf("-o %s: the de-identified copy is written as Parquet; name it .parquet", *out)
	}
	var cur *atomicParquet
	defer func() {
		if cur != nil {
			cur.abort()
		}
	}()
	var files, rows int64
	findings := map[string]int{}
	written := map[string]string{} // output file -> the input written to it
	for b, err := range ingest.Read(ctx, st, key, ingest.ReadOptions{SkipUnknown: !single}) {
		if err != nil {
			return err
		}
		if cur == nil || cur.src != b.Path {
			dst := *out
			if !single {
				rel, err := filepath.Localize(strings.TrimSuffix(b.Path, path.Ext(b.Path)) + ".parquet")
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
			if cur, err = newAtomicParquet(b.Path, dst, schema); err != nil {
				return err
			}
			files++
		}
		rec, stats, err := red.Apply(b.Record)
		if err != nil {
			return fmt.Errorf("%s (row %d): %w", b.Path, b.Row, err)
		}
		err = cur.write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("%s: writing %s: %w", b.Path, cur.dst, err)
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

// atomicParquet writes one Parquet file to a temporary name in the target
// directory and renames it into place on commit, so a failure never
// leaves a partial output.
type atomicParquet struct {
	src, dst string
	tmp      *os.File
	w        *pqarrow.FileWriter
	schema   *arrow.Schema
}

// writerOnly hides Close so the Parquet writer cannot close the file
// before it is synced.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

func newAtomicParquet(src, dst string, schema *arrow.Schema) (*atomicParquet, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return nil, err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	w, err := pqarrow.NewFileWriter(schema, writerOnly{tmp}, props, pqarrow.DefaultWriterProps())
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("%s: %w", dst, err)
	}
	return &atomicParquet{src: src, dst: dst, tmp: tmp, w: w, schema: schema}, nil
}

func (a *atomicParquet) write(rec arrow.RecordBatch) error {
	if !rec.Schema().Equal(a.schema) {
		return fmt.Errorf("schema changed within %s: %v, then %v", a.src, a.schema, rec.Schema())
	}
	return a.w.Write(rec)
}

func (a *atomicParquet) commit() error {
	err := a.w.Close()
	if err == nil {
		err = a.tmp.Chmod(0o644)
	}
	if err == nil {
		err = a.tmp.Sync()
	}
	if cerr := a.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.tmp.Name(), a.dst)
	}
	if err != nil {
		os.Remove(a.tmp.Name())
		return fmt.Errorf("writing %s: %w", a.dst, err)
	}
	return nil
}

func (a *atomicParquet) abort() {
	a.tmp.Close()
	os.Remove(a.tmp.Name())
}
