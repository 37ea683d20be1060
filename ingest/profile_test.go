package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/cairnml/cairn/ingest/stats"
	"github.com/cairnml/cairn/store/mem"
)

// shardCSV splits a CSV (header + rows) into k files with the same header.
func shardCSV(data []byte, k int) [][]byte {
	lines := strings.SplitAfter(strings.TrimRight(string(data), "\n")+"\n", "\n")
	lines = lines[:len(lines)-1]
	head, rows := lines[0], lines[1:]
	out := make([][]byte, k)
	per := (len(rows) + k - 1) / k
	for i := range k {
		lo, hi := i*per, min((i+1)*per, len(rows))
		out[i] = []byte(head + strings.Join(rows[lo:hi], ""))
	}
	return out
}

func TestProfileShardsMergeEqualWhole(t *testing.T) {
	data := readShared(t, "shuttle.csv")
	s := mem.New()
	for i, sh := range shardCSV(data, 4) {
		put(t, s, fmt.Sprintf("s/%d.csv", i), sh)
	}
	po := ProfileOptions{Label: "Class", Seed: 42, SampleSize: 200}
	whole := profileOf(t, s, "s", po)
	merged := profileOf(t, s, "s/0.csv", po)
	for i := 1; i < 4; i++ {
		if err := merged.Merge(profileOf(t, s, fmt.Sprintf("s/%d.csv", i), po)); err != nil {
			t.Fatal(err)
		}
	}
	if whole.Rows != 58000 || merged.Rows != 58000 {
		t.Fatalf("rows %d %d", whole.Rows, merged.Rows)
	}
	compareColumns(t, "", whole.Columns, merged.Columns)
	if len(whole.Label.Classes) != 7 || len(merged.Label.Classes) != 7 {
		t.Fatalf("classes %d %d", len(whole.Label.Classes), len(merged.Label.Classes))
	}
	var total int64
	for i, c := range whole.Label.Classes {
		m := merged.Label.Classes[i]
		if c.Class != m.Class || c.Count != m.Count {
			t.Fatalf("class %s %d vs %s %d", c.Class, c.Count, m.Class, m.Count)
		}
		total += c.Count
		compareColumns(t, c.Class, c.Columns, m.Columns)
	}
	if total != 58000 || whole.Class("Rad.Flow").Count != 45586 {
		t.Fatalf("class counts: total %d, Rad.Flow %d", total, whole.Class("Rad.Flow").Count)
	}
	a, _ := json.Marshal(whole.Sample)
	b, _ := json.Marshal(merged.Sample)
	if !bytes.Equal(a, b) || whole.Sample.Len() != 200 {
		t.Error("merged sample differs from the whole's")
	}
	// V1 of the whole file: exact mean from the data.
	v1 := whole.Column("V1")
	if v1.Values.Overflow || v1.Count != 58000 {
		t.Fatalf("V1: %+v", v1)
	}
}

