package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/cairnml/cairn/lineage"
)

func init() {
	register(command{
		name:    "diff",
		usage:   "OLD NEW [--format md|json|text] [--exit-code]",
		summary: "the review diff of two manifests, policy first",
		run:     runDiff,
	})
}

// readManifestFile reads a manifest for reading only (no signature
// check): a manifest file, or the payload of a .dsse envelope.
func readManifestFile(path string) (*lineage.Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, lineage.EnvelopeSuffix) {
		_, payload, err := lineage.ParseEnvelope(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		data = payload
	}
	m, err := lineage.ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "diff")
	format := fs.String("format", "text", "output `format`: md (for a pull-request comment), json, or text")
	exitCode := fs.Bool("exit-code", false, "exit 1 when the manifests differ")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("want OLD and NEW manifests, got %d arguments", len(pos))
	}
	switch *format {
	case "md", "markdown", "json", "text":
	default:
		return fmt.Errorf("--format %q: want md, json or text", *format)
	}
	old, err := readManifestFile(pos[0])
	if err != nil {
		return err
	}
	new, err := readManifestFile(pos[1])
	if err != nil {
		return err
	}
	d := lineage.DiffManifests(old, new)
	switch *format {
	case "md", "markdown":
		fmt.Fprint(e.stdout, d.Markdown())
	case "json":
		e.stdout.Write(d.JSON())
	default:
		fmt.Fprint(e.stdout, d.Text())
	}
	if *exitCode && !d.Empty() {
		return errSilentFailure
	}
	return nil
}
