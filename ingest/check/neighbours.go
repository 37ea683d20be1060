package check

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cairnml/cairn/ingest/sketch"
)

// Label-flip rule: a row with label l is flagged when so few of its
// neighbours share l that at most flipLevel of the reference's own rows of
// label l (leave-one-out) have as few, and fewer than half do.
const (
	flipLevel      = 0.05
	maxNumericKNN  = 1000 // reference rows searched by brute force for numeric neighbours
	stopTokenShare = 0.1  // tokens in more than this share of sampled documents are ignored for text neighbours
)

// knnIndex finds the nearest reference sample rows of a batch row.
type knnIndex struct {
	k      int
	labels []int32 // per indexed row
	// text mode
	text     bool
	postings map[uint64][]int32
	setLen   []int32
	toks     [][]uint64
	// numeric mode
	mean, sd []float64 // per numeric column
	points   [][]float64

	// leave-one-out: per label, how many rows had each agreement count,
	// the flag cut (flag when agree <= cut; -1 never) and the null rate.
	looHist [][]int64
	looN    []int64
	cut     []int
	p0      []float64

	// Trigger content score (text mode): llr[l][a] is the log likelihood
	// ratio of a row of label l having a neighbours of label l, "a row of
	// another label relabelled l" against "a genuine row of l", both
	// estimated from the reference (leave-one-out). rowScore is each
	// sampled row's own score (NaN when it could not be judged) and
	// tokRows, per (salted token, label), the judged sampled rows holding
	// it: the pool of the permutation null.
	llr      [][]float64
	rowScore []float64
	tokRows  map[tokLabel][]int32
	tokKeys  []tokLabel // keys of tokRows, sorted
	seed     uint64
	nullMu   sync.Mutex
	nulls    map[[2]int]*contentNull // by (label, rows)
}

type tokLabel struct {
	hash  uint64
	label int32
}

type neighbour struct {
	j   int32
	sim float64 // larger is nearer
}

// knnScratch is per-goroutine working memory.
type knnScratch struct {
	cnt     []int32
	touched []int32
	nb      []neighbour
	filt    []uint64
}

func newKNN(r *Reference, k int, seed uint64) *knnIndex {
	if r.d.Label == "" || len(r.d.Labels) < 2 {
		return nil
	}
	x := &knnIndex{k: k, seed: seed}
	if len(r.d.Text) > 0 {
		x.text = true
		df := map[uint64]int32{}
		var rows []sampleRow
		for _, s := range r.sample {
			if s.Label >= 0 {
				rows = append(rows, s)
			}
		}
		for _, s := range rows {
			for _, h := range s.Tokens {
				df[h]++
			}
		}
		limit := int32(math.Max(2, stopTokenShare*float64(len(rows))))
		x.postings = map[uint64][]int32{}
		for j, s := range rows {
			n := int32(0)
			for _, h := range s.Tokens {
				if df[h] <= limit {
					x.postings[h] = append(x.postings[h], int32(j))
					n++
				}
			}
			x.setLen = append(x.setLen, n)
			x.toks = append(x.toks, s.Tokens)
			x.labels = append(x.labels, s.Label)
		}
	} else {
		if len(r.numCols) == 0 {
			return nil
		}
		for _, c := range r.numCols {
			m := r.d.Columns[c].Num
			x.mean = append(x.mean, m.Mean)
			x.sd = append(x.sd, m.std())
		}
		for _, s := range r.sample {
			if s.Label < 0 {
				continue
			}
			if len(x.points) == maxNumericKNN {
				break
			}
			p := make([]float64, len(s.Num))
			for i, v := range s.Num {
				p[i] = x.standardise(i, float64(v))
			}
			x.points = append(x.points, p)
			x.labels = append(x.labels, s.Label)
		}
	}
	if len(x.labels) <= k {
		return nil
	}
	nl := len(r.d.Labels)
	x.looHist = make([][]int64, nl)
	x.looN = make([]int64, nl)
	for l := range x.looHist {
		x.looHist[l] = make([]int64, k+1)
	}
	sc := x.scratch()
	var looAgree []int
	// alt[l][a]: text rows of other labels having a neighbours of label l.
	alt := make([][]int64, nl)
	altN := make([]int64, nl)
	for l := range alt {
		alt[l] = make([]int64, k+1)
	}
	for j, l := range x.labels {
		var nb []neighbour
		if x.text {
			nb = x.queryText(sc, x.toks[j], int32(j))
			for o := range nl {
				if a, ok := x.agree(nb, int32(o)); ok && int32(o) != l {
					alt[o][a]++
					altN[o]++
				}
			}
		} else {
			nb = x.queryNumeric(sc, x.points[j], int32(j))
		}
		a, ok := x.agree(nb, l)
		if !ok {
			a = -1
		} else {
			x.looHist[l][a]++
			x.looN[l]++
		}
		looAgree = append(looAgree, a)
	}
	x.cut = make([]int, nl)
	x.p0 = make([]float64, nl)
	for l := range nl {
		x.cut[l] = -1
		var cum int64
		for a := 0; 2*a < k; a++ {
			cum += x.looHist[l][a]
			f := float64(cum+1) / float64(x.looN[l]+1)
			if f > flipLevel {
				break
			}
			x.cut[l], x.p0[l] = a, f
		}
	}
	if x.text {
		x.contentScores(looAgree, alt, altN)
	}
	return x
}

