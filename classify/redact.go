package classify

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Redactor applies a Policy to Arrow record batches. The output schema
// depends only on the input schema and the policy, so every batch of a
// stream gets the same schema. It is safe for concurrent use.
type Redactor struct {
	policy *Policy
	scan   *Scanner
	tok    *Tokenizer
	mem    memory.Allocator

	mu   sync.Mutex
	used map[*ColumnRule]bool // rules of policy.Columns that matched a column in OutputSchema
}

// NewRedactor returns a redactor. p must have been validated (ParsePolicy
// does it; nil means DefaultPolicy()). s nil means a default scanner, mem
// nil means memory.DefaultAllocator.
func NewRedactor(p *Policy, s *Scanner, tok *Tokenizer, mem memory.Allocator) (*Redactor, error) {
	if tok == nil {
		return nil, fmt.Errorf("classify: a Redactor needs a Tokenizer")
	}
	if p == nil {
		p = DefaultPolicy()
	}
	if p.Mask.Char == "" || p.Mask.KeepLast == nil {
		if err := p.Validate(nil); err != nil {
			return nil, err
		}
	}
	if s == nil {
		var err error
		if s, err = NewScanner(nil, Options{}); err != nil {
			return nil, err
		}
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Redactor{policy: p, scan: s, tok: tok, mem: mem, used: map[*ColumnRule]bool{}}, nil
}

// UnusedRules returns, in policy order, the column rules that matched no
// column of any schema given to OutputSchema so far: most likely a
// misspelt column name, which leaves that column to the entity rules.
func (r *Redactor) UnusedRules() []ColumnRule {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ColumnRule
	for i := range r.policy.Columns {
		if !r.used[&r.policy.Columns[i]] {
			out = append(out, r.policy.Columns[i])
		}
	}
	return out
}

// markUsed records that rule, a rule of r's policy, matched a column.
func (r *Redactor) markUsed(rule *ColumnRule) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.used[rule] = true
}

// RedactStats counts what Apply changed.
type RedactStats struct {
	// Findings replaced in scanned values, by entity type.
	Findings map[string]int
	// Values is the number of values changed (nulled, masked, tokenized or
	// rewritten).
	Values int
	// Dropped lists the dropped columns.
	Dropped []string
}

// Apply returns a de-identified copy of rec, which is not modified or
// released. The caller must release the result.
func (r *Redactor) Apply(rec arrow.RecordBatch) (arrow.RecordBatch, *RedactStats, error) {
	st := &RedactStats{Findings: map[string]int{}}
	sc := rec.Schema()
	var fields []arrow.Field
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i := 0; i < int(rec.NumCols()); i++ {
		f := sc.Field(i)
		out, nf, err := r.transform(rec.Column(i), f, f.Name, nil, st)
		if err != nil {
			return nil, nil, err
		}
		if out == nil {
			continue
		}
		fields = append(fields, nf)
		cols = append(cols, out)
	}
	md := sc.Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows()), st, nil
}

