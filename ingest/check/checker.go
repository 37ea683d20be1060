package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/cairnml/cairn/ingest/sketch"
)

const (
	triggerMinRows = 3   // a trigger pair needs at least this many rows
	triggerMinH    = 0.5 // and Cohen's h at least this (a "medium" effect)
	floodMinRows   = 3   // smallest near-duplicate cluster tested
	floodMinRatio  = 2.0 // a cluster's batch rate must be at least twice its reference rate
	driftMinEffect = 0.1 // Wasserstein / reference std
	ccMinEffect    = 0.5 // |mean shift| / within-class reference std
	priorMinEffect = 0.1 // Cohen's w
	nullMinDelta   = 0.05
	robustZ        = 3.5 // out-of-range values must also be this far in robust z (when MAD > 0)
	reservoirSize  = 4096
	maxFloodRows   = 1 << 20 // rows held for near-duplicate clustering
	maxBuckets     = 1 << 21 // LSH bucket counters before lossy pruning
	maxExamples    = 10
)

type rowRef struct {
	path int32
	row  int64
}

// rowList is a capped list of rows with an exact count.
type rowList struct {
	n    int64
	rows []rowRef
}

func (l *rowList) add(r rowRef, limit int) {
	l.n++
	if len(l.rows) < limit {
		l.rows = append(l.rows, r)
	}
}

type batchTok struct {
	tok    string
	total  int64
	df     []int64   // per reference label
	score  []float64 // of those, the summed content scores (text neighbours)
	scored []int64   // of those, rows with a content score
	pos    []int64   // of those, rows with a positive content score
}

// batchCol accumulates one batch column.
type batchCol struct {
	name  string
	kind  Kind
	ref   int // reference column index, -1 for a new column
	count int64
	nulls int64

	num     moments
	byLabel []moments
	res     []float64 // reservoir of values
	resSeen int64
	out     rowList // out of the reference range
	maxZ    float64

	cats     map[string]int64
	catsOver bool
	unseen   rowList

	tokens      map[uint64]*batchTok // nil when the reference lacks the column
	tokFloor    int64                // tokens seen at most this often may have been pruned
	docsByLabel []int64
	binary      rowList
}

type trigKey struct {
	col   int // batch column
	hash  uint64
	label int32
}

type trigState struct {
	finding int  // index in findings
	shared  int  // index of the shared finding, -1 before any
	all     bool // quarantine every row with the pair, not only those its neighbours contradict
}

type floodCand struct {
	id  rowRef
	sig []uint32
}

// Checker checks one batch (of any number of record batches and files)
// against a reference in two passes: Observe every record, then Scan every
// record again in the same order, then Report. NeedsScan says whether the
// second pass can be skipped. A Checker is not safe for concurrent use.
type Checker struct {
	ref  *Reference
	opts Options
	*refIndex

	schema   *arrow.Schema
	cols     []*batchCol
	label    int
	text     []int // batch indices of the text columns
	numIdx   []int // batch index of each reference numeric column (-1 missing)
	paths    []string
	pathIdx  map[string]int32
	rows     int64
	scanned  int64
	rng      *rand.Rand
	findings []Finding

	labelCounts []int64
	unseenLabel rowList
	flipTested  []int64
	flipFlagged []int64
	flipRows    []rowList

	buckets     map[uint64]int32
	bucketFloor int32

	stage      int // 0 observing, 1 scanning, 2 reported
	needScan   bool
	triggers   map[trigKey]*trigState
	trigCols   map[int]map[uint64][]int32
	suspicious map[uint64]bool
	flood      []floodCand
	floodOver  bool
	quarantine map[rowRef][]string

	tokers    []*tokenizer // per text column
	toks      [][]string
	tokHashes [][]uint64
	sc        *knnScratch
	hashes    []uint64
	bandsB    []uint64
	point     []float64
	rowFlag   int8    // scan: 0 unknown, 1 not flagged, 2 flagged
	rowScore  float64 // observe: the current row's content score, if rowScored
	rowScored bool
}

