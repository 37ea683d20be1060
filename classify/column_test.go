package classify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// stringBatch builds a batch of string columns; "" is null.
func stringBatch(mem memory.Allocator, cols map[string][]string, order []string) arrow.RecordBatch {
	var fields []arrow.Field
	var arrs []arrow.Array
	n := 0
	for _, name := range order {
		b := array.NewStringBuilder(mem)
		for _, v := range cols[name] {
			if v == "" {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
		fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true})
		n = len(cols[name])
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func findType(r *Report, col, typ string) *TypeResult {
	for i := range r.Columns {
		if r.Columns[i].Column != col {
			continue
		}
		for j := range r.Columns[i].Types {
			if r.Columns[i].Types[j].Type == typ {
				return &r.Columns[i].Types[j]
			}
		}
	}
	return nil
}

func TestClassifyColumns(t *testing.T) {
	mem := checkedAlloc(t)
	const n = 2000
	cols := map[string][]string{}
	for i := range n {
		email := fmt.Sprintf("user%d@example.com", i)
		if i%100 < 3 {
			email = "n/a" // 97% emails
		}
		cols["email"] = append(cols["email"], email)
		cols["comment"] = append(cols["comment"], fmt.Sprintf("order %d shipped", i))
		note := "nothing to see"
		if i == 777 {
			note = "reach me at someone@example.org" // one hit in 2000
		}
		cols["note"] = append(cols["note"], note)
		cols["first_name"] = append(cols["first_name"], []string{"Ada", "Grace", "Alan", "Edsger"}[i%4])
		cols["product_name"] = append(cols["product_name"], []string{"Widget", "Gadget"}[i%2])
	}
	order := []string{"email", "comment", "note", "first_name", "product_name"}
	rec := stringBatch(mem, cols, order)
	defer rec.Release()

	c, err := NewClassifier(nil, ColumnOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Add("users.parquet", 0, rec); err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	if rep.Seed != 7 || rep.Sample != 1000 {
		t.Errorf("seed/sample = %d/%d, want 7/1000", rep.Seed, rep.Sample)
	}
	e := findType(rep, "email", "EMAIL_ADDRESS")
	if e == nil || e.Sampled != 1000 || e.MatchFraction < 0.95 || e.MatchFraction > 0.99 || !e.NameHint || e.Confidence < 0.95 {
		t.Errorf("email column: %+v", e)
	}
	if tr := findType(rep, "note", "EMAIL_ADDRESS"); tr != nil {
		t.Errorf("one email in 2000 labelled the note column: %+v", tr)
	}
	if p := findType(rep, "first_name", "PERSON"); p == nil || p.MatchFraction != 1 {
		t.Errorf("first_name: %+v, want PERSON with fraction 1", p)
	}
	if p := findType(rep, "product_name", "PERSON"); p != nil {
		t.Errorf("product_name labelled PERSON: %+v", p)
	}
	for _, col := range rep.Columns {
		if col.Column == "comment" {
			t.Errorf("comment column labelled: %+v", col)
		}
	}
}

// The sample, and so the report, do not depend on how rows are split
// into batches; a different seed gives a different sample.
func TestClassifyDeterministic(t *testing.T) {
	mem := checkedAlloc(t)
	const n = 3000
	vals := make([]string, n)
	for i := range vals {
		if i%3 == 0 {
			vals[i] = fmt.Sprintf("call +1 202 555 %04d", i%10000)
		} else {
			vals[i] = "no phone here"
		}
	}
	run := func(seed uint64, splits ...int) string {
		c, err := NewClassifier(nil, ColumnOptions{Seed: seed, Sample: 500})
		if err != nil {
			t.Fatal(err)
		}
		start := 0
		for _, end := range append(splits, n) {
			rec := stringBatch(mem, map[string][]string{"text": vals[start:end]}, []string{"text"})
			if err := c.Add("notes.jsonl", int64(start), rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			start = end
		}
		b, _ := json.Marshal(c.Report())
		return string(b)
	}
	a, b := run(1), run(1, 100, 1234, 2999)
	if a != b {
		t.Errorf("batch split changed the report:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, `"type":"PHONE_NUMBER"`) {
		t.Errorf("no PHONE_NUMBER: %s", a)
	}
	if c := run(2); c == a {
		t.Errorf("seed 2 gave the same sample as seed 1")
	}
}

func TestClassifyNested(t *testing.T) {
	mem := checkedAlloc(t)
	contact := arrow.StructOf(
		arrow.Field{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "phones", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "contact", Type: contact, Nullable: true},
		{Name: "ssn", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "blob", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "dob", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	sb := b.Field(0).(*array.StructBuilder)
	eb := sb.FieldBuilder(0).(*array.StringBuilder)
	lb := sb.FieldBuilder(1).(*array.ListBuilder)
	pb := lb.ValueBuilder().(*array.StringBuilder)
	for i := range 50 {
		if i == 10 {
			sb.AppendNull() // appends nulls to the children too
		} else {
			sb.Append(true)
			eb.Append(fmt.Sprintf("p%d@example.net", i))
			lb.Append(true)
			pb.Append("+44 20 7946 0958")
			pb.Append("+1 202-555-0143")
		}
		b.Field(1).(*array.Int64Builder).Append(536221234 + int64(i))
		b.Field(2).(*array.BinaryBuilder).Append([]byte{0, 1, 2})
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(7000 + i))
		b.Field(4).(*array.Float64Builder).Append(0.5)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	c, _ := NewClassifier(nil, ColumnOptions{Cells: true})
	if err := c.Add("people.arrow", 0, rec); err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	if e := findType(rep, "contact.email", "EMAIL_ADDRESS"); e == nil || e.Sampled != 49 || e.Matches != 49 {
		t.Errorf("contact.email: %+v, want 49 of 49", e)
	}
	if p := findType(rep, "contact.phones[]", "PHONE_NUMBER"); p == nil || p.Sampled != 98 || p.Matches != 98 {
		t.Errorf("contact.phones[]: %+v, want 98 of 98", p)
	}
	if s := findType(rep, "ssn", "US_SSN"); s == nil || !s.NameHint {
		t.Errorf("ssn: %+v, want US_SSN with name hint", s)
	}
	if d := findType(rep, "dob", "DATE_OF_BIRTH"); d == nil || d.Matches != 50 {
		t.Errorf("dob: %+v, want DATE_OF_BIRTH", d)
	}
	wantSkip := map[string]bool{"blob": true, "score": true}
	for _, s := range rep.Skipped {
		if !wantSkip[s.Column] || s.Reason == "" {
			t.Errorf("unexpected skip %+v", s)
		}
		delete(wantSkip, s.Column)
	}
	if len(wantSkip) != 0 {
		t.Errorf("not skipped: %v", wantSkip)
	}
	// Cells: row numbers and offsets within each cell.
	var cell *CellFinding
	for i := range rep.Cells {
		if rep.Cells[i].Column == "contact.email" && rep.Cells[i].Row == 11 {
			cell = &rep.Cells[i]
		}
	}
	if cell == nil || cell.Path != "people.arrow" || cell.Type != "EMAIL_ADDRESS" || cell.Start != 0 || cell.End != len("p11@example.net") {
		t.Errorf("cell for row 11: %+v", cell)
	}
	// JSON shape per CLI.md.
	js, _ := json.Marshal(rep)
	for _, k := range []string{`"columns":[{"path":"people.arrow","column":"contact.email","types":[{"type":"EMAIL_ADDRESS","confidence":`,
		`"match_fraction":1,"sampled":49`, `"cells":[{"path":"people.arrow","row":0,"column":"contact.email","type":"EMAIL_ADDRESS","start":0,"end":14,"score":1}`} {
		if !strings.Contains(string(js), k) {
			t.Errorf("JSON lacks %s:\n%s", k, js)
		}
	}
}

func TestClassifyDeepAndDictionary(t *testing.T) {
	mem := checkedAlloc(t)
	// A list nested 40 deep is skipped with a reason, not walked.
	var dt arrow.DataType = arrow.BinaryTypes.String
	for range 40 {
		dt = arrow.ListOf(dt)
	}
	bld := array.NewBuilder(mem, dt)
	defer bld.Release()
	bld.AppendNull()
	deep := bld.NewArray()
	defer deep.Release()
	// A dictionary-encoded email column.
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String})
	defer db.Release()
	for i := range 20 {
		_ = db.(*array.BinaryDictionaryBuilder).AppendString(fmt.Sprintf("x%d@example.com", i%3))
	}
	dict := db.NewArray()
	defer dict.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "deep", Type: dt, Nullable: true}, {Name: "mail", Type: dict.DataType()}}, nil),
		[]arrow.Array{deep, dict}, 1)
	defer rec.Release()
	c, _ := NewClassifier(nil, ColumnOptions{})
	err := c.Add("d.arrow", 0, rec)
	if err == nil {
		t.Fatal("mismatched column length accepted")
	}
	rec2 := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "mail", Type: dict.DataType()}}, nil), []arrow.Array{dict}, 20)
	defer rec2.Release()
	rec3 := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "deep", Type: dt, Nullable: true}}, nil), []arrow.Array{deep}, 1)
	defer rec3.Release()
	if err := c.Add("d.arrow", 0, rec2); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("e.arrow", 0, rec3); err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	if e := findType(rep, "mail", "EMAIL_ADDRESS"); e == nil || e.Matches != 20 {
		t.Errorf("dictionary column: %+v", e)
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "nested deeper") {
		t.Errorf("skipped = %+v, want the deep column", rep.Skipped)
	}
}

