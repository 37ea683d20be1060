package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// reutersSplit returns a reference, a batch and hold-out rows of the
// Reuters grain texts for seed.
func reutersSplit(t *testing.T, seed uint64) (ref *Reference, batch, hold *table, opts Options) {
	t.Helper()
	d := reutersDataset("reutersgrain-train.jsonl")
	p := split(d.load(t), seed, d.sizes...)
	return buildRef(t, p[0], d.opts), p[1], p[2], d.opts
}

func TestTriggerTokenQuarantinesPlantedRows(t *testing.T) {
	ref, batch, hold, opts := reutersSplit(t, 3)
	r := rand.New(rand.NewPCG(3, 3))
	b, mask := triggerPoison("1")(r, 0.02, batch, hold)
	rep := checkTable(t, ref, b, opts)
	if rep.Verdict != Quarantine {
		t.Fatalf("verdict %s, want quarantine", rep.Verdict)
	}
	i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Check == CheckTriggerToken })
	if i < 0 {
		t.Fatalf("no trigger_token finding: %+v", rep.Findings)
	}
	f := rep.Findings[i]
	planted := 0
	var tok string
	for j, bad := range mask {
		if bad {
			planted++
			if tok == "" {
				for _, w := range strings.Fields(b.strs("text")[j]) {
					if len(w) >= 4 && len(w) <= 6 && strings.ToLower(w) == w && !strings.Contains(batch.strs("text")[j], w) {
						tok = w
					}
				}
			}
		}
	}
	if f.Token != tok || f.Label != "1" || f.Column != "text" || f.Severity != Critical || f.Rows != int64(planted) {
		t.Errorf("finding %+v, want token %q label 1 on %d rows", f, tok, planted)
	}
	if f.PValue == nil || *f.PValue > 1e-4 || f.Statistic < f.Threshold {
		t.Errorf("p-value %v statistic %v threshold %v", fmtP(f.PValue), f.Statistic, f.Threshold)
	}
	tp, fp, fn := scoreReport(rep, mask)
	if tp != planted || fp > 1 || fn != 0 {
		t.Errorf("quarantine tp=%d fp=%d fn=%d, want %d planted rows and at most 1 other", tp, fp, fn, planted)
	}
}

func TestFloodQuarantinesCopies(t *testing.T) {
	ref, batch, hold, opts := reutersSplit(t, 4)
	r := rand.New(rand.NewPCG(4, 1))
	b, mask := floodText(r, 0.02, batch, hold)
	rep := checkTable(t, ref, b, opts)
	tp, fp, fn := scoreReport(rep, mask)
	// Copies perturbed past Jaccard 0.7 of every other copy can escape.
	if fp != 0 || float64(tp) < 0.8*float64(tp+fn) {
		t.Errorf("flood: tp=%d fp=%d fn=%d", tp, fp, fn)
	}
	i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Check == CheckFlood })
	if i < 0 || rep.Findings[i].Rows != int64(tp) || *rep.Findings[i].PValue > 1e-4 {
		t.Errorf("flood finding missing or wrong: %+v", rep.Findings)
	}
}

func TestCleanBatchPasses(t *testing.T) {
	ref, batch, _, opts := reutersSplit(t, 5)
	rep := checkTable(t, ref, batch, opts)
	if rep.Verdict == Quarantine || len(rep.Quarantine) != 0 {
		t.Errorf("clean batch: verdict %s, %d rows quarantined: %+v", rep.Verdict, len(rep.Quarantine), rep.Findings)
	}
	if rep.Rows != int64(batch.rows()) || rep.ReferenceRows != 1400 {
		t.Errorf("rows %d reference_rows %d", rep.Rows, rep.ReferenceRows)
	}
}

