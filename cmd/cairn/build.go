package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairnml/cairn/classify"
	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/check"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/local"
)

func init() {
	register(command{
		name:    "build",
		usage:   "SOURCE -o MANIFEST [--name N] [--version V] [--provenance FILE] [--parent MANIFEST]... [--transform NAME] [--transform-version V] [--transform-code DIGEST] [--created-by WHO] [--part-size SIZE] [--workers N] [--sign KEY] [--classify] [--check BASELINE] [--progress|--no-progress]",
		summary: "hash a dataset and write its manifest (and its leaf sidecar next to it)",
		run:     runBuild,
	})
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// progressFlags registers --progress and --no-progress.
type progressFlags struct{ on, off bool }

func (p *progressFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&p.on, "progress", false, "show progress on stderr even when it is not a terminal")
	fs.BoolVar(&p.off, "no-progress", false, "never show progress")
}

// reporter returns a merkle progress callback drawing on stderr, or nil,
// and a function that ends the progress line.
func (p *progressFlags) reporter(e *env, what string) (func(merkle.Progress), func()) {
	if p.off || !(p.on || e.stderrIsTTY) {
		return nil, func() {}
	}
	var mu sync.Mutex
	var last time.Time
	start := time.Now()
	width := 0 // of the line last drawn
	report := func(pr merkle.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(last) > 200*time.Millisecond || pr.Bytes == pr.TotalBytes {
			last = now
			line := progressLine(what, pr, now.Sub(start))
			// Pad over the rest of a longer previous line.
			fmt.Fprintf(e.stderr, "\r%-*s", width, line)
			width = max(width, len(line))
		}
	}
	return report, func() {
		mu.Lock()
		defer mu.Unlock()
		if width > 0 {
			fmt.Fprintln(e.stderr)
		}
	}
}

// progressLine is one progress report: the share of bytes done, objects,
// bytes, and once a second has passed the rate and the time left at that
// rate ("hashing  42.0%  3/8 objects  1.00 GiB of 2.38 GiB  512 MiB/s  ETA 3s").
func progressLine(what string, pr merkle.Progress, elapsed time.Duration) string {
	pct := 100.0
	if pr.TotalBytes > 0 {
		pct = 100 * float64(pr.Bytes) / float64(pr.TotalBytes)
	}
	line := fmt.Sprintf("%s %5.1f%%  %d/%d objects  %s of %s", what, pct, pr.Objects, pr.TotalObjects,
		lineage.FormatBytes(pr.Bytes), lineage.FormatBytes(pr.TotalBytes))
	if elapsed >= time.Second && pr.Bytes > 0 {
		rate := float64(pr.Bytes) / elapsed.Seconds()
		line += fmt.Sprintf("  %s/s", lineage.FormatBytes(int64(rate)))
		if left := pr.TotalBytes - pr.Bytes; left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second))
			line += "  ETA " + eta.Round(time.Second).String()
		}
	}
	return line
}

// parseSize parses a byte size: an integer with an optional unit K, M, G
// (powers of 1024; "KiB", "MB" and the like are accepted too).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	upper := strings.ToUpper(t)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(upper, u.suf) {
			mult = u.m
			t = strings.TrimSpace(t[:len(t)-len(u.suf)])
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("invalid size %q (want for example 8MiB, 65536, 1G)", s)
	}
	return n * mult, nil
}

// openDataset opens SOURCE as a store and prefix for a dataset: a
// directory or s3:// prefix as is, a single file as a one-object dataset.
func openDataset(ctx context.Context, src string) (store.Store, string, error) {
	st, key, err := openSource(ctx, src)
	if err != nil {
		return nil, "", err
	}
	if key == "" {
		return st, "", nil
	}
	if _, err := st.Stat(ctx, key); err == nil {
		return singleObject{Store: st, key: key}, "", nil
	}
	return st, key, nil
}

// singleObject is a store view that lists one object only.
type singleObject struct {
	store.Store
	key string
}

func (s singleObject) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		if !strings.HasPrefix(s.key, prefix) {
			return
		}
		info, err := s.Store.Stat(ctx, s.key)
		yield(info, err)
	}
}

