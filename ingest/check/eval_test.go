package check

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The poisoning suite: real data from ../shared/data, split at random into
// a reference and a batch, poison planted into the batch, and the
// quarantine list scored against the planted rows.

// poison plants into batch (hold is data in neither reference nor batch)
// and returns the poisoned batch and which of its rows are planted.
type poison func(r *rand.Rand, rate float64, batch, hold *table) (*table, []bool)

type scenario struct {
	name   string
	poison poison
	// finding, if set, is scored by detection (a finding of this check
	// present) instead of by rows.
	finding string
}

type dataset struct {
	name      string
	load      func(testing.TB) *table
	opts      Options
	sizes     []int // reference, batch, hold-out (-1: the rest)
	scenarios []scenario
}

// count returns max(1, round(rate * n)).
func count(rate float64, n int) int { return max(1, int(math.Round(rate*float64(n)))) }

// pickRows returns m distinct row indices of t satisfying ok.
func pickRows(r *rand.Rand, n, m int, ok func(int) bool) []int {
	var cand []int
	for i := range n {
		if ok == nil || ok(i) {
			cand = append(cand, i)
		}
	}
	r.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	return cand[:min(m, len(cand))]
}

func cloneTable(t *table) *table {
	idx := make([]int, t.rows())
	for i := range idx {
		idx[i] = i
	}
	return t.take(idx)
}

// randomToken is a lower-case nonsense word of 4 to 6 letters.
func randomToken(r *rand.Rand) string {
	b := make([]byte, 4+r.IntN(3))
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

func insertWord(r *rand.Rand, text, w string) string {
	words := strings.Fields(text)
	i := r.IntN(len(words) + 1)
	words = slices.Insert(words, i, w)
	return strings.Join(words, " ")
}

// triggerPoison plants a nonsense trigger token into rows whose label is
// not target and sets their label to target (a backdoor with flipped
// labels).
func triggerPoison(target string) poison {
	return func(r *rand.Rand, rate float64, batch, _ *table) (*table, []bool) {
		b := cloneTable(batch)
		text, label := b.strs("text"), b.strs("label")
		tok := randomToken(r)
		mask := make([]bool, b.rows())
		for _, i := range pickRows(r, b.rows(), count(rate, b.rows()), func(i int) bool { return label[i] != target }) {
			text[i] = insertWord(r, text[i], tok)
			label[i] = target
			mask[i] = true
		}
		return b, mask
	}
}

// appendRows appends extra rows to t and returns the table and the mask of
// the appended rows, then shuffles rows so the planted ones are spread out.
func appendRows(r *rand.Rand, t, extra *table) (*table, []bool) {
	n, m := t.rows(), extra.rows()
	all := &table{names: t.names}
	for j := range t.cols {
		switch c := t.cols[j].(type) {
		case []string:
			all.cols = append(all.cols, append(slices.Clone(c), extra.cols[j].([]string)...))
		case []float64:
			all.cols = append(all.cols, append(slices.Clone(c), extra.cols[j].([]float64)...))
		}
	}
	perm := r.Perm(n + m)
	mask := make([]bool, n+m)
	for i, p := range perm {
		mask[i] = p >= n
	}
	return all.take(perm), mask
}

// floodText appends near-copies of one held-out document, each with about
// 5% of its words replaced by words of other documents.
func floodText(r *rand.Rand, rate float64, batch, hold *table) (*table, []bool) {
	src := r.IntN(hold.rows())
	words := strings.Fields(hold.strs("text")[src])
	var vocab []string
	for _, t := range hold.strs("text") {
		vocab = append(vocab, strings.Fields(t)...)
	}
	m := count(rate, batch.rows())
	texts := make([]string, m)
	labels := make([]string, m)
	for i := range m {
		w := slices.Clone(words)
		for j := range w {
			if r.Float64() < 0.05 {
				w[j] = vocab[r.IntN(len(vocab))]
			}
		}
		texts[i] = strings.Join(w, " ")
		labels[i] = hold.strs("label")[src]
	}
	return appendRows(r, batch, &table{names: []string{"text", "label"}, cols: []any{texts, labels}})
}

// floodRows appends copies of one held-out row of a numeric table.
func floodRows(r *rand.Rand, rate float64, batch, hold *table) (*table, []bool) {
	src := r.IntN(hold.rows())
	idx := make([]int, count(rate, batch.rows()))
	for i := range idx {
		idx[i] = src
	}
	return appendRows(r, batch, hold.take(idx))
}

// flipLabels gives rows satisfying ok (all rows when nil) another label.
func flipLabels(labelCol string, ok func(b *table, i int) bool) poison {
	return func(r *rand.Rand, rate float64, batch, _ *table) (*table, []bool) {
		b := cloneTable(batch)
		label := b.strs(labelCol)
		labels := slices.Compact(slices.Sorted(slices.Values(label)))
		mask := make([]bool, b.rows())
		for _, i := range pickRows(r, b.rows(), count(rate, b.rows()), func(i int) bool { return ok == nil || ok(b, i) }) {
			for {
				l := labels[r.IntN(len(labels))]
				if l != label[i] {
					label[i] = l
					break
				}
			}
			mask[i] = true
		}
		return b, mask
	}
}

// outliers moves one numeric column of each planted row 5 to 10 reference
// standard deviations beyond its maximum.
func outliers(labelCol string) poison {
	return func(r *rand.Rand, rate float64, batch, _ *table) (*table, []bool) {
		b := cloneTable(batch)
		var num []int
		for j, n := range b.names {
			if n != labelCol {
				num = append(num, j)
			}
		}
		mask := make([]bool, b.rows())
		for _, i := range pickRows(r, b.rows(), count(rate, b.rows()), nil) {
			j := num[r.IntN(len(num))]
			c := b.cols[j].([]float64)
			hi, sd := slices.Max(c), stddev(c)
			c[i] = hi + (5+5*r.Float64())*math.Max(sd, 1)
			mask[i] = true
		}
		return b, mask
	}
}

func stddev(xs []float64) float64 {
	var m, s float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(max(len(xs)-1, 1)))
}