// OutputSchema returns the schema Apply produces for input schema in.
func (r *Redactor) OutputSchema(in *arrow.Schema) (*arrow.Schema, error) {
	var fields []arrow.Field
	for _, f := range in.Fields() {
		nf, keep, err := r.outField(f, f.Name, nil)
		if err != nil {
			return nil, err
		}
		if keep {
			fields = append(fields, nf)
		}
	}
	md := in.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

func (r *Redactor) outField(f arrow.Field, col string, inherited *ColumnRule) (arrow.Field, bool, error) {
	rule := r.policy.columnRule(col)
	if rule != nil {
		r.markUsed(rule)
	} else {
		rule = inherited
	}
	if rule != nil {
		switch rule.Action {
		case Drop:
			return f, false, nil
		case Keep:
			return f, true, nil
		case Redact:
			f.Nullable = true
			return f, true, nil
		case Mask, Tokenize:
			if isLeaf(f.Type) {
				f.Type, f.Nullable = arrow.BinaryTypes.String, true
				return f, true, nil
			}
		}
	}
	switch t := f.Type.(type) {
	case *arrow.StructType:
		var kids []arrow.Field
		for _, k := range t.Fields() {
			nk, keep, err := r.outField(k, col+"."+k.Name, ruleOrNil(rule))
			if err != nil {
				return f, false, err
			}
			if keep {
				kids = append(kids, nk)
			}
		}
		if len(kids) == 0 {
			return f, false, nil
		}
		f.Type = arrow.StructOf(kids...)
	case *arrow.MapType:
		// Map values are not scanned: refuse rather than copy them
		// unreviewed.
		return f, false, fmt.Errorf("%w: column %q is a map, which is not scanned; give it a column rule (drop, redact or keep)", ErrPolicy, col)
	case *arrow.ListType:
		ef, keep, err := r.outField(t.ElemField(), col+"[]", ruleOrNil(rule))
		if err != nil || !keep {
			return f, keep, err
		}
		f.Type = arrow.ListOfField(ef)
	case *arrow.LargeListType:
		ef, keep, err := r.outField(t.ElemField(), col+"[]", ruleOrNil(rule))
		if err != nil || !keep {
			return f, keep, err
		}
		f.Type = arrow.LargeListOfField(ef)
	case *arrow.FixedSizeListType:
		ef, keep, err := r.outField(t.ElemField(), col+"[]", ruleOrNil(rule))
		if err != nil || !keep {
			return f, keep, err
		}
		f.Type = arrow.FixedSizeListOfField(t.Len(), ef)
	default:
		if rule == nil || rule.Action == Scan {
			if isIntType(f.Type) || isDateType(f.Type) {
				f.Nullable = true
			}
		}
	}
	return f, true, nil
}

func ruleOrNil(r *ColumnRule) *ColumnRule {
	if r == nil || r.Action == Scan {
		return nil
	}
	return r
}

func isLeaf(t arrow.DataType) bool {
	switch t.(type) {
	case *arrow.StructType, *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.MapType:
		return false
	}
	return true
}

func isIntType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isDateType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// transform returns the de-identified arr (nil when dropped) and its field.
func (r *Redactor) transform(arr arrow.Array, f arrow.Field, col string, inherited *ColumnRule, st *RedactStats) (arrow.Array, arrow.Field, error) {
	nf, keep, err := r.outField(f, col, inherited)
	if err != nil {
		return nil, f, err
	}
	if !keep {
		st.Dropped = append(st.Dropped, col)
		return nil, f, nil
	}
	rule := r.policy.columnRule(col)
	if rule == nil {
		rule = inherited
	}
	if rule != nil {
		switch rule.Action {
		case Keep:
			arr.Retain()
			return arr, nf, nil
		case Redact:
			st.Values += arr.Len() - arr.NullN()
			return array.MakeArrayOfNull(r.mem, arr.DataType(), arr.Len()), nf, nil
		case Mask, Tokenize:
			if isLeaf(arr.DataType()) {
				out, err := r.wholeValues(arr, rule, st)
				return out, nf, err
			}
		}
	}
	switch a := arr.(type) {
	case *array.Struct:
		st0 := a.DataType().(*arrow.StructType)
		var kids []arrow.ArrayData
		defer func() {
			for _, k := range kids {
				k.Release()
			}
		}()
		for i := 0; i < a.NumField(); i++ {
			k := st0.Field(i)
			out, _, err := r.transform(a.Field(i), k, col+"."+k.Name, ruleOrNil(rule), st)
			if err != nil {
				return nil, f, err
			}
			if out != nil {
				kids = append(kids, out.Data())
				out.Data().Retain()
				out.Release()
			}
		}
		valid, nulls := r.validity(a)
		data := array.NewData(nf.Type, a.Len(), []*memory.Buffer{valid}, kids, nulls, 0)
		if valid != nil {
			valid.Release()
		}
		defer data.Release()
		return array.MakeFromData(data), nf, nil
	case array.ListLike:
		var elem arrow.Field
		switch t := arr.DataType().(type) {
		case *arrow.ListType:
			elem = t.ElemField()
		case *arrow.LargeListType:
			elem = t.ElemField()
		case *arrow.FixedSizeListType:
			elem = t.ElemField()
		default:
			arr.Retain()
			return arr, nf, nil
		}
		child, _, err := r.transform(a.ListValues(), elem, col+"[]", ruleOrNil(rule), st)
		if err != nil {
			return nil, f, err
		}
		defer child.Release()
		d := arr.Data()
		data := array.NewData(nf.Type, d.Len(), d.Buffers(), []arrow.ArrayData{child.Data()}, d.NullN(), d.Offset())
		defer data.Release()
		return array.MakeFromData(data), nf, nil
	}
	return r.scanValues(arr, nf, col, st)
}

// validity returns a fresh validity bitmap (offset 0) for a, or nil.
func (r *Redactor) validity(a arrow.Array) (*memory.Buffer, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(r.mem)
	buf.Resize(int(bitutil.BytesForBits(int64(a.Len()))))
	bs := buf.Bytes()
	for i := range bs {
		bs[i] = 0
	}
	for i := 0; i < a.Len(); i++ {
		if a.IsValid(i) {
			bitutil.SetBit(bs, i)
		}
	}
	return buf, a.NullN()
}

// valueString returns the text of value i of a leaf array, and whether the
// array type has a text form.
func valueString(a arrow.Array, i int) (string, bool) {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.StringView:
		return a.Value(i), true
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64:
		return strconv.FormatInt(intValue(a, i), 10), true
	case *array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		return strconv.FormatUint(uintValue(a, i), 10), true
	}
	return a.ValueStr(i), false
}

// wholeValues masks or tokenizes every value of a leaf into a string array.
func (r *Redactor) wholeValues(arr arrow.Array, rule *ColumnRule, st *RedactStats) (arrow.Array, error) {
	b := array.NewStringBuilder(r.mem)
	defer b.Release()
	b.Reserve(arr.Len())
	ent := rule.Entity
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		v, _ := valueString(arr, i)
		if rule.Action == Tokenize {
			b.Append(r.tok.Token(ent, v))
		} else {
			b.Append(maskString(v, r.policy.Mask.Char, *r.policy.Mask.KeepLast))
		}
		st.Values++
	}
	return b.NewArray(), nil
}

