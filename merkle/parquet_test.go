package merkle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairnml/cairn/merkle"
	"github.com/parquet-go/parquet-go"
)

var (
	pqDirOnce sync.Once
	pqDir     string
)

// parquetTestdata returns the .parquet files shipped in parquet-go's module
// (apache/parquet-testing files and parquet-go's own).
func parquetTestdata(t testing.TB) []string {
	t.Helper()
	pqDirOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/parquet-go/parquet-go").Output()
		if err == nil {
			pqDir = strings.TrimSpace(string(out))
		}
	})
	if pqDir == "" {
		t.Skip("parquet-go module directory not found")
	}
	var files []string
	filepath.WalkDir(filepath.Join(pqDir, "testdata"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no Parquet test files")
	}
	return files
}

// checkPartition asserts that every byte is in exactly one leaf.
func checkPartition(t testing.TB, p *merkle.Plan, part int64) {
	t.Helper()
	if err := p.Validate(part); err != nil {
		t.Fatal(err)
	}
	cover := make([]uint8, p.Size)
	for _, l := range p.Leaves {
		for i := l.Offset; i < l.End(); i++ {
			cover[i]++
		}
	}
	for i, c := range cover {
		if c != 1 {
			t.Fatalf("byte %d is in %d leaves", i, c)
		}
	}
}

func TestParquetPlanTestdata(t *testing.T) {
	ctx := context.Background()
	planned := 0
	for _, f := range parquetTestdata(t) {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []int64{merkle.MinPartSize, merkle.DefaultPartSize} {
			p, err := merkle.PlanObject(ctx, bytes.NewReader(data), int64(len(data)), name, merkle.Params{PartSize: part, Plans: []merkle.PlanID{"fixed", "parquet"}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkPartition(t, p, part)
			if p.ID == merkle.PlanFixed {
				if p.Warning == "" {
					t.Errorf("%s: fixed plan without a warning", name)
				}
				if part == merkle.MinPartSize {
					t.Logf("%s: %s", name, p.Warning)
				}
				continue
			}
			planned++
			if p.Leaves[0].Kind != merkle.KindHeader || p.Leaves[len(p.Leaves)-1].Kind != merkle.KindFooter {
				t.Errorf("%s: plan does not start with the header and end with the footer", name)
			}
			for _, l := range p.Leaves {
				if l.Kind == merkle.KindChunk && (l.Column == "" || l.RowGroup < 0 || l.RowGroup >= p.Parquet.RowGroups) {
					t.Errorf("%s: chunk leaf %+v", name, l)
				}
			}
		}
	}
	if planned == 0 {
		t.Fatal("no test file was planned as Parquet")
	}
}

func TestParquetPlanLabels(t *testing.T) {
	data := parquetBytes(t, 5000, 1000, 4)
	p, err := merkle.ParquetPlan(context.Background(), bytes.NewReader(data), int64(len(data)), merkle.MinPartSize)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, p, merkle.MinPartSize)
	seen := map[string]bool{}
	split := false
	for i, l := range p.Leaves {
		if l.Kind == merkle.KindChunk {
			seen[l.Column+"@"+string(rune('0'+l.RowGroup))] = true
			if i > 0 && p.Leaves[i-1].Kind == merkle.KindChunk && p.Leaves[i-1].Column == l.Column && p.Leaves[i-1].RowGroup == l.RowGroup {
				split = true
			}
		}
	}
	// 5 row groups x 4 leaf columns (id, name, score, tags.list.element).
	if len(seen) != 20 || p.Parquet.RowGroups != 5 || p.Parquet.Rows != 5000 || p.Parquet.Columns != 4 {
		t.Errorf("chunks %v, facts %+v", seen, p.Parquet)
	}
	if !split {
		t.Error("no column chunk was split into parts")
	}
}

func TestParquetBadFooters(t *testing.T) {
	ctx := context.Background()
	good := parquetBytes(t, 100, 50, 5)
	n := len(good)
	flen := binary.LittleEndian.Uint32(good[n-8:])
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	setLen := func(v uint32) []byte {
		return mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[n-8:], v); return b })
	}
	cases := map[string][]byte{
		"truncated":           good[:n-1],
		"truncated half":      good[:n/2],
		"footer len too big":  setLen(uint32(n)),
		"footer len 0":        setLen(0),
		"footer len max":      setLen(^uint32(0)),
		"footer len short":    setLen(flen - 10),
		"no head magic":       mutate(func(b []byte) []byte { b[0] = 'X'; return b }),
		"encrypted":           mutate(func(b []byte) []byte { copy(b[n-4:], "PARE"); return b }),
		"footer garbage":      mutate(func(b []byte) []byte { copy(b[n-8-int(flen):], bytes.Repeat([]byte{0xff}, 40)); return b }),
		"only magic":          []byte("PAR1\x00\x00\x00\x00PAR1"),
		"magic with 1 byte":   []byte("PAR1\x01\x01\x00\x00\x00PAR1"),
		"extension, no magic": []byte("just some text, not parquet"),
	}
	for name, data := range cases {
		p, err := merkle.PlanObject(ctx, bytes.NewReader(data), int64(len(data)), "x.parquet", merkle.DefaultParams())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkPartition(t, p, merkle.DefaultPartSize)
		if p.ID != merkle.PlanFixed || p.Warning == "" {
			t.Errorf("%s: plan %s, warning %q; want a fixed plan with a warning", name, p.ID, p.Warning)
		}
		if _, err := merkle.ParquetPlan(ctx, bytes.NewReader(data), int64(len(data)), merkle.DefaultPartSize); !errors.Is(err, merkle.ErrNotParquet) {
			t.Errorf("%s: ParquetPlan error %v, want ErrNotParquet", name, err)
		}
	}
	// A plain file without the .parquet name gets no warning.
	p, err := merkle.PlanObject(ctx, strings.NewReader("hello"), 5, "x.txt", merkle.DefaultParams())
	if err != nil || p.Warning != "" || p.ID != merkle.PlanFixed {
		t.Errorf("plain file: %+v %v", p, err)
	}
}