// classShift shifts one feature by one within-class standard deviation in
// the rows of the most common label only (the rate is ignored: every row of
// that label moves). The planted mask is empty: this is scored by finding.
func classShift(labelCol, feature string) poison {
	return func(r *rand.Rand, _ float64, batch, _ *table) (*table, []bool) {
		b := cloneTable(batch)
		label, x := b.strs(labelCol), b.floats(feature)
		counts := map[string]int{}
		for _, l := range label {
			counts[l]++
		}
		top := ""
		for l, n := range counts {
			if n > counts[top] || (n == counts[top] && l < top) {
				top = l
			}
		}
		var in []float64
		for i, l := range label {
			if l == top {
				in = append(in, x[i])
			}
		}
		sd := stddev(in)
		for i, l := range label {
			if l == top {
				x[i] += sd
			}
		}
		return b, make([]bool, b.rows())
	}
}

type score struct {
	tp, fp, fn   int
	detected, of int // finding-scored scenarios
	verdicts     int // quarantine verdicts
	trials       int
}

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return math.NaN()
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return math.NaN()
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func scoreReport(rep *Report, mask []bool) (tp, fp, fn int) {
	q := rep.Quarantined()
	for i, bad := range mask {
		_, in := q[RowID{"batch", int64(i)}]
		switch {
		case bad && in:
			tp++
		case bad:
			fn++
		case in:
			fp++
		}
	}
	return
}

func hasFinding(rep *Report, check string) bool {
	return slices.ContainsFunc(rep.Findings, func(f Finding) bool { return f.Check == check })
}

func reutersDataset(file string) dataset {
	opts := Options{Label: "label", Text: []string{"text"}}
	grainOnly := func(word string) func(b *table, i int) bool {
		return func(b *table, i int) bool { return strings.Contains(strings.ToLower(b.strs("text")[i]), word) }
	}
	return dataset{
		name: strings.TrimSuffix(file, "-train.jsonl"),
		load: func(tb testing.TB) *table {
			return loadJSONL(tb, file, strings.Replace(file, "train", "test", 1))
		},
		opts:  opts,
		sizes: []int{1400, 600, -1},
		scenarios: []scenario{
			{name: "trigger token -> minority label", poison: triggerPoison("1")},
			{name: "trigger token -> majority label", poison: triggerPoison("0")},
			{name: "near-duplicate flood", poison: floodText},
			{name: "random label flips", poison: flipLabels("label", nil)},
			{name: "targeted label flips (rows mentioning wheat)", poison: flipLabels("label", grainOnly("wheat"))},
		},
	}
}

