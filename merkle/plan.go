package merkle

import (
	"errors"
	"fmt"
)

// LeafKind says what part of an object a leaf covers.
type LeafKind uint8

// Leaf kinds.
const (
	KindPart   LeafKind = iota // a fixed-size part of a generic object
	KindHeader                 // the Parquet header magic "PAR1"
	KindChunk                  // (part of) a Parquet column chunk
	KindGap                    // Parquet bytes outside chunks: page indexes, bloom filters, padding
	KindFooter                 // (part of) the Parquet footer: metadata, its length and the magic
)

var kindNames = [...]string{"part", "header", "chunk", "gap", "footer"}

// String returns the kind's name as used in docs/FORMAT.md.
func (k LeafKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("LeafKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k LeafKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *LeafKind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if string(b) == n {
			*k = LeafKind(i)
			return nil
		}
	}
	return fmt.Errorf("merkle: unknown leaf kind %q", b)
}

// Leaf is one leaf of an object: a byte range and what it holds. The leaves
// of an object partition its bytes: they are in offset order, non-empty,
// contiguous, start at 0 and end at the object size.
type Leaf struct {
	Offset int64    `json:"offset"`
	Length int64    `json:"length"`
	Kind   LeafKind `json:"kind"`
	// RowGroup is the Parquet row group index of a KindChunk leaf, and -1
	// for every other kind.
	RowGroup int `json:"row_group"`
	// Column is the dotted Parquet column path of a KindChunk leaf, and ""
	// for every other kind.
	Column string `json:"column,omitempty"`
}

// End returns Offset+Length.
func (l Leaf) End() int64 { return l.Offset + l.Length }

// String describes the leaf for error messages, for example
// "bytes [4, 1028) (row group 0, column a.b)".
func (l Leaf) String() string {
	s := fmt.Sprintf("bytes [%d, %d)", l.Offset, l.End())
	switch l.Kind {
	case KindChunk:
		s += fmt.Sprintf(" (row group %d, column %s)", l.RowGroup, l.Column)
	case KindPart:
	default:
		s += " (" + l.Kind.String() + ")"
	}
	return s
}

// Plan is how an object is cut into leaves.
type Plan struct {
	ID     PlanID
	Size   int64
	Leaves []Leaf
	// Warning is set when the object looked like Parquet (by name or magic)
	// but could not be planned as Parquet, and says why; the object is then
	// planned as fixed parts.
	Warning string
	// Parquet holds facts read from a Parquet footer; nil otherwise.
	Parquet *ParquetInfo
}

// ParquetInfo holds cheap facts from a Parquet footer.
type ParquetInfo struct {
	Rows      int64 `json:"rows"`
	RowGroups int   `json:"row_groups"`
	Columns   int   `json:"columns"`
	// Schema is a fingerprint of the schema: BLAKE3 (unkeyed) of the
	// canonical schema description defined in docs/FORMAT.md.
	Schema Hash `json:"schema"`
}

// ErrInvalidPlan reports a leaf plan that is not a partition of its object.
var ErrInvalidPlan = errors.New("merkle: invalid leaf plan")

// FixedPlan returns the fixed-parts plan of an object of size bytes: parts
// of partSize bytes, the last one shorter; no leaves for size 0.
func FixedPlan(size, partSize int64) (*Plan, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: negative size %d", ErrInvalidPlan, size)
	}
	if partSize < MinPartSize || partSize > MaxPartSize {
		return nil, fmt.Errorf("%w: part size %d outside [%d, %d]", ErrInvalidParams, partSize, MinPartSize, MaxPartSize)
	}
	n := (size + partSize - 1) / partSize
	p := &Plan{ID: PlanFixed, Size: size, Leaves: make([]Leaf, 0, n)}
	p.Leaves = appendParts(p.Leaves, 0, size, partSize, KindPart, -1, "")
	return p, nil
}

// appendParts appends leaves covering [off, off+n) in parts of at most partSize.
func appendParts(ls []Leaf, off, n, partSize int64, kind LeafKind, rg int, col string) []Leaf {
	for n > 0 {
		l := min(n, partSize)
		ls = append(ls, Leaf{Offset: off, Length: l, Kind: kind, RowGroup: rg, Column: col})
		off += l
		n -= l
	}
	return ls
}

// Validate checks that p's leaves partition [0, p.Size) with no leaf longer
// than partSize, and that the labels fit the kinds.
func (p *Plan) Validate(partSize int64) error {
	if !p.ID.valid() {
		return fmt.Errorf("%w: unknown plan id %q", ErrInvalidPlan, p.ID)
	}
	var off int64
	for i, l := range p.Leaves {
		switch {
		case l.Offset != off:
			return fmt.Errorf("%w: leaf %d starts at %d, want %d", ErrInvalidPlan, i, l.Offset, off)
		case l.Length <= 0:
			return fmt.Errorf("%w: leaf %d has length %d", ErrInvalidPlan, i, l.Length)
		case l.Length > partSize:
			return fmt.Errorf("%w: leaf %d has length %d over the part size %d", ErrInvalidPlan, i, l.Length, partSize)
		case (l.Kind == KindChunk) != (l.RowGroup >= 0):
			return fmt.Errorf("%w: leaf %d of kind %s has row group %d", ErrInvalidPlan, i, l.Kind, l.RowGroup)
		case p.ID == PlanFixed && l.Kind != KindPart, p.ID == PlanParquet && l.Kind == KindPart:
			return fmt.Errorf("%w: leaf %d of kind %s in a %s plan", ErrInvalidPlan, i, l.Kind, p.ID)
		}
		off += l.Length
	}
	if off != p.Size {
		return fmt.Errorf("%w: leaves cover %d bytes of %d", ErrInvalidPlan, off, p.Size)
	}
	return nil
}

// find returns the index of the leaf containing offset off (0 <= off < size).
func findLeaf(ls []Leaf, off int64) int {
	lo, hi := 0, len(ls)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ls[m].End() <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
