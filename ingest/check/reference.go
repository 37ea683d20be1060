package check

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/sketch"
)

// Batch is a run of consecutive rows of one file, as ingest.Read yields
// them: row i of Record is row Row+i of Path.
type Batch = ingest.Batch

const (
	refFormat     = "cairn-check-reference"
	refVersion    = 1
	maxLabels     = 1000    // distinct label values
	maxCategories = 10000   // distinct values kept per categorical column
	maxVocabulary = 1 << 20 // distinct tokens kept per text column (lossy counting beyond)
	minhashK      = 128     // MinHash signature length
	lshBands      = 21      // LSH bands of lshRows signature positions
	lshRows       = 6
	nearDupJ      = 0.7 // estimated Jaccard at or above which two rows are near-duplicates
)

// moments are streaming count, mean, sum of squared deviations, min and max
// (Welford).
type moments struct {
	N    int64   `json:"n"`
	Mean float64 `json:"mean"`
	M2   float64 `json:"m2"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func (m *moments) add(x float64) {
	if m.N == 0 {
		m.Min, m.Max = x, x
	}
	m.N++
	d := x - m.Mean
	m.Mean += d / float64(m.N)
	m.M2 += d * (x - m.Mean)
	m.Min = math.Min(m.Min, x)
	m.Max = math.Max(m.Max, x)
}

// variance is the sample variance (n-1).
func (m moments) variance() float64 {
	if m.N < 2 {
		return 0
	}
	return m.M2 / float64(m.N-1)
}

func (m moments) std() float64 { return math.Sqrt(m.variance()) }

// catCount is a category and its count.
type catCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// tokenDF is a token's document frequency per label (aligned with
// Reference labels) and in total (labelled or not).
type tokenDF struct {
	Token string  `json:"token"`
	Total int64   `json:"total"`
	DF    []int64 `json:"df"`
}

// refColumn summarises one reference column.
type refColumn struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Kind  Kind   `json:"kind"`
	Count int64  `json:"count"` // rows
	Nulls int64  `json:"nulls"`

	// Numeric columns: finite values; text columns: token counts.
	Num       moments   `json:"num"`
	NonFinite int64     `json:"non_finite,omitempty"`
	ByLabel   []moments `json:"by_label,omitempty"`

	// Categorical columns.
	Cats         []catCount `json:"cats,omitempty"`
	CatsOverflow bool       `json:"cats_overflow,omitempty"`

	// Text columns.
	Tokens      []tokenDF `json:"tokens,omitempty"`
	Docs        int64     `json:"docs,omitempty"`
	DocsByLabel []int64   `json:"docs_by_label,omitempty"`
	Pruned      int64     `json:"pruned,omitempty"` // tokens dropped to bound the vocabulary
	Binary      int64     `json:"binary,omitempty"` // cells that were not text
}

// nfloat is a float64 that encodes NaN as JSON null.
type nfloat float64

func (f nfloat) MarshalJSON() ([]byte, error) {
	if !finite(float64(f)) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

func (f *nfloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = nfloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = nfloat(v)
	return err
}

// sampleRow is one reference row kept in the sample.
type sampleRow struct {
	Label  int32    `json:"label"`            // index into labels, -1 if null or no label
	Num    []nfloat `json:"num,omitempty"`    // numeric columns in schema order; NaN for null
	Tokens []uint64 `json:"tokens,omitempty"` // sorted distinct salted token hashes of all text columns
}

type refData struct {
	Format      string                     `json:"format"`
	Version     int                        `json:"version"`
	Label       string                     `json:"label,omitempty"`
	Text        []string                   `json:"text,omitempty"`
	Ignore      []string                   `json:"ignore,omitempty"`
	Seed        uint64                     `json:"seed"`
	Rows        int64                      `json:"rows"`
	Columns     []refColumn                `json:"columns"`
	Labels      []string                   `json:"labels,omitempty"`
	LabelCounts []int64                    `json:"label_counts,omitempty"`
	Sample      *sketch.BottomK[sampleRow] `json:"sample"`
}

// Reference is the trusted summary a batch is checked against. It is
// immutable once built and safe for concurrent use.
type Reference struct {
	d refData

	// derived on load
	sample   []sampleRow // ascending priority
	labelIdx map[string]int
	colIdx   map[string]int
	numCols  []int // indices of numeric columns, aligned with sampleRow.Num
	tokIdx   []map[string]int

	mu      sync.Mutex
	indexes map[[2]uint64]*refIndex
}

// Rows is the number of reference rows.
func (r *Reference) Rows() int64 { return r.d.Rows }

// Label is the label column the reference was built with ("" for none).
func (r *Reference) Label() string { return r.d.Label }

// Text lists the text columns the reference was built with.
func (r *Reference) Text() []string { return slices.Clone(r.d.Text) }

// Seed is the seed the reference was built with.
func (r *Reference) Seed() uint64 { return r.d.Seed }

// SampleLen is the number of reference rows held in the sample.
func (r *Reference) SampleLen() int { return len(r.sample) }

// WriteTo writes the reference as versioned JSON. The bytes are the same
// for the same input, options and seed.
func (r *Reference) WriteTo(w io.Writer) (int64, error) {
	b, err := json.Marshal(&r.d)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// ReadReference reads what WriteTo wrote. It fails with ErrReference on
// anything else.
func ReadReference(rd io.Reader) (*Reference, error) {
	var d refData
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReference, err)
	}
	if d.Format != refFormat {
		return nil, fmt.Errorf("%w: not a check reference (format %q)", ErrReference, d.Format)
	}
	if d.Version != refVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrReference, d.Version)
	}
	return newReference(d)
}

// IsReference reports whether the start of a file looks like a check
// reference, so callers can tell a reference file from a data file.
func IsReference(head []byte) bool {
	return strings.Contains(string(head[:min(len(head), 64)]), `"format":"`+refFormat+`"`)
}

func newReference(d refData) (*Reference, error) {
	if d.Rows == 0 {
		return nil, fmt.Errorf("%w: the reference has no rows", ErrReference)
	}
	if len(d.Labels) != len(d.LabelCounts) {
		return nil, fmt.Errorf("%w: %d labels but %d label counts", ErrReference, len(d.Labels), len(d.LabelCounts))
	}
	if d.Sample == nil {
		d.Sample = sketch.NewBottomK[sampleRow](0)
	}
	r := &Reference{d: d, labelIdx: map[string]int{}, colIdx: map[string]int{}}
	for i, l := range d.Labels {
		r.labelIdx[l] = i
	}
	for i, c := range d.Columns {
		if _, dup := r.colIdx[c.Name]; dup {
			return nil, fmt.Errorf("%w: column %q twice", ErrReference, c.Name)
		}
		r.colIdx[c.Name] = i
		if c.Kind == KindNumeric {
			r.numCols = append(r.numCols, i)
		}
		if c.ByLabel != nil && len(c.ByLabel) != len(d.Labels) {
			return nil, fmt.Errorf("%w: column %q: per-label summaries do not match the labels", ErrReference, c.Name)
		}
		m := map[string]int{}
		for j, t := range c.Tokens {
			if len(t.DF) != len(d.Labels) {
				return nil, fmt.Errorf("%w: column %q: token %q: per-label counts do not match the labels", ErrReference, c.Name, t.Token)
			}
			m[t.Token] = j
		}
		r.tokIdx = append(r.tokIdx, m)
	}
	for _, it := range d.Sample.Items() {
		s := it.Value
		if len(s.Num) != len(r.numCols) || s.Label >= int32(len(d.Labels)) {
			return nil, fmt.Errorf("%w: malformed sample row", ErrReference)
		}
		r.sample = append(r.sample, s)
	}
	return r, nil
}

// Builder builds a Reference in one streaming pass.
type Builder struct {
	opts    Options
	schema  *arrow.Schema
	cols    []refColumn
	kinds   []Kind
	numCols []int
	textCol []int
	label   int // column index, -1 without

	rows        int64
	labels      []string // first-seen order
	labelIdx    map[string]int
	labelCounts []int64
	cats        []map[string]int64
	vocab       []map[uint64]*tokAcc
	sample      *sketch.BottomK[sampleRow]
	tok         *tokenizer
	hashes      []uint64
}

type tokAcc struct {
	tok   string
	total int64
	df    []int64 // first-seen label order
}

// NewBuilder returns a Builder. Label and text columns are checked against
// the first batch added.
func NewBuilder(opts Options) (*Builder, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Builder{
		opts:     opts,
		label:    -1,
		labelIdx: map[string]int{},
		sample:   sketch.NewBottomK[sampleRow](opts.SampleSize),
		tok:      newTokenizer(),
	}, nil
}

// resolveColumns checks the label and text columns against a schema and
// returns the index of the label column (-1 without) and of the text
// columns.
func resolveColumns(s *arrow.Schema, opts *Options) (label int, text []int, err error) {
	label = -1
	if opts.Label != "" {
		idx := s.FieldIndices(opts.Label)
		if len(idx) == 0 {
			return 0, nil, &ColumnError{Column: opts.Label, Role: "label", Reason: "not in the data (columns: " + fieldNames(s) + ")"}
		}
		if t := s.Field(idx[0]).Type; !labelable(t) {
			return 0, nil, &ColumnError{Column: opts.Label, Role: "label", Reason: "has type " + t.String() + "; a label must be a string, integer or boolean"}
		}
		label = idx[0]
	}
	for _, name := range opts.Text {
		idx := s.FieldIndices(name)
		if len(idx) == 0 {
			return 0, nil, &ColumnError{Column: name, Role: "text", Reason: "not in the data (columns: " + fieldNames(s) + ")"}
		}
		if t := s.Field(idx[0]).Type; !isStringType(t) {
			return 0, nil, &ColumnError{Column: name, Role: "text", Reason: "has type " + t.String() + ", not a string"}
		}
		text = append(text, idx[0])
	}
	return label, text, nil
}

// sameColumns reports whether a and b have the same columns, by name and
// type, in the same order. Nullability and metadata may differ: the same
// table read from Parquet and from JSONL differs in those alone.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

// schemaDifference says how the columns of got differ from want's.
func schemaDifference(got, want *arrow.Schema) string {
	var out []string
	for i := range max(got.NumFields(), want.NumFields()) {
		switch {
		case i >= got.NumFields():
			out = append(out, fmt.Sprintf("no column %d (%q, %s)", i+1, want.Field(i).Name, want.Field(i).Type))
		case i >= want.NumFields():
			out = append(out, fmt.Sprintf("an extra column %q (%s)", got.Field(i).Name, got.Field(i).Type))
		case got.Field(i).Name != want.Field(i).Name:
			out = append(out, fmt.Sprintf("column %d is %q, not %q", i+1, got.Field(i).Name, want.Field(i).Name))
		case !arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type):
			out = append(out, fmt.Sprintf("%q is %s, not %s", got.Field(i).Name, got.Field(i).Type, want.Field(i).Type))
		}
	}
	return strings.Join(out, "; ")
}

func fieldNames(s *arrow.Schema) string {
	var ns []string
	for _, f := range s.Fields() {
		ns = append(ns, f.Name)
	}
	return strings.Join(ns, ", ")
}

func (b *Builder) init(s *arrow.Schema) error {
	label, text, err := resolveColumns(s, &b.opts)
	if err != nil {
		return err
	}
	b.schema, b.label, b.textCol = s, label, text
	for _, name := range b.opts.Ignore {
		if len(s.FieldIndices(name)) == 0 {
			return &ColumnError{Column: name, Role: "ignored", Reason: fmt.Sprintf("is not a column of the data (columns: %s)", fieldNames(s))}
		}
		if name == b.opts.Label || slices.Contains(b.opts.Text, name) {
			return &ColumnError{Column: name, Role: "ignored", Reason: "is also the label or a text column"}
		}
	}
	for i, f := range s.Fields() {
		k := kindOf(f.Name, f.Type, &b.opts)
		b.kinds = append(b.kinds, k)
		b.cols = append(b.cols, refColumn{Name: f.Name, Type: f.Type.String(), Kind: k})
		if k == KindNumeric {
			b.numCols = append(b.numCols, i)
		}
	}
	b.cats = make([]map[string]int64, len(b.cols))
	b.vocab = make([]map[uint64]*tokAcc, len(b.cols))
	for i, k := range b.kinds {
		switch k {
		case KindCategorical:
			b.cats[i] = map[string]int64{}
		case KindText:
			b.vocab[i] = map[uint64]*tokAcc{}
		}
	}
	return nil
}

// Add adds the rows of a batch. Every batch must have the schema of the
// first (same names and types, in order).
func (b *Builder) Add(bt Batch) error {
	rec := bt.Record
	if rec == nil {
		return errors.New("check: nil record")
	}
	if b.schema == nil {
		if err := b.init(rec.Schema()); err != nil {
			return err
		}
	} else if !sameColumns(rec.Schema(), b.schema) {
		return fmt.Errorf("%w: %s: columns differ from the first batch's: %s", ErrReference, bt.Path, schemaDifference(rec.Schema(), b.schema))
	}
	n := int(rec.NumRows())
	seed := b.opts.Seed
	pathHash := ingest.TokenHash(bt.Path)
	for i := range n {
		li := -1
		if b.label >= 0 {
			if v, ok := textAt(rec.Column(b.label), i); ok {
				idx, seen := b.labelIdx[v]
				if !seen {
					if len(b.labels) >= maxLabels {
						return &ColumnError{Column: b.opts.Label, Role: "label", Reason: fmt.Sprintf("has more than %d distinct values; is it really a label?", maxLabels)}
					}
					idx = len(b.labels)
					v = strings.Clone(v)
					b.labels = append(b.labels, v)
					b.labelIdx[v] = idx
					b.labelCounts = append(b.labelCounts, 0)
					for c := range b.cols {
						if b.kinds[c] == KindNumeric {
							b.cols[c].ByLabel = append(b.cols[c].ByLabel, moments{})
						}
						if b.kinds[c] == KindText {
							b.cols[c].DocsByLabel = append(b.cols[c].DocsByLabel, 0)
						}
					}
					for _, v := range b.vocab {
						for _, t := range v {
							t.df = append(t.df, 0)
						}
					}
				}
				li = idx
				b.labelCounts[li]++
			}
		}
		rowKey := sketch.SplitMix64(seed ^ sketch.SplitMix64(pathHash+uint64(bt.Row)+uint64(i)))
		keep := b.sample.Admits(rowKey, "")
		var sr sampleRow
		if keep {
			sr.Label = int32(li)
			b.hashes = b.hashes[:0]
		}
		for c := range b.cols {
			col := &b.cols[c]
			a := rec.Column(c)
			col.Count++
			if a.IsNull(i) {
				col.Nulls++
				if keep && b.kinds[c] == KindNumeric {
					sr.Num = append(sr.Num, nfloat(math.NaN()))
				}
				continue
			}
			switch b.kinds[c] {
			case KindNumeric:
				x, _ := floatAt(a, i)
				if !finite(x) {
					col.NonFinite++
					x = math.NaN()
				} else {
					col.Num.add(x)
					if li >= 0 {
						col.ByLabel[li].add(x)
					}
				}
				if keep {
					sr.Num = append(sr.Num, nfloat(x))
				}
			case KindCategorical:
				v, _ := textAt(a, i)
				m := b.cats[c]
				if _, ok := m[v]; ok {
					m[v]++
				} else if len(m) < maxCategories {
					m[strings.Clone(v)] = 1
				} else {
					col.CatsOverflow = true
				}
			case KindText:
				s, _ := textAt(a, i)
				if isBinaryJunk(s) {
					col.Binary++
					continue
				}
				toks, hs := b.tok.tokens(s)
				col.Num.add(float64(len(toks)))
				col.Docs++
				if li >= 0 {
					col.DocsByLabel[li]++
				}
				v := b.vocab[c]
				for j, h := range hs {
					t := v[h]
					if t == nil {
						t = &tokAcc{tok: toks[j], df: make([]int64, len(b.labels))}
						v[h] = t
					}
					t.total++
					if li >= 0 {
						t.df[li]++
					}
					if keep {
						b.hashes = append(b.hashes, saltHash(h, slices.Index(b.textCol, c)))
					}
				}
				if len(v) > maxVocabulary {
					col.Pruned += pruneVocab(v)
				}
			}
		}
		if keep {
			if len(b.textCol) > 0 {
				sr.Tokens = sortedUnique(slices.Clone(b.hashes))
			}
			b.sample.Offer(sketch.Keyed[sampleRow]{Priority: rowKey, Value: sr})
		}
		b.rows++
	}
	return nil
}

// pruneVocab drops the tokens seen in the fewest documents until the
// vocabulary is at 3/4 of its bound (lossy counting), returning how many
// were dropped.
func pruneVocab(v map[uint64]*tokAcc) int64 {
	counts := make([]int64, 0, len(v))
	for _, t := range v {
		counts = append(counts, t.total)
	}
	slices.Sort(counts)
	cut := counts[len(counts)-maxVocabulary*3/4]
	var n int64
	for h, t := range v {
		if t.total < cut {
			delete(v, h)
			n++
		}
	}
	return n
}

// Reference finishes the build. The Builder must not be used afterwards.
func (b *Builder) Reference() (*Reference, error) {
	if b.rows == 0 {
		return nil, fmt.Errorf("%w: the reference has no rows", ErrReference)
	}
	// Order labels by value and permute every per-label array.
	order := make([]int, len(b.labels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(b.labels[x], b.labels[y]) })
	inv := make([]int, len(order))
	for newI, oldI := range order {
		inv[oldI] = newI
	}
	perm := func(xs []int64) []int64 {
		out := make([]int64, len(xs))
		for i, x := range xs {
			out[inv[i]] = x
		}
		return out
	}
	d := refData{Format: refFormat, Version: refVersion, Label: b.opts.Label, Text: b.opts.Text, Ignore: slices.Sorted(slices.Values(b.opts.Ignore)), Seed: b.opts.Seed, Rows: b.rows}
	for _, oldI := range order {
		d.Labels = append(d.Labels, b.labels[oldI])
	}
	d.LabelCounts = perm(b.labelCounts)
	for c := range b.cols {
		col := b.cols[c]
		if col.ByLabel != nil {
			bl := make([]moments, len(col.ByLabel))
			for i, m := range col.ByLabel {
				bl[inv[i]] = m
			}
			col.ByLabel = bl
		}
		if col.DocsByLabel != nil {
			col.DocsByLabel = perm(col.DocsByLabel)
		}
		for v, n := range b.cats[c] {
			col.Cats = append(col.Cats, catCount{v, n})
		}
		slices.SortFunc(col.Cats, func(x, y catCount) int { return cmp.Compare(x.Value, y.Value) })
		for _, t := range b.vocab[c] {
			col.Tokens = append(col.Tokens, tokenDF{Token: t.tok, Total: t.total, DF: perm(t.df)})
		}
		slices.SortFunc(col.Tokens, func(x, y tokenDF) int { return cmp.Compare(x.Token, y.Token) })
		d.Columns = append(d.Columns, col)
	}
	// Remap sample labels.
	s := sketch.NewBottomK[sampleRow](b.opts.SampleSize)
	for _, it := range b.sample.Items() {
		if it.Value.Label >= 0 {
			it.Value.Label = int32(inv[it.Value.Label])
		}
		s.Offer(it)
	}
	d.Sample = s
	return newReference(d)
}

// BuildReference builds a reference from a sequence of batches.
func BuildReference(batches iter.Seq2[Batch, error], opts Options) (*Reference, error) {
	b, err := NewBuilder(opts)
	if err != nil {
		return nil, err
	}
	for bt, err := range batches {
		if err != nil {
			return nil, err
		}
		if err := b.Add(bt); err != nil {
			return nil, err
		}
	}
	return b.Reference()
}
