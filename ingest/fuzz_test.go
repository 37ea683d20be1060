package ingest

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fuzzRead reads data as name and checks the contract: no panic, errors
// are classified *ReadErrors naming the file, rows are numbered
// consecutively, and profiling what was read never fails on kind.
func fuzzRead(t *testing.T, name string, data []byte) {
	p, _ := NewProfile(ProfileOptions{SampleSize: 4})
	var next int64
	for b, err := range ReadObject(context.Background(), name, bytes.NewReader(data), int64(len(data)), ReadOptions{BatchSize: 3, CSV: CSVOptions{InferRows: 2}}) {
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.Path != name || !(errors.Is(err, ErrFormat) || errors.Is(err, ErrEmpty)) {
				t.Fatalf("unclassified error %T %v", err, err)
			}
			return
		}
		if b.Row != next || b.Record.NumRows() > 3 {
			t.Fatalf("batch at row %d (want %d), %d rows", b.Row, next, b.Record.NumRows())
		}
		next += b.Record.NumRows()
		if err := p.Add(b); err != nil {
			t.Fatalf("profile: %v", err)
		}
	}
	if _, err := MarshalProfile(p); err != nil {
		t.Fatal(err)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n3,4\n", "a,b\n1,x\n\"q\"\"\",2\n", "x\nNaN\ninf\n-0\n", "a,b\n1\n", "a\n\"unterminated\n", "\xef\xbb\xbfa;b\n1;2\n", "a,a\n1,2\n", "a,b,c\n1,,\n,,\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.csv", data) })
}

func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{`{"a":1}` + "\n" + `{"a":2.5,"b":{"c":[1,2]}}`, `{"a":"x"}` + "\n" + `{"a":1}`, `[1]`, `{"a":{}}`, `{"a":[]}` + "\n" + `{"a":[[1]]}`, "\n\n{}\n", `{"a":1e999}`, `{"a":null}`, `{"a":"\xff"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.jsonl", data) })
}
