package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/cairnml/cairn/store/mem"
)

func TestReadShuttleCSV(t *testing.T) {
	s := mem.New()
	put(t, s, "d/shuttle.csv", readShared(t, "shuttle.csv"))
	var rows int64
	var next int64
	var first arrow.RecordBatch
	for b, err := range Read(context.Background(), s, "d", ReadOptions{BatchSize: 5000}) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Path != "d/shuttle.csv" || b.Row != next {
			t.Fatalf("batch at %s:%d, want row %d", b.Path, b.Row, next)
		}
		if b.Record.NumRows() > 5000 {
			t.Fatalf("batch of %d rows", b.Record.NumRows())
		}
		if first == nil {
			b.Record.Retain()
			first = b.Record
		}
		next += b.Record.NumRows()
		rows += b.Record.NumRows()
	}
	defer first.Release()
	if rows != 58000 {
		t.Fatalf("rows = %d, want 58000", rows)
	}
	sc := first.Schema()
	if sc.NumFields() != 10 || sc.Field(0).Name != "V1" || sc.Field(0).Type.ID() != arrow.INT64 || sc.Field(9).Type.ID() != arrow.STRING {
		t.Fatalf("schema %v", sc)
	}
	// Row 0 is 50,21,77,0,28,0,27,48,22,"Fpv.Close".
	if v := first.Column(0).(*array.Int64).Value(0); v != 50 {
		t.Errorf("V1[0] = %d", v)
	}
	if v := first.Column(9).(*array.String).Value(1); v != "High" {
		t.Errorf("Class[1] = %q", v)
	}
}

func TestReadProjectionAndReutersJSONL(t *testing.T) {
	s := mem.New()
	put(t, s, "r/train.jsonl", readShared(t, "reuterscorn-train.jsonl"))
	put(t, s, "r/test.jsonl", readShared(t, "reuterscorn-test.jsonl"))
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	var paths []string
	rows := map[string]int64{}
	for b, err := range Read(context.Background(), s, "r", ReadOptions{Columns: []string{"label"}, Allocator: alloc}) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Record.NumCols() != 1 || b.Record.Schema().Field(0).Name != "label" || b.Record.Schema().Field(0).Type.ID() != arrow.STRING {
			t.Fatalf("projection gave %v", b.Record.Schema())
		}
		if b.Row != rows[b.Path] {
			t.Fatalf("%s: batch starts at %d, want %d", b.Path, b.Row, rows[b.Path])
		}
		if len(paths) == 0 || paths[len(paths)-1] != b.Path {
			paths = append(paths, b.Path)
		}
		rows[b.Path] += b.Record.NumRows()
	}
	if strings.Join(paths, ",") != "r/test.jsonl,r/train.jsonl" {
		t.Fatalf("order %v", paths)
	}
	if rows["r/train.jsonl"] != 1554 || rows["r/test.jsonl"] != 604 {
		t.Fatalf("rows %v", rows)
	}
}

type fixture struct {
	ID    int64   `parquet:"id"`
	Score float64 `parquet:"score"`
	Name  string  `parquet:"name"`
}