// Streaming in several records and files gives the same report as one
// record; the same input and seed give the same bytes.
func TestStreamingIsDeterministic(t *testing.T) {
	ref, batch, hold, opts := reutersSplit(t, 6)
	r := rand.New(rand.NewPCG(6, 1))
	b, _ := triggerPoison("1")(r, 0.02, batch, hold)
	one := checkTable(t, ref, b, opts)
	rec := b.record(memory.DefaultAllocator)
	defer rec.Release()
	pieces := func() iter.Seq2[Batch, error] {
		return func(yield func(Batch, error) bool) {
			for at := int64(0); at < rec.NumRows(); at += 97 {
				s := rec.NewSlice(at, min(at+97, rec.NumRows()))
				ok := yield(Batch{Record: s, Path: "batch", Row: at}, nil)
				s.Release()
				if !ok {
					return
				}
			}
		}
	}
	many, err := Check(t.Context(), ref, opts, pieces)
	if err != nil {
		t.Fatal(err)
	}
	var a, bb bytes.Buffer
	one.Histograms, many.Histograms = nil, nil
	if err := one.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := many.WriteJSON(&bb); err != nil {
		t.Fatal(err)
	}
	// Batch reservoirs depend on record boundaries only through row order,
	// so everything must agree.
	if a.String() != bb.String() {
		t.Errorf("streamed report differs:\n%s\nvs\n%s", a.String(), bb.String())
	}
	again := checkTable(t, ref, b, opts)
	again.Histograms = nil
	var c bytes.Buffer
	again.WriteJSON(&c)
	if c.String() != a.String() {
		t.Error("same input and seed gave different reports")
	}
}

func TestReferenceRoundTrip(t *testing.T) {
	ref, batch, _, opts := reutersSplit(t, 7)
	var buf bytes.Buffer
	if _, err := ref.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !IsReference(buf.Bytes()) {
		t.Error("IsReference false on a written reference")
	}
	back, err := ReadReference(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	back.WriteTo(&buf2)
	if buf.String() != buf2.String() {
		t.Error("reference does not round-trip byte for byte")
	}
	a, b := checkTable(t, ref, batch, opts), checkTable(t, back, batch, opts)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("a re-read reference checks differently")
	}
	if _, err := ReadReference(strings.NewReader(`{"format":"cairn.profile","version":1}`)); !errors.Is(err, ErrReference) {
		t.Errorf("reading a profile as a check reference: %v, want ErrReference", err)
	}
	if _, err := ReadReference(strings.NewReader("\x00\x01junk")); !errors.Is(err, ErrReference) {
		t.Errorf("junk: %v", err)
	}
}

