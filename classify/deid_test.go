package classify

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func testTokenizer(t *testing.T) *Tokenizer {
	tok, err := NewTokenizer([]byte("0123456789abcdef-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenizer(t *testing.T) {
	tok := testTokenizer(t)
	a := tok.Token("EMAIL_ADDRESS", " Jane.Doe@Example.com ")
	b := tok.Token("EMAIL_ADDRESS", "jane.doe@example.com")
	if a != b || !strings.HasPrefix(a, "tok_") || len(a) != 36 {
		t.Errorf("tokens %q and %q: want equal, tok_ + 32 hex", a, b)
	}
	if tok.Token("CREDIT_CARD", "4111 1111 1111 1111") != tok.Token("CREDIT_CARD", "4111-1111-1111-1111") {
		t.Error("card token depends on separators")
	}
	if tok.Token("PHONE_NUMBER", "(202) 555-0143") != tok.Token("PHONE_NUMBER", "+1 202 555 0143") {
		t.Error("phone token depends on format")
	}
	other, _ := NewTokenizer([]byte("another key, also long enough"))
	if other.Token("EMAIL_ADDRESS", "jane.doe@example.com") == a {
		t.Error("token does not depend on the key")
	}
	if _, err := NewTokenizer([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
	// Pin the derivation so a change is noticed (tokens must stay stable
	// across releases or joins break).
	if got := tok.Token("", "x"); got != pinnedToken {
		t.Errorf("Token(\"\", \"x\") = %s, want %s", got, pinnedToken)
	}
}

const pinnedToken = "tok_60b20150f4832da9e20dbe4dafeec908"

func TestParsePolicyErrors(t *testing.T) {
	bad := []struct{ src, field string }{
		{"", "(file)"},
		{"default: shred", "default"},
		{"entities: {NOT_A_TYPE: redact}", "entities.NOT_A_TYPE"},
		{"entities: {EMAIL_ADDRESS: burn}", "entities.EMAIL_ADDRESS"},
		{"columns: [{action: drop}]", "columns[0].column"},
		{"columns: [{column: 'a[', action: drop}]", "columns[0].column"},
		{"columns: [{column: a, action: explode}]", "columns[0].action"},
		{"columns: [{column: a, action: tokenize, entity: NOPE}]", "columns[0].entity"},
		{"mask: {char: '**'}", "mask.char"},
		{"mask: {keep_last: -1}", "mask.keep_last"},
	}
	for _, b := range bad {
		_, err := ParsePolicy(strings.NewReader(b.src), nil)
		var pe *PolicyError
		if !errors.Is(err, ErrPolicy) || !errors.As(err, &pe) || pe.Field != b.field {
			t.Errorf("ParsePolicy(%q) = %v, want PolicyError at %s", b.src, err, b.field)
		}
	}
	// Unknown keys and YAML syntax errors are ErrPolicy with the line.
	for _, src := range []string{"colums: []", "default: [", `{"default": "redact", "extra": 1}`} {
		_, err := ParsePolicy(strings.NewReader(src), nil)
		if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "line") {
			t.Errorf("ParsePolicy(%q) = %v, want ErrPolicy naming a line", src, err)
		}
	}
	p, err := ParsePolicy(strings.NewReader(`{"default": "mask", "columns": [{"column": "a.*", "action": "drop"}]}`), nil)
	if err != nil || p.Default != Mask || *p.Mask.KeepLast != 4 || p.Mask.Char != "*" {
		t.Errorf("JSON policy: %+v, %v", p, err)
	}
}

func TestRedactBatch(t *testing.T) {
	mem := checkedAlloc(t)
	contact := arrow.StructOf(
		arrow.Field{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "contact", Type: contact, Nullable: true},
		{Name: "notes", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "card", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "internal", Type: arrow.BinaryTypes.String},
		{Name: "ssn", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	sb := b.Field(1).(*array.StructBuilder)
	lb := b.Field(2).(*array.ListBuilder)
	for i := range 3 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i == 1 {
			sb.AppendNull()
		} else {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append("Jane.Doe@example.com")
			sb.FieldBuilder(1).(*array.StringBuilder).Append("+1 202 555 0143")
		}
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).Append("paid with 4111 1111 1111 1111, ssn 536-22-1234")
		lb.ValueBuilder().(*array.StringBuilder).Append("nothing here")
		b.Field(3).(*array.StringBuilder).Append("5555 5555 5555 4444")
		b.Field(4).(*array.StringBuilder).Append("secret stuff")
		b.Field(5).(*array.Int64Builder).Append(536221234)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	p, err := ParsePolicy(strings.NewReader(`
default: tokenize
entities:
  US_SSN: redact
  CREDIT_CARD: mask
columns:
  - {column: internal, action: drop}
  - {column: contact.email, action: tokenize, entity: EMAIL_ADDRESS}
  - {column: card, action: mask}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := testTokenizer(t)
	r, err := NewRedactor(p, nil, tok, mem)
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := r.Apply(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	wantSchema, err := r.OutputSchema(rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Schema().Equal(wantSchema) {
		t.Errorf("schema %v, OutputSchema says %v", out.Schema(), wantSchema)
	}
	var names []string
	for _, f := range out.Schema().Fields() {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "id,contact,notes,card,ssn" {
		t.Errorf("columns %v: internal not dropped", names)
	}
	st0 := out.Column(1).(*array.Struct)
	email := st0.Field(0).(*array.String)
	if email.Value(0) != tok.Token("EMAIL_ADDRESS", "jane.doe@example.com") || !st0.IsNull(1) || email.Value(2) != email.Value(0) {
		t.Errorf("emails: %q %v %q", email.Value(0), st0.IsNull(1), email.Value(2))
	}
	phone := st0.Field(1).(*array.String)
	if phone.Value(0) != tok.Token("PHONE_NUMBER", "+1 202 555 0143") {
		t.Errorf("phone: %q", phone.Value(0))
	}
	notes := out.Column(2).(*array.List).ListValues().(*array.String)
	if got := notes.Value(0); got != "paid with **** **** **** 1111, ssn <US_SSN>" {
		t.Errorf("note: %q", got)
	}
	if notes.Value(1) != "nothing here" {
		t.Errorf("untouched note changed: %q", notes.Value(1))
	}
	if got := out.Column(3).(*array.String).Value(0); got != "**** **** **** 4444" {
		t.Errorf("card: %q", got)
	}
	if ssn := out.Column(4); ssn.NullN() != 3 {
		t.Errorf("integer SSN column: %d nulls, want 3", ssn.NullN())
	}
	if st.Findings["CREDIT_CARD"] != 3 || st.Findings["US_SSN"] != 6 || len(st.Dropped) != 1 {
		t.Errorf("stats %+v", st)
	}
	if id := out.Column(0).(*array.Int64); id.Value(2) != 2 {
		t.Error("id changed")
	}
}

func TestRedactMapNeedsRule(t *testing.T) {
	mem := checkedAlloc(t)
	mt := arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)
	mb := array.NewMapBuilder(mem, arrow.BinaryTypes.String, arrow.BinaryTypes.String, false)
	defer mb.Release()
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).Append("email")
	mb.ItemBuilder().(*array.StringBuilder).Append("a@example.com")
	m := mb.NewArray()
	defer m.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "attrs", Type: mt}}, nil), []arrow.Array{m}, 1)
	defer rec.Release()
	r, _ := NewRedactor(nil, nil, testTokenizer(t), mem)
	if _, _, err := r.Apply(rec); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "attrs") {
		t.Errorf("map without a rule: %v, want ErrPolicy naming attrs", err)
	}
	p, err := ParsePolicy(strings.NewReader("columns: [{column: attrs, action: drop}]"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ = NewRedactor(p, nil, testTokenizer(t), mem)
	out, _, err := r.Apply(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if out.NumCols() != 0 {
		t.Errorf("map column not dropped: %v", out.Schema())
	}
}

// TestUnusedRules: a rule counts as used when it matches a top-level
// column or a field inside a struct, in any schema seen so far.
func TestUnusedRules(t *testing.T) {
	p, err := ParsePolicy(strings.NewReader(`columns:
  - column: contact.email
    action: tokenize
  - column: contact.phone
    action: drop
  - column: id
    action: keep
  - column: "score*"
    action: redact
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRedactor(p, nil, testTokenizer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		var out []string
		for _, c := range r.UnusedRules() {
			out = append(out, c.Column)
		}
		return out
	}
	if got := strings.Join(names(), ","); got != "contact.email,contact.phone,id,score*" {
		t.Errorf("before any schema, unused = %s", got)
	}
	contact := arrow.StructOf(arrow.Field{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true})
	if _, err := r.OutputSchema(arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "contact", Type: contact, Nullable: true},
	}, nil)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(), ","); got != "contact.phone,score*" {
		t.Errorf("after the first schema, unused = %s, want contact.phone,score*", got)
	}
	if _, err := r.OutputSchema(arrow.NewSchema([]arrow.Field{{Name: "score_2", Type: arrow.PrimitiveTypes.Float64}}, nil)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(), ","); got != "contact.phone" {
		t.Errorf("after the second schema, unused = %s, want contact.phone", got)
	}
}
