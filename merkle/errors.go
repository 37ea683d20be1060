package merkle

import (
	"errors"
	"fmt"
)

// ErrMismatch reports bytes that do not match their committed hash.
var ErrMismatch = errors.New("merkle: content does not match its hash")

// ErrChanged reports an object that changed (size or version) while it was
// being hashed. It wraps store.ErrSizeMismatch when the size changed.
var ErrChanged = errors.New("merkle: object changed while hashed")

// MismatchError reports a leaf whose bytes do not hash to the committed
// leaf hash. It wraps ErrMismatch.
type MismatchError struct {
	Path   string // the entry path (object)
	Leaf   int    // the leaf index
	Offset int64  // the leaf's byte range
	Length int64
	// RowGroup and Column name the Parquet column chunk the leaf belongs
	// to; RowGroup is -1 and Column "" when the leaf is not in a chunk.
	RowGroup int
	Column   string
	Kind     LeafKind
}

func (e *MismatchError) Error() string {
	l := Leaf{Offset: e.Offset, Length: e.Length, Kind: e.Kind, RowGroup: e.RowGroup, Column: e.Column}
	return fmt.Sprintf("%s: leaf %d, %s: %v", e.Path, e.Leaf, l, ErrMismatch)
}

// Unwrap returns ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

func mismatch(path string, i int, l Leaf) *MismatchError {
	return &MismatchError{Path: path, Leaf: i, Offset: l.Offset, Length: l.Length, RowGroup: l.RowGroup, Column: l.Column, Kind: l.Kind}
}
