package merkle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

func TestPlanValidate(t *testing.T) {
	ok := &merkle.Plan{ID: merkle.PlanFixed, Size: 10, Leaves: []merkle.Leaf{{Offset: 0, Length: 6, RowGroup: -1}, {Offset: 6, Length: 4, RowGroup: -1}}}
	if err := ok.Validate(6); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(p *merkle.Plan){
		"gap":        func(p *merkle.Plan) { p.Leaves[1].Offset = 7; p.Leaves[1].Length = 3 },
		"overlap":    func(p *merkle.Plan) { p.Leaves[1].Offset = 5; p.Leaves[1].Length = 5 },
		"short":      func(p *merkle.Plan) { p.Size = 11 },
		"empty leaf": func(p *merkle.Plan) { p.Leaves = append(p.Leaves, merkle.Leaf{Offset: 10, RowGroup: -1}) },
		"too long":   func(p *merkle.Plan) { p.Leaves = []merkle.Leaf{{Offset: 0, Length: 10, RowGroup: -1}} },
		"chunk kind": func(p *merkle.Plan) { p.Leaves[0].Kind = merkle.KindChunk },
		"row group":  func(p *merkle.Plan) { p.Leaves[0].RowGroup = 0 },
		"unknown id": func(p *merkle.Plan) { p.ID = "zip" },
		"part in pq": func(p *merkle.Plan) { p.ID = merkle.PlanParquet },
	}
	for name, f := range bad {
		p := *ok
		p.Leaves = append([]merkle.Leaf(nil), ok.Leaves...)
		f(&p)
		if err := p.Validate(6); !errors.Is(err, merkle.ErrInvalidPlan) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := merkle.FixedPlan(-1, 4096); !errors.Is(err, merkle.ErrInvalidPlan) {
		t.Errorf("negative size: %v", err)
	}
	if _, err := merkle.FixedPlan(10, 10); !errors.Is(err, merkle.ErrInvalidParams) {
		t.Errorf("tiny part size: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (merkle.Options{}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (merkle.Options{Workers: 5000}).Validate(); !errors.Is(err, merkle.ErrInvalidParams) {
		t.Error(err)
	}
}

func TestDatasetJSON(t *testing.T) {
	files := map[string][]byte{"a.parquet": []byte("PAR1 but not really"), "b": []byte("x")}
	d, err := merkle.Build(context.Background(), memStore(t, files), "", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := d.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "a.parquet: planned as fixed parts") {
		t.Errorf("warnings %q", w)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back merkle.Dataset
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	nd, err := merkle.NewDataset(back.Params, back.Entries)
	if err != nil {
		t.Fatal(err)
	}
	if nd.Root != d.Root || back.Root != d.Root {
		t.Fatalf("JSON round trip changed the root: %s", b)
	}
	// Leaves serialise with their kind as text.
	lb, _ := json.Marshal(merkle.Leaf{Kind: merkle.KindFooter, RowGroup: -1})
	var l merkle.Leaf
	if err := json.Unmarshal(lb, &l); err != nil || l.Kind != merkle.KindFooter || !bytes.Contains(lb, []byte(`"footer"`)) {
		t.Errorf("leaf JSON %s -> %+v, %v", lb, l, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"blob"}`), &l); err == nil {
		t.Error("unknown kind accepted")
	}
}
