package check

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/ingest/internal/shareddata"
)

// table is a column-oriented test table: each column is []string or
// []float64 (NaN for null).
type table struct {
	names []string
	cols  []any
}

func (t *table) rows() int {
	switch c := t.cols[0].(type) {
	case []string:
		return len(c)
	case []float64:
		return len(c)
	}
	return 0
}

// take returns the rows idx of t, in that order.
func (t *table) take(idx []int) *table {
	out := &table{names: t.names}
	for _, c := range t.cols {
		switch c := c.(type) {
		case []string:
			v := make([]string, len(idx))
			for i, j := range idx {
				v[i] = c[j]
			}
			out.cols = append(out.cols, v)
		case []float64:
			v := make([]float64, len(idx))
			for i, j := range idx {
				v[i] = c[j]
			}
			out.cols = append(out.cols, v)
		}
	}
	return out
}

func (t *table) col(name string) any {
	for i, n := range t.names {
		if n == name {
			return t.cols[i]
		}
	}
	panic("no column " + name)
}

func (t *table) strs(name string) []string    { return t.col(name).([]string) }
func (t *table) floats(name string) []float64 { return t.col(name).([]float64) }

// record builds an Arrow record of the table.
func (t *table) record(alloc memory.Allocator) arrow.RecordBatch {
	var fields []arrow.Field
	var arrs []arrow.Array
	for i, c := range t.cols {
		switch c := c.(type) {
		case []string:
			b := array.NewStringBuilder(alloc)
			b.AppendValues(c, nil)
			arrs = append(arrs, b.NewArray())
			b.Release()
			fields = append(fields, arrow.Field{Name: t.names[i], Type: arrow.BinaryTypes.String, Nullable: true})
		case []float64:
			b := array.NewFloat64Builder(alloc)
			for _, x := range c {
				if x != x {
					b.AppendNull()
				} else {
					b.Append(x)
				}
			}
			arrs = append(arrs, b.NewArray())
			b.Release()
			fields = append(fields, arrow.Field{Name: t.names[i], Type: arrow.PrimitiveTypes.Float64, Nullable: true})
		}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(t.rows()))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func loadJSONL(tb testing.TB, names ...string) *table {
	tb.Helper()
	var text, label []string
	for _, name := range names {
		p := name
		if !strings.HasPrefix(p, "/") {
			p = shareddata.Path(tb, name)
		}
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var r struct{ Text, Label string }
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				tb.Fatal(err)
			}
			text = append(text, r.Text)
			label = append(label, r.Label)
		}
		f.Close()
	}
	return &table{names: []string{"text", "label"}, cols: []any{text, label}}
}

// loadCSV reads a numeric CSV whose label column is kept as strings.
func loadCSV(tb testing.TB, name, label string) *table {
	tb.Helper()
	p := name
	if !strings.HasPrefix(p, "/") {
		p = shareddata.Path(tb, name)
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	t := &table{names: recs[0]}
	for j, n := range recs[0] {
		if n == label {
			v := make([]string, len(recs)-1)
			for i := range v {
				v[i] = recs[i+1][j]
			}
			t.cols = append(t.cols, v)
			continue
		}
		v := make([]float64, len(recs)-1)
		for i := range v {
			v[i], err = strconv.ParseFloat(recs[i+1][j], 64)
			if err != nil {
				tb.Fatalf("%s line %d: %v", name, i+2, err)
			}
		}
		t.cols = append(t.cols, v)
	}
	return t
}

// split shuffles the rows with seed and cuts them into pieces of the given
// sizes (the last piece takes the rest when its size is -1).
func split(t *table, seed uint64, sizes ...int) []*table {
	r := rand.New(rand.NewPCG(seed, 7))
	idx := r.Perm(t.rows())
	var out []*table
	at := 0
	for _, s := range sizes {
		if s < 0 {
			s = len(idx) - at
		}
		out = append(out, t.take(idx[at:at+s]))
		at += s
	}
	return out
}

func buildRef(tb testing.TB, t *table, opts Options) *Reference {
	tb.Helper()
	rec := t.record(memory.DefaultAllocator)
	defer rec.Release()
	b, err := NewBuilder(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Add(Batch{Record: rec, Path: "reference", Row: 0}); err != nil {
		tb.Fatal(err)
	}
	ref, err := b.Reference()
	if err != nil {
		tb.Fatal(err)
	}
	return ref
}

func checkTable(tb testing.TB, ref *Reference, t *table, opts Options) *Report {
	tb.Helper()
	rec := t.record(memory.DefaultAllocator)
	defer rec.Release()
	r, err := CheckRecord(ref, opts, rec, "batch", 0)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
