package merkle

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxFooterSize is the largest Parquet footer the planner reads; a file
// with a larger footer is planned as fixed parts, with a warning.
const MaxFooterSize = 16 << 20

var parquetMagic = []byte("PAR1")

// ErrNotParquet reports an object that is not a plannable Parquet file.
var ErrNotParquet = errors.New("merkle: not a plannable Parquet file")

// PlanObject returns the leaf plan of an object of size bytes read through
// r: a Parquet plan (see PlanParquet) when params enable it and the object
// is a plannable Parquet file, else fixed parts. When the object looks like
// Parquet (a ".parquet" name or the magic at either end) but cannot be
// planned as Parquet, the fixed plan's Warning says why. Errors are read
// errors only.
func PlanObject(ctx context.Context, r io.ReaderAt, size int64, name string, params Params) (*Plan, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	if params.has(PlanParquet) {
		p, err := ParquetPlan(ctx, r, size, params.PartSize)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, ErrNotParquet) {
			return nil, err
		}
		fp, ferr := FixedPlan(size, params.PartSize)
		if ferr != nil {
			return nil, ferr
		}
		var nm *notParquetError
		if errors.As(err, &nm) && (nm.looksParquet || strings.HasSuffix(strings.ToLower(name), ".parquet")) {
			fp.Warning = "planned as fixed parts: " + nm.reason
		}
		return fp, nil
	}
	return FixedPlan(size, params.PartSize)
}

type notParquetError struct {
	reason       string
	looksParquet bool // the magic was found at one end at least
}

func (e *notParquetError) Error() string { return ErrNotParquet.Error() + ": " + e.reason }
func (e *notParquetError) Unwrap() error { return ErrNotParquet }

// ParquetPlan plans a Parquet file of size bytes read through r: the
// 4-byte header magic, every column chunk (split into parts of at most
// partSize, each labelled with its row group and column path), the gaps
// between them, and the footer (metadata, its length and the trailing
// magic, split likewise). It returns an error wrapping ErrNotParquet when
// the bytes are not Parquet or the footer is corrupt or inconsistent
// (chunks outside the data area, overlapping chunks, external chunks,
// encrypted footers); other errors are read errors.
func ParquetPlan(ctx context.Context, r io.ReaderAt, size, partSize int64) (*Plan, error) {
	if partSize < MinPartSize || partSize > MaxPartSize {
		return nil, fmt.Errorf("%w: part size %d outside [%d, %d]", ErrInvalidParams, partSize, MinPartSize, MaxPartSize)
	}
	notPq := func(looks bool, format string, args ...any) error {
		return &notParquetError{reason: fmt.Sprintf(format, args...), looksParquet: looks}
	}
	if size < 12 {
		return nil, notPq(false, "%d bytes is too short for Parquet", size)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var head [4]byte
	var tail [8]byte
	if err := readFull(r, head[:], 0); err != nil {
		return nil, err
	}
	if err := readFull(r, tail[:], size-8); err != nil {
		return nil, err
	}
	headOK, tailOK := bytes.Equal(head[:], parquetMagic), bytes.Equal(tail[4:], parquetMagic)
	switch {
	case string(tail[4:]) == "PARE":
		return nil, notPq(true, "encrypted Parquet footer")
	case !headOK && !tailOK:
		return nil, notPq(false, "no Parquet magic")
	case !headOK:
		return nil, notPq(true, "no Parquet magic at the start")
	case !tailOK:
		return nil, notPq(true, "no Parquet magic at the end")
	}
	flen := int64(binary.LittleEndian.Uint32(tail[:4]))
	footerStart := size - 8 - flen
	if flen == 0 || footerStart < 4 {
		return nil, notPq(true, "footer length %d does not fit a %d-byte file", flen, size)
	}
	if flen > MaxFooterSize {
		return nil, notPq(true, "footer of %d bytes is over the %d-byte limit", flen, MaxFooterSize)
	}
	buf := make([]byte, flen)
	if err := readFull(r, buf, footerStart); err != nil {
		return nil, err
	}
	f, err := decodeParquetFooter(buf)
	if err != nil {
		return nil, notPq(true, "corrupt footer: %v", err)
	}
	return planFromFooter(f, size, footerStart, partSize, notPq)
}

func planFromFooter(f *parquetFooter, size, footerStart, partSize int64, notPq func(bool, string, ...any) error) (*Plan, error) {
	type span struct {
		start, end int64
		rg         int
		col        string
	}
	var spans []span
	for i, g := range f.groups {
		for _, c := range g {
			if c.external {
				return nil, notPq(true, "row group %d column %s is stored in another file", i, c.column)
			}
			if c.length < 0 || c.start < 4 || c.length > footerStart-c.start {
				return nil, notPq(true, "row group %d column %s: chunk [%d, +%d) outside the data area [4, %d)", i, c.column, c.start, c.length, footerStart)
			}
			if c.length == 0 {
				continue
			}
			spans = append(spans, span{c.start, c.start + c.length, i, c.column})
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			a, b := spans[i-1], spans[i]
			return nil, notPq(true, "row group %d column %s overlaps row group %d column %s", b.rg, b.col, a.rg, a.col)
		}
	}
	n := 2 + 2*len(spans) + int((size)/partSize)
	leaves := make([]Leaf, 0, n)
	leaves = append(leaves, Leaf{Offset: 0, Length: 4, Kind: KindHeader, RowGroup: -1})
	off := int64(4)
	for _, s := range spans {
		leaves = appendParts(leaves, off, s.start-off, partSize, KindGap, -1, "")
		leaves = appendParts(leaves, s.start, s.end-s.start, partSize, KindChunk, s.rg, s.col)
		off = s.end
	}
	leaves = appendParts(leaves, off, footerStart-off, partSize, KindGap, -1, "")
	leaves = appendParts(leaves, footerStart, size-footerStart, partSize, KindFooter, -1, "")
	return &Plan{
		ID:     PlanParquet,
		Size:   size,
		Leaves: leaves,
		Parquet: &ParquetInfo{
			Rows:      f.rows,
			RowGroups: len(f.groups),
			Columns:   f.columns,
			Schema:    f.schema,
		},
	}, nil
}

// readFull reads exactly len(p) bytes at off, treating a short read as an
// error even when it comes with io.EOF: a *shortReadError. Other errors of
// r are returned as they are.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return &shortReadError{n: n, want: len(p), off: off}
	}
	return err
}

// shortReadError reports a ReadAt that ended, at io.EOF or with no error,
// before the bytes it was asked for: the object is shorter than the size
// it is read as. It wraps io.ErrUnexpectedEOF. An error of the reader
// itself that wraps io.ErrUnexpectedEOF (a connection cut short) is not
// one: that is a failed read, not a shorter object.
type shortReadError struct {
	n, want int
	off     int64
}

func (e *shortReadError) Error() string {
	return fmt.Sprintf("%v: read %d of %d bytes at offset %d", io.ErrUnexpectedEOF, e.n, e.want, e.off)
}

func (e *shortReadError) Unwrap() error { return io.ErrUnexpectedEOF }