func compareColumns(t *testing.T, class string, w, m []*ColumnProfile) {
	t.Helper()
	if len(w) != len(m) {
		t.Fatalf("class %q: %d vs %d columns", class, len(w), len(m))
	}
	for i, a := range w {
		b := m[i]
		where := class + "/" + a.Name
		if a.Name != b.Name || a.Kind != b.Kind || a.Count != b.Count || a.Nulls != b.Nulls || a.NaN != b.NaN {
			t.Errorf("%s: exact fields differ: %+v vs %+v", where, a, b)
		}
		if a.Distinct != nil && !bytes.Equal(a.Distinct.Registers, b.Distinct.Registers) {
			t.Errorf("%s: HLL registers differ", where)
		}
		if a.Frequent != nil {
			x, _ := json.Marshal(a.Frequent)
			y, _ := json.Marshal(b.Frequent)
			if !bytes.Equal(x, y) {
				t.Errorf("%s: frequent items differ", where)
			}
		}
		if a.Moments != nil {
			if a.Moments.N != b.Moments.N || a.Moments.Min != b.Moments.Min || a.Moments.Max != b.Moments.Max {
				t.Errorf("%s: moments n/min/max differ", where)
			}
			// Chan's merge vs Welford's stream: equal to rounding.
			if relErr(float64(a.Moments.Mean), float64(b.Moments.Mean)) > 1e-9 || relErr(a.Moments.Variance(), b.Moments.Variance()) > 1e-9 {
				t.Errorf("%s: mean/variance %v/%v vs %v/%v", where, a.Moments.Mean, a.Moments.Variance(), b.Moments.Mean, b.Moments.Variance())
			}
			x, _ := json.Marshal(a.Values)
			y, _ := json.Marshal(b.Values)
			if !bytes.Equal(x, y) {
				t.Errorf("%s: exact value counts differ", where)
			}
			// KLL: same n, min, max; quantiles within the sketch's rank
			// error (k=256: ~1.2%; allow 2%), measured on the exact CDF.
			if a.Quantiles.N != b.Quantiles.N || a.Quantiles.Min != b.Quantiles.Min || a.Quantiles.Max != b.Quantiles.Max {
				t.Errorf("%s: KLL n/min/max differ", where)
			}
			exact, ok := a.CDF()
			if ok && a.Moments.N > 0 {
				for q := 0.05; q < 1; q += 0.05 {
					ra := stats.CDFAt(exact, a.Quantiles.Quantile(q))
					rb := stats.CDFAt(exact, b.Quantiles.Quantile(q))
					if math.Abs(ra-rb) > 0.02+1/float64(a.Moments.N) && exactStepGap(exact, ra, rb) {
						t.Errorf("%s: quantile %.2f ranks %.4f vs %.4f", where, q, ra, rb)
					}
				}
			}
		}
	}
}

// exactStepGap reports whether two ranks are not merely adjacent steps of
// a CDF with big atoms (integer data), where a one-step difference is the
// sketch's resolution.
func exactStepGap(s []stats.Step, a, b float64) bool {
	lo, hi := min(a, b), max(a, b)
	n := 0
	for _, st := range s {
		if st.Cum > lo && st.Cum <= hi {
			n++
		}
	}
	return n > 1
}