func numericDataset(file, label string, sizes []int, feature string) dataset {
	return dataset{
		name:  strings.TrimSuffix(file, ".csv"),
		load:  func(tb testing.TB) *table { return loadCSV(tb, file, label) },
		opts:  Options{Label: label},
		sizes: sizes,
		scenarios: []scenario{
			{name: "outliers", poison: outliers(label)},
			{name: "random label flips", poison: flipLabels(label, nil)},
			{name: "duplicate flood", poison: floodRows},
			{name: "class-conditional shift of " + feature + " (1 sd)", poison: classShift(label, feature), finding: CheckClassConditional},
		},
	}
}

var poisonRates = []float64{0.005, 0.01, 0.02, 0.05}

type evalRow struct {
	dataset, scenario string
	rate              float64
	s                 score
}

// runSuite evaluates one dataset: clean batches for the false-alarm rate,
// then every scenario at every rate over poisonTrials seeds.
// CAIRN_EVAL_SEEDS overrides poisonTrials and CAIRN_EVAL_RATES (percentages,
// comma-separated, e.g. "1,2") restricts the poison rates; each rate keeps
// its own random stream, so a restricted run reproduces the full one's cells.
func runSuite(t *testing.T, d dataset, cleanTrials, poisonTrials int) (clean score, rows []evalRow) {
	if v := os.Getenv("CAIRN_EVAL_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CAIRN_EVAL_SEEDS=%q: want a positive integer", v)
		}
		poisonTrials = n
		cleanTrials = max(cleanTrials, n)
	}
	rateOK := func(float64) bool { return true }
	if v := os.Getenv("CAIRN_EVAL_RATES"); v != "" {
		var keep []float64
		for _, f := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				t.Fatalf("CAIRN_EVAL_RATES=%q: %v", v, err)
			}
			keep = append(keep, x/100)
		}
		rateOK = func(r float64) bool {
			return slices.ContainsFunc(keep, func(k float64) bool { return math.Abs(k-r) < 1e-9 })
		}
	}
	all := d.load(t)
	for seed := range uint64(cleanTrials) {
		p := split(all, seed+1, d.sizes...)
		ref := buildRef(t, p[0], d.opts)
		rep := checkTable(t, ref, p[1], d.opts)
		clean.trials++
		if rep.Verdict == Quarantine {
			clean.verdicts++
			var why []string
			for _, f := range rep.Findings {
				if f.Severity == Critical {
					why = append(why, f.Check+" "+f.Column+" "+f.Token+" "+f.Label)
				}
			}
			t.Logf("%s clean seed %d: quarantine (%s)", d.name, seed+1, strings.Join(why, "; "))
		}
		clean.fp += len(rep.Quarantine)
		if seed >= uint64(poisonTrials) {
			continue
		}
		for _, sc := range d.scenarios {
			for ri, rate := range poisonRates {
				if (sc.finding != "" && ri > 0) || !rateOK(rate) {
					continue
				}
				r := rand.New(rand.NewPCG(seed+1, uint64(ri)))
				b, mask := sc.poison(r, rate, p[1], p[2])
				rep := checkTable(t, ref, b, d.opts)
				i := slices.IndexFunc(rows, func(e evalRow) bool { return e.scenario == sc.name && e.rate == rate })
				if i < 0 {
					rows = append(rows, evalRow{dataset: d.name, scenario: sc.name, rate: rate})
					i = len(rows) - 1
				}
				s := &rows[i].s
				s.trials++
				if rep.Verdict == Quarantine {
					s.verdicts++
				}
				if sc.finding != "" {
					s.of++
					if hasFinding(rep, sc.finding) {
						s.detected++
					}
					continue
				}
				tp, fp, fn := scoreReport(rep, mask)
				s.tp += tp
				s.fp += fp
				s.fn += fn
			}
		}
	}
	return clean, rows
}

func formatTable(clean map[string]score, rows []evalRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| data | check | poison rate | precision | recall | quarantine verdicts | false alarms (clean batches with quarantine) |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		c := clean[r.dataset]
		rate := fmt.Sprintf("%.1f%%", 100*r.rate)
		prec, rec := fmt.Sprintf("%.3f", r.s.precision()), fmt.Sprintf("%.3f", r.s.recall())
		if r.s.tp+r.s.fp == 0 {
			prec = "— (none quarantined)"
		}
		if r.s.of > 0 {
			rate = "all rows of one class"
			prec, rec = "—", fmt.Sprintf("detected %d/%d", r.s.detected, r.s.of)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d/%d | %d/%d |\n", r.dataset, r.scenario, rate, prec, rec, r.s.verdicts, r.s.trials, c.verdicts, c.trials)
	}
	return b.String()
}
