package stats

import (
	"math"
	"slices"
)

// ChiSquareResult is Pearson's chi-square test of homogeneity on a 2xK
// contingency table (reference counts, batch counts), without Yates'
// correction: scipy.stats.chi2_contingency(table, correction=False).
// Categories with zero count in both rows are dropped before the test; a
// category seen in only one row (an unseen or a vanished category) stays
// in the table and contributes normally.
type ChiSquareResult struct {
	Statistic float64 `json:"statistic"`
	PValue    float64 `json:"p_value"`
	DOF       int     `json:"dof"`
	// CramersV is the effect size sqrt(chi2 / (N * min(r-1, c-1))) with r = 2.
	CramersV float64 `json:"cramers_v"`
}

// ChiSquare runs the test on two count vectors aligned by category.
func ChiSquare(ref, batch []float64) ChiSquareResult {
	var r1, r2 float64
	var cols [][2]float64
	for i := range ref {
		a, b := ref[i], batch[i]
		if a+b == 0 {
			continue
		}
		cols = append(cols, [2]float64{a, b})
		r1 += a
		r2 += b
	}
	total := r1 + r2
	if len(cols) < 2 || r1 == 0 || r2 == 0 {
		return ChiSquareResult{PValue: 1}
	}
	var x float64
	for _, c := range cols {
		ct := c[0] + c[1]
		e1 := r1 * ct / total
		e2 := r2 * ct / total
		x += (c[0]-e1)*(c[0]-e1)/e1 + (c[1]-e2)*(c[1]-e2)/e2
	}
	dof := len(cols) - 1
	return ChiSquareResult{Statistic: x, PValue: ChiSquareSF(x, dof), DOF: dof, CramersV: math.Sqrt(x / total)}
}

// JSDistance returns the Jensen-Shannon distance (the square root of the
// divergence) between two count or probability vectors, each normalised to
// sum 1 first, with logarithms in the given base (math.E or 2), as
// scipy.spatial.distance.jensenshannon(p, q, base). In base 2 it lies in
// [0, 1].
func JSDistance(p, q []float64, base float64) float64 {
	var sp, sq float64
	for i := range p {
		sp += p[i]
		sq += q[i]
	}
	if sp == 0 || sq == 0 {
		return math.NaN()
	}
	var js float64
	for i := range p {
		a, b := p[i]/sp, q[i]/sq
		m := (a + b) / 2
		if a > 0 {
			js += a * math.Log(a/m)
		}
		if b > 0 {
			js += b * math.Log(b/m)
		}
	}
	js /= 2
	js /= math.Log(base)
	return math.Sqrt(math.Max(js, 0))
}

// PSIFloor is the proportion an empty bin is given before taking logs in
// PSI: 1e-4, as Evidently does. It keeps PSI finite when a bin is empty on
// one side; with it a bin empty in the batch that holds 10% of the
// reference contributes (0.1-1e-4)*ln(0.1/1e-4) ≈ 0.69.
const PSIFloor = 1e-4

// PSI returns the population stability index Σ (b_i - r_i) ln(b_i / r_i)
// over bin proportions (counts are normalised), with empty bins floored at
// PSIFloor. Rules of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major.
func PSI(ref, batch []float64) float64 {
	var sr, sb float64
	for i := range ref {
		sr += ref[i]
		sb += batch[i]
	}
	if sr == 0 || sb == 0 {
		return math.NaN()
	}
	var psi float64
	for i := range ref {
		r := math.Max(ref[i]/sr, PSIFloor)
		b := math.Max(batch[i]/sb, PSIFloor)
		psi += (b - r) * math.Log(b/r)
	}
	return psi
}

// QuantileEdges returns the deduplicated inner bin edges at the given
// quantiles of a sorted sample (type-7 interpolation is not used: edges are
// order statistics, x[ceil(q*n)-1], so they are values the data takes).
func QuantileEdges(sorted []float64, bins int) []float64 {
	var edges []float64
	n := len(sorted)
	if n == 0 || bins < 2 {
		return nil
	}
	for i := 1; i < bins; i++ {
		k := int(math.Ceil(float64(i)*float64(n)/float64(bins))) - 1
		k = max(0, min(n-1, k))
		v := sorted[k]
		if len(edges) == 0 || v > edges[len(edges)-1] {
			edges = append(edges, v)
		}
	}
	// The top edge equal to the maximum would leave an empty last bin.
	if len(edges) > 0 && edges[len(edges)-1] >= sorted[n-1] {
		edges = edges[:len(edges)-1]
	}
	return edges
}

// BinCounts counts values into bins (-inf, e0], (e0, e1], ..., (e_last, inf).
func BinCounts(values []float64, edges []float64) []float64 {
	c := make([]float64, len(edges)+1)
	for _, v := range values {
		i, _ := slices.BinarySearch(edges, v) // first edge >= v
		c[i]++
	}
	return c
}

// BinCountsCDF returns the bin proportions of a step CDF for the same bins.
func BinCountsCDF(f []Step, edges []float64) []float64 {
	c := make([]float64, len(edges)+1)
	prev := 0.0
	for i, e := range edges {
		v := CDFAt(f, e)
		c[i] = v - prev
		prev = v
	}
	c[len(edges)] = 1 - prev
	return c
}

// PSISamples computes PSI of batch against ref with bins at the reference's
// deciles (see QuantileEdges).
func PSISamples(ref, batch []float64, bins int) float64 {
	r := slices.Clone(ref)
	slices.Sort(r)
	edges := QuantileEdges(r, bins)
	return PSI(BinCounts(ref, edges), BinCounts(batch, edges))
}

// MeanStd returns the mean and the population standard deviation (ddof 0)
// of xs.
func MeanStd(xs []float64) (mean, std float64) {
	var m, m2 float64
	for i, x := range xs {
		d := x - m
		m += d / float64(i+1)
		m2 += d * (x - m)
	}
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	return m, math.Sqrt(m2 / float64(len(xs)))
}