func (x *knnIndex) standardise(i int, v float64) float64 {
	if !finite(v) || x.sd[i] == 0 || !finite(x.sd[i]) {
		return 0
	}
	return (v - x.mean[i]) / x.sd[i]
}

func (x *knnIndex) scratch() *knnScratch {
	return &knnScratch{cnt: make([]int32, len(x.labels))}
}

// queryText returns the k most Jaccard-similar indexed rows (ties by
// index), skipping row skip.
func (x *knnIndex) queryText(sc *knnScratch, tokens []uint64, skip int32) []neighbour {
	sc.touched = sc.touched[:0]
	sc.filt = sc.filt[:0]
	for _, h := range tokens {
		ps, ok := x.postings[h]
		if !ok {
			continue
		}
		sc.filt = append(sc.filt, h)
		for _, j := range ps {
			if sc.cnt[j] == 0 {
				sc.touched = append(sc.touched, j)
			}
			sc.cnt[j]++
		}
	}
	a := int32(len(sc.filt))
	sc.nb = sc.nb[:0]
	for _, j := range sc.touched {
		c := sc.cnt[j]
		sc.cnt[j] = 0
		if j == skip {
			continue
		}
		sc.nb = append(sc.nb, neighbour{j, float64(c) / float64(a+x.setLen[j]-c)})
	}
	return topK(sc.nb, x.k)
}

// queryNumeric returns the k nearest indexed rows in standardised
// Euclidean distance, skipping row skip.
func (x *knnIndex) queryNumeric(sc *knnScratch, p []float64, skip int32) []neighbour {
	sc.nb = sc.nb[:0]
	for j, q := range x.points {
		if int32(j) == skip {
			continue
		}
		var d float64
		for i, v := range q {
			t := v - p[i]
			d += t * t
		}
		sc.nb = append(sc.nb, neighbour{int32(j), -d})
	}
	return topK(sc.nb, x.k)
}

func topK(nb []neighbour, k int) []neighbour {
	less := func(a, b neighbour) int {
		if c := cmp.Compare(b.sim, a.sim); c != 0 {
			return c
		}
		return cmp.Compare(a.j, b.j)
	}
	if len(nb) > 4*k {
		// partial selection: keep the best k by a bounded insertion
		best := make([]neighbour, 0, k+1)
		for _, n := range nb {
			if len(best) == k && less(n, best[k-1]) >= 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(best, n, less)
			best = slices.Insert(best, i, n)
			if len(best) > k {
				best = best[:k]
			}
		}
		return best
	}
	slices.SortFunc(nb, less)
	return nb[:min(k, len(nb))]
}

// agree returns how many of the neighbours have label l; ok is false when
// there are too few informative neighbours to judge (fewer than k, or for
// text, none sharing a token).
func (x *knnIndex) agree(nb []neighbour, l int32) (a int, ok bool) {
	if len(nb) < x.k || (x.text && nb[len(nb)-1].sim <= 0) {
		return 0, false
	}
	for _, n := range nb {
		if x.labels[n.j] == l {
			a++
		}
	}
	return a, true
}

