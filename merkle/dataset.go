package merkle

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairnml/cairn/store"
)

// Entry is one object of a dataset.
//
// Path, Size, Root and Plan are what the dataset root commits (see
// EntryHash). NumLeaves is committed through Root. Hashes, Leaves, Parquet
// and Warning are filled by Build and HashObject; an Entry rebuilt from a
// manifest has only the committed fields and NumLeaves until ReadSidecar
// fills Hashes.
type Entry struct {
	// Path is the canonical path: the object key relative to the dataset
	// prefix, byte-exact, valid per store.ValidKey.
	Path string `json:"path"`
	Size int64  `json:"size"`
	// Root is the object root (ObjectRoot over the leaf hashes).
	Root Hash   `json:"root"`
	Plan PlanID `json:"plan"`
	// NumLeaves is the number of leaves.
	NumLeaves int `json:"leaves"`

	// Hashes are the leaf hashes, in leaf order (not serialised: they go
	// to the sidecar).
	Hashes []Hash `json:"-"`
	// Leaves are the leaf byte ranges and labels; nil when unknown (the
	// verified reader then re-plans the object, see NewVerifiedReader).
	Leaves []Leaf `json:"-"`
	// Parquet holds Parquet facts for PlanParquet entries; nil otherwise.
	Parquet *ParquetInfo `json:"parquet,omitempty"`
	// Warning is non-empty when a Parquet-looking object fell back to
	// fixed parts, and says why.
	Warning string `json:"warning,omitempty"`
	// Store is the store's metadata of the version that was hashed (size,
	// mtime, version id, ETag, checksums), as Build saw it when it opened
	// the object. It is not committed by any hash.
	Store store.Info `json:"-"`
}

// Hash returns the entry hash (EntryHash of the committed fields).
func (e *Entry) Hash() Hash { return EntryHash(e.Path, e.Size, e.Root, e.Plan) }

// validate checks the committed fields of e.
func (e *Entry) validate() error {
	if err := store.ValidKey(e.Path); err != nil {
		return fmt.Errorf("%w: path %q: %s", ErrInvalidEntry, e.Path, err.Error())
	}
	if len(e.Path) > 1<<20 {
		return fmt.Errorf("%w: path of %d bytes", ErrInvalidEntry, len(e.Path))
	}
	if e.Size < 0 {
		return fmt.Errorf("%w: %s: negative size %d", ErrInvalidEntry, e.Path, e.Size)
	}
	if !e.Plan.valid() {
		return fmt.Errorf("%w: %s: unknown plan %q", ErrInvalidEntry, e.Path, e.Plan)
	}
	if e.NumLeaves < 0 || int64(e.NumLeaves) > e.Size {
		return fmt.Errorf("%w: %s: %d leaves for %d bytes", ErrInvalidEntry, e.Path, e.NumLeaves, e.Size)
	}
	if e.Hashes != nil && len(e.Hashes) != e.NumLeaves {
		return fmt.Errorf("%w: %s: %d leaf hashes for %d leaves", ErrInvalidEntry, e.Path, len(e.Hashes), e.NumLeaves)
	}
	if e.Leaves != nil && len(e.Leaves) != e.NumLeaves {
		return fmt.Errorf("%w: %s: %d leaf ranges for %d leaves", ErrInvalidEntry, e.Path, len(e.Leaves), e.NumLeaves)
	}
	return nil
}

// VerifyLeaves checks that e.Hashes hash to e.Root, and that e.Leaves, when
// set, partition the object. It returns an error wrapping ErrMismatch if
// the hashes do not match the root.
func (e *Entry) VerifyLeaves() error {
	if err := e.validate(); err != nil {
		return err
	}
	if e.Hashes == nil {
		return fmt.Errorf("%w: %s: no leaf hashes", ErrInvalidEntry, e.Path)
	}
	if got := ObjectRoot(e.Size, e.Hashes); got != e.Root {
		return fmt.Errorf("%w: %s: leaf hashes give object root %s, want %s", ErrMismatch, e.Path, got, e.Root)
	}
	return nil
}

// Dataset is a dataset tree: its entries sorted by path and the root that
// commits them.
type Dataset struct {
	Root   Hash   `json:"root"`
	Params Params `json:"params"`
	// Bytes is the total size of all entries.
	Bytes int64 `json:"bytes"`
	// Entries are sorted by path bytes, without duplicates.
	Entries []Entry `json:"entries"`
}

// ErrInvalidEntry reports an entry that cannot be part of a dataset.
var ErrInvalidEntry = errors.New("merkle: invalid entry")

// NewDataset validates params and entries, sorts the entries by path and
// computes the dataset root. It does not verify the object roots against
// leaf hashes (see Entry.VerifyLeaves and ReadSidecar). The entries slice
// is sorted in place and kept.
func NewDataset(params Params, entries []Entry) (*Dataset, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	var total int64
	hs := make([]Hash, len(entries))
	for i := range entries {
		e := &entries[i]
		if err := e.validate(); err != nil {
			return nil, err
		}
		if i > 0 && entries[i-1].Path == e.Path {
			return nil, fmt.Errorf("%w: path %q appears twice", ErrInvalidEntry, e.Path)
		}
		if !params.has(e.Plan) {
			return nil, fmt.Errorf("%w: %s: plan %q not enabled in the parameters", ErrInvalidEntry, e.Path, e.Plan)
		}
		if total+e.Size < total {
			return nil, fmt.Errorf("%w: total size overflows", ErrInvalidEntry)
		}
		total += e.Size
		hs[i] = e.Hash()
	}
	return &Dataset{
		Root:    DatasetRoot(params, total, hs),
		Params:  params,
		Bytes:   total,
		Entries: entries,
	}, nil
}

// Find returns the index of the entry with the given path, or -1.
func (d *Dataset) Find(path string) int {
	i, ok := slices.BinarySearchFunc(d.Entries, path, func(e Entry, p string) int { return strings.Compare(e.Path, p) })
	if !ok {
		return -1
	}
	return i
}

// Warnings returns "path: warning" for every entry with a warning, in path order.
func (d *Dataset) Warnings() []string {
	var ws []string
	for _, e := range d.Entries {
		if e.Warning != "" {
			ws = append(ws, e.Path+": "+e.Warning)
		}
	}
	return ws
}

func (d *Dataset) entryHashes() []Hash {
	hs := make([]Hash, len(d.Entries))
	for i := range d.Entries {
		hs[i] = d.Entries[i].Hash()
	}
	return hs
}
