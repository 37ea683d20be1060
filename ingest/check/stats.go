package check

import (
	"cmp"
	"math"
	"slices"

	"github.com/cairnml/cairn/ingest/stats"
)

// binomUpper is P[X >= k] for X ~ Binomial(n, p).
func binomUpper(k, n int64, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	return stats.BinomialUpperTail(int(k), int(n), p)
}

// normalTwoSided is P[|Z| >= |z|].
func normalTwoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// cohenH is Cohen's h between proportions p1 and p2 (p1 above p2 gives a
// positive value).
func cohenH(p1, p2 float64) float64 {
	return 2*math.Asin(math.Sqrt(clamp01(p1))) - 2*math.Asin(math.Sqrt(clamp01(p2)))
}

func clamp01(x float64) float64 { return math.Min(1, math.Max(0, x)) }

// rejected returns, in order, the candidates whose p-values (pv of each)
// reject keeps, in a family of m hypotheses.
func rejected[T any](cands []T, pv func(T) float64, m int, alpha float64, c Correction) []T {
	ps := make([]float64, len(cands))
	for i, cd := range cands {
		ps[i] = pv(cd)
	}
	var out []T
	for i, r := range reject(ps, m, alpha, c) {
		if r {
			out = append(out, cands[i])
		}
	}
	return out
}

// reject applies a multiple-testing correction to the p-values ps of a
// family of m >= len(ps) hypotheses (the others are taken to have p = 1)
// at level alpha, and returns which of ps are rejected.
func reject(ps []float64, m int, alpha float64, c Correction) []bool {
	out := make([]bool, len(ps))
	if len(ps) == 0 {
		return out
	}
	m = max(m, len(ps))
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ps[a], ps[b]) })
	switch c {
	case BH:
		last := -1
		for r, i := range idx {
			if ps[i] <= alpha*float64(r+1)/float64(m) {
				last = r
			}
		}
		for r := 0; r <= last; r++ {
			out[idx[r]] = true
		}
	default: // Holm
		for r, i := range idx {
			if !(ps[i] <= alpha/float64(m-r)) {
				break
			}
			out[i] = true
		}
	}
	return out
}

// medianMAD returns the median and the scaled MAD (1.4826 * median absolute
// deviation) of xs, ignoring NaN.
func medianMAD(xs []float64) (med, mad float64) {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if finite(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	med = quantileSorted(sorted(v), 0.5)
	for i, x := range v {
		v[i] = math.Abs(x - med)
	}
	return med, 1.4826 * quantileSorted(sorted(v), 0.5)
}

func sorted(v []float64) []float64 { slices.Sort(v); return v }

// quantileSorted is the linear-interpolation quantile of sorted data.
func quantileSorted(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	h := q * float64(len(v)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(v) {
		return v[len(v)-1]
	}
	return v[lo] + (h-float64(lo))*(v[lo+1]-v[lo])
}
