// Review diffs two versions of a dataset manifest and prints what a
// pull-request bot would post: policy changes first (authority, licences,
// permitted uses, sources), then schema, transformation and content.
//
// Run it on two demo versions it builds in a temporary directory:
//
//	go run ./examples/review
//
// or on two manifests, for example in CI on the base and head of a PR:
//
//	go run ./examples/review old/manifest.json new/manifest.json
//	go run ./examples/review -format text old.json new.json
//
// A manifest whose root does not match its own entries (an edited
// manifest) is refused: the diff would describe data that does not exist.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cairnml/cairn/examples/internal/demo"
	"github.com/cairnml/cairn/lineage"
	"github.com/cairnml/cairn/store/local"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "review:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	format := fs.String("format", "markdown", "output `format`: markdown, text or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths := fs.Args()
	switch len(paths) {
	case 0:
		dir, err := os.MkdirTemp("", "cairn-review-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		oldPath, newPath, err := writeDemo(ctx, dir)
		if err != nil {
			return err
		}
		paths = []string{oldPath, newPath}
	case 2:
	default:
		return errors.New("want two manifests: OLD NEW")
	}
	oldM, err := readManifest(paths[0])
	if err != nil {
		return err
	}
	newM, err := readManifest(paths[1])
	if err != nil {
		return err
	}
	d := lineage.DiffManifests(oldM, newM)
	switch *format {
	case "markdown":
		_, err = io.WriteString(stdout, d.Markdown())
	case "text":
		_, err = io.WriteString(stdout, d.Text())
	case "json":
		_, err = stdout.Write(d.JSON())
	default:
		err = fmt.Errorf("-format %q: want markdown, text or json", *format)
	}
	return err
}

// readManifest parses a manifest file and checks that its root commits its
// entries.
func readManifest(path string) (*lineage.Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := lineage.ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := m.CheckRoot(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// writeDemo builds two versions of the demo dataset under dir and writes
// their manifests; the second is derived from the first by a new version of
// the ingest job, adds a partner source under a new licence, and allows
// commercial use.
func writeDemo(ctx context.Context, dir string) (oldPath, newPath string, err error) {
	v1 := &lineage.Provenance{
		CollectedBy:    "Reviews team",
		Sources:        []lineage.Source{{URI: "https://shop.example/reviews/export", RetrievedAt: "2025-03-01"}},
		Method:         "export",
		Authority:      &lineage.Authority{Basis: "contract", Instrument: "Shop terms of service §7", Jurisdiction: "EU"},
		Licenses:       []string{"CC-BY-4.0"},
		PermittedUses:  []string{"evaluation", "training"},
		ProhibitedUses: []string{"commercial"},
	}
	v2 := *v1
	v2.Sources = append(v1.Sources[:1:1], lineage.Source{URI: "https://partner.example/reviews.csv", RetrievedAt: "2025-04-10"})
	v2.Licenses = []string{"CC-BY-4.0", "LicenseRef-partner-data-agreement"}
	v2.PermittedUses = []string{"commercial", "evaluation", "training"}
	v2.ProhibitedUses = nil

	oldPath = filepath.Join(dir, "v1", "manifest.json")
	oldBytes, err := buildVersion(ctx, dir, 1, lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "reviews", Version: "1"},
		Provenance: v1,
		Transform:  &lineage.Transform{Name: "ingest-reviews", Version: "1.0.0"},
	})
	if err != nil {
		return "", "", err
	}
	parent, err := lineage.ParentOf(oldBytes)
	if err != nil {
		return "", "", err
	}
	newPath = filepath.Join(dir, "v2", "manifest.json")
	_, err = buildVersion(ctx, dir, 2, lineage.BuildOptions{
		Dataset:    lineage.Dataset{Name: "reviews", Version: "2"},
		Provenance: &v2,
		Parents:    []lineage.Parent{parent},
		Transform:  &lineage.Transform{Name: "ingest-reviews", Version: "1.1.0"},
	})
	return oldPath, newPath, err
}

// buildVersion writes version v of the demo data to dir/vN/data and its
// manifest to dir/vN/manifest.json, and returns the manifest bytes.
func buildVersion(ctx context.Context, dir string, v int, opts lineage.BuildOptions) ([]byte, error) {
	vdir := filepath.Join(dir, fmt.Sprintf("v%d", v))
	if err := demo.WriteDataset(filepath.Join(vdir, "data"), v); err != nil {
		return nil, err
	}
	ds, err := local.Open(filepath.Join(vdir, "data"))
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	opts.Created = lineage.Created{At: time.Date(2025, 4, v, 12, 0, 0, 0, time.UTC), By: "review demo"}
	m, tree, err := lineage.Build(ctx, ds, "", opts)
	if err != nil {
		return nil, err
	}
	ms, err := local.Open(vdir)
	if err != nil {
		return nil, err
	}
	defer ms.Close()
	return lineage.WriteManifest(ctx, ms, "manifest.json", m, tree)
}
