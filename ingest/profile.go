package ingest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/cespare/xxhash/v2"

	"github.com/cairnml/cairn/ingest/sketch"
	"github.com/cairnml/cairn/ingest/stats"
)

// Profile format identification. A file with another format id, or a
// version this code does not know, is rejected by ReadProfile.
const (
	ProfileFormat  = "cairn.profile"
	ProfileVersion = 1
)

// ProfileOptions fix what a profile records. Two profiles can be merged
// only if their options are equal. Zero fields take the defaults listed.
type ProfileOptions struct {
	Label       string   `json:"label,omitempty"` // label column, "" for none
	Text        []string `json:"text,omitempty"`  // text columns (string)
	Seed        uint64   `json:"seed"`            // seeds every randomised sketch
	QuantileK   int      `json:"quantile_k"`      // KLL k; default 256 (~1.2% rank error)
	HLLBits     int      `json:"hll_bits"`        // log2 HLL registers; default 12 (1.6% error)
	TopK        int      `json:"top_k"`           // frequent-items capacity; default 128 (exact up to 256 distinct values)
	ExactValues int      `json:"exact_values"`    // exact numeric value counts kept up to this many distinct values; default 1024
	VocabCap    int      `json:"vocab_cap"`       // token DF capacity per label; default 20000 (exact up to 40000 tokens)
	MinHashes   int      `json:"minhashes"`       // MinHash signature length; default 64
	SampleSize  int      `json:"sample_size"`     // rows kept in the seeded sample; default 1000
	MaxClasses  int      `json:"max_classes"`     // most label classes accepted; default 256
}

func (o ProfileOptions) withDefaults() ProfileOptions {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.QuantileK, sketch.DefaultK)
	def(&o.HLLBits, sketch.DefaultHLLBits)
	def(&o.TopK, 128)
	def(&o.ExactValues, 1024)
	def(&o.VocabCap, 20000)
	def(&o.MinHashes, 64)
	def(&o.SampleSize, 1000)
	def(&o.MaxClasses, 256)
	return o
}

func (o ProfileOptions) validate() error {
	switch {
	case o.QuantileK < 8 || o.QuantileK > 1<<16:
		return errors.New("quantile_k must be in [8, 65536]")
	case o.HLLBits < 4 || o.HLLBits > 18:
		return errors.New("hll_bits must be in [4, 18]")
	case o.TopK < 1 || o.ExactValues < 0 || o.VocabCap < 1 || o.MinHashes < 1 || o.MinHashes > 1024 || o.SampleSize < 0 || o.MaxClasses < 1:
		return errors.New("invalid sketch sizes")
	}
	seen := map[string]bool{}
	for _, t := range o.Text {
		if t == "" || t == o.Label || seen[t] {
			return fmt.Errorf("invalid text column %q (empty, repeated, or the label)", t)
		}
		seen[t] = true
	}
	return nil
}

// Profile is a one-pass, fixed-memory, mergeable summary of a dataset: the
// trusted reference batches are checked against. Build it with NewProfile
// and Add (or Merge profiles built in parallel), save it with WriteTo and
// load it with ReadProfile.
//
// Memory is fixed per column (sketch sizes are set by the options), per
// class (each class holds a summary of every column) and per text column.
//
// Merge(a, b) equals profiling a then b exactly for counts, nulls, min,
// max, the exact value counts, the HLL registers, the sample and the
// frequent items and token document frequencies while they are under
// capacity; mean and variance agree to rounding (Chan's parallel update);
// KLL quantiles agree within the sketch's rank error.
type Profile struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Options ProfileOptions `json:"options"`
	Rows    int64          `json:"rows"`
	// Columns in first-seen order; struct fields are flattened to
	// "parent.child".
	Columns []*ColumnProfile `json:"columns"`
	// Label holds the class prior and per-class summaries; nil without a
	// label column.
	Label *LabelProfile `json:"label,omitempty"`
	// Text holds token statistics per text column, in option order.
	Text []*TextProfile `json:"text,omitempty"`
	// Sample is a seeded bottom-k sample of rows (priority = a seeded hash
	// of (path, row)), for checks that need reference rows (label flips,
	// near-duplicates).
	Sample *sketch.BottomK[SampleRow] `json:"sample"`

	minhash *sketch.MinHash
	tmp     []float64
}