// contentScores fills llr, rowScore and tokRows from the leave-one-out
// agreement counts of the sampled rows (-1 when not judged) and alt, per
// label l, the histogram of how many of their neighbours have label l
// over the rows of other labels.
func (x *knnIndex) contentScores(looAgree []int, alt [][]int64, altN []int64) {
	nl := len(x.looHist)
	x.llr = make([][]float64, nl)
	for l := range nl {
		if x.looN[l] == 0 || altN[l] == 0 {
			continue
		}
		x.llr[l] = monotoneLLR(alt[l], altN[l], x.looHist[l], x.looN[l])
	}
	x.rowScore = make([]float64, len(x.labels))
	x.tokRows = map[tokLabel][]int32{}
	for j, l := range x.labels {
		x.rowScore[j] = math.NaN()
		if looAgree[j] < 0 || x.llr[l] == nil {
			continue
		}
		x.rowScore[j] = x.llr[l][looAgree[j]]
		for _, h := range x.toks[j] {
			x.tokRows[tokLabel{h, l}] = append(x.tokRows[tokLabel{h, l}], int32(j))
		}
	}
	for key, rows := range x.tokRows {
		if len(rows) < triggerMinRows {
			delete(x.tokRows, key)
			continue
		}
		x.tokKeys = append(x.tokKeys, key)
	}
	slices.SortFunc(x.tokKeys, func(a, b tokLabel) int {
		if c := cmp.Compare(a.label, b.label); c != 0 {
			return c
		}
		return cmp.Compare(a.hash, b.hash)
	})
	x.nulls = map[[2]int]*contentNull{}
}

// monotoneLLR is log(P[a | alt] / P[a | genuine]) per agreement count a,
// each distribution smoothed with half a row per count, then made
// non-increasing in a (more neighbours agreeing never reads more like a
// relabelled row) by weighted pool-adjacent-violators.
func monotoneLLR(alt []int64, altN int64, gen []int64, genN int64) []float64 {
	n := len(alt)
	v := make([]float64, n)
	w := make([]float64, n)
	for a := range n {
		pa := (float64(alt[a]) + 0.5) / (float64(altN) + 0.5*float64(n))
		pg := (float64(gen[a]) + 0.5) / (float64(genN) + 0.5*float64(n))
		v[a] = math.Log(pa / pg)
		w[a] = float64(alt[a]+gen[a]) + 1
	}
	// PAVA for a non-increasing sequence.
	type block struct {
		v, w float64
		n    int
	}
	var bs []block
	for a := range n {
		bs = append(bs, block{v[a], w[a], 1})
		for len(bs) > 1 && bs[len(bs)-2].v < bs[len(bs)-1].v {
			p, q := bs[len(bs)-2], bs[len(bs)-1]
			bs = bs[:len(bs)-2]
			bs = append(bs, block{(p.v*p.w + q.v*q.w) / (p.w + q.w), p.w + q.w, p.n + q.n})
		}
	}
	out := v[:0]
	for _, b := range bs {
		for range b.n {
			out = append(out, b.v)
		}
	}
	return out
}

// contentNullDraws is how many random row sets the permutation null of
// the trigger content score draws per (label, rows).
const contentNullDraws = 200000

// contentNull is a permutation null of a summed content score: its upper
// tail exactly, the rest as a grid of quantiles.
type contentNull struct {
	tail []float64 // the largest contentNullDraws/100 draws, ascending
	grid []float64 // every nullGridStep-th draw, ascending
}

const nullGridStep = 100

func newContentNull(sums []float64) *contentNull {
	slices.Sort(sums)
	d := &contentNull{tail: slices.Clone(sums[len(sums)-len(sums)/100:])}
	for i := 0; i < len(sums); i += nullGridStep {
		d.grid = append(d.grid, sums[i])
	}
	return d
}