// NewChecker returns a Checker of batches against ref. opts.Label and
// opts.Text, when set, must match the columns ref was built with (empty
// means "as the reference"); the other options are the checker's own.
func NewChecker(ref *Reference, opts Options) (*Checker, error) {
	if ref == nil {
		return nil, fmt.Errorf("%w: nil reference", ErrReference)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Label != "" && opts.Label != ref.d.Label {
		return nil, &ColumnError{Column: opts.Label, Role: "reference", Reason: fmt.Sprintf("the reference was built with label column %q; rebuild it with --label %s", ref.d.Label, opts.Label)}
	}
	if len(opts.Text) > 0 {
		a, b := slices.Sorted(slices.Values(opts.Text)), slices.Sorted(slices.Values(ref.d.Text))
		if !slices.Equal(a, b) {
			return nil, &ColumnError{Column: strings.Join(opts.Text, ","), Role: "reference", Reason: fmt.Sprintf("the reference was built with text columns %q", ref.d.Text)}
		}
	}
	opts.Label, opts.Text, opts.Ignore = ref.d.Label, ref.d.Text, ref.d.Ignore
	opts = opts.withDefaults()
	ix := ref.index(opts.K, opts.Seed)
	c := &Checker{
		ref: ref, opts: opts, refIndex: ix,
		pathIdx:    map[string]int32{},
		rng:        rand.New(rand.NewPCG(opts.Seed, 0x636865636b)),
		buckets:    map[uint64]int32{},
		quarantine: map[rowRef][]string{},
	}
	if c.knn != nil {
		c.sc = c.knn.scratch()
	}
	nl := len(ref.d.Labels)
	c.labelCounts = make([]int64, nl)
	c.flipTested = make([]int64, nl)
	c.flipFlagged = make([]int64, nl)
	c.flipRows = make([]rowList, nl)
	return c, nil
}

// refIndex is what checks need from a reference beyond its summaries,
// derived once per (K, seed) and shared by every Checker of the reference.
type refIndex struct {
	knn        *knnIndex
	lsh        *lsh
	refBuckets map[uint64][]int32 // band key -> sample rows
	refSigs    [][]uint32
	refMed     []float64 // per reference column
	refMAD     []float64
	refVals    [][]float64 // sorted sample values per reference column
	ebAlpha    []float64   // per reference text column: prior strength for P(label | token)
}

// index returns the shared index for k neighbours and seed, building it on
// first use. Safe for concurrent use.
func (r *Reference) index(k int, seed uint64) *refIndex {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := [2]uint64{uint64(k), seed}
	if ix, ok := r.indexes[key]; ok {
		return ix
	}
	ix := &refIndex{lsh: newLSH(seed), knn: newKNN(r, k, seed)}
	ix.refBuckets = map[uint64][]int32{}
	for j, s := range r.sample {
		set := s.Tokens
		if len(r.d.Text) == 0 {
			set = numericSet(nil, s.Num)
		}
		sig := ix.lsh.mh.Signature(set)
		ix.refSigs = append(ix.refSigs, sig)
		if emptySig(sig) {
			continue
		}
		for _, k := range ix.lsh.bands(nil, sig) {
			ix.refBuckets[k] = append(ix.refBuckets[k], int32(j))
		}
	}
	nc := len(r.d.Columns)
	ix.ebAlpha = make([]float64, nc)
	for i := range r.d.Columns {
		if rc := &r.d.Columns[i]; rc.Kind == KindText && len(rc.DocsByLabel) > 1 {
			ix.ebAlpha[i] = empiricalBayesAlpha(rc)
		}
	}
	// Robust location and scale, and sorted values, from the sample.
	ix.refMed = make([]float64, nc)
	ix.refMAD = make([]float64, nc)
	ix.refVals = make([][]float64, nc)
	for p, ci := range r.numCols {
		var v []float64
		for _, s := range r.sample {
			if x := float64(s.Num[p]); finite(x) {
				v = append(v, x)
			}
		}
		ix.refMed[ci], ix.refMAD[ci] = medianMAD(v)
		ix.refVals[ci] = sorted(v)
	}
	if r.indexes == nil {
		r.indexes = map[[2]uint64]*refIndex{}
	}
	r.indexes[key] = ix
	return ix
}

// numericSet is the set of (column position, value) hashes of a numeric
// row: what near-duplicate detection uses when there is no text column.
func numericSet(dst []uint64, num []nfloat) []uint64 {
	for i, v := range num {
		x := float64(v)
		if !finite(x) {
			continue
		}
		dst = append(dst, sketch.SplitMix64(math.Float64bits(x)^uint64(i+1)*0xff51afd7ed558ccd))
	}
	return dst
}

func (c *Checker) init(s *arrow.Schema) error {
	label, text, err := resolveColumns(s, &c.opts)
	if err != nil {
		return err
	}
	c.schema, c.label, c.text = s, label, text
	for range text {
		c.tokers = append(c.tokers, newTokenizer())
	}
	c.toks = make([][]string, len(text))
	c.tokHashes = make([][]uint64, len(text))
	ref := c.ref
	seen := map[string]bool{}
	for _, f := range s.Fields() {
		k := kindOf(f.Name, f.Type, &c.opts)
		bc := &batchCol{name: f.Name, kind: k, ref: -1}
		if ri, ok := ref.colIdx[f.Name]; ok {
			rc := ref.d.Columns[ri]
			seen[f.Name] = true
			switch {
			case rc.Kind != k && !(rc.Kind == KindNumeric && k == KindCategorical || rc.Kind == KindCategorical && k == KindNumeric):
				c.findings = append(c.findings, Finding{Check: CheckSchema, Column: f.Name, Severity: Critical,
					Message: fmt.Sprintf("column %q changed type from %s (%s) to %s (%s); fix the producer or rebuild the reference", f.Name, rc.Type, rc.Kind, f.Type, k)})
			case rc.Kind != k:
				c.findings = append(c.findings, Finding{Check: CheckSchema, Column: f.Name, Severity: Critical,
					Message: fmt.Sprintf("column %q changed from %s (%s) to %s (%s): values are no longer comparable; fix the producer or rebuild the reference", f.Name, rc.Type, rc.Kind, f.Type, k)})
			default:
				bc.ref = ri
				if rc.Type != f.Type.String() {
					c.findings = append(c.findings, Finding{Check: CheckSchema, Column: f.Name, Severity: Info,
						Message: fmt.Sprintf("column %q is %s in the batch and %s in the reference; compared as %s", f.Name, f.Type, rc.Type, k)})
				}
			}
		} else {
			c.findings = append(c.findings, Finding{Check: CheckSchema, Column: f.Name, Severity: Warning,
				Message: fmt.Sprintf("column %q is new: the reference has no such column, so it is not checked", f.Name)})
		}
		if bc.ref >= 0 {
			switch k {
			case KindNumeric:
				bc.byLabel = make([]moments, len(ref.d.Labels))
			case KindCategorical:
				bc.cats = map[string]int64{}
			case KindText:
				bc.tokens = map[uint64]*batchTok{}
				bc.docsByLabel = make([]int64, len(ref.d.Labels))
			}
		}
		c.cols = append(c.cols, bc)
	}
	for _, rc := range ref.d.Columns {
		if !seen[rc.Name] {
			c.findings = append(c.findings, Finding{Check: CheckSchema, Column: rc.Name, Severity: Critical, ReferenceN: rc.Count,
				Message: fmt.Sprintf("column %q of the reference is missing from the batch; fix the producer or rebuild the reference", rc.Name)})
		}
	}
	c.numIdx = make([]int, len(ref.numCols))
	for p, ri := range ref.numCols {
		c.numIdx[p] = -1
		if bi := s.FieldIndices(ref.d.Columns[ri].Name); len(bi) > 0 && c.cols[bi[0]].ref == ri {
			c.numIdx[p] = bi[0]
		}
	}
	return nil
}

func (c *Checker) pathID(p string) int32 {
	id, ok := c.pathIdx[p]
	if !ok {
		id = int32(len(c.paths))
		c.paths = append(c.paths, p)
		c.pathIdx[p] = id
	}
	return id
}

func (c *Checker) checkSchema(s *arrow.Schema, path string) error {
	if c.schema == nil {
		return c.init(s)
	}
	if !sameColumns(s, c.schema) {
		return fmt.Errorf("check: %s: columns differ from the first batch's: %s", path, schemaDifference(s, c.schema))
	}
	return nil
}

// rowLabel returns the reference label index of row i: -1 for null,
// -2 for a value the reference never saw.
func (c *Checker) rowLabel(rec arrow.RecordBatch, i int) int32 {
	if c.label < 0 {
		return -1
	}
	v, ok := textAt(rec.Column(c.label), i)
	if !ok {
		return -1
	}
	li, ok := c.ref.labelIdx[v]
	if !ok {
		return -2
	}
	return int32(li)
}

// tokenizeRow tokenises the text columns of row i into c.toks (per text
// column; nil for a null or binary cell, whose rows are recorded when
// observing) and fills c.hashes with the row's near-duplicate set: salted
// tokens of the text columns, or (position, value) hashes of the numeric
// columns when there is no text column.
func (c *Checker) tokenizeRow(rec arrow.RecordBatch, i int, observe bool, id rowRef) {
	c.hashes = c.hashes[:0]
	if len(c.text) == 0 {
		for p, bi := range c.numIdx {
			if bi < 0 {
				continue
			}
			if x, ok := floatAt(rec.Column(bi), i); ok && finite(x) {
				c.hashes = append(c.hashes, sketch.SplitMix64(math.Float64bits(x)^uint64(p+1)*0xff51afd7ed558ccd))
			}
		}
		return
	}
	for tpos, bi := range c.text {
		c.toks[tpos], c.tokHashes[tpos] = nil, nil
		s, ok := textAt(rec.Column(bi), i)
		if !ok {
			continue
		}
		if isBinaryJunk(s) {
			if observe {
				c.cols[bi].binary.add(id, c.opts.MaxQuarantine)
			}
			continue
		}
		c.toks[tpos], c.tokHashes[tpos] = c.tokers[tpos].tokens(s)
		for _, h := range c.tokHashes[tpos] {
			c.hashes = append(c.hashes, saltHash(h, tpos))
		}
	}
}

// pruneBatchVocab bounds the batch vocabulary by lossy counting: it drops
// the tokens held by at most floor+1, floor+2, ... documents until the map
// is at 3/4 of its bound, and returns the new floor. A token planted in
// more documents than the floor is never lost.
func pruneBatchVocab(m map[uint64]*batchTok, floor int64) int64 {
	for len(m) > maxVocabulary*3/4 {
		floor++
		for h, t := range m {
			if t.total <= floor {
				delete(m, h)
			}
		}
	}
	return floor
}

// observeTokens adds row i's tokens to the batch's per-label document
// frequencies and, when it has one, its content score (c.rowScore).
func (c *Checker) observeTokens(li int32, id rowRef) {
	for tpos, bi := range c.text {
		bc := c.cols[bi]
		toks, hs := c.toks[tpos], c.tokHashes[tpos]
		if bc.tokens == nil || toks == nil && hs == nil {
			continue
		}
		bc.num.add(float64(len(toks)))
		c.checkRange(bc, float64(len(toks)), id, false)
		if li >= 0 {
			bc.docsByLabel[li]++
		}
		for j, h := range hs {
			t := bc.tokens[h]
			if t == nil {
				if len(bc.tokens) >= maxVocabulary {
					bc.tokFloor = pruneBatchVocab(bc.tokens, bc.tokFloor)
				}
				nl := len(c.ref.d.Labels)
				t = &batchTok{tok: strings.Clone(toks[j]), df: make([]int64, nl),
					score: make([]float64, nl), scored: make([]int64, nl), pos: make([]int64, nl)}
				bc.tokens[h] = t
			}
			t.total++
			if li >= 0 {
				t.df[li]++
				if c.rowScored {
					t.score[li] += c.rowScore
					t.scored[li]++
					if c.rowScore > 0 {
						t.pos[li]++
					}
				}
			}
		}
	}
}

// checkRange records a value outside the reference's observed range.
func (c *Checker) checkRange(bc *batchCol, x float64, id rowRef, robust bool) {
	rc := &c.ref.d.Columns[bc.ref]
	if rc.Num.N == 0 || (x >= rc.Num.Min && x <= rc.Num.Max) {
		return
	}
	if robust {
		if mad := c.refMAD[bc.ref]; mad > 0 && finite(mad) {
			z := math.Abs(x-c.refMed[bc.ref]) / mad
			if z < robustZ {
				return
			}
			bc.maxZ = math.Max(bc.maxZ, z)
		}
	}
	bc.out.add(id, c.opts.MaxQuarantine)
}

// Observe is the first pass: it reads one record batch. Records must come
// in file order; a file may span several records.
func (c *Checker) Observe(b Batch) error {
	if c.stage != 0 {
		return errors.New("check: Observe after Scan or Report")
	}
	rec := b.Record
	if rec == nil {
		return errors.New("check: nil record")
	}
	if err := c.checkSchema(rec.Schema(), b.Path); err != nil {
		return err
	}
	pid := c.pathID(b.Path)
	n := int(rec.NumRows())
	for i := range n {
		id := rowRef{pid, b.Row + int64(i)}
		li := c.rowLabel(rec, i)
		switch {
		case li >= 0:
			c.labelCounts[li]++
		case li == -2:
			c.unseenLabel.add(id, c.opts.MaxQuarantine)
		}
		for ci, bc := range c.cols {
			bc.count++
			a := rec.Column(ci)
			if a.IsNull(i) {
				bc.nulls++
				continue
			}
			if bc.ref < 0 {
				continue
			}
			switch bc.kind {
			case KindNumeric:
				x, _ := floatAt(a, i)
				if !finite(x) {
					continue
				}
				bc.num.add(x)
				if li >= 0 {
					bc.byLabel[li].add(x)
				}
				bc.resSeen++
				if len(bc.res) < reservoirSize {
					bc.res = append(bc.res, x)
				} else if j := c.rng.Int64N(bc.resSeen); j < reservoirSize {
					bc.res[j] = x
				}
				c.checkRange(bc, x, id, true)
			case KindCategorical:
				v, _ := textAt(a, i)
				if _, ok := bc.cats[v]; ok {
					bc.cats[v]++
				} else if len(bc.cats) < maxCategories {
					bc.cats[strings.Clone(v)] = 1
				} else {
					bc.catsOver = true
				}
				rc := &c.ref.d.Columns[bc.ref]
				if !rc.CatsOverflow {
					if _, found := slices.BinarySearchFunc(rc.Cats, v, func(e catCount, t string) int { return cmp.Compare(e.Value, t) }); !found {
						bc.unseen.add(id, c.opts.MaxQuarantine)
					}
				}
			}
		}
		c.tokenizeRow(rec, i, true, id)
		if len(c.hashes) > 0 {
			sig := c.lsh.mh.Signature(c.hashes)
			c.bandsB = c.lsh.bands(c.bandsB[:0], sig)
			for _, k := range c.bandsB {
				c.buckets[k]++
			}
			if len(c.buckets) > maxBuckets {
				c.pruneBuckets()
			}
		}
		c.rowScored = false
		if c.knn != nil && li >= 0 {
			c.observeFlip(rec, i, li, id)
		}
		c.observeTokens(li, id)
		c.rows++
	}
	return nil
}

// pruneBuckets drops the least-filled LSH buckets (lossy counting): every
// bucket whose count is at most the floor, raising the floor until the
// table is at half its bound.
func (c *Checker) pruneBuckets() {
	for len(c.buckets) > maxBuckets/2 {
		c.bucketFloor++
		for k, v := range c.buckets {
			if v <= c.bucketFloor {
				delete(c.buckets, k)
			}
		}
	}
}

// observeFlip judges row i against its nearest reference neighbours for
// the label-flip test and sets its content score (c.rowScore).
func (c *Checker) observeFlip(rec arrow.RecordBatch, i int, li int32, id rowRef) {
	var nb []neighbour
	if c.knn.text {
		c.hashes = sortedUnique(c.hashes)
		nb = c.knn.queryText(c.sc, c.hashes, -1)
	} else {
		c.point = c.point[:0]
		for p, bi := range c.numIdx {
			x := math.NaN()
			if bi >= 0 {
				if v, ok := floatAt(rec.Column(bi), i); ok {
					x = v
				}
			}
			c.point = append(c.point, c.knn.standardise(p, x))
		}
		nb = c.knn.queryNumeric(c.sc, c.point, -1)
	}
	c.rowScore, c.rowScored = c.knn.score(nb, li)
	flagged, ok := c.knn.judge(nb, li)
	if !ok {
		return
	}
	c.flipTested[li]++
	if flagged {
		c.flipFlagged[li]++
		c.flipRows[li].add(id, c.opts.MaxQuarantine)
	}
}

// NeedsScan reports, after every Observe, whether Scan must see the batch
// again: only when a trigger token or a near-duplicate flood is suspected.
func (c *Checker) NeedsScan() bool {
	if c.stage == 0 {
		c.plan()
	}
	return c.needScan
}

// Scan is the second pass: it must be given the same records, in the same
// order, as Observe.
func (c *Checker) Scan(b Batch) error {
	if c.stage == 0 {
		c.plan()
	}
	if c.stage != 1 {
		return errors.New("check: Scan after Report")
	}
	if !c.needScan {
		return nil
	}
	rec := b.Record
	if rec == nil {
		return errors.New("check: nil record")
	}
	if !sameColumns(rec.Schema(), c.schema) {
		return fmt.Errorf("check: %s: Scan saw a schema Observe did not", b.Path)
	}
	pid, ok := c.pathIdx[b.Path]
	if !ok {
		return fmt.Errorf("check: %s: Scan saw a file Observe did not", b.Path)
	}
	for i := range int(rec.NumRows()) {
		id := rowRef{pid, b.Row + int64(i)}
		li := c.rowLabel(rec, i)
		c.tokenizeRow(rec, i, false, id)
		c.rowFlag = 0
		for tpos, bi := range c.text {
			if c.trigCols[bi] != nil {
				c.scanTriggers(bi, c.tokHashes[tpos], li, id)
			}
		}
		if len(c.suspicious) > 0 && len(c.hashes) > 0 {
			sig := c.lsh.mh.Signature(c.hashes)
			c.bandsB = c.lsh.bands(c.bandsB[:0], sig)
			for _, k := range c.bandsB {
				if c.suspicious[k] {
					if len(c.flood) < maxFloodRows {
						c.flood = append(c.flood, floodCand{id, sig})
					} else {
						c.floodOver = true
					}
					break
				}
			}
		}
		c.scanned++
	}
	return nil
}

// scanFlag says whether the current row (its tokens in c.hashes) reads
// like another label than li to its nearest reference neighbours; it is
// computed at most once per row.
func (c *Checker) scanFlag(li int32) bool {
	if c.rowFlag == 0 {
		c.rowFlag = 1
		if c.knn != nil && li >= 0 {
			c.hashes = sortedUnique(c.hashes)
			if f, ok := c.knn.judge(c.knn.queryText(c.sc, c.hashes, -1), li); ok && f {
				c.rowFlag = 2
			}
		}
	}
	return c.rowFlag == 2
}

func (c *Checker) scanTriggers(bi int, hs []uint64, li int32, id rowRef) {
	m := c.trigCols[bi]
	for _, h := range hs {
		labels, ok := m[h]
		if !ok {
			continue
		}
		for _, l := range labels {
			st := c.triggers[trigKey{bi, h, l}]
			if l == li {
				f := &c.findings[st.finding]
				f.Rows++
				c.addExample(f, id)
				if st.all || c.scanFlag(li) {
					c.quarantineRow(id, CheckTriggerToken)
				}
				continue
			}
			if st.shared < 0 {
				tf := c.findings[st.finding]
				st.shared = len(c.findings)
				c.findings = append(c.findings, Finding{Check: CheckTriggerTokenShared, Column: tf.Column, Severity: Info, Token: tf.Token, Label: tf.Label,
					PValue: nil, BatchN: tf.BatchN,
					Message: fmt.Sprintf("rows holding the flagged token %q with a label other than %q: not quarantined, but worth a look", tf.Token, tf.Label)})
			}
			f := &c.findings[st.shared]
			f.Rows++
			f.Statistic = float64(f.Rows)
			c.addExample(f, id)
		}
	}
}

func (c *Checker) addExample(f *Finding, id rowRef) {
	if len(f.Examples) < maxExamples {
		f.Examples = append(f.Examples, RowID{c.paths[id.path], id.row})
	}
}

func (c *Checker) quarantineRow(id rowRef, reason string) {
	rs := c.quarantine[id]
	if slices.Contains(rs, reason) {
		return
	}
	if rs == nil && len(c.quarantine) >= c.opts.MaxQuarantine {
		return
	}
	c.quarantine[id] = append(rs, reason)
}

// Report finishes the check. It may be called once, after Scan has seen
// every record (or straight after Observe when NeedsScan is false).
func (c *Checker) Report() (*Report, error) {
	if c.stage == 0 {
		c.plan()
	}
	if c.stage == 2 {
		return nil, errors.New("check: Report called twice")
	}
	if c.needScan && c.scanned != c.rows {
		return nil, fmt.Errorf("check: Scan saw %d rows, Observe %d: give Scan every record", c.scanned, c.rows)
	}
	c.stage = 2
	c.finishFlood()
	r := &Report{Rows: c.rows, ReferenceRows: c.ref.d.Rows, Seed: c.opts.Seed, Findings: c.findings}
	var truncated bool
	for id, reasons := range c.quarantine {
		slices.Sort(reasons)
		r.Quarantine = append(r.Quarantine, QuarantinedRow{Path: c.paths[id.path], Row: id.row, Reasons: reasons})
	}
	for _, f := range r.Findings {
		if f.Severity == Critical && f.Rows > int64(c.opts.MaxQuarantine) {
			truncated = true
		}
	}
	r.QuarantineTruncated = truncated || len(c.quarantine) >= c.opts.MaxQuarantine
	r.Histograms = c.histograms()
	r.finish()
	return r, nil
}

// Check checks the batch that batches yields, calling it twice (once per
// pass) unless one pass suffices; it must yield the same records both times.
func Check(ctx context.Context, ref *Reference, opts Options, batches func() iter.Seq2[Batch, error]) (*Report, error) {
	c, err := NewChecker(ref, opts)
	if err != nil {
		return nil, err
	}
	for b, err := range batches() {
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.Observe(b); err != nil {
			return nil, err
		}
	}
	if c.NeedsScan() {
		for b, err := range batches() {
			if err != nil {
				return nil, err
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := c.Scan(b); err != nil {
				return nil, err
			}
		}
	}
	return c.Report()
}

// CheckRecord checks one in-memory record batch whose rows are rows
// firstRow.. of path: what a data loader calls per batch as it reads.
func CheckRecord(ref *Reference, opts Options, rec arrow.RecordBatch, path string, firstRow int64) (*Report, error) {
	c, err := NewChecker(ref, opts)
	if err != nil {
		return nil, err
	}
	b := Batch{Record: rec, Path: path, Row: firstRow}
	if err := c.Observe(b); err != nil {
		return nil, err
	}
	if c.NeedsScan() {
		if err := c.Scan(b); err != nil {
			return nil, err
		}
	}
	return c.Report()
}