// ColumnProfile summarises one column (overall, or within one class).
type ColumnProfile struct {
	Name  string     `json:"name"`
	Kind  ColumnKind `json:"kind"`
	Type  string     `json:"type"`  // Arrow type of the first non-null batch
	Count int64      `json:"count"` // non-null values (NaN and ±Inf included)
	Nulls int64      `json:"nulls"` // nulls, and rows where the column was absent
	// Numeric columns.
	NaN       int64               `json:"nan,omitempty"`
	PosInf    int64               `json:"pos_inf,omitempty"`
	NegInf    int64               `json:"neg_inf,omitempty"`
	Moments   *Moments            `json:"moments,omitempty"`   // finite values
	Quantiles *sketch.KLL         `json:"quantiles,omitempty"` // finite values
	Values    *sketch.ExactCounts `json:"values,omitempty"`    // finite values, while few
	// Categorical and text columns.
	Frequent *sketch.Frequent `json:"frequent,omitempty"`
	Length   *Moments         `json:"length,omitempty"` // value length in bytes
	// All but KindOther: distinct values (numeric by float64 bits, strings
	// by bytes).
	Distinct *sketch.HLL `json:"distinct,omitempty"`
}

// Moments are Welford running moments; merged with Chan et al.'s update.
type Moments struct {
	N    int64 `json:"n"`
	Mean Float `json:"mean"`
	M2   Float `json:"m2"` // sum of squared deviations from the mean
	Min  Float `json:"min"`
	Max  Float `json:"max"`
}