func relErr(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

func TestProfileTextAndDeterminism(t *testing.T) {
	s := mem.New()
	put(t, s, "r/a.jsonl", readShared(t, "reutersgrain-train.jsonl"))
	put(t, s, "r/b.jsonl", readShared(t, "reutersgrain-test.jsonl"))
	po := ProfileOptions{Label: "label", Text: []string{"text"}, Seed: 7}
	whole := profileOf(t, s, "r", po)
	again := profileOf(t, s, "r", po)
	wb, err := MarshalProfile(whole)
	if err != nil {
		t.Fatal(err)
	}
	ab, _ := MarshalProfile(again)
	if !bytes.Equal(wb, ab) {
		t.Fatal("same input and seed gave different bytes")
	}
	other := profileOf(t, s, "r", ProfileOptions{Label: "label", Text: []string{"text"}, Seed: 8})
	ob, _ := MarshalProfile(other)
	if bytes.Equal(wb, ob) {
		t.Fatal("a different seed gave the same bytes")
	}
	merged := profileOf(t, s, "r/a.jsonl", po)
	if err := merged.Merge(profileOf(t, s, "r/b.jsonl", po)); err != nil {
		t.Fatal(err)
	}
	tw, tm := whole.TextColumn("text"), merged.TextColumn("text")
	if tw.Docs != 2158 || tm.Docs != 2158 || !tw.DF.Exact() {
		t.Fatalf("docs %d %d exact %v", tw.Docs, tm.Docs, tw.DF.Exact())
	}
	// DFs are exact (under capacity): merged equals whole byte for byte.
	x, _ := json.Marshal([]any{tw.DF, tw.ByClass})
	y, _ := json.Marshal([]any{tm.DF, tm.ByClass})
	if !bytes.Equal(x, y) {
		t.Error("merged token DFs differ from the whole's")
	}
	// "grain" appears in most label-1 documents and few label-0 ones.
	var c0, c1 *TextClass
	for _, c := range tw.ByClass {
		switch c.Class {
		case "0":
			c0 = c
		case "1":
			c1 = c
		}
	}
	if c0 == nil || c1 == nil || c0.Docs+c1.Docs != 2158 {
		t.Fatalf("classes %+v", tw.ByClass)
	}
	f1 := float64(c1.DF.Count("grain")) / float64(c1.Docs)
	f0 := float64(c0.DF.Count("grain")) / float64(c0.Docs)
	if f1 < 0.3 || f0 > 0.01 {
		t.Errorf("DF(grain): %.3f in class 1, %.3f in class 0", f1, f0)
	}
	// Round trip: same bytes; unknown versions rejected.
	p2, err := UnmarshalProfile(wb)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := MarshalProfile(p2)
	if !bytes.Equal(rb, wb) {
		t.Fatal("round trip changed the bytes")
	}
	bad := bytes.Replace(wb, []byte(`"version":1`), []byte(`"version":2`), 1)
	if _, err := UnmarshalProfile(bad); !errors.Is(err, ErrProfileVersion) {
		t.Fatalf("version 2: %v", err)
	}
	if _, err := UnmarshalProfile([]byte(`{"format":"cairn.profile","version":1,"options":{"quantile_k":0}}`)); !errors.Is(err, ErrBadProfile) {
		t.Fatalf("bad options: %v", err)
	}
	for _, s := range p2.Sample.Items() {
		if len(s.Value.MinHash["text"]) != 64 || s.Value.Label == nil {
			t.Fatalf("sample row %+v", s.Value)
		}
	}
}

func TestProfileEdgeValues(t *testing.T) {
	s := mem.New()
	put(t, s, "e.csv", []byte("x,y,z\nNaN,a,\n1,,\ninf,b,\n-inf,a,\n3,a,\n"))
	p := profileOf(t, s, "e.csv", ProfileOptions{})
	x := p.Column("x")
	if x.Count != 5 || x.NaN != 1 || x.PosInf != 1 || x.NegInf != 1 || x.Moments.N != 2 || x.Moments.Mean != 2 {
		t.Fatalf("x: %+v %+v", x, x.Moments)
	}
	if y := p.Column("y"); y.Nulls != 1 || y.Frequent.Count("a") != 3 {
		t.Fatalf("y: %+v", y)
	}
	if z := p.Column("z"); z.Kind != KindNull || z.Nulls != 5 {
		t.Fatalf("z: %+v", z)
	}
	if _, err := MarshalProfile(p); err != nil {
		t.Fatal(err)
	}
}

// shuttleColumns reads shuttle.csv into memory.
type table struct {
	names []string
	ints  [][]int64
	class []string
}

func loadShuttle(t testing.TB) table {
	s := mem.New()
	put(t, s, "shuttle.csv", readShared(t, "shuttle.csv"))
	var tb table
	for b, err := range Read(context.Background(), s, "shuttle.csv", ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if tb.names == nil {
			for _, f := range b.Record.Schema().Fields()[:9] {
				tb.names = append(tb.names, f.Name)
			}
			tb.ints = make([][]int64, 9)
		}
		for j := range 9 {
			tb.ints[j] = append(tb.ints[j], b.Record.Column(j).(*array.Int64).Int64Values()...)
		}
		cl := b.Record.Column(9).(*array.String)
		for i := range cl.Len() {
			tb.class = append(tb.class, cl.Value(i))
		}
	}
	return tb
}

// record builds a batch of the given rows, with shift(col, class) added to
// the numeric values (as float64 columns).
func (tb table) record(rows []int, shift func(col int, class string) float64) arrow.RecordBatch {
	fields := make([]arrow.Field, 0, 10)
	for _, n := range tb.names {
		fields = append(fields, arrow.Field{Name: n, Type: arrow.PrimitiveTypes.Float64})
	}
	fields = append(fields, arrow.Field{Name: "Class", Type: arrow.BinaryTypes.String})
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for j := range 9 {
			v := float64(tb.ints[j][r])
			if shift != nil {
				v += shift(j, tb.class[r])
			}
			b.Field(j).(*array.Float64Builder).Append(v)
		}
		b.Field(9).(*array.StringBuilder).Append(tb.class[r])
	}
	return b.NewRecordBatch()
}