// pValue is the share of draws (plus one, over the draws plus one) at or
// above s; exact in the tail, to within a grid step below it.
func (d *contentNull) pValue(s float64) float64 {
	s -= 1e-9 // ties count as at or above
	var ge int
	if len(d.tail) > 0 && s >= d.tail[0] {
		i, _ := slices.BinarySearch(d.tail, s)
		ge = len(d.tail) - i
	} else {
		i, _ := slices.BinarySearch(d.grid, s)
		ge = (len(d.grid) - i) * nullGridStep
	}
	return math.Min(1, float64(ge+1)/float64(contentNullDraws+1))
}

// quantile is the smallest draw that at most a share cut (< 1%) of the
// draws exceed.
func (d *contentNull) quantile(cut float64) float64 {
	r := int(cut * contentNullDraws)
	if len(d.tail) == 0 {
		return math.Inf(1)
	}
	return d.tail[max(0, len(d.tail)-1-r)]
}

// contentNull returns the null of the summed scores of contentNullDraws
// random sets of m sampled rows of label l that share a token: a token is
// drawn among those held by at least m judged rows of l, then m of its
// rows with replacement (a batch's rows are new draws, not a subset of
// the reference's). When no token is held by m rows, the m rows are drawn
// from all judged rows of l. It is seeded by
// the index's seed, l and m, so it is deterministic; safe for concurrent
// use.
func (x *knnIndex) contentNull(l, m int) *contentNull {
	x.nullMu.Lock()
	defer x.nullMu.Unlock()
	key := [2]int{l, m}
	if v, ok := x.nulls[key]; ok {
		return v
	}
	var pools [][]int32
	lo, _ := slices.BinarySearchFunc(x.tokKeys, int32(l), func(a tokLabel, t int32) int { return cmp.Compare(a.label, t) })
	for _, key := range x.tokKeys[lo:] {
		if key.label != int32(l) {
			break
		}
		if rows := x.tokRows[key]; len(rows) >= m {
			pools = append(pools, rows)
		}
	}
	var all []int32
	if len(pools) == 0 {
		for j, lj := range x.labels {
			if lj == int32(l) && !math.IsNaN(x.rowScore[j]) {
				all = append(all, int32(j))
			}
		}
	}
	r := rand.New(rand.NewPCG(x.seed, sketch.SplitMix64(uint64(l)<<32|uint64(m))))
	sums := make([]float64, 0, contentNullDraws)
	for range contentNullDraws {
		var s float64
		switch {
		case len(pools) > 0:
			p := pools[r.IntN(len(pools))]
			for range m {
				s += x.rowScore[p[r.IntN(len(p))]]
			}
		case len(all) > 0:
			for range m {
				s += x.rowScore[all[r.IntN(len(all))]]
			}
		}
		sums = append(sums, s)
	}
	d := newContentNull(sums)
	x.nulls[key] = d
	return d
}

// score is the content score of a row of label l with the given
// neighbours; ok is false when it cannot be judged.
func (x *knnIndex) score(nb []neighbour, l int32) (float64, bool) {
	a, ok := x.agree(nb, l)
	if !ok || x.llr == nil || x.llr[l] == nil {
		return 0, false
	}
	return x.llr[l][a], true
}

// judge says whether a row with label l is flagged given its neighbours;
// ok is false when it cannot be judged.
func (x *knnIndex) judge(nb []neighbour, l int32) (flagged, ok bool) {
	a, ok := x.agree(nb, l)
	if !ok {
		return false, false
	}
	return a <= x.cut[l], true
}

// lsh holds MinHash and banding.
type lsh struct{ mh *sketch.MinHash }

func newLSH(seed uint64) *lsh {
	return &lsh{mh: sketch.NewMinHash(minhashK, sketch.SplitMix64(seed^0x4c5348))}
}

// bands appends the band keys of a signature.
func (l *lsh) bands(dst []uint64, sig []uint32) []uint64 {
	for b := range lshBands {
		h := uint64(b+1) * 0x9e3779b97f4a7c15
		for _, v := range sig[b*lshRows : (b+1)*lshRows] {
			h = sketch.SplitMix64(h ^ uint64(v))
		}
		dst = append(dst, h)
	}
	return dst
}

func emptySig(sig []uint32) bool {
	for _, v := range sig {
		if v != math.MaxUint32 {
			return false
		}
	}
	return true
}