// FuzzParquetPlan feeds random and mutated bytes to the planner: it must
// return a partition of the input or ErrNotParquet, never panic.
func FuzzParquetPlan(f *testing.F) {
	f.Add(parquetBytes(f, 20, 10, 6))
	f.Add(parquetBytes(f, 3, 1, 7))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Add([]byte("PAR1\x15\x00\x15\x00\x1c\x00\x00\x00PAR1"))
	if files := parquetTestdataMaybe(); len(files) > 0 {
		for _, p := range files[:min(len(files), 8)] {
			if b, err := os.ReadFile(p); err == nil && len(b) < 8<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := merkle.ParquetPlan(context.Background(), bytes.NewReader(data), int64(len(data)), merkle.MinPartSize)
		if err != nil {
			if !errors.Is(err, merkle.ErrNotParquet) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		checkPartition(t, p, merkle.MinPartSize)
	})
}

func parquetTestdataMaybe() []string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/parquet-go/parquet-go").Output()
	if err != nil {
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "testdata", "*.parquet"))
	return m
}

// TestParquetWideFooter plans a file with a large footer (300 columns x 40
// row groups with statistics): the thrift checker's budget must accept it.
func TestParquetWideFooter(t *testing.T) {
	group := parquet.Group{}
	for i := range 300 {
		group[fmt.Sprintf("column_with_a_long_name_%03d", i)] = parquet.Optional(parquet.Leaf(parquet.Int64Type))
	}
	schema := parquet.NewSchema("wide", group)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema)
	for rg := range 40 {
		row := make(parquet.Row, 0, 300)
		for c := range 300 {
			row = append(row, parquet.Int64Value(int64(rg*c)).Level(0, 1, c))
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	flen := binary.LittleEndian.Uint32(data[len(data)-8:])
	p, err := merkle.PlanObject(context.Background(), bytes.NewReader(data), int64(len(data)), "wide.parquet", merkle.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != merkle.PlanParquet {
		t.Fatalf("footer of %d bytes: planned %s: %s", flen, p.ID, p.Warning)
	}
	if p.Parquet.RowGroups != 40 || p.Parquet.Columns != 300 {
		t.Errorf("facts %+v", p.Parquet)
	}
	t.Logf("footer %d bytes, %d leaves", flen, len(p.Leaves))
}