func profileRecord(t testing.TB, rec arrow.RecordBatch, po ProfileOptions) *Profile {
	p, err := NewProfile(po)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add(Batch{Path: "mem", Record: rec}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAlarmsCleanSplitsShuttle(t *testing.T) {
	tb := loadShuttle(t)
	r := rand.New(rand.NewPCG(5, 6))
	po := ProfileOptions{Label: "Class", SampleSize: 10}
	var tested, alarms int
	for range 50 {
		perm := r.Perm(len(tb.class))
		cut := len(perm) * 9 / 10
		ref := tb.record(perm[:cut], nil)
		bat := tb.record(perm[cut:], nil)
		rp, bp := profileRecord(t, ref, po), profileRecord(t, bat, po)
		ref.Release()
		bat.Release()
		for _, d := range Drift(rp, bp, DefaultAlarms()) {
			if d.KS == nil && d.ChiSquare == nil {
				continue
			}
			tested++
			if d.Alarm {
				alarms++
				t.Logf("alarm: %s/%s: %s", d.Column, d.Class, d.Reason)
			}
		}
	}
	rate := float64(alarms) / float64(tested)
	t.Logf("clean splits: %d alarms in %d column tests (%.2f%%)", alarms, tested, 100*rate)
	if tested < 50*10 || rate > 0.05 {
		t.Fatalf("false alarm rate %.3f over %d tests", rate, tested)
	}
}

func normalBatch(t testing.TB, n int, shift float64, seed uint64) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(seed, 1))
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	for range n {
		b.Append(r.NormFloat64() + shift)
	}
	a := b.NewArray()
	defer a.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil), []arrow.Array{a}, int64(n))
}

func TestNegligibleShiftDoesNotAlarm(t *testing.T) {
	ref := normalBatch(t, 100000, 0, 1)
	small := normalBatch(t, 100000, 0.02, 2)
	big := normalBatch(t, 100000, 0.3, 3)
	defer ref.Release()
	defer small.Release()
	defer big.Release()
	rp := profileRecord(t, ref, ProfileOptions{})
	d := Drift(rp, profileRecord(t, small, ProfileOptions{}), DefaultAlarms())
	if len(d) != 1 || d[0].Alarm || d[0].KS == nil {
		t.Fatalf("0.02-sigma shift: %+v", d)
	}
	t.Logf("0.02 sigma: %s", d[0].Reason)
	// The statistics are sketched (100k distinct values > the exact cap):
	// the KS statistic is within about 2 x 1.2% of the exact one.
	if d[0].Exact || d[0].KS.Statistic > 0.03 || math.Abs(d[0].WassersteinStd-0.02) > 0.01 {
		t.Errorf("sketched statistics off: %+v", d[0])
	}
	d = Drift(rp, profileRecord(t, big, ProfileOptions{}), DefaultAlarms())
	if !d[0].Alarm {
		t.Fatalf("0.3-sigma shift did not alarm: %s", d[0].Reason)
	}
}

func TestClassConditionalShiftDetected(t *testing.T) {
	tb := loadShuttle(t)
	r := rand.New(rand.NewPCG(9, 9))
	perm := r.Perm(len(tb.class))
	cut := len(perm) * 8 / 10
	po := ProfileOptions{Label: "Class"}
	ref := tb.record(perm[:cut], nil)
	rp := profileRecord(t, ref, po)
	ref.Release()
	// Shift V5 by one within-class std in class "High" only.
	sd := rp.Class("High").Columns[4].Moments.Std()
	bat := tb.record(perm[cut:], func(col int, class string) float64 {
		if col == 4 && class == "High" {
			return sd
		}
		return 0
	})
	bp := profileRecord(t, bat, po)
	bat.Release()
	var hit bool
	for _, d := range Drift(rp, bp, DefaultAlarms()) {
		if d.Alarm {
			t.Logf("alarm: %s/%s: %s", d.Column, d.Class, d.Reason)
			if d.Column == "V5" && d.Class == "High" {
				hit = true
			} else {
				t.Errorf("unexpected alarm on %s/%s", d.Column, d.Class)
			}
		}
	}
	if !hit {
		t.Fatal("class-conditional shift of V5 in class High not detected")
	}
}
