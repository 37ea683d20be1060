package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairnml/cairn/lineage"
)

func init() {
	register(command{
		name:    "verify",
		usage:   "MANIFEST [--source SOURCE] [--mode full|sample|metadata] [--fraction F] [--seed N] [--key PUBKEY] [--format text|json] [--allow-unexpected] [--workers N] [--progress|--no-progress]",
		summary: "check a dataset against its manifest; exit 0 only if the data matches",
		run:     runVerify,
	})
}

// loadErr maps an error loading a manifest to an exit code: a signature
// that does not verify, a manifest that is not the signed one, or one that
// is not signed at all when a key requires it, is a failed check (1), as a
// training job must treat it like tampered data (removing the envelope
// must not turn that into an input error); everything else is an input
// error (2).
func loadErr(err error) error {
	if errors.Is(err, lineage.ErrBadSignature) || errors.Is(err, lineage.ErrPayloadMismatch) || errors.Is(err, lineage.ErrUnsigned) {
		return failed("%v", err)
	}
	return err
}

// loadManifest reads MANIFEST (a local file; with a key, signed by
// MANIFEST.dsse or MANIFEST being the envelope itself).
func loadManifest(ctx context.Context, path string, keyFile string) (*lineage.Loaded, error) {
	var pub ed25519.PublicKey
	if keyFile != "" {
		data, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("--key: %w", err)
		}
		if pub, err = lineage.ParsePublicKey(data); err != nil {
			if errors.Is(err, lineage.ErrKeyType) {
				return nil, fmt.Errorf("--key %s is a private key: pass the public key (%s.pub, written by cairn keygen) to verify; the private key only signs", keyFile, keyFile)
			}
			return nil, fmt.Errorf("--key %s: %w", keyFile, err)
		}
	}
	st, key, err := openManifestDir(path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	l, err := lineage.Load(ctx, st, key, pub)
	if err != nil {
		return nil, loadErr(fmt.Errorf("%s: %w", path, err))
	}
	return l, nil
}

// runVerify runs cairn verify. Its error line, like every command's, is
// kept on one line by run (lineage.EscapeControls).
func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify")
	source := fs.String("source", "", "the dataset `SOURCE` (default: the manifest's dataset.uri)")
	mode := fs.String("mode", "full", "`mode`: full (re-hash every byte), sample (a seeded fraction of leaves), metadata (sizes, and the version ids, ETags and checksums both sides have; reads no bytes)")
	fraction := fs.Float64("fraction", 0.1, "fraction of leaves checked in sample mode, in (0, 1]")
	seed := fs.Uint64("seed", 0, "seed of the sample (default: random, and reported)")
	keyFile := fs.String("key", "", "require a valid signature by this public `key` (MANIFEST.dsse, or MANIFEST is the envelope)")
	format := fs.String("format", "text", "output `format`: text or json")
	allowUnexpected := fs.Bool("allow-unexpected", false, "do not fail on objects in the source that the manifest lacks")
	workers := fs.Int("workers", 0, "parallel `workers` (0: one per CPU)")
	var prog progressFlags
	prog.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one MANIFEST, got %d arguments", len(pos))
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	m, err := lineage.ParseMode(*mode)
	if err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	if m == lineage.ModeSample && !(*fraction > 0 && *fraction <= 1) {
		return fmt.Errorf("--fraction %v: want a number in (0, 1]", *fraction)
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			seedSet = true
		}
	})
	if !seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		*seed = binary.LittleEndian.Uint64(b[:]) >> 11 // below 2^53: exact in JSON
	}
	manifestPath := pos[0]
	l, err := loadManifest(ctx, manifestPath, *keyFile)
	if err != nil {
		return err
	}
	src := *source
	if src == "" {
		src = l.Manifest.Dataset.URI
		if src == "" {
			return errors.New("the manifest records no dataset URI: give --source")
		}
	}
	st, prefix, err := openDataset(ctx, src)
	if err != nil {
		if *source == "" {
			return fmt.Errorf("the source %s, the manifest's dataset.uri (a relative path is taken from the current directory): %w; give --source", src, err)
		}
		return err
	}
	opts := lineage.VerifyOptions{Mode: m, Fraction: *fraction, Seed: *seed, AllowUnexpected: *allowUnexpected, Workers: *workers}
	base := strings.TrimSuffix(manifestPath, lineage.EnvelopeSuffix)
	if rel, ok := insideSource(src, base); ok {
		dir := filepath.ToSlash(filepath.Dir(rel))
		name := filepath.Base(base)
		for _, n := range []string{name, lineage.SidecarName(name), name + lineage.EnvelopeSuffix} {
			if dir != "." {
				n = dir + "/" + n
			}
			opts.Ignore = append(opts.Ignore, n)
		}
	}
	report, done := prog.reporter(e, "verifying")
	opts.Progress = report
	r, err := lineage.Verify(ctx, l, st, prefix, opts)
	done()
	if err != nil {
		return err
	}
	if *format == "json" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	} else {
		printReport(e, r)
	}
	if err := r.Err(); err != nil {
		var se *lineage.SidecarError
		if errors.Is(err, lineage.ErrRootMismatch) || errors.As(err, &se) {
			err = manifestInputErr(manifestPath, err)
		}
		if r.Failed() {
			// The data, or a manifest edited since it was built: exit 1.
			return failed("%v", err)
		}
		// Only the sidecar is damaged: bad input, exit 2 per CLI.md.
		return err
	}
	return nil
}

