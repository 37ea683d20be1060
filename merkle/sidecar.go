package merkle

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SidecarMagic opens every leaf sidecar (docs/FORMAT.md §7).
const SidecarMagic = "cairn.leaves/v1\n"

// sidecarHeaderSize is the magic, the dataset root, the entry count and
// the leaf count.
const sidecarHeaderSize = len(SidecarMagic) + 32 + 8 + 8

// ErrSidecar reports a leaf sidecar that is malformed or does not match
// the dataset it is read for.
var ErrSidecar = errors.New("merkle: bad leaf sidecar")

// SidecarSize returns the exact size in bytes of d's sidecar.
func SidecarSize(d *Dataset) int64 {
	var n int64
	for i := range d.Entries {
		n += int64(d.Entries[i].NumLeaves)
	}
	return int64(sidecarHeaderSize) + 32*n
}

// WriteSidecar writes the leaf sidecar of d to w: a 64-byte header (magic,
// dataset root, entry count, leaf count) and then 32 bytes per leaf, the
// leaf hashes of each entry in entry order. Every entry must have its leaf
// hashes, and they must match its object root.
func WriteSidecar(w io.Writer, d *Dataset) error {
	var leaves uint64
	for i := range d.Entries {
		e := &d.Entries[i]
		if err := e.VerifyLeaves(); err != nil {
			return fmt.Errorf("merkle: writing sidecar: %w", err)
		}
		leaves += uint64(len(e.Hashes))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	hdr := make([]byte, 0, sidecarHeaderSize)
	hdr = append(hdr, SidecarMagic...)
	hdr = append(hdr, d.Root[:]...)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(d.Entries)))
	hdr = binary.LittleEndian.AppendUint64(hdr, leaves)
	bw.Write(hdr)
	for i := range d.Entries {
		for _, h := range d.Entries[i].Hashes {
			bw.Write(h[:])
		}
	}
	return bw.Flush()
}

// ReadSidecar reads a leaf sidecar for d from r and verifies it before
// using it: d's root must match its entries and parameters, the header
// must name d.Root and d's entry and leaf counts (NumLeaves of each entry),
// every entry's leaf hashes must give its object root, and r must end
// right after the last hash. On success it sets Hashes on every entry of
// d; on failure d is unchanged and the error wraps ErrSidecar (or
// ErrMismatch for hashes that do not match a root).
func ReadSidecar(r io.Reader, d *Dataset) error {
	check, err := NewDataset(d.Params, append([]Entry(nil), d.Entries...))
	if err != nil {
		return err
	}
	if check.Root != d.Root {
		return fmt.Errorf("%w: dataset entries give root %s, want %s", ErrMismatch, check.Root, d.Root)
	}
	var leaves uint64
	for i := range d.Entries {
		leaves += uint64(d.Entries[i].NumLeaves)
	}
	hdr := make([]byte, sidecarHeaderSize)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return fmt.Errorf("%w: reading header: %w", ErrSidecar, err)
	}
	if string(hdr[:len(SidecarMagic)]) != SidecarMagic {
		return fmt.Errorf("%w: bad magic %q", ErrSidecar, hdr[:len(SidecarMagic)])
	}
	rest := hdr[len(SidecarMagic):]
	if !bytes.Equal(rest[:32], d.Root[:]) {
		return fmt.Errorf("%w: sidecar is for dataset root %x, not %s", ErrSidecar, rest[:32], d.Root)
	}
	if n := binary.LittleEndian.Uint64(rest[32:]); n != uint64(len(d.Entries)) {
		return fmt.Errorf("%w: sidecar has %d entries, dataset %d", ErrSidecar, n, len(d.Entries))
	}
	if n := binary.LittleEndian.Uint64(rest[40:]); n != leaves {
		return fmt.Errorf("%w: sidecar has %d leaves, dataset %d", ErrSidecar, n, leaves)
	}
	all := make([]Hash, leaves)
	br := bufio.NewReaderSize(r, 64<<10)
	for i := range all {
		if _, err := io.ReadFull(br, all[i][:]); err != nil {
			return fmt.Errorf("%w: reading leaf hash %d of %d: %w", ErrSidecar, i, leaves, err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("%w: trailing bytes after %d leaf hashes", ErrSidecar, leaves)
		}
		return fmt.Errorf("%w: %w", ErrSidecar, err)
	}
	hs := all
	for i := range d.Entries {
		e := &d.Entries[i]
		mine := hs[:e.NumLeaves:e.NumLeaves]
		hs = hs[e.NumLeaves:]
		if got := ObjectRoot(e.Size, mine); got != e.Root {
			return fmt.Errorf("%w: %s: sidecar leaf hashes give object root %s, want %s", ErrMismatch, e.Path, got, e.Root)
		}
	}
	hs = all
	for i := range d.Entries {
		e := &d.Entries[i]
		e.Hashes = hs[:e.NumLeaves:e.NumLeaves]
		hs = hs[e.NumLeaves:]
	}
	return nil
}
