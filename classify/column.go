package classify

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ColumnOptions configure a Classifier. The zero value means the defaults.
type ColumnOptions struct {
	// Sample is how many non-null values of each column (leaf) are
	// classified: a uniform sample chosen by a hash of (Seed, path, row,
	// position), the same whatever the batch boundaries. Default 1000;
	// negative means every value.
	Sample int
	// Seed makes the sample reproducible; it is recorded in the Report.
	Seed uint64
	// MinFraction is the lowest Wilson lower bound (95%) of the match
	// fraction at which a column is labelled with a type. Default 0.01:
	// a type must be in at least about 1% of values with confidence, so
	// one hit in 10,000 values never labels a column.
	MinFraction float64
	// Cells asks for cell-level findings: every non-null value of every
	// scanned column is scanned (not only the sample).
	Cells bool
	// MaxCellFindings caps the cell findings kept. Default 100,000.
	MaxCellFindings int
	// MaxDepth caps how deep nested struct and list types are walked.
	// Default 32.
	MaxDepth int
}

func (o *ColumnOptions) setDefaults() error {
	if o.Sample == 0 {
		o.Sample = 1000
	}
	if o.MinFraction == 0 {
		o.MinFraction = 0.01
	}
	if o.MaxCellFindings == 0 {
		o.MaxCellFindings = 100_000
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = 32
	}
	if o.MinFraction < 0 || o.MinFraction > 1 {
		return fmt.Errorf("classify: MinFraction %v outside [0, 1]", o.MinFraction)
	}
	if o.MaxCellFindings < 0 || o.MaxDepth < 0 {
		return errors.New("classify: negative MaxCellFindings or MaxDepth")
	}
	return nil
}

// Report is the result of classifying columns. Its JSON form is the one
// `cairn classify --format json` prints.
type Report struct {
	// Seed and Sample record how values were sampled.
	Seed   uint64 `json:"seed"`
	Sample int    `json:"sample"`
	// Columns lists the columns labelled with at least one type, in the
	// order first seen.
	Columns []ColumnResult `json:"columns"`
	// Cells are the cell-level findings (only with ColumnOptions.Cells),
	// ordered by path, row, column and start.
	Cells []CellFinding `json:"cells,omitempty"`
	// CellsTruncated reports that MaxCellFindings was reached.
	CellsTruncated bool `json:"cells_truncated,omitempty"`
	// Skipped lists columns not scanned, with the reason. A caller that
	// skips whole files adds them here, with no column (cairn classify
	// lists the files of a directory that are not tables).
	Skipped []Skipped `json:"skipped,omitempty"`
}

// ColumnResult is the classification of one leaf column of one file.
type ColumnResult struct {
	Path   string       `json:"path"`
	Column string       `json:"column"`
	Types  []TypeResult `json:"types"`
	// Values is the number of non-null values seen.
	Values int64 `json:"values"`
	// Truncated, InvalidUTF8 and Binary count sampled values that were
	// longer than the scan cap (scanned in part), not valid UTF-8, or
	// binary-looking (not scanned).
	Truncated   int `json:"truncated,omitempty"`
	InvalidUTF8 int `json:"invalid_utf8,omitempty"`
	Binary      int `json:"binary,omitempty"`
}

// TypeResult is one type found in a column.
type TypeResult struct {
	Type string `json:"type"`
	// Confidence is the Wilson lower bound of MatchFraction times the mean
	// score of the matching values, raised towards 1 by a matching column
	// name in proportion to MatchFraction.
	Confidence float64 `json:"confidence"`
	// MatchFraction is Matches / Sampled.
	MatchFraction float64 `json:"match_fraction"`
	// Sampled is the number of non-null values classified.
	Sampled int `json:"sampled"`
	// Matches is the number of sampled values holding the type.
	Matches int `json:"matches"`
	// NameHint reports that the column name suggested the type.
	NameHint bool `json:"name_hint,omitempty"`
}

// CellFinding is one finding in one cell.
type CellFinding struct {
	Path   string  `json:"path"`
	Row    int64   `json:"row"`
	Column string  `json:"column"`
	Type   string  `json:"type"`
	Start  int     `json:"start"`
	End    int     `json:"end"`
	Score  float64 `json:"score"`
}

