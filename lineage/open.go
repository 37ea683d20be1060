package lineage

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
)

// VerifiedDataset opens the objects of a dataset through its manifest, so
// a data loader reads only verified bytes. It is safe for concurrent use.
type VerifiedDataset struct {
	m     *Manifest
	ds    *merkle.Dataset
	st    store.Store
	dir   string
	cache int64
}

// OpenDataset checks the loaded manifest's root against its entries and
// its sidecar against the roots, and returns a VerifiedDataset reading the
// objects under prefix in st. cacheSize is the leaf-cache budget of each
// opened object (see merkle.ReaderOptions; 0 means the default).
func OpenDataset(l *Loaded, st store.Store, prefix string, cacheSize int64) (*VerifiedDataset, error) {
	m := l.Manifest
	if err := m.CheckRoot(); err != nil {
		return nil, err
	}
	if l.Sidecar == nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSidecar, l.SidecarErr)
	}
	ds := &merkle.Dataset{Root: m.Root, Params: m.Tree.Params(), Bytes: m.Bytes, Entries: m.MerkleEntries()}
	if err := merkle.ReadSidecar(bytes.NewReader(l.Sidecar), ds); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSidecar, err)
	}
	return &VerifiedDataset{m: m, ds: ds, st: st, dir: dirPrefix(prefix), cache: cacheSize}, nil
}

// BuiltDataset returns a VerifiedDataset over a tree just built by Build
// (its manifest and dataset, with the leaf hashes in memory), so that a
// second pass over the data at build time, such as a poisoning check or a
// classification, reads the bytes that were hashed and fails on any that
// changed since.
func BuiltDataset(m *Manifest, ds *merkle.Dataset, st store.Store, prefix string, cacheSize int64) *VerifiedDataset {
	return &VerifiedDataset{m: m, ds: ds, st: st, dir: dirPrefix(prefix), cache: cacheSize}
}

// Path returns the dataset path of a store key under the dataset's
// prefix, and false for a key outside it.
func (d *VerifiedDataset) Path(key string) (string, bool) {
	if !strings.HasPrefix(key, d.dir) {
		return "", false
	}
	return key[len(d.dir):], true
}

// Manifest returns the manifest.
func (d *VerifiedDataset) Manifest() *Manifest { return d.m }

// VerifiedObject is one object of a VerifiedDataset: an io.ReaderAt that
// returns only bytes whose leaves matched (a *merkle.MismatchError, naming
// the leaf, byte range, row group and column, otherwise).
type VerifiedObject struct {
	*merkle.VerifiedReader
	obj store.Object
}

// Close stops the reader's read-ahead, drops its cache and releases the
// underlying object.
func (o *VerifiedObject) Close() error {
	o.VerifiedReader.Close()
	return o.obj.Close()
}

// Open opens the object at path (relative to the dataset prefix). It fails
// if path is not in the manifest or the object's size differs from the
// manifest's.
func (d *VerifiedDataset) Open(ctx context.Context, path string) (*VerifiedObject, error) {
	i := d.ds.Find(path)
	if i < 0 {
		return nil, fmt.Errorf("lineage: %q is not in the manifest: %w", path, store.ErrNotExist)
	}
	e := d.ds.Entries[i]
	obj, err := d.st.Open(ctx, d.dir+path)
	if err != nil {
		return nil, err
	}
	opts := merkle.ReaderOptions{PartSize: d.m.Tree.PartSize, CacheSize: d.cache}
	if h, ok := d.st.(store.ReadHinter); ok {
		// A store that advises concurrency (S3) waits on the network:
		// read ahead with as many requests in flight.
		opts.Workers = h.ReadHint().Concurrency
	}
	vr, err := merkle.NewVerifiedReader(ctx, obj, &e, opts)
	if err != nil {
		obj.Close()
		return nil, err
	}
	return &VerifiedObject{VerifiedReader: vr, obj: obj}, nil
}