// scanValues applies entity rules to findings in a leaf column.
func (r *Redactor) scanValues(arr arrow.Array, nf arrow.Field, col string, st *RedactStats) (arrow.Array, arrow.Field, error) {
	hint := hintFor(col)
	switch arr.(type) {
	case *array.String, *array.LargeString, *array.StringView:
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64, *array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		return r.scanInts(arr, nf, hint, st)
	case *array.Date32, *array.Date64, *array.Timestamp:
		if hint.entities["DATE_OF_BIRTH"] && r.policy.entityAction("DATE_OF_BIRTH") != Keep {
			st.Values += arr.Len() - arr.NullN()
			st.Findings["DATE_OF_BIRTH"] += arr.Len() - arr.NullN()
			return array.MakeArrayOfNull(r.mem, arr.DataType(), arr.Len()), nf, nil
		}
		arr.Retain()
		return arr, nf, nil
	default:
		arr.Retain()
		return arr, nf, nil
	}
	changed := false
	out := make([]string, arr.Len())
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			continue
		}
		v, _ := valueString(arr, i)
		nv := r.rewrite(v, hint, st)
		if nv != v {
			st.Values++
			changed = true
		}
		out[i] = nv
	}
	if !changed {
		arr.Retain()
		return arr, nf, nil
	}
	var b array.Builder
	switch arr.(type) {
	case *array.LargeString:
		b = array.NewLargeStringBuilder(r.mem)
	case *array.StringView:
		b = array.NewStringViewBuilder(r.mem)
	default:
		b = array.NewStringBuilder(r.mem)
	}
	defer b.Release()
	type appender interface {
		Append(string)
		AppendNull()
	}
	ap := b.(appender)
	for i := range out {
		if arr.IsNull(i) {
			ap.AppendNull()
		} else {
			ap.Append(out[i])
		}
	}
	return b.NewArray(), nf, nil
}

// rewrite applies the policy to the findings in one value.
func (r *Redactor) rewrite(v string, hint columnHint, st *RedactStats) string {
	res := r.scan.ScanWithHint(v, hint.text)
	if res.Binary {
		return v
	}
	if len(res.Findings) == 0 {
		// Column-only entity types judged from the name and the value.
		he := hint.entities
		var e string
		switch {
		case he["PERSON"] && looksLikeName(v):
			e = "PERSON"
		case he["LOCATION"] && looksLikeLocation(v):
			e = "LOCATION"
		case he["GENERIC_SECRET"] && looksLikeSecret(v):
			e = "GENERIC_SECRET"
		case he["US_BANK_NUMBER"] && looksLikeAccount(v):
			e = "US_BANK_NUMBER"
		default:
			return v
		}
		res.Findings = []Finding{{Entity: e, ByteStart: 0, ByteEnd: len(v), Score: 1}}
	}
	if hint.entities["DATE_OF_BIRTH"] {
		for i := range res.Findings {
			if res.Findings[i].Entity == "DATE_TIME" {
				res.Findings[i].Entity = "DATE_OF_BIRTH"
			}
		}
	}
	var b strings.Builder
	last := 0
	for _, f := range res.Findings {
		a := r.policy.entityAction(f.Entity)
		if a == Keep {
			continue
		}
		b.WriteString(v[last:f.ByteStart])
		s := v[f.ByteStart:f.ByteEnd]
		switch a {
		case Redact:
			b.WriteString("<" + f.Entity + ">")
		case Mask:
			b.WriteString(maskString(s, r.policy.Mask.Char, *r.policy.Mask.KeepLast))
		case Tokenize:
			b.WriteString(r.tok.Token(f.Entity, s))
		case Drop:
		}
		last = f.ByteEnd
		st.Findings[f.Entity]++
	}
	if last == 0 && b.Len() == 0 {
		return v
	}
	// The scanned prefix may be shorter than v when v was truncated: the
	// unscanned rest is kept as is.
	b.WriteString(v[last:])
	return b.String()
}

// scanInts nulls integer values holding a finding whose action is not
// keep: a number cannot hold a token or a mask.
func (r *Redactor) scanInts(arr arrow.Array, nf arrow.Field, hint columnHint, st *RedactStats) (arrow.Array, arrow.Field, error) {
	var drop []int
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			continue
		}
		v, _ := valueString(arr, i)
		if nv := r.rewrite(v, hint, st); nv != v {
			drop = append(drop, i)
		}
	}
	if len(drop) == 0 {
		arr.Retain()
		return arr, nf, nil
	}
	st.Values += len(drop)
	b := array.NewBuilder(r.mem, arr.DataType())
	defer b.Release()
	k := 0
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) || (k < len(drop) && drop[k] == i) {
			if k < len(drop) && drop[k] == i {
				k++
			}
			b.AppendNull()
			continue
		}
		if err := b.AppendValueFromString(arr.ValueStr(i)); err != nil {
			return nil, nf, err
		}
	}
	return b.NewArray(), nf, nil
}
