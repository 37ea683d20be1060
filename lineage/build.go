package lineage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"golang.org/x/sync/errgroup"
)

// BuildOptions control Build. The zero value builds with the default tree
// parameters and no provenance.
type BuildOptions struct {
	// Dataset names the dataset version.
	Dataset Dataset
	// Provenance, if set, is validated and recorded.
	Provenance *Provenance
	// Parents are the input datasets (see ParentOf).
	Parents []Parent
	// Transform is the code that produced the dataset from its parents.
	Transform *Transform
	// PartSize is the maximum leaf length; 0 means merkle.DefaultPartSize.
	PartSize int64
	// Workers bounds parallel hashing; 0 means one per CPU.
	Workers int
	// Progress, if set, receives hashing progress (see merkle.Options).
	Progress func(merkle.Progress)
	// Created is recorded as is; a zero At means time.Now().
	Created Created
	// Exclude lists paths (relative to the prefix) left out of the
	// dataset, such as the manifest itself when it is written inside it.
	Exclude []string
}

// Build hashes every object under prefix in st with merkle.Build and
// returns the manifest and the dataset tree, whose leaf hashes are the
// sidecar (see WriteManifest). Store metadata (version ids, ETags,
// checksums) are taken from a listing made before hashing and checked by a
// second listing after it, so they describe the bytes that were hashed.
func Build(ctx context.Context, st store.Store, prefix string, opts BuildOptions) (*Manifest, *merkle.Dataset, error) {
	params := merkle.DefaultParams()
	if opts.PartSize != 0 {
		params.PartSize = opts.PartSize
	}
	mopts := merkle.Options{Params: params, Workers: opts.Workers, Progress: opts.Progress}
	if err := mopts.Validate(); err != nil {
		return nil, nil, fmt.Errorf("lineage: build: %w", err)
	}
	if opts.Provenance != nil {
		if err := opts.Provenance.normalizedCopy().Validate(); err != nil {
			return nil, nil, err
		}
	}
	dir := dirPrefix(prefix)
	if len(opts.Exclude) > 0 {
		skip := make(map[string]bool, len(opts.Exclude))
		for _, p := range opts.Exclude {
			skip[dir+p] = true
		}
		st = filtered{Store: st, keep: func(k string) bool { return !skip[k] }}
	}
	before, err := listInfos(ctx, st, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: build: %w", err)
	}
	d, err := merkle.Build(ctx, st, prefix, mopts)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: build: %w", err)
	}
	after, err := listInfos(ctx, st, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("lineage: build: %w", err)
	}
	for p, a := range after {
		b, ok := before[p]
		if !ok || b.Size != a.Size || b.VersionID != a.VersionID || b.ETag != a.ETag {
			return nil, nil, fmt.Errorf("lineage: build: %w: %s changed during the build", merkle.ErrChanged, p)
		}
	}
	if len(after) != len(before) || len(after) != len(d.Entries) {
		return nil, nil, fmt.Errorf("lineage: build: %w: objects were added or removed during the build", merkle.ErrChanged)
	}
	m := &Manifest{
		Format:     FormatV1,
		Dataset:    opts.Dataset,
		Root:       d.Root,
		Objects:    int64(len(d.Entries)),
		Bytes:      d.Bytes,
		Tree:       TreeParams{Hash: treeHash, PartSize: d.Params.PartSize, Plans: slices.Clone(d.Params.Plans)},
		Provenance: opts.Provenance,
		Created:    opts.Created,
	}
	if m.Created.At.IsZero() {
		m.Created.At = time.Now()
	}
	m.Created.At = m.Created.At.UTC().Truncate(time.Second)
	if len(opts.Parents) > 0 || opts.Transform != nil {
		m.Derivation = &Derivation{Parents: opts.Parents, Transform: opts.Transform}
	}
	schemas := make(map[merkle.Hash]*Schema)
	for _, e := range d.Entries {
		me := Entry{Path: e.Path, Size: e.Size, Root: e.Root, Plan: e.Plan, Leaves: int64(e.NumLeaves), Warning: e.Warning}
		if info, ok := after[e.Path]; ok && (info.VersionID != "" || info.ETag != "" || len(info.Checksums) > 0) {
			me.Store = &StoreMetadata{VersionID: info.VersionID, ETag: info.ETag, Checksums: info.Checksums}
		}
		if p := e.Parquet; p != nil {
			me.Parquet = &ParquetFacts{Rows: p.Rows, RowGroups: int64(p.RowGroups), Columns: int64(p.Columns), Schema: p.Schema}
			s := schemas[p.Schema]
			if s == nil {
				s = &Schema{Fingerprint: p.Schema.String(), Format: "parquet", Columns: parquetColumns(e.Leaves)}
				schemas[p.Schema] = s
			}
			s.Paths = append(s.Paths, e.Path)
		}
		m.Entries = append(m.Entries, me)
	}
	for _, s := range schemas {
		m.Schemas = append(m.Schemas, *s)
	}
	m.normalize()
	if err := m.Validate(); err != nil {
		return nil, nil, fmt.Errorf("lineage: build produced an invalid manifest: %w", err)
	}
	return m, d, nil
}