func TestHints(t *testing.T) {
	cases := map[string][]string{
		"contact.email":                 {"EMAIL_ADDRESS"},
		"customer.contact.emailAddress": {"EMAIL_ADDRESS"},
		"firstName":                     {"PERSON"},
		"user_name":                     nil,
		"product.name":                  nil,
		"shipping.street":               {"LOCATION"},
		"ip_address":                    {"IP_ADDRESS"},
		"api_key":                       {"GENERIC_SECRET"},
		"date_of_birth":                 {"DATE_OF_BIRTH", "DATE_TIME"},
	}
	for col, want := range cases {
		h := hintFor(col)
		if len(h.entities) != len(want) {
			t.Errorf("hintFor(%q) = %v, want %v", col, h.entities, want)
			continue
		}
		for _, w := range want {
			if !h.entities[w] {
				t.Errorf("hintFor(%q) = %v, want %v", col, h.entities, want)
			}
		}
	}
}

func TestClassifyBadCells(t *testing.T) {
	mem := checkedAlloc(t)
	big := strings.Repeat("lorem ipsum ", 200_000) + " a@example.com" // > 1 MiB: the email is past the cap
	vals := []string{big, "\xff\xfe b@example.com", "\x00\x01\x02\x03 c@example.com", "d@example.com"}
	rec := stringBatch(mem, map[string][]string{"v": vals}, []string{"v"})
	defer rec.Release()
	c, _ := NewClassifier(nil, ColumnOptions{Cells: true})
	if err := c.Add("x.jsonl", 0, rec); err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	if len(rep.Columns) != 1 {
		t.Fatalf("columns %+v", rep.Columns)
	}
	col := rep.Columns[0]
	if col.Truncated != 1 || col.InvalidUTF8 != 1 || col.Binary != 1 || col.Types[0].Matches != 2 {
		t.Errorf("column %+v", col)
	}
	var rows []int64
	for _, f := range rep.Cells {
		rows = append(rows, f.Row)
	}
	if fmt.Sprint(rows) != "[1 3]" || rep.Cells[0].Start != 3 {
		t.Errorf("cells %+v", rep.Cells)
	}
}