// manifestInputErr is the error of a verification that found the manifest
// or its sidecar at fault (the report's manifest_errors): bad input, exit
// 2 per CLI.md ("corrupt manifest"), not data that failed the check. It
// names the manifest and, for a sidecar problem, the sidecar file.
func manifestInputErr(manifestPath string, err error) error {
	msg := strings.TrimPrefix(err.Error(), lineage.ErrNotVerified.Error()+": ")
	var se *lineage.SidecarError
	if errors.As(err, &se) {
		dir := filepath.Dir(strings.TrimSuffix(manifestPath, lineage.EnvelopeSuffix))
		file := filepath.Join(dir, filepath.FromSlash(se.Key))
		msg = strings.Replace(msg, "leaf sidecar "+se.Key+":", "leaf sidecar "+file+":", 1)
	}
	return fmt.Errorf("%s: %s", manifestPath, msg)
}

func printReport(e *env, r *lineage.Report) {
	w := e.stdout
	var head string
	switch {
	case r.Mode == lineage.ModeMetadata && r.MetadataVerified:
		compared, not := metadataSummary(r)
		head = "METADATA-VERIFIED (" + compared + " match; " + not + "no bytes were read)"
	case r.OK():
		head = "VERIFIED (" + string(r.Mode) + ")"
	default:
		head = "FAILED (" + string(r.Mode) + ")"
	}
	fmt.Fprintf(w, "%s: %d objects, %d bytes, root %s\n", head, r.Objects, r.Bytes, r.Root)
	if r.SignedBy != "" {
		fmt.Fprintf(w, "signed by key %s\n", r.SignedBy)
	}
	if r.Mode == lineage.ModeMetadata && !r.MetadataVerified {
		compared, not := metadataSummary(r)
		fmt.Fprintf(w, "compared %s; %sno bytes were read\n", compared, not)
	}
	if s := r.Sample; s != nil {
		pct := 0.0
		if s.BytesTotal > 0 {
			pct = 100 * float64(s.BytesChecked) / float64(s.BytesTotal)
		}
		fmt.Fprintf(w, "sample: seed %d, fraction %g: checked %d of %d leaves, %d of %d bytes (%.1f%%)\n",
			s.Seed, s.Fraction, s.LeavesChecked, s.LeavesTotal, s.BytesChecked, s.BytesTotal, pct)
	}
	for _, p := range r.Manifest {
		fmt.Fprintf(w, "  manifest    %s\n", lineage.QuoteUnprintable(p))
	}
	for _, m := range r.Mismatches {
		fmt.Fprintf(w, "  mismatch    %s\n", m) // Mismatch.String quotes
	}
	for _, p := range r.Missing {
		fmt.Fprintf(w, "  missing     %s\n", lineage.QuoteUnprintable(p))
	}
	for _, p := range r.Unexpected {
		fmt.Fprintf(w, "  unexpected  %s\n", lineage.QuoteUnprintable(p))
	}
}

// metadataSummary says which fields a metadata-mode report compared, as
// "sizes and ETags (3 of 5 objects)", and which it could not, as "no
// version ids or checksums to compare; " (empty when it compared all), so
// that a size check is never taken for more.
func metadataSummary(r *lineage.Report) (compared, not string) {
	names := []struct{ field, name string }{
		{lineage.MetadataSize, "sizes"},
		{lineage.MetadataETag, "ETags"},
		{lineage.MetadataVersionID, "version ids"},
		{lineage.MetadataChecksums, "checksums"},
	}
	objects := r.MetadataCompared[lineage.MetadataSize]
	var yes, no []string
	for _, f := range names {
		n, ok := r.MetadataCompared[f.field]
		switch {
		case !ok:
			no = append(no, f.name)
		case n < objects:
			yes = append(yes, fmt.Sprintf("%s (%d of %d objects)", f.name, n, objects))
		default:
			yes = append(yes, f.name)
		}
	}
	if len(no) > 0 {
		not = "no " + joinAnd(no, "or") + " to compare; "
	}
	return joinAnd(yes, "and"), not
}

// joinAnd joins "a, b and c" (or "a, b or c").
func joinAnd(items []string, conj string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