// Skipped is a column, or a whole file, that was not scanned and why.
type Skipped struct {
	Path string `json:"path"`
	// Column is "" when the whole file was skipped (say, because it is
	// not a table).
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Classifier classifies the columns of a stream of Arrow record batches.
// Feed batches with Add, then call Report. Memory is bounded by the sample
// size per column (plus the cell findings kept). A Classifier is not safe
// for concurrent use.
type Classifier struct {
	scan  *Scanner
	opts  ColumnOptions
	leafs map[string]*leafAcc // key: path + "\x00" + column
	order []*leafAcc
	skip  map[string]bool
	rep   Report
	ents  []string
	entIx map[string]uint16
}

// NewClassifier returns a classifier using scanner s (nil means a scanner
// with the default registry and options).
func NewClassifier(s *Scanner, opts ColumnOptions) (*Classifier, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	if s == nil {
		var err error
		if s, err = NewScanner(nil, Options{}); err != nil {
			return nil, err
		}
	}
	c := &Classifier{scan: s, opts: opts, leafs: map[string]*leafAcc{},
		skip: map[string]bool{}, entIx: map[string]uint16{}}
	c.rep.Seed, c.rep.Sample = opts.Seed, opts.Sample
	return c, nil
}

type hit struct {
	ent   uint16
	score float32
}

type sampleItem struct {
	pri  uint64
	hits []hit
}

type leafAcc struct {
	path, column string
	hint         columnHint
	hintText     string
	pathHash     uint64
	k            int
	heap         []sampleItem // max-heap on pri when k > 0
	all          map[uint16]*entCount
	n            int // classified values when sampling everything
	values       int64
	res          ColumnResult
}

type entCount struct {
	m   int
	sum float64
}

func (c *Classifier) entity(e string) uint16 {
	if i, ok := c.entIx[e]; ok {
		return i
	}
	i := uint16(len(c.ents))
	c.ents = append(c.ents, e)
	c.entIx[e] = i
	return i
}

// Add classifies one batch of the file at path whose first row is row
// number row of the file (0-based, as in ingest.Batch). Feeding the same
// rows in different batches gives the same Report. rec is not retained.
func (c *Classifier) Add(path string, row int64, rec arrow.RecordBatch) error {
	if rec == nil {
		return errors.New("classify: nil record batch")
	}
	if row < 0 {
		return fmt.Errorf("classify: %s: negative row %d", path, row)
	}
	base := row
	n := int(rec.NumRows())
	sc := rec.Schema()
	for i := 0; i < int(rec.NumCols()); i++ {
		if l := rec.Column(i).Len(); l != n {
			return fmt.Errorf("classify: %s: column %q has %d values, batch has %d rows", path, sc.Field(i).Name, l, n)
		}
	}
	for i := 0; i < int(rec.NumCols()); i++ {
		c.walk(path, sc.Field(i).Name, rec.Column(i), base, nil, nil, nil, 0)
	}
	return nil
}

// walk visits the leaves of arr. pos, if not nil, lists the positions of
// arr to visit, rows their row numbers and ords their index within the
// row's (nested) lists; nil means every position i with row base+i.
func (c *Classifier) walk(path, col string, arr arrow.Array, base int64, pos []int, rows []int64, ords []int, depth int) {
	if depth > c.opts.MaxDepth {
		c.skipCol(path, col, fmt.Sprintf("nested deeper than %d levels", c.opts.MaxDepth))
		return
	}
	visit := func(yield func(p int, row int64, ord int)) {
		if pos == nil {
			for i := 0; i < arr.Len(); i++ {
				if arr.IsValid(i) {
					yield(i, base+int64(i), 0)
				}
			}
			return
		}
		for k, p := range pos {
			if arr.IsValid(p) {
				yield(p, rows[k], ords[k])
			}
		}
	}
	var vp, vo []int
	var vr []int64
	switch a := arr.(type) {
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		visit(func(p int, row int64, ord int) { vp, vr, vo = append(vp, p), append(vr, row), append(vo, ord) })
		for f := 0; f < a.NumField(); f++ {
			c.walk(path, col+"."+st.Field(f).Name, a.Field(f), base, nonNil(vp), vr, vo, depth+1)
		}
		return
	case array.ListLike:
		visit(func(p int, row int64, ord int) {
			s, e := a.ValueOffsets(p)
			for k := s; k < e; k++ {
				vp, vr, vo = append(vp, int(k)), append(vr, row), append(vo, ord*1_000_003+int(k-s)+1)
			}
		})
		c.walk(path, col+"[]", a.ListValues(), base, nonNil(vp), vr, vo, depth+1)
		return
	case *array.Dictionary:
		visit(func(p int, row int64, ord int) {
			vp, vr, vo = append(vp, a.GetValueIndex(p)), append(vr, row), append(vo, ord)
		})
		c.walk(path, col, a.Dictionary(), base, nonNil(vp), vr, vo, depth+1)
		return
	}
	var str func(i int) string
	kind := "text"
	switch a := arr.(type) {
	case *array.String:
		str = a.Value
	case *array.LargeString:
		str = a.Value
	case *array.StringView:
		str = a.Value
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64:
		str = func(i int) string { return strconv.FormatInt(intValue(a, i), 10) }
	case *array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		str = func(i int) string { return strconv.FormatUint(uintValue(a, i), 10) }
	case *array.Date32, *array.Date64, *array.Timestamp:
		kind = "date"
	case *array.Binary, *array.LargeBinary, *array.BinaryView, *array.FixedSizeBinary:
		c.skipCol(path, col, "binary column: values are not text")
		return
	case *array.Null:
		return
	default:
		c.skipCol(path, col, "type "+arr.DataType().String()+" cannot hold the detected types")
		return
	}
	acc := c.leaf(path, col)
	visit(func(p int, row int64, ord int) {
		acc.values++
		if kind == "date" {
			c.sampleDate(acc, row, ord)
			return
		}
		if c.opts.Cells {
			v := str(p)
			c.cells(acc, row, v)
			c.sampleText(acc, row, ord, str, p)
			return
		}
		c.sampleText(acc, row, ord, str, p)
	})
}

func nonNil(p []int) []int {
	if p == nil {
		return []int{}
	}
	return p
}

func intValue(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	}
	return 0
}

