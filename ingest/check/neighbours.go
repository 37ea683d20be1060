package check

import (
	"cmp"
	"math"
	"slices"

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
	// text mode: sampled rows and flagged rows per (salted token, label)
	tokFlags map[tokLabel][2]int32
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

func newKNN(r *Reference, k int) *knnIndex {
	if r.d.Label == "" || len(r.d.Labels) < 2 {
		return nil
	}
	x := &knnIndex{k: k}
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
	for j, l := range x.labels {
		var nb []neighbour
		if x.text {
			nb = x.queryText(sc, x.toks[j], int32(j))
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
	// Per (token, label): how many sampled rows, and how many of them
	// flagged, so a token's own flag rate can be the null of the trigger
	// content test.
	if x.text {
		x.tokFlags = map[tokLabel][2]int32{}
		for j, l := range x.labels {
			if looAgree[j] < 0 {
				continue
			}
			f := int32(0)
			if looAgree[j] <= x.cut[l] {
				f = 1
			}
			for _, h := range x.toks[j] {
				v := x.tokFlags[tokLabel{h, l}]
				x.tokFlags[tokLabel{h, l}] = [2]int32{v[0] + 1, v[1] + f}
			}
		}
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