// insideSource returns the path of file relative to the local directory
// src, if src is a local directory that contains file.
func insideSource(src, file string) (string, bool) {
	if strings.HasPrefix(src, "s3://") {
		return "", false
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return "", false
	}
	as, err1 := filepath.Abs(src)
	af, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(as, af)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// openManifestDir opens the local directory of a manifest path and returns
// the store and the manifest's key in it.
func openManifestDir(path string) (*local.Store, string, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, "", fmt.Errorf("%s is a directory, not a manifest file", path)
	}
	dir := filepath.Dir(path)
	st, err := local.Open(dir)
	if err != nil {
		return nil, "", err
	}
	return st, filepath.Base(path), nil
}

// createdAt is the creation time to record: SOURCE_DATE_EPOCH (seconds,
// for reproducible builds) if set, else now.
func createdAt() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC(), nil
}

func runBuild(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "build")
	out := fs.String("o", "", "write the manifest to this `file` (required); the sidecar goes next to it")
	name := fs.String("name", "", "dataset `name`")
	dsVersion := fs.String("version", "", "dataset `version`")
	provFile := fs.String("provenance", "", "provenance `file` (YAML or JSON)")
	var parents multiFlag
	fs.Var(&parents, "parent", "a parent dataset's `manifest` (repeatable)")
	tName := fs.String("transform", "", "`name` of the transformation that produced the dataset from its parents")
	tVersion := fs.String("transform-version", "", "`version` of the transformation")
	tCode := fs.String("transform-code", "", "`digest` of the transformation's code, alg:hex")
	partSize := fs.String("part-size", "8MiB", "maximum leaf `size`")
	workers := fs.Int("workers", 0, "parallel hashing `workers` (0: one per CPU)")
	signKey := fs.String("sign", "", "sign the manifest with this private `key` (writes MANIFEST.dsse)")
	createdBy := fs.String("created-by", "", "record who made the manifest")
	withClassify := fs.Bool("classify", false, "classify sensitive columns of the readable files (Parquet, CSV, JSONL, Arrow) and record the summary in the manifest")
	baseline := fs.String("check", "", "check the readable files for poisoning against this `BASELINE` (a reference from cairn profile, or trusted data) and record the report in the manifest's checks; exit 1 on a quarantine verdict")
	var prog progressFlags
	prog.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one SOURCE, got %d arguments (usage: cairn build SOURCE -o MANIFEST)", len(pos))
	}
	if *out == "" {
		return errors.New("-o MANIFEST is required")
	}
	src := pos[0]
	ps, err := parseSize(*partSize)
	if err != nil {
		return fmt.Errorf("--part-size: %w", err)
	}
	at, err := createdAt()
	if err != nil {
		return err
	}
	opts := lineage.BuildOptions{
		Dataset:  lineage.Dataset{Name: *name, URI: src, Version: *dsVersion},
		PartSize: ps,
		Workers:  *workers,
		Created:  lineage.Created{At: at, By: *createdBy, ToolVersion: "cairn " + version()},
	}
	if *provFile != "" {
		data, err := os.ReadFile(*provFile)
		if err != nil {
			return fmt.Errorf("--provenance: %w", err)
		}
		p, err := lineage.ParseProvenance(data)
		if err != nil {
			return fmt.Errorf("%s: %w", *provFile, err)
		}
		opts.Provenance = p
	}
	for _, pf := range parents {
		data, err := os.ReadFile(pf)
		if err != nil {
			return fmt.Errorf("--parent: %w", err)
		}
		p, err := lineage.ParentOf(data)
		if err != nil {
			return fmt.Errorf("--parent %s: %w", pf, err)
		}
		opts.Parents = append(opts.Parents, p)
	}
	if *tName != "" || *tVersion != "" || *tCode != "" {
		if *tName == "" {
			return errors.New("--transform NAME is required with --transform-version or --transform-code")
		}
		opts.Transform = &lineage.Transform{Name: *tName, Version: *tVersion, Code: *tCode}
	}
	var key []byte
	if *signKey != "" {
		if key, err = os.ReadFile(*signKey); err != nil {
			return fmt.Errorf("--sign: %w", err)
		}
		if _, err := lineage.ParsePrivateKey(key); err != nil {
			return privateKeyErr("--sign", *signKey, err)
		}
	}
	if strings.HasPrefix(*out, "s3://") {
		return fmt.Errorf("-o %s: the manifest is written to a local file; write it locally, then copy it (and its sidecar) to S3", *out)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	outStore, outKey, err := openManifestDir(*out)
	if err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	defer outStore.Close()
	if err := buildOutputsSafe(src, *out, key != nil); err != nil {
		return err
	}
	if rel, ok := insideSource(src, *out); ok {
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, n := range []string{outKey, lineage.SidecarName(outKey), outKey + lineage.EnvelopeSuffix} {
			if dir != "." {
				n = dir + "/" + n
			}
			opts.Exclude = append(opts.Exclude, n)
		}
	}
	var ref *check.Reference
	if *baseline != "" {
		if ref, err = loadReference(ctx, *baseline, check.Options{}); err != nil {
			return fmt.Errorf("--check %s: %w", *baseline, err)
		}
	}
	st, prefix, err := openDataset(ctx, src)
	if err != nil {
		return err
	}
	report, done := prog.reporter(e, "hashing")
	opts.Progress = report
	m, d, err := lineage.Build(ctx, st, prefix, opts)
	done()
	if err != nil {
		return err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintf(e.stderr, "cairn build: warning: %s\n", w)
	}
	// The second pass reads through the tree just built: a file that
	// changed since it was hashed fails the build instead of being checked
	// or classified in its new state.
	vd := lineage.BuiltDataset(m, d, st, prefix, 0)
	if *withClassify {
		if err := classifyInto(ctx, m, st, prefix, vd); err != nil {
			return fmt.Errorf("--classify: %w", err)
		}
	}
	var verdict check.Verdict
	if ref != nil {
		if verdict, err = checkInto(ctx, m, st, prefix, ref, vd); err != nil {
			return fmt.Errorf("--check %s: %w", *baseline, err)
		}
	}
	data, err := lineage.WriteManifest(ctx, outStore, outKey, m, d)
	if err != nil {
		return err
	}
	if key != nil {
		if err := signTo(ctx, outStore, outKey, data, key); err != nil {
			return err
		}
	} else if removed, err := dropStaleEnvelope(ctx, outStore, outKey, data); err != nil {
		// The manifest is written: warn, and let the build succeed.
		fmt.Fprintf(e.stderr, "cairn build: warning: %v\n", err)
	} else if removed {
		fmt.Fprintf(e.stderr, "cairn build: removed %s%s: it signed the manifest this build replaced (sign the new one with cairn sign)\n", *out, lineage.EnvelopeSuffix)
	}
	if m.Objects == 0 {
		fmt.Fprintf(e.stderr, "cairn build: warning: %s holds no objects (a mistyped path or prefix?); the manifest records an empty dataset\n", src)
	}
	fmt.Fprintf(e.stdout, "%s: %d objects, %d bytes, root %s\n", *out, m.Objects, m.Bytes, m.Root)
	if verdict != "" {
		fmt.Fprintf(e.stdout, "check against %s: %s\n", *baseline, verdict)
	}
	if verdict == check.Quarantine {
		return failed("check against %s: verdict quarantine (recorded in %s; see its checks)", *baseline, *out)
	}
	return nil
}