// TestJSONShape checks the fields scripts rely on (../shared/CLI.md).
func TestJSONShape(t *testing.T) {
	ref, batch, hold, opts := reutersSplit(t, 3)
	b, _ := triggerPoison("1")(rand.New(rand.NewPCG(3, 3)), 0.02, batch, hold)
	var buf bytes.Buffer
	if err := checkTable(t, ref, b, opts).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"verdict", "rows", "reference_rows", "findings", "quarantine"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	if m["verdict"] != "quarantine" || m["rows"].(float64) != float64(b.rows()) {
		t.Errorf("verdict %v rows %v", m["verdict"], m["rows"])
	}
	fs := m["findings"].([]any)
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		for _, k := range []string{"check", "column", "severity", "statistic", "threshold", "p_value", "message", "rows"} {
			if _, ok := f.(map[string]any)[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
	}
	q := m["quarantine"].([]any)[0].(map[string]any)
	if q["path"] != "batch" || q["reasons"].([]any)[0] == "" {
		t.Errorf("quarantine entry %v", q)
	}
	if _, ok := q["row"].(float64); !ok {
		t.Errorf("row is not a number: %v", q)
	}
}

func record(t *testing.T, fields []arrow.Field, build func(bs []array.Builder)) arrow.RecordBatch {
	t.Helper()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer rb.Release()
	build(rb.Fields())
	return rb.NewRecordBatch()
}

func TestBadInput(t *testing.T) {
	ref, batch, _, opts := reutersSplit(t, 8)
	rec := batch.record(memory.DefaultAllocator)
	defer rec.Release()

	// Label column missing from the data.
	_, err := CheckRecord(ref, Options{Label: "nope"}, rec, "b", 0)
	var ce *ColumnError
	if !errors.As(err, &ce) || !errors.Is(err, ErrColumn) || ce.Role != "reference" {
		t.Errorf("other label than the reference's: %v", err)
	}
	b, _ := NewBuilder(Options{Label: "missing"})
	if err := b.Add(Batch{Record: rec, Path: "r"}); !errors.As(err, &ce) || ce.Role != "label" || ce.Column != "missing" {
		t.Errorf("missing label column: %v", err)
	}
	b, _ = NewBuilder(Options{Label: "label", Text: []string{"nope"}})
	if err := b.Add(Batch{Record: rec, Path: "r"}); !errors.As(err, &ce) || ce.Role != "text" {
		t.Errorf("missing text column: %v", err)
	}
	// Mistyped: a float label, a numeric text column.
	num := record(t, []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}, {Name: "y", Type: arrow.PrimitiveTypes.Float64}}, func(bs []array.Builder) {
		bs[0].(*array.Float64Builder).AppendValues([]float64{1, 2}, nil)
		bs[1].(*array.Float64Builder).AppendValues([]float64{1, 2}, nil)
	})
	defer num.Release()
	b, _ = NewBuilder(Options{Label: "x"})
	if err := b.Add(Batch{Record: num, Path: "r"}); !errors.As(err, &ce) || !strings.Contains(ce.Reason, "float64") {
		t.Errorf("float label: %v", err)
	}
	b, _ = NewBuilder(Options{Text: []string{"y"}})
	if err := b.Add(Batch{Record: num, Path: "r"}); !errors.As(err, &ce) || !strings.Contains(ce.Reason, "not a string") {
		t.Errorf("numeric text: %v", err)
	}
	// The batch lacks the reference's text column: an error naming it.
	if _, err := CheckRecord(ref, opts, num, "b", 0); !errors.As(err, &ce) || ce.Column != "label" {
		t.Errorf("batch without the label column: %v", err)
	}
	// Empty batch: a warning, never a silent pass.
	empty := rec.NewSlice(0, 0)
	defer empty.Release()
	rep, err := CheckRecord(ref, opts, empty, "b", 0)
	if err != nil || rep.Verdict != Warn || rep.Findings[0].Check != CheckEmpty {
		t.Errorf("empty batch: %v %+v", err, rep)
	}
	// Empty reference.
	if _, err := BuildReference(func(func(Batch, error) bool) {}, opts); !errors.Is(err, ErrReference) {
		t.Errorf("empty reference: %v", err)
	}
	// Options.
	for _, o := range []Options{{Alpha: 2}, {K: -1}, {Label: "a", Text: []string{"a"}}, {Text: []string{"t", "t"}}, {Correction: "x"}} {
		if _, err := NewBuilder(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestBinaryJunkAndSchemaChanges(t *testing.T) {
	ref, batch, _, opts := reutersSplit(t, 9)
	b := cloneTable(batch)
	text := b.strs("text")
	junk := []int{5, 77, 300}
	for _, i := range junk {
		text[i] = "\x00\xff\xfe\x01binary\x02\x03"
	}
	// An extra column, and the label column kept.
	b.names = append(b.names, "extra")
	b.cols = append(b.cols, make([]float64, b.rows()))
	rep := checkTable(t, ref, b, opts)
	q := rep.Quarantined()
	for _, i := range junk {
		if rs := q[RowID{"batch", int64(i)}]; !slices.Contains(rs, CheckBinaryText) {
			t.Errorf("row %d not quarantined as binary_text: %v", i, rs)
		}
	}
	var sawJunk, sawNew bool
	for _, f := range rep.Findings {
		sawJunk = sawJunk || f.Check == CheckBinaryText && f.Rows == 3 && f.Severity == Critical
		sawNew = sawNew || f.Check == CheckSchema && f.Column == "extra" && f.Severity == Warning
	}
	if !sawJunk || !sawNew || rep.Verdict != Quarantine {
		t.Errorf("findings %+v", rep.Findings)
	}
}

func TestNumericChecks(t *testing.T) {
	d := numericDataset("shuttle.csv", "Class", []int{20000, 2000, -1}, "V1")
	p := split(d.load(t), 11, d.sizes...)
	ref := buildRef(t, p[0], d.opts)
	if rep := checkTable(t, ref, p[1], d.opts); rep.Verdict == Quarantine {
		t.Errorf("clean shuttle batch quarantined: %+v", rep.Findings)
	}
	r := rand.New(rand.NewPCG(11, 2))
	b, mask := outliers("Class")(r, 0.02, p[1], p[2])
	rep := checkTable(t, ref, b, d.opts)
	tp, fp, fn := scoreReport(rep, mask)
	if rec := float64(tp) / float64(tp+fn); rec < 0.5 || fp > tp/5 {
		t.Errorf("outliers: tp=%d fp=%d fn=%d", tp, fp, fn)
	}
	// A shift of one feature inside the most common class only.
	b, _ = classShift("Class", "V1")(r, 0, p[1], p[2])
	rep = checkTable(t, ref, b, d.opts)
	i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Check == CheckClassConditional && f.Column == "V1" })
	if i < 0 {
		t.Fatalf("class-conditional shift not found: %+v", rep.Findings)
	}
	if f := rep.Findings[i]; f.Label != "Rad.Flow" || math.Abs(*f.EffectSize-1) > 0.2 || f.Severity != Warning {
		t.Errorf("class-conditional finding %+v (effect %v)", f, *f.EffectSize)
	}
	if len(rep.Histograms) == 0 || rep.Histograms[0].Column != "V1" {
		t.Errorf("no histogram for V1")
	}
	var h bytes.Buffer
	if err := rep.WriteHTML(&h); err != nil || !strings.Contains(h.String(), "<svg") || !strings.Contains(h.String(), "class_conditional_drift") {
		t.Errorf("HTML report: %v", err)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| warn | class_conditional_drift | V1 / label Rad.Flow |") {
		t.Errorf("Markdown report:\n%s", md.String())
	}
}

