package merkle

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// TestFooterAllocationBomb builds a footer whose schema list claims 2^31-1
// elements: the planner must refuse it quickly, without allocating.
func TestFooterAllocationBomb(t *testing.T) {
	footer := []byte{
		0x15, 0x02, // field 1 (version), i32 1
		0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, // field 2 (schema), list of 2^31-1 structs
		0x00, 0x00, 0x00,
	}
	if err := checkThriftCompact(footer); err == nil {
		t.Fatal("bomb accepted by the checker")
	}
	file := append([]byte("PAR1"), footer...)
	file = binary.LittleEndian.AppendUint32(file, uint32(len(footer)))
	file = append(file, "PAR1"...)
	start := time.Now()
	_, err := ParquetPlan(context.Background(), bytes.NewReader(file), int64(len(file)), MinPartSize)
	if !errors.Is(err, ErrNotParquet) {
		t.Fatalf("ParquetPlan: %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("too slow")
	}
	// Deep nesting is refused too.
	deep := bytes.Repeat([]byte{0x1c}, 100) // field +1, struct, nested
	if err := checkThriftCompact(deep); err == nil {
		t.Fatal("deep nesting accepted")
	}
}

func TestFindLeaf(t *testing.T) {
	p, _ := FixedPlan(10_000, MinPartSize)
	for off := range int64(10_000) {
		i := findLeaf(p.Leaves, off)
		if l := p.Leaves[i]; off < l.Offset || off >= l.End() {
			t.Fatalf("findLeaf(%d) = %d (%v)", off, i, l)
		}
	}
}

func TestNextLeaves(t *testing.T) {
	ls := []Leaf{
		{Kind: KindHeader, RowGroup: -1},
		{Kind: KindChunk, RowGroup: 0, Column: "a"},
		{Kind: KindChunk, RowGroup: 0, Column: "a"},
		{Kind: KindChunk, RowGroup: 0, Column: "b"},
		{Kind: KindChunk, RowGroup: 1, Column: "a"},
		{Kind: KindChunk, RowGroup: 1, Column: "b"},
		{Kind: KindFooter, RowGroup: -1},
	}
	got := nextLeaves(ls)
	want := []int{1, 2, 4, 5, -1, -1, -1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("nextLeaves = %v, want %v", got, want)
		}
	}
}