func parquetFixture(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[fixture](&buf, parquet.MaxRowsPerRowGroup(int64(n/3+1)))
	rows := make([]fixture, n)
	for i := range rows {
		rows[i] = fixture{ID: int64(i), Score: float64(i) / 2, Name: []string{"a", "b", "c"}[i%3]}
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadParquetAndIPC(t *testing.T) {
	s := mem.New()
	pq := parquetFixture(t, 1000)
	put(t, s, "p/a.parquet", pq)
	// The same rows as Arrow IPC file and stream.
	var recs []arrow.RecordBatch
	for b, err := range Read(context.Background(), s, "p/a.parquet", ReadOptions{BatchSize: 300}) {
		if err != nil {
			t.Fatal(err)
		}
		b.Record.Retain()
		recs = append(recs, b.Record)
	}
	if len(recs) != 4 || recs[3].NumRows() != 100 {
		t.Fatalf("%d batches", len(recs))
	}
	var file, stream bytes.Buffer
	fw, err := ipc.NewFileWriter(&file, ipc.WithSchema(recs[0].Schema()))
	if err != nil {
		t.Fatal(err)
	}
	sw := ipc.NewWriter(&stream, ipc.WithSchema(recs[0].Schema()))
	for _, r := range recs {
		if err := fw.Write(r); err != nil {
			t.Fatal(err)
		}
		if err := sw.Write(r); err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	fw.Close()
	sw.Close()
	put(t, s, "p/b.arrow", file.Bytes())
	put(t, s, "p/c.arrows", stream.Bytes())
	sums := map[string]int64{}
	for b, err := range Read(context.Background(), s, "p", ReadOptions{Columns: []string{"id"}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids := b.Record.Column(0).(*array.Int64)
		for i := range ids.Len() {
			if ids.Value(i) != b.Row+int64(i) {
				t.Fatalf("%s row %d has id %d", b.Path, b.Row+int64(i), ids.Value(i))
			}
			sums[b.Path]++
		}
	}
	for _, k := range []string{"p/a.parquet", "p/b.arrow", "p/c.arrows"} {
		if sums[k] != 1000 {
			t.Errorf("%s: %d rows", k, sums[k])
		}
	}
}

func TestReadBadInput(t *testing.T) {
	pq := parquetFixture(t, 100)
	cases := []struct {
		name, key, data string
		want            []string // substrings of the error
		class           error
	}{
		{"ragged", "x.csv", "a,b\n1,2\n3\n", []string{"x.csv", "line 3", "wrong number of fields"}, ErrFormat},
		{"bad quote", "x.csv", "a,b\n1,\"2\n3,4\n", []string{"x.csv", "line 2", "quote"}, ErrFormat},
		{"bare quote", "x.csv", "a,b\n1,2\"x\n", []string{"x.csv", "line 2"}, ErrFormat},
		{"dup header", "x.csv", "a,a\n1,2\n", []string{"duplicate column"}, ErrFormat},
		{"empty csv", "x.csv", "", []string{"x.csv", "no bytes"}, ErrEmpty},
		{"invalid json", "x.jsonl", "{\"a\":1}\n{\"a\":\n", []string{"x.jsonl", "line 2", "invalid JSON"}, ErrFormat},
		{"not object", "x.jsonl", "{\"a\":1}\n[1]\n", []string{"line 2", "not an object"}, ErrFormat},
		{"mixed types", "x.jsonl", "{\"a\":{\"b\":1}}\n\n{\"a\":{\"b\":\"x\"}}\n", []string{"x.jsonl", "line 3", "a.b", "mixed types", "line 1"}, ErrFormat},
		{"blank jsonl", "x.jsonl", "\n\n", []string{"no JSON objects"}, ErrEmpty},
		{"truncated parquet", "x.parquet", string(pq[:len(pq)/2]), []string{"x.parquet"}, ErrFormat},
		{"garbage parquet", "x.parquet", "PAR1 this is not parquet PAR1", []string{"x.parquet"}, ErrFormat},
		{"garbage arrow", "x.arrow", "ARROW1\x00\x00garbage", []string{"x.arrow"}, ErrFormat},
		{"unknown ext", "x.txt", "hello", []string{"x.txt", "unsupported"}, ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mem.New()
			put(t, s, c.key, []byte(c.data))
			_, _, err := collect(t, s, c.key, ReadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.class) {
				t.Errorf("error %v is not %v", err, c.class)
			}
			var re *ReadError
			if !errors.As(err, &re) {
				t.Errorf("error %T is not a *ReadError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// Corrupting bytes in the middle of a Parquet file never panics.
	for i := 4; i < len(pq)-8; i += 7 {
		bad := bytes.Clone(pq)
		bad[i] ^= 0xff
		s := mem.New()
		put(t, s, "c.parquet", bad)
		for _, err := range Read(context.Background(), s, "c.parquet", ReadOptions{}) {
			_ = err
		}
	}
}

func TestReadInference(t *testing.T) {
	s := mem.New()
	put(t, s, "t.csv", []byte("i,f,b,s,n,x\n1,1.5,true,a,,NaN\n2,NaN,FALSE,1,NA,inf\n,-Inf,,b,,-1e400\n"))
	put(t, s, "t.jsonl", []byte(`{"a":1,"o":{"p":"x","q":[1,2]}}`+"\n"+`{"a":2.5,"o":null}`+"\n"+`{"z":true}`+"\n"))
	types := map[string]string{}
	var nanSeen bool
	for b, err := range Read(context.Background(), s, "", ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range b.Record.Schema().Fields() {
			types[b.Path+":"+f.Name] = f.Type.String()
			if f.Name == "x" {
				x := b.Record.Column(i).(*array.Float64)
				nanSeen = x.Value(0) != x.Value(0) && x.Value(1) > 1e308 && x.Value(2) < -1e308
			}
		}
	}
	want := map[string]string{
		"t.csv:i": "int64", "t.csv:f": "float64", "t.csv:b": "bool", "t.csv:s": "utf8", "t.csv:n": "null", "t.csv:x": "float64",
		"t.jsonl:a": "float64", "t.jsonl:o": "struct<p: utf8 nullable, q: list<item: int64, nullable> nullable>", "t.jsonl:z": "bool",
	}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("%s: type %s, want %s", k, types[k], v)
		}
	}
	if !nanSeen {
		t.Error("NaN/Inf not read as floats")
	}
}

// TestReadCSVVerbatim: with CSVOptions.Verbatim every column is utf8 and
// every cell its exact text; nothing is inferred, nothing is null.
func TestReadCSVVerbatim(t *testing.T) {
	s := mem.New()
	put(t, s, "t.csv", []byte("zip,flag,n,e,q\n007,TRUE,NA,,\"a,b\"\n010,false,null,x,1.50\n"))
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	var got [][]string
	for b, err := range Read(context.Background(), s, "t.csv", ReadOptions{Allocator: alloc, CSV: CSVOptions{Verbatim: true, InferRows: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		if n := b.Record.Schema().String(); strings.Count(n, "utf8") != 5 {
			t.Fatalf("schema %s, want five utf8 columns", n)
		}
		for r := 0; r < int(b.Record.NumRows()); r++ {
			var row []string
			for c := 0; c < int(b.Record.NumCols()); c++ {
				col := b.Record.Column(c).(*array.String)
				if col.IsNull(r) {
					t.Errorf("row %d column %d is null", r, c)
				}
				row = append(row, col.Value(r))
			}
			got = append(got, row)
		}
	}
	want := [][]string{{"007", "TRUE", "NA", "", "a,b"}, {"010", "false", "null", "x", "1.50"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// TestReadUnknownInDirectory: a file of no known format under a prefix
// fails, naming it and saying how to have it ignored, unless SkipUnknown.
func TestReadUnknownInDirectory(t *testing.T) {
	s := mem.New()
	put(t, s, "d/a.csv", []byte("x\n1\n"))
	put(t, s, "d/small.bin", []byte{1, 2, 3})
	put(t, s, "d/_SUCCESS", nil)
	_, _, err := collect(t, s, "d", ReadOptions{})
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("error %v, want ErrFormat", err)
	}
	for _, w := range []string{"d/small.bin", "unsupported file type", `start its name with "_" or "."`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "skip unknown") {
		t.Errorf("error %q names an option the CLI does not have", err)
	}
	var skipped []string
	rows, _, err := collect(t, s, "d", ReadOptions{SkipUnknown: true, Skipped: func(k string) { skipped = append(skipped, k) }})
	if err != nil || rows != 1 {
		t.Errorf("SkipUnknown: %d rows, error %v; want 1 row", rows, err)
	}
	if !slices.Equal(skipped, []string{"d/small.bin"}) {
		t.Errorf("Skipped told %q, want [d/small.bin]", skipped)
	}
	// Exclude leaves keys out as if absent: here every table, so nothing
	// is left to read.
	put(t, s, "d/out/b.csv", []byte("x\n2\n"))
	rows, _, err = collect(t, s, "d", ReadOptions{SkipUnknown: true, Exclude: func(k string) bool { return strings.HasPrefix(k, "d/out/") }})
	if err != nil || rows != 1 {
		t.Errorf("Exclude d/out/: %d rows, error %v; want 1 row", rows, err)
	}
	_, _, err = collect(t, s, "d", ReadOptions{SkipUnknown: true, Exclude: func(k string) bool { return strings.HasSuffix(k, ".csv") }})
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("every table excluded: %v, want ErrEmpty", err)
	}
}