func TestReject(t *testing.T) {
	ps := []float64{0.001, 0.02, 0.04, 0.3}
	if got := reject(ps, 4, 0.05, Holm); !slices.Equal(got, []bool{true, false, false, false}) {
		t.Errorf("Holm %v", got)
	}
	// BH: 0.02 <= 0.05*2/4 but 0.04 > 0.05*3/4.
	if got := reject(ps, 4, 0.05, BH); !slices.Equal(got, []bool{true, true, false, false}) {
		t.Errorf("BH %v", got)
	}
	// A larger family makes Holm stricter.
	if got := reject([]float64{0.001}, 100, 0.05, Holm); got[0] {
		t.Errorf("Holm over 100: %v", got)
	}
}

// TestBetaBinomUpper compares with a direct sum of the pmf.
func TestBetaBinomUpper(t *testing.T) {
	for _, c := range []struct {
		k, n int64
		a, b float64
	}{{3, 10, 0.5, 5}, {6, 6, 0.3, 4.2}, {8, 30, 2, 20}, {1, 1, 1, 1}, {20, 200, 1.5, 30}} {
		var want float64
		for x := c.k; x <= c.n; x++ {
			want += math.Exp(lchoose(c.n, x) + lbeta(float64(x)+c.a, float64(c.n-x)+c.b) - lbeta(c.a, c.b))
		}
		if got := betaBinomUpper(c.k, c.n, c.a, c.b); float64(c.k) > float64(c.n)*c.a/(c.a+c.b) && math.Abs(got-want) > 1e-12*want {
			t.Errorf("betaBinomUpper(%d, %d, %v, %v) = %v, want %v", c.k, c.n, c.a, c.b, got, want)
		}
	}
	// Beta(1,1) prior: X is uniform on 0..n.
	if got := betaBinomUpper(7, 9, 1, 1); math.Abs(got-0.3) > 1e-12 {
		t.Errorf("uniform: %v", got)
	}
}