// buildOutputsSafe refuses outputs of cairn build that would overwrite the
// data being hashed: the manifest, its sidecar or its envelope being the
// SOURCE file itself, or the manifest path naming an existing file in a
// SOURCE directory that is not a cairn manifest.
func buildOutputsSafe(src, out string, signed bool) error {
	outs := []string{out, filepath.Join(filepath.Dir(out), lineage.SidecarName(filepath.Base(out)))}
	if signed {
		outs = append(outs, out+lineage.EnvelopeSuffix)
	}
	for _, o := range outs {
		if err := notAnInput("-o", o, src); err != nil {
			return err
		}
	}
	if _, inside := insideSource(src, out); inside {
		if data, err := os.ReadFile(out); err == nil {
			if _, err := lineage.ParseManifest(data); err != nil {
				return fmt.Errorf("-o %s: an existing file of the dataset %s that is not a cairn manifest; refusing to overwrite it", out, src)
			}
		}
	}
	return nil
}

// verifiedOpen opens the objects ingest.Read lists through vd, so every
// byte decoded has been checked against the tree; an object that is not in
// the tree (added since it was built) is an error.
func verifiedOpen(vd *lineage.VerifiedDataset) ingest.OpenFunc {
	return func(ctx context.Context, _ store.Store, key string) (ingest.Object, error) {
		p, ok := vd.Path(key)
		if !ok {
			return nil, fmt.Errorf("%s is outside the dataset that was hashed", key)
		}
		return vd.Open(ctx, p)
	}
}