// Float is a float64 that survives JSON: NaN and ±Inf are written as the
// strings "NaN", "Inf" and "-Inf".
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte(`"NaN"`), nil
	case math.IsInf(x, 1):
		return []byte(`"Inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = Float(math.NaN())
	case `"Inf"`:
		*f = Float(math.Inf(1))
	case `"-Inf"`:
		*f = Float(math.Inf(-1))
	default:
		x, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("invalid number %s", b)
		}
		*f = Float(x)
	}
	return nil
}

// Add adds one value.
func (m *Moments) Add(x float64) {
	if m.N == 0 {
		m.Min, m.Max = Float(x), Float(x)
	} else {
		m.Min = Float(math.Min(float64(m.Min), x))
		m.Max = Float(math.Max(float64(m.Max), x))
	}
	m.N++
	d := x - float64(m.Mean)
	m.Mean += Float(d / float64(m.N))
	m.M2 += Float(d * (x - float64(m.Mean)))
}

// Merge folds o into m (Chan, Golub, LeVeque).
func (m *Moments) Merge(o *Moments) {
	if o == nil || o.N == 0 {
		return
	}
	if m.N == 0 {
		*m = *o
		return
	}
	n := m.N + o.N
	d := float64(o.Mean - m.Mean)
	m.M2 += o.M2 + Float(d*d*float64(m.N)*float64(o.N)/float64(n))
	m.Mean += Float(d * float64(o.N) / float64(n))
	m.Min = Float(math.Min(float64(m.Min), float64(o.Min)))
	m.Max = Float(math.Max(float64(m.Max), float64(o.Max)))
	m.N = n
}

// Variance is the population variance (ddof 0); NaN when empty.
func (m *Moments) Variance() float64 {
	if m == nil || m.N == 0 {
		return math.NaN()
	}
	return float64(m.M2) / float64(m.N)
}

// Std is the population standard deviation (ddof 0), the scale drift
// statistics are normalised by.
func (m *Moments) Std() float64 { return math.Sqrt(m.Variance()) }

// LabelProfile is the class prior and per-class summaries.
type LabelProfile struct {
	Column  string          `json:"column"`
	Nulls   int64           `json:"nulls"`   // rows without a label
	Classes []*ClassProfile `json:"classes"` // sorted by class
}

// ClassProfile summarises the rows of one class: its count (the prior is
// Count / labelled rows) and every other column within the class.
type ClassProfile struct {
	Class   string           `json:"class"`
	Count   int64            `json:"count"`
	Columns []*ColumnProfile `json:"columns"`
}

// TextProfile holds token document frequencies of one text column,
// overall and per class (see Tokenize): DF counts each token once per
// document (non-null value).
type TextProfile struct {
	Column  string           `json:"column"`
	Docs    int64            `json:"docs"`
	Tokens  *Moments         `json:"tokens"` // distinct tokens per document
	DF      *sketch.Frequent `json:"df"`
	ByClass []*TextClass     `json:"by_class,omitempty"` // sorted by class
}

// TextClass is the token document frequencies within one class.
type TextClass struct {
	Class string           `json:"class"`
	Docs  int64            `json:"docs"`
	DF    *sketch.Frequent `json:"df"`
}

// SampleRow is one sampled reference row. Values are flattened column
// names to values: finite numbers in Num, categorical values (cut to 256
// bytes) in Cat, and for text columns the MinHash signature of the
// document's token set (see Tokenize, TokenHash, sketch.MinHash seeded by
// the profile seed).
type SampleRow struct {
	Path    string              `json:"path"`
	Row     int64               `json:"row"`
	Label   *string             `json:"label,omitempty"`
	Num     map[string]float64  `json:"num,omitempty"`
	Cat     map[string]string   `json:"cat,omitempty"`
	MinHash map[string][]uint32 `json:"minhash,omitempty"`
	Tokens  map[string]int      `json:"tokens,omitempty"` // distinct tokens per text column
}

// NewProfile returns an empty profile.
func NewProfile(opts ProfileOptions) (*Profile, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("ingest: profile options: %w", err)
	}
	p := &Profile{Format: ProfileFormat, Version: ProfileVersion, Options: opts, Sample: sketch.NewBottomK[SampleRow](opts.SampleSize)}
	if opts.Label != "" {
		p.Label = &LabelProfile{Column: opts.Label}
	}
	for _, t := range opts.Text {
		p.Text = append(p.Text, &TextProfile{Column: t, Tokens: &Moments{}, DF: sketch.NewFrequent(opts.VocabCap)})
	}
	p.init()
	return p, nil
}

func (p *Profile) init() {
	p.minhash = sketch.NewMinHash(p.Options.MinHashes, p.Options.Seed^0x6d696e68617368)
}

// MinHasher returns the MinHash family the profile's sample signatures
// were computed with, so a batch can be signed the same way.
func (p *Profile) MinHasher() *sketch.MinHash { return p.minhash }

// Column returns the overall summary of a column, or nil.
func (p *Profile) Column(name string) *ColumnProfile { return findColumn(p.Columns, name) }

// Class returns the summary of one class, or nil.
func (p *Profile) Class(class string) *ClassProfile {
	if p.Label == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(p.Label.Classes, class, func(c *ClassProfile, k string) int { return cmpString(c.Class, k) })
	if !ok {
		return nil
	}
	return p.Label.Classes[i]
}

// TextColumn returns the token statistics of a text column, or nil.
func (p *Profile) TextColumn(name string) *TextProfile {
	for _, t := range p.Text {
		if t.Column == name {
			return t
		}
	}
	return nil
}

func findColumn(cs []*ColumnProfile, name string) *ColumnProfile {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (p *Profile) colSeed(name, class string) uint64 {
	return sketch.SplitMix64(p.Options.Seed ^ xxhash.Sum64String(name) ^ sketch.SplitMix64(xxhash.Sum64String(class)))
}

func (p *Profile) newColumn(name, class string, kind ColumnKind, typ string, priorRows int64) *ColumnProfile {
	c := &ColumnProfile{Name: name, Kind: KindNull, Nulls: priorRows}
	p.setKind(c, class, kind, typ)
	return c
}

// setKind gives a column its kind and sketches the first time a typed
// (non-null) batch is seen.
func (p *Profile) setKind(c *ColumnProfile, class string, kind ColumnKind, typ string) {
	if kind == KindNull || c.Kind != KindNull {
		return
	}
	c.Kind, c.Type = kind, typ
	o := p.Options
	switch kind {
	case KindNumeric:
		c.Moments = &Moments{}
		c.Quantiles = sketch.NewKLL(o.QuantileK, p.colSeed(c.Name, class))
		c.Values = sketch.NewExactCounts(o.ExactValues)
		c.Distinct = sketch.NewHLL(o.HLLBits)
	case KindCategorical:
		c.Frequent = sketch.NewFrequent(o.TopK)
		c.Length = &Moments{}
		c.Distinct = sketch.NewHLL(o.HLLBits)
	case KindText:
		c.Length = &Moments{}
		c.Distinct = sketch.NewHLL(o.HLLBits)
	}
}

func compatible(a, b ColumnKind) bool {
	return a == b || a == KindNull || b == KindNull
}

// Add profiles one batch. Columns missing from the batch count as null
// for its rows; columns first seen in it count as null for every earlier
// row. A column whose kind changes (a number column that becomes a string
// column) is an error naming the batch's path.
func (p *Profile) Add(b Batch) error {
	rec := b.Record
	if rec == nil {
		return nil
	}
	n := int(rec.NumRows())
	leaves := flatten(rec)
	textSet := map[string]bool{}
	for _, t := range p.Options.Text {
		textSet[t] = true
	}
	kinds := make([]ColumnKind, len(leaves))
	byName := make(map[string]int, len(leaves))
	for i, l := range leaves {
		if _, dup := byName[l.name]; dup {
			return &ReadError{Path: b.Path, Row: b.Row, Column: l.name, Err: fmt.Errorf("%w: duplicate column", ErrFormat)}
		}
		byName[l.name] = i
		k := kindOfType(l.arr.DataType())
		if textSet[l.name] {
			if k != KindCategorical && k != KindNull || l.arr.DataType().ID() == arrow.BOOL {
				return &ReadError{Path: b.Path, Row: b.Row, Column: l.name, Err: fmt.Errorf("%w: text column has type %s, want a string type", ErrFormat, l.arr.DataType())}
			}
			if k == KindCategorical {
				k = KindText
			}
		}
		if c := p.Column(l.name); c != nil && !compatible(c.Kind, k) {
			return &ReadError{Path: b.Path, Row: b.Row, Column: l.name, Err: fmt.Errorf("%w: column is %s (%s) here but %s (%s) earlier", ErrFormat, k, l.arr.DataType(), c.Kind, c.Type)}
		}
		kinds[i] = k
	}
	for _, t := range p.Options.Text {
		if _, ok := byName[t]; !ok && p.Rows == 0 {
			return &ReadError{Path: b.Path, Row: b.Row, Column: t, Err: fmt.Errorf("%w: no such text column", ErrFormat)}
		}
	}

	// Class of every row.
	var classIdx []int // -1: no label
	var classes []*ClassProfile
	if p.Label != nil {
		li, ok := byName[p.Label.Column]
		if !ok {
			return &ReadError{Path: b.Path, Row: b.Row, Column: p.Label.Column, Err: fmt.Errorf("%w: no such label column", ErrFormat)}
		}
		l := leaves[li]
		str := labelStringer(l.arr)
		classIdx = make([]int, n)
		local := map[string]int{}
		for i := range n {
			if !l.isValid(i) {
				classIdx[i] = -1
				continue
			}
			s := str(i)
			j, ok := local[s]
			if !ok {
				cp := p.Class(s)
				if cp == nil {
					if len(p.Label.Classes) >= p.Options.MaxClasses {
						return &ReadError{Path: b.Path, Row: b.Row + int64(i), Column: p.Label.Column, Err: fmt.Errorf("%w: label has more than %d classes", ErrFormat, p.Options.MaxClasses)}
					}
					cp = &ClassProfile{Class: strings.Clone(s)}
					for _, c := range p.Columns {
						if c.Name != p.Label.Column {
							cp.Columns = append(cp.Columns, p.newColumn(c.Name, s, c.Kind, c.Type, 0))
						}
					}
					p.Label.Classes = append(p.Label.Classes, cp)
					slices.SortFunc(p.Label.Classes, func(a, b *ClassProfile) int { return cmpString(a.Class, b.Class) })
				}
				j = len(classes)
				classes = append(classes, cp)
				local[s] = j
			}
			classIdx[i] = j
		}
	}
	classRows := make([]int64, len(classes))
	for _, j := range classIdx {
		if j >= 0 {
			classRows[j]++
		}
	}

	// Columns.
	for i, l := range leaves {
		k := kinds[i]
		typ := l.arr.DataType().String()
		c := p.Column(l.name)
		if c == nil {
			c = p.newColumn(l.name, "", k, typ, p.Rows)
			p.Columns = append(p.Columns, c)
			if p.Label != nil && l.name != p.Label.Column {
				for _, cp := range p.Label.Classes {
					cp.Columns = append(cp.Columns, p.newColumn(l.name, cp.Class, k, typ, cp.Count))
				}
			}
		}
		p.setKind(c, "", k, typ)
		var per []*ColumnProfile
		if p.Label != nil && l.name != p.Label.Column {
			per = make([]*ColumnProfile, len(classes))
			for j, cp := range classes {
				per[j] = findColumn(cp.Columns, l.name)
				p.setKind(per[j], cp.Class, k, typ)
			}
		}
		p.addColumn(c, per, classIdx, l, k)
	}
	// Columns absent from this batch.
	for _, c := range p.Columns {
		if _, ok := byName[c.Name]; ok {
			continue
		}
		c.Nulls += int64(n)
		for j, cp := range classes {
			if pc := findColumn(cp.Columns, c.Name); pc != nil {
				pc.Nulls += classRows[j]
			}
		}
	}
	// Text statistics and the sample.
	p.addText(b, leaves, byName, classIdx, classes)
	p.addSample(b, leaves, byName, kinds, classIdx, classes)

	for j, cp := range classes {
		cp.Count += classRows[j]
	}
	if p.Label != nil {
		for _, j := range classIdx {
			if j < 0 {
				p.Label.Nulls++
			}
		}
	}
	p.Rows += int64(n)
	return nil
}

func (p *Profile) addColumn(c *ColumnProfile, per []*ColumnProfile, classIdx []int, l leaf, k ColumnKind) {
	n := l.arr.Len()
	target := func(i int) *ColumnProfile {
		if per == nil || classIdx[i] < 0 {
			return nil
		}
		return per[classIdx[i]]
	}
	switch k {
	case KindNumeric:
		p.tmp = floatsOf(l.arr, p.tmp)
		vals := p.tmp
		for i := range n {
			pc := target(i)
			if !l.isValid(i) {
				c.Nulls++
				if pc != nil {
					pc.Nulls++
				}
				continue
			}
			x := vals[i]
			addNumber(c, x)
			if pc != nil {
				addNumber(pc, x)
			}
		}
	case KindCategorical, KindText:
		str := stringer(l.arr)
		for i := range n {
			pc := target(i)
			if !l.isValid(i) {
				c.Nulls++
				if pc != nil {
					pc.Nulls++
				}
				continue
			}
			s := str(i)
			addString(c, s)
			if pc != nil {
				addString(pc, s)
			}
		}
	default:
		for i := range n {
			pc := target(i)
			valid := l.isValid(i) && k != KindNull
			if valid {
				c.Count++
			} else {
				c.Nulls++
			}
			if pc != nil {
				if valid {
					pc.Count++
				} else {
					pc.Nulls++
				}
			}
		}
	}
}

func addNumber(c *ColumnProfile, x float64) {
	c.Count++
	switch {
	case math.IsNaN(x):
		c.NaN++
		return
	case math.IsInf(x, 1):
		c.PosInf++
		return
	case math.IsInf(x, -1):
		c.NegInf++
		return
	}
	if x == 0 {
		x = 0 // -0 -> +0
	}
	c.Moments.Add(x)
	c.Quantiles.Update(x)
	c.Values.Add(x)
	c.Distinct.Add(sketch.SplitMix64(math.Float64bits(x)))
}

func addString(c *ColumnProfile, s string) {
	c.Count++
	c.Length.Add(float64(len(s)))
	c.Distinct.Add(xxhash.Sum64String(s))
	if c.Frequent != nil {
		c.Frequent.Add(s, 1)
	}
}

func (p *Profile) textClass(t *TextProfile, class string) *TextClass {
	i, ok := slices.BinarySearchFunc(t.ByClass, class, func(c *TextClass, k string) int { return cmpString(c.Class, k) })
	if ok {
		return t.ByClass[i]
	}
	tc := &TextClass{Class: class, DF: sketch.NewFrequent(p.Options.VocabCap)}
	t.ByClass = slices.Insert(t.ByClass, i, tc)
	return tc
}

func (p *Profile) addText(b Batch, leaves []leaf, byName map[string]int, classIdx []int, classes []*ClassProfile) {
	toks := map[string]struct{}{}
	for _, t := range p.Text {
		li, ok := byName[t.Column]
		if !ok || kindOfType(leaves[li].arr.DataType()) == KindNull {
			continue
		}
		l := leaves[li]
		str := stringer(l.arr)
		tcs := make([]*TextClass, len(classes))
		for j, cp := range classes {
			tcs[j] = p.textClass(t, cp.Class)
		}
		for i := range l.arr.Len() {
			if !l.isValid(i) {
				continue
			}
			clear(toks)
			tokenize(str(i), func(tok string) { toks[tok] = struct{}{} })
			t.Docs++
			t.Tokens.Add(float64(len(toks)))
			var tc *TextClass
			if classIdx != nil && classIdx[i] >= 0 {
				tc = tcs[classIdx[i]]
				tc.Docs++
			}
			for tok := range toks {
				t.DF.Add(tok, 1)
				if tc != nil {
					tc.DF.Add(tok, 1)
				}
			}
		}
	}
}

// rowPriority is the seeded sampling priority of (path, row).
func rowPriority(seed uint64, path string, row int64) uint64 {
	return sketch.SplitMix64(seed ^ sketch.SplitMix64(xxhash.Sum64String(path)^sketch.SplitMix64(uint64(row))))
}

func (p *Profile) addSample(b Batch, leaves []leaf, byName map[string]int, kinds []ColumnKind, classIdx []int, classes []*ClassProfile) {
	if p.Sample.K == 0 {
		return
	}
	n := int(b.Record.NumRows())
	var floats map[int][]float64
	for i := range n {
		row := b.Row + int64(i)
		pr := rowPriority(p.Options.Seed, b.Path, row)
		key := b.Path + "\x00" + strconv.FormatInt(row, 10)
		if !p.Sample.Admits(pr, key) {
			continue
		}
		if floats == nil {
			floats = map[int][]float64{}
		}
		sr := SampleRow{Path: b.Path, Row: row}
		if classIdx != nil && classIdx[i] >= 0 {
			s := classes[classIdx[i]].Class
			sr.Label = &s
		}
		for li, l := range leaves {
			if !l.isValid(i) {
				continue
			}
			switch kinds[li] {
			case KindNumeric:
				fs, ok := floats[li]
				if !ok {
					fs = floatsOf(l.arr, nil)
					floats[li] = fs
				}
				if x := fs[i]; !math.IsNaN(x) && !math.IsInf(x, 0) {
					if sr.Num == nil {
						sr.Num = map[string]float64{}
					}
					sr.Num[l.name] = x
				}
			case KindCategorical:
				s := stringer(l.arr)(i)
				if len(s) > 256 {
					s = s[:256]
				}
				s = strings.Clone(s) // s may point into an Arrow buffer
				if sr.Cat == nil {
					sr.Cat = map[string]string{}
				}
				sr.Cat[l.name] = s
			case KindText:
				var hs []uint64
				seen := map[string]bool{}
				tokenize(stringer(l.arr)(i), func(tok string) {
					if !seen[tok] {
						seen[tok] = true
						hs = append(hs, TokenHash(tok))
					}
				})
				if sr.MinHash == nil {
					sr.MinHash = map[string][]uint32{}
					sr.Tokens = map[string]int{}
				}
				sr.MinHash[l.name] = p.minhash.Signature(hs)
				sr.Tokens[l.name] = len(hs)
			}
		}
		p.Sample.Offer(sketch.Keyed[SampleRow]{Priority: pr, Key: key, Value: sr})
	}
}

// Merge folds o into p, as if o's batches had been added after p's. The
// options must be equal.
func (p *Profile) Merge(o *Profile) error {
	if !slices.Equal(p.Options.Text, o.Options.Text) || p.Options.Label != o.Options.Label {
		return errors.New("ingest: merging profiles with different label or text columns")
	}
	if !reflect.DeepEqual(p.Options, o.Options) {
		return errors.New("ingest: merging profiles built with different options")
	}
	if err := mergeColumns(p, &p.Columns, o.Columns, "", p.Rows, o.Rows); err != nil {
		return err
	}
	if p.Label != nil {
		p.Label.Nulls += o.Label.Nulls
		for _, oc := range o.Label.Classes {
			cp := p.Class(oc.Class)
			if cp == nil {
				if len(p.Label.Classes) >= p.Options.MaxClasses {
					return fmt.Errorf("ingest: merged label has more than %d classes", p.Options.MaxClasses)
				}
				cp = &ClassProfile{Class: oc.Class}
				p.Label.Classes = append(p.Label.Classes, cp)
				slices.SortFunc(p.Label.Classes, func(a, b *ClassProfile) int { return cmpString(a.Class, b.Class) })
			}
			if err := mergeColumns(p, &cp.Columns, oc.Columns, cp.Class, cp.Count, oc.Count); err != nil {
				return err
			}
			cp.Count += oc.Count
		}
		// Classes of p absent from o: their columns new in o got nulls
		// only for o's rows of that class, which is none.
		for _, cp := range p.Label.Classes {
			for _, c := range p.Columns {
				if c.Name != p.Label.Column && findColumn(cp.Columns, c.Name) == nil {
					cp.Columns = append(cp.Columns, p.newColumn(c.Name, cp.Class, c.Kind, c.Type, cp.Count))
				}
			}
		}
	}
	for i, t := range p.Text {
		ot := o.Text[i]
		t.Docs += ot.Docs
		t.Tokens.Merge(ot.Tokens)
		if err := t.DF.Merge(ot.DF); err != nil {
			return err
		}
		for _, oc := range ot.ByClass {
			tc := p.textClass(t, oc.Class)
			tc.Docs += oc.Docs
			if err := tc.DF.Merge(oc.DF); err != nil {
				return err
			}
		}
	}
	if err := p.Sample.Merge(o.Sample); err != nil {
		return err
	}
	p.Rows += o.Rows
	return nil
}

func mergeColumns(p *Profile, dst *[]*ColumnProfile, src []*ColumnProfile, class string, dstRows, srcRows int64) error {
	for _, oc := range src {
		c := findColumn(*dst, oc.Name)
		if c == nil {
			c = p.newColumn(oc.Name, class, oc.Kind, oc.Type, dstRows)
			*dst = append(*dst, c)
		}
		if !compatible(c.Kind, oc.Kind) {
			return fmt.Errorf("ingest: merging profiles: column %q is %s in one and %s in the other", c.Name, c.Kind, oc.Kind)
		}
		p.setKind(c, class, oc.Kind, oc.Type)
		c.Count += oc.Count
		c.Nulls += oc.Nulls
		c.NaN += oc.NaN
		c.PosInf += oc.PosInf
		c.NegInf += oc.NegInf
		if oc.Kind == KindNull {
			continue
		}
		if c.Moments != nil {
			c.Moments.Merge(oc.Moments)
		}
		if c.Quantiles != nil && oc.Quantiles != nil {
			if err := c.Quantiles.Merge(oc.Quantiles); err != nil {
				return err
			}
		}
		if c.Values != nil {
			c.Values.Merge(oc.Values)
		}
		if c.Frequent != nil && oc.Frequent != nil {
			if err := c.Frequent.Merge(oc.Frequent); err != nil {
				return err
			}
		}
		if c.Length != nil {
			c.Length.Merge(oc.Length)
		}
		if c.Distinct != nil && oc.Distinct != nil {
			if err := c.Distinct.Merge(oc.Distinct); err != nil {
				return err
			}
		}
	}
	for _, c := range *dst {
		if findColumn(src, c.Name) == nil {
			c.Nulls += srcRows
		}
	}
	return nil
}

// CDF returns the column's distribution of finite values as a step CDF:
// exact when the exact value counts did not overflow, else from the KLL
// sketch (rank error about 1.2% at k = 256). exact says which.
func (c *ColumnProfile) CDF() (steps []stats.Step, exact bool) {
	if c.Values != nil && !c.Values.Overflow {
		vs := c.Values.Sorted()
		var tot int64
		for _, v := range vs {
			tot += v.Count
		}
		var cum int64
		for _, v := range vs {
			cum += v.Count
			steps = append(steps, stats.Step{Value: v.Value, Cum: float64(cum) / float64(tot)})
		}
		return steps, true
	}
	if c.Quantiles == nil {
		return nil, false
	}
	vals, cum := c.Quantiles.CDF()
	for i := range vals {
		steps = append(steps, stats.Step{Value: vals[i], Cum: cum[i]})
	}
	return steps, c.Quantiles.Exact()
}

// Finite is the number of finite numeric values.
func (c *ColumnProfile) Finite() int64 {
	if c.Moments == nil {
		return 0
	}
	return c.Moments.N
}