func uintValue(a arrow.Array, i int) uint64 {
	switch a := a.(type) {
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	}
	return 0
}

func (c *Classifier) skipCol(path, col, reason string) {
	k := path + "\x00" + col
	if c.skip[k] {
		return
	}
	c.skip[k] = true
	c.rep.Skipped = append(c.rep.Skipped, Skipped{Path: path, Column: col, Reason: reason})
}

func (c *Classifier) leaf(path, col string) *leafAcc {
	k := path + "\x00" + col
	if l, ok := c.leafs[k]; ok {
		return l
	}
	h := hintFor(col)
	l := &leafAcc{path: path, column: col, hint: h, hintText: h.text, pathHash: fnv(path + "\x00" + col), k: c.opts.Sample, all: map[uint16]*entCount{}}
	l.res = ColumnResult{Path: path, Column: col}
	c.leafs[k] = l
	c.order = append(c.order, l)
	return l
}

// priority is the sampling hash of one value: splitmix64 over the seed,
// the path and the value's position.
func priority(seed uint64, pathHash uint64, row int64, ord int) uint64 {
	x := seed ^ pathHash ^ uint64(row)*0x9e3779b97f4a7c15 ^ uint64(ord)*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// admit reports whether a value with priority pri enters the sample, and
// if so makes room for it.
func (l *leafAcc) admit(pri uint64) bool {
	if l.k < 0 {
		return true
	}
	if len(l.heap) < l.k {
		return true
	}
	if pri >= l.heap[0].pri {
		return false
	}
	// Pop the max.
	last := len(l.heap) - 1
	l.heap[0] = l.heap[last]
	l.heap = l.heap[:last]
	siftDown(l.heap, 0)
	return true
}

func (l *leafAcc) record(pri uint64, hits []hit) {
	if l.k < 0 {
		l.n++
		for _, h := range hits {
			ec := l.all[h.ent]
			if ec == nil {
				ec = &entCount{}
				l.all[h.ent] = ec
			}
			ec.m++
			ec.sum += float64(h.score)
		}
		return
	}
	l.heap = append(l.heap, sampleItem{pri: pri, hits: hits})
	i := len(l.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if l.heap[p].pri >= l.heap[i].pri {
			break
		}
		l.heap[p], l.heap[i] = l.heap[i], l.heap[p]
		i = p
	}
}

func siftDown(h []sampleItem, i int) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].pri > h[m].pri {
			m = l
		}
		if r < len(h) && h[r].pri > h[m].pri {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (c *Classifier) sampleDate(l *leafAcc, row int64, ord int) {
	pri := priority(c.opts.Seed, l.pathHash, row, ord)
	if !l.admit(pri) {
		return
	}
	hits := []hit{{c.entity("DATE_TIME"), 1}}
	if l.hint.entities["DATE_OF_BIRTH"] {
		hits = append(hits, hit{c.entity("DATE_OF_BIRTH"), 1})
	}
	l.record(pri, hits)
}

// sampleText samples value p of a text leaf; str(p) is called only for
// values that enter the sample.
func (c *Classifier) sampleText(l *leafAcc, row int64, ord int, str func(int) string, p int) {
	pri := priority(c.opts.Seed, l.pathHash, row, ord)
	if !l.admit(pri) {
		return
	}
	l.record(pri, c.classifyValue(l, str(p)))
}

// classifyValue returns the types found in one value, each once with its
// best score.
func (c *Classifier) classifyValue(l *leafAcc, v string) []hit {
	r := c.scan.ScanWithHint(v, l.hintText)
	if r.Truncated {
		l.res.Truncated++
	}
	if r.InvalidUTF8 {
		l.res.InvalidUTF8++
	}
	if r.Binary {
		l.res.Binary++
		return nil
	}
	var hits []hit
	add := func(e string, s float64) {
		id := c.entity(e)
		for i := range hits {
			if hits[i].ent == id {
				hits[i].score = max(hits[i].score, float32(s))
				return
			}
		}
		hits = append(hits, hit{id, float32(s)})
	}
	date := false
	for _, f := range r.Findings {
		add(f.Entity, f.Score)
		if f.Entity == "DATE_TIME" {
			date = true
		}
	}
	he := l.hint.entities
	switch {
	case he["DATE_OF_BIRTH"] && date:
		add("DATE_OF_BIRTH", 0.9)
	case he["PERSON"] && len(r.Findings) == 0 && looksLikeName(v):
		add("PERSON", 0.8)
	case he["LOCATION"] && len(r.Findings) == 0 && looksLikeLocation(v):
		add("LOCATION", 0.7)
	case he["GENERIC_SECRET"] && len(r.Findings) == 0 && looksLikeSecret(v):
		add("GENERIC_SECRET", 0.85)
	case he["US_BANK_NUMBER"] && looksLikeAccount(v):
		add("US_BANK_NUMBER", 0.7)
	}
	return hits
}

func (c *Classifier) cells(l *leafAcc, row int64, v string) {
	if c.rep.CellsTruncated {
		return
	}
	r := c.scan.ScanWithHint(v, l.hintText)
	for _, f := range r.Findings {
		if len(c.rep.Cells) >= c.opts.MaxCellFindings {
			c.rep.CellsTruncated = true
			return
		}
		c.rep.Cells = append(c.rep.Cells, CellFinding{Path: l.path, Row: row, Column: l.column, Type: f.Entity,
			Start: f.Start, End: f.End, Score: round3(f.Score)})
	}
}

// Wilson returns the lower bound of the Wilson score interval for m
// successes in n trials at normal quantile z (1.96 for 95%).
func Wilson(m, n int, z float64) float64 {
	if n <= 0 {
		return 0
	}
	p := float64(m) / float64(n)
	nf := float64(n)
	z2 := z * z
	centre := p + z2/(2*nf)
	margin := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, (centre-margin)/(1+z2/nf))
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// Report returns the classification of everything added so far. It may be
// called more than once.
func (c *Classifier) Report() *Report {
	rep := c.rep
	rep.Columns = nil
	rep.Cells = slices.Clone(c.rep.Cells)
	rep.Skipped = slices.Clone(c.rep.Skipped)
	for _, l := range c.order {
		counts := map[uint16]*entCount{}
		n := l.n
		if l.k >= 0 {
			n = len(l.heap)
			for _, it := range l.heap {
				for _, h := range it.hits {
					ec := counts[h.ent]
					if ec == nil {
						ec = &entCount{}
						counts[h.ent] = ec
					}
					ec.m++
					ec.sum += float64(h.score)
				}
			}
		} else {
			counts = l.all
		}
		res := l.res
		res.Values = l.values
		for id, ec := range counts {
			e := c.ents[id]
			lb := Wilson(ec.m, n, 1.96)
			if lb < c.opts.MinFraction {
				continue
			}
			p := float64(ec.m) / float64(n)
			conf := lb * ec.sum / float64(ec.m)
			hinted := l.hint.entities[e]
			if hinted {
				conf += (1 - conf) * 0.5 * p
			}
			res.Types = append(res.Types, TypeResult{Type: e, Confidence: round3(conf), MatchFraction: round3(p),
				Sampled: n, Matches: ec.m, NameHint: hinted})
		}
		if len(res.Types) == 0 {
			continue
		}
		slices.SortFunc(res.Types, func(a, b TypeResult) int {
			if r := cmp.Compare(b.Confidence, a.Confidence); r != 0 {
				return r
			}
			return strings.Compare(a.Type, b.Type)
		})
		rep.Columns = append(rep.Columns, res)
	}
	slices.SortStableFunc(rep.Cells, func(a, b CellFinding) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Row, b.Row), strings.Compare(a.Column, b.Column), cmp.Compare(a.Start, b.Start))
	})
	if rep.Columns == nil {
		rep.Columns = []ColumnResult{}
	}
	return &rep
}