// parquetColumns lists the column paths of the first row group's chunks,
// in file order (the schema order).
func parquetColumns(ls []merkle.Leaf) []Column {
	var cols []Column
	for _, l := range ls {
		if l.Kind != merkle.KindChunk {
			continue
		}
		if l.RowGroup > 0 {
			break
		}
		if len(cols) == 0 || cols[len(cols)-1].Name != l.Column {
			cols = append(cols, Column{Name: l.Column})
		}
	}
	return cols
}

func (p *Provenance) normalizedCopy() *Provenance {
	n := p.normalized()
	return &n
}

// listInfos lists the objects under dir (a prefix ending in "/" or empty)
// by path relative to it. Stores whose listings lack version ids that
// Stat reports (S3 lists current objects without them) are asked with
// Stat for every object, concurrently.
func listInfos(ctx context.Context, st store.Store, dir string) (map[string]store.Info, error) {
	infos := make(map[string]store.Info)
	var first string
	for info, err := range st.List(ctx, dir) {
		if err != nil {
			return nil, err
		}
		rel := strings.TrimPrefix(info.Key, dir)
		infos[rel] = info
		if first == "" && info.VersionID == "" {
			first = rel
		}
	}
	if first == "" {
		return infos, nil
	}
	probe, err := st.Stat(ctx, dir+first)
	if err != nil || probe.VersionID == "" {
		return infos, nil // no versions to add (or a vanished object, found later)
	}
	var rels []string
	for rel, info := range infos {
		if info.VersionID == "" {
			rels = append(rels, rel)
		}
	}
	full := make([]store.Info, len(rels))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, rel := range rels {
		g.Go(func() error {
			var err error
			full[i], err = st.Stat(gctx, dir+rel)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, rel := range rels {
		infos[rel] = full[i]
	}
	return infos, nil
}

// SidecarName returns the name of the leaf sidecar of the manifest at
// manifestKey: the manifest's base name with ".json" (if any) replaced by
// ".leaves". "v1/m.json" has sidecar "m.leaves", stored next to it.
func SidecarName(manifestKey string) string {
	base := path.Base(manifestKey)
	return strings.TrimSuffix(base, ".json") + ".leaves"
}

// sidecarKey returns the key of the sidecar of the manifest at manifestKey.
func sidecarKey(manifestKey, name string) string {
	dir := path.Dir(manifestKey)
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// WriteManifest writes the leaf sidecar of d and then the manifest m to
// out: the manifest under key, the sidecar next to it, named
// SidecarName(key) and recorded in m.Sidecar. It returns the manifest
// bytes, ready to sign. d must be the dataset Build returned with m.
//
// Each file is replaced atomically: out.Put replaces an object whole (the
// local store writes a temporary file in the same directory, syncs it and
// renames it into place, then syncs the directory; S3 replaces objects
// whole), so the order of the two writes survives a power loss.
//
// The guarantee, whatever the moment of a crash: the manifest under key
// is either the old one next to its old sidecar, or the new one next to
// its new sidecar, or the old one next to the new sidecar (a crash between
// the two writes). The last state is never taken for a valid pair: the
// sidecar's header records the dataset root it was written for, and
// verification rejects it with an error wrapping ErrInvalidSidecar that
// names the sidecar and both roots; running the build again repairs it.
// A manifest is never visible next to no sidecar or an older one. The
// sidecar is a function of the dataset root, so rewriting the manifest of
// unchanged data leaves the sidecar untouched and has no such window.
// When the manifest cannot be written (an error rather than a crash), the
// previous sidecar is put back, or the new one removed if there was none,
// so the old pair is left as it was; unless the new manifest is in place
// (a Put that failed after it replaced the object): then the new pair
// stays, and the error says so.
func WriteManifest(ctx context.Context, out store.Store, key string, m *Manifest, d *merkle.Dataset) ([]byte, error) {
	if d.Root != m.Root {
		return nil, fmt.Errorf("lineage: write: dataset root %s is not the manifest's %s", d.Root, m.Root)
	}
	m.Sidecar = SidecarName(key)
	data, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	var sc bytes.Buffer
	if err := merkle.WriteSidecar(&sc, d); err != nil {
		return nil, fmt.Errorf("lineage: write sidecar: %w", err)
	}
	scKey := sidecarKey(key, m.Sidecar)
	old, oldErr := store.ReadAll(ctx, out, scKey, MaxSidecarSize)
	wrote := false
	if oldErr != nil || !bytes.Equal(old, sc.Bytes()) {
		if err := putBytes(ctx, out, scKey, sc.Bytes()); err != nil {
			return nil, fmt.Errorf("lineage: write sidecar %s: %w", scKey, err)
		}
		wrote = true
	}
	if err := putBytes(ctx, out, key, data); err != nil {
		err = fmt.Errorf("lineage: write manifest %s: %w", key, err)
		if !wrote {
			return nil, err
		}
		// A Put can fail after the object was replaced (a directory sync
		// that failed, an S3 response lost after the commit): put the old
		// sidecar back only if the new manifest is not in place, or the
		// pair would be broken the other way.
		ctx := context.WithoutCancel(ctx)
		if now, rerr := store.ReadAll(ctx, out, key, MaxManifestSize); rerr == nil && bytes.Equal(now, data) {
			return nil, fmt.Errorf("%w; the new manifest and its sidecar are in place, but may not be durable: build again to be sure", err)
		}
		if rerr := restoreSidecar(ctx, out, scKey, old, oldErr); rerr != nil {
			err = fmt.Errorf("%w; the previous sidecar could not be put back (%v), so %s does not match the manifest next to it: build again", err, rerr, scKey)
		}
		return nil, err
	}
	return data, nil
}

// restoreSidecar undoes the write of a sidecar at key whose previous
// content was old (or, with oldErr, could not be read).
func restoreSidecar(ctx context.Context, out store.Store, key string, old []byte, oldErr error) error {
	switch {
	case oldErr == nil:
		return putBytes(ctx, out, key, old)
	case errors.Is(oldErr, store.ErrNotExist):
		return out.Delete(ctx, key)
	default:
		return fmt.Errorf("it was unreadable: %w", oldErr)
	}
}

// putBytes puts data at key. Put replaces an object whole, and the local
// store syncs the file and its directory before it returns, so two puts
// in turn reach the disk in that order.
func putBytes(ctx context.Context, out store.Store, key string, data []byte) error {
	return out.Put(ctx, key, bytes.NewReader(data), int64(len(data)))
}

// ParentOf returns the Parent record of a manifest given its exact bytes:
// their digest, the dataset root and URI. The bytes are parsed and
// validated first.
func ParentOf(manifest []byte) (Parent, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return Parent{}, err
	}
	return Parent{Manifest: ManifestDigest(manifest), Root: m.Root, URI: m.Dataset.URI, Name: m.Dataset.Name}, nil
}