// checkInto checks the dataset's readable files for poisoning against ref
// (loaded from a reference file or trusted data, as "cairn check
// --reference" takes) and records the report in the manifest's checks.
func checkInto(ctx context.Context, m *lineage.Manifest, st store.Store, prefix string, ref *check.Reference, vd *lineage.VerifiedDataset) (check.Verdict, error) {
	var opts check.Options
	batches := func() iter.Seq2[check.Batch, error] {
		return ingest.Read(ctx, st, prefix, ingest.ReadOptions{SkipUnknown: true, Open: verifiedOpen(vd)})
	}
	rep, err := check.Check(ctx, ref, opts, batches)
	if err != nil {
		return "", err
	}
	if err := m.SetChecks(rep); err != nil {
		return "", err
	}
	return rep.Verdict, nil
}

// classifyInto classifies the dataset's readable files with the default
// detectors and options of "cairn classify" and records the column
// summary (cells are not recorded) in the manifest.
func classifyInto(ctx context.Context, m *lineage.Manifest, st store.Store, prefix string, vd *lineage.VerifiedDataset) error {
	sc, err := classify.NewScanner(classify.DefaultRegistry(), classify.Options{})
	if err != nil {
		return err
	}
	rep, err := classifyStore(ctx, st, prefix, sc, classify.ColumnOptions{Sample: 1000}, verifiedOpen(vd))
	if err != nil {
		return err
	}
	return m.SetClassification(rep)
}

// signTo signs manifest bytes with a PEM private key and writes the
// envelope next to the manifest.
func signTo(ctx context.Context, st store.Store, manifestKey string, manifest, keyPEM []byte) error {
	priv, err := lineage.ParsePrivateKey(keyPEM)
	if err != nil {
		return err
	}
	env, err := lineage.SignManifest(manifest, priv)
	if err != nil {
		return err
	}
	return putBytes(ctx, st, manifestKey+lineage.EnvelopeSuffix, env)
}

// dropStaleEnvelope removes the signature envelope next to the manifest
// at manifestKey, just rewritten unsigned with manifest, unless it signs
// exactly these bytes (a reproducible rebuild). A stale envelope would
// make verify report a signature over other bytes. It reports whether it
// removed one; an envelope it cannot read it leaves, with an error to warn
// of.
func dropStaleEnvelope(ctx context.Context, st store.Store, manifestKey string, manifest []byte) (bool, error) {
	key := manifestKey + lineage.EnvelopeSuffix
	env, err := store.ReadAll(ctx, st, key, lineage.MaxEnvelopeSize)
	if errors.Is(err, store.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		// Never delete what could not be looked at.
		return false, fmt.Errorf("the signature next to the manifest, %s, could not be read to see whether it signs the previous manifest; remove it if so: %w", key, err)
	}
	if _, payload, perr := lineage.ParseEnvelope(env); perr == nil && bytes.Equal(payload, manifest) {
		return false, nil
	}
	if err := st.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotExist) {
		return false, fmt.Errorf("removing the previous manifest's signature %s: %w", key, err)
	}
	return true, nil
}

func putBytes(ctx context.Context, st store.Store, key string, data []byte) error {
	return st.Put(ctx, key, strings.NewReader(string(data)), int64(len(data)))
}
