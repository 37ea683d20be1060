// Verifystep is the step a training job runs before it starts: one call,
// lineage.VerifyDataset, checks the manifest's signature and then the data
// against the manifest, and the program exits non-zero unless both hold, so
// the job never trains on bytes nobody signed off.
//
// Run it on a demo dataset and signed manifest it writes to a temporary
// directory:
//
//	go run ./examples/verifystep
//	go run ./examples/verifystep -tamper   # change a file after signing: exit 1
//
// or in a job, before training:
//
//	go run ./examples/verifystep -manifest m.json -key signer.pub -data /data/reviews && ./train
//
// The manifest is signed by m.json.dsse (`cairn sign`). Exit status: 0 the
// data is verified, 1 it is not (or the signature does not verify), 2 the
// check could not be made.
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cairnml/cairn/examples/internal/demo"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/store/local"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "verifystep:", err)
		if failed(err) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

// failed reports whether err means the data or its signature failed the
// check, as opposed to the check not being made.
func failed(err error) bool {
	return errors.Is(err, lineage.ErrNotVerified) ||
		errors.Is(err, lineage.ErrBadSignature) ||
		errors.Is(err, lineage.ErrPayloadMismatch)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verifystep", flag.ContinueOnError)
	manifest := fs.String("manifest", "", "manifest `file`, signed by FILE.dsse (default: a demo)")
	keyFile := fs.String("key", "", "the signer's public `key` (PEM); required with -manifest")
	data := fs.String("data", "", "dataset `dir`")
	mode := fs.String("mode", "full", "verification `mode`: full, sample or metadata")
	fraction := fs.Float64("fraction", 0.1, "fraction of leaves checked in sample mode")
	seed := fs.Uint64("seed", 1, "seed of the sample")
	tamper := fs.Bool("tamper", false, "demo only: change one file of the data after the manifest is signed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *manifest == "" {
		dir, err := os.MkdirTemp("", "cairn-verifystep-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if *manifest, *keyFile, *data, err = writeDemo(ctx, dir, *tamper); err != nil {
			return err
		}
	}
	if *keyFile == "" || *data == "" {
		return errors.New("-manifest needs -key and -data")
	}
	m, err := lineage.ParseMode(*mode)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	pub, err := lineage.ParsePublicKey(pem)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyFile, err)
	}
	ms, err := local.Open(filepath.Dir(*manifest))
	if err != nil {
		return err
	}
	defer ms.Close()
	ds, err := local.Open(*data)
	if err != nil {
		return err
	}
	defer ds.Close()

	r, err := lineage.VerifyDataset(ctx, ms, filepath.Base(*manifest), pub, ds, "",
		lineage.VerifyOptions{Mode: m, Fraction: *fraction, Seed: *seed})
	if r != nil {
		printReport(stdout, r)
	}
	return err
}

func printReport(w io.Writer, r *lineage.Report) {
	status := "verified"
	switch {
	case !r.OK():
		status = "NOT VERIFIED"
	case r.Mode == lineage.ModeMetadata:
		status = "metadata-verified (no bytes read)"
	}
	fmt.Fprintf(w, "%s: %d objects, %d bytes, root %s\n", status, r.Objects, r.Bytes, r.Root)
	fmt.Fprintf(w, "mode %s, signed by key %s\n", r.Mode, r.SignedBy)
	if s := r.Sample; s != nil {
		fmt.Fprintf(w, "sample: seed %d, %d of %d leaves, %d of %d bytes\n",
			s.Seed, s.LeavesChecked, s.LeavesTotal, s.BytesChecked, s.BytesTotal)
	}
	for _, m := range r.Mismatches {
		fmt.Fprintf(w, "mismatch: %s\n", m)
	}
	for _, p := range r.Missing {
		fmt.Fprintf(w, "missing: %s\n", p)
	}
	for _, p := range r.Unexpected {
		fmt.Fprintf(w, "unexpected: %s\n", p)
	}
	for _, p := range r.Manifest {
		fmt.Fprintf(w, "manifest: %s\n", p)
	}
}

// writeDemo writes the demo dataset (dir/data), a key pair, and the signed
// manifest (dir/manifests/reviews.json and its .leaves and .dsse), and
// returns the paths of the manifest, public key and dataset. With tamper it
// then rewrites the dataset's README.md.
func writeDemo(ctx context.Context, dir string, tamper bool) (manifest, pubKey, data string, err error) {
	data = filepath.Join(dir, "data")
	manifest = filepath.Join(dir, "manifests", "reviews.json")
	pubKey = filepath.Join(dir, "signer.pub")
	if err := demo.WriteDataset(data, 1); err != nil {
		return "", "", "", err
	}
	privPEM, pubPEM, err := lineage.GenerateKey()
	if err != nil {
		return "", "", "", err
	}
	if err := os.WriteFile(pubKey, pubPEM, 0o644); err != nil {
		return "", "", "", err
	}
	priv, err := lineage.ParsePrivateKey(privPEM)
	if err != nil {
		return "", "", "", err
	}
	if err := buildAndSign(ctx, data, manifest, priv); err != nil {
		return "", "", "", err
	}
	if tamper {
		err = demo.WriteText(filepath.Join(data, "README.md"), "Product reviews, labelled neg/pos.\n")
	}
	return manifest, pubKey, data, err
}

// buildAndSign is what `cairn build` and `cairn sign` do: hash the dataset
// in dir, write the manifest and its sidecar, and sign the manifest bytes.
func buildAndSign(ctx context.Context, dir, manifest string, key ed25519.PrivateKey) error {
	ds, err := local.Open(dir)
	if err != nil {
		return err
	}
	defer ds.Close()
	m, tree, err := lineage.Build(ctx, ds, "", lineage.BuildOptions{Dataset: lineage.Dataset{Name: "reviews", Version: "1"}})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(manifest), 0o755); err != nil {
		return err
	}
	ms, err := local.Open(filepath.Dir(manifest))
	if err != nil {
		return err
	}
	defer ms.Close()
	b, err := lineage.WriteManifest(ctx, ms, filepath.Base(manifest), m, tree)
	if err != nil {
		return err
	}
	env, err := lineage.SignManifest(b, key)
	if err != nil {
		return err
	}
	return os.WriteFile(manifest+lineage.EnvelopeSuffix, env, 0o644)
}
