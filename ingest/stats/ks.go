package stats

import (
	"cmp"
	"math"
	"slices"
)

// KSMethod says how a two-sample KS p-value was computed.
type KSMethod string

const (
	// KSExact is the exact distribution of the two-sample statistic under
	// the null (lattice-path counting), scipy's method="exact".
	KSExact KSMethod = "exact"
	// KSAsymptotic is scipy's method="asymp" for the two-sided test: the
	// one-sample distribution kstwo.sf(D, round(n*m/(n+m))).
	KSAsymptotic KSMethod = "asymp"
)

// KSAutoMaxN is scipy's MAX_AUTO_N: ks_2samp's "auto" mode uses the exact
// p-value when both samples have at most this many observations.
const KSAutoMaxN = 10000

// KSResult is a two-sided two-sample Kolmogorov-Smirnov test.
type KSResult struct {
	Statistic float64  `json:"statistic"` // sup |F_ref - F_batch|, ECDFs right-continuous
	PValue    float64  `json:"p_value"`   // P[D >= Statistic] under the null
	Method    KSMethod `json:"method"`
	N1        int64    `json:"n1"`
	N2        int64    `json:"n2"`
}

// KSStatistic returns sup_x |F1(x) - F2(x)| of two samples. NaN values must
// have been removed. The inputs are not modified.
func KSStatistic(a, b []float64) float64 {
	x := slices.Clone(a)
	y := slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return ksSorted(x, y)
}

func ksSorted(x, y []float64) float64 {
	n1, n2 := float64(len(x)), float64(len(y))
	var i, j int
	var d float64
	for i < len(x) || j < len(y) {
		var v float64
		switch {
		case j >= len(y) || (i < len(x) && x[i] <= y[j]):
			v = x[i]
		default:
			v = y[j]
		}
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/n1-float64(j)/n2))
	}
	return d
}

// KS2Samp is scipy.stats.ks_2samp(a, b) with alternative="two-sided" and
// method="auto": exact when max(n1, n2) <= KSAutoMaxN, asymptotic
// otherwise (or when the exact computation fails numerically).
func KS2Samp(a, b []float64) KSResult {
	d := KSStatistic(a, b)
	return KSFromStatistic(d, int64(len(a)), int64(len(b)), "auto")
}

// KSFromStatistic computes the p-value of a two-sided two-sample statistic d
// for sample sizes n1 and n2. method is "auto", "exact" or "asymp" as in
// scipy. It is what the profile-based checks use, where the statistic comes
// from sketches rather than raw samples.
func KSFromStatistic(d float64, n1, n2 int64, method string) KSResult {
	r := KSResult{Statistic: d, N1: n1, N2: n2}
	if n1 <= 0 || n2 <= 0 {
		r.PValue = math.NaN()
		r.Method = KSAsymptotic
		return r
	}
	exact := method == "exact" || (method == "auto" && max(n1, n2) <= KSAutoMaxN)
	if exact {
		if p, ok := ksExactP(d, n1, n2); ok {
			r.PValue = p
			r.Method = KSExact
			return r
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := math.RoundToEven(m * n / (m + n))
	r.PValue = KSOneSampleSF(int(en), d)
	r.Method = KSAsymptotic
	return r
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksExactP is scipy's _attempt_exact_2kssamp for the two-sided case.
func ksExactP(d float64, n1, n2 int64) (float64, bool) {
	g := gcd(n1, n2)
	if n1/g >= math.MaxInt32/(n2/g) {
		return 0, false
	}
	lcm := (n1 / g) * n2
	h := int64(math.RoundToEven(d * float64(lcm)))
	if h == 0 {
		return 1, true
	}
	var p float64
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = probOutside(n1, n2, g, h)
	}
	if !(p >= 0 && p <= 1) {
		return p, false
	}
	return p, true
}

// probOutsideSquare is P[D_{n,n} >= h/n] by the alternating reflection sum,
// evaluated in scipy's Horner-like form to avoid cancellation.
func probOutsideSquare(n, h int64) float64 {
	var P float64
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := int64(0); j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// probOutside is P[D_{m,n} >= h/lcm(m,n)] for m != n. It walks the lattice
// path from (0,0) to (m,n) as a random ordering of the pooled sample, with
// step probabilities of sampling without replacement, and sums the
// probability mass absorbed on the boundary |i*n/g - j*m/g| >= h. All terms
// are positive, so small p-values keep their relative precision.
func probOutside(m, n, g, h int64) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	// cur[j] = probability of being at (i, j) without having touched the
	// boundary; i counts steps in the m-sample, j in the n-sample.
	cur := make([]float64, n+1)
	next := make([]float64, n+1)
	cur[0] = 1
	var out float64
	inside := func(i, j int64) bool {
		v := i*ng - j*mg
		if v < 0 {
			v = -v
		}
		return v < h
	}
	band := func(i int64) (lo, hi int64) {
		// inside(i, j) <=> i*ng - h < j*mg < i*ng + h
		lo = max(0, floorDiv(i*ng-h, mg)+1)
		hi = min(n, ceilDiv(i*ng+h, mg)-1)
		return lo, hi
	}
	for i := int64(0); i <= m; i++ {
		lo, hi := band(i)
		// Within column i, move along j (steps in the n-sample).
		for j := lo; j <= hi; j++ {
			p := cur[j]
			if p == 0 {
				continue
			}
			rem := float64(m - i + n - j)
			if j < n {
				q := p * float64(n-j) / rem
				if j+1 <= hi {
					cur[j+1] += q
				} else {
					out += q
				}
			}
			if i < m {
				q := p * float64(m-i) / rem
				if inside(i+1, j) {
					next[j] += q
				} else {
					out += q
				}
			}
		}
		for j := lo; j <= hi; j++ {
			cur[j] = 0
		}
		cur, next = next, cur
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// Wasserstein returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of a and b, ∫|F_a - F_b| dx, as
// scipy.stats.wasserstein_distance(a, b).
func Wasserstein(a, b []float64) float64 {
	x := slices.Clone(a)
	y := slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return WassersteinCDF(stepCDF(x), stepCDF(y))
}

// Step is one point of an empirical (or sketched) CDF: F(x) = Cum for
// Value <= x < next Value.
type Step struct {
	Value float64
	Cum   float64 // in [0, 1]
}

func stepCDF(sorted []float64) []Step {
	var s []Step
	n := float64(len(sorted))
	for i := 0; i < len(sorted); {
		v := sorted[i]
		for i < len(sorted) && sorted[i] == v {
			i++
		}
		s = append(s, Step{Value: v, Cum: float64(i) / n})
	}
	return s
}

// CDFAt evaluates a step CDF at x (right-continuous).
func CDFAt(s []Step, x float64) float64 {
	i, found := slices.BinarySearchFunc(s, x, func(e Step, t float64) int { return cmp.Compare(e.Value, t) })
	if found {
		return s[i].Cum
	}
	if i == 0 {
		return 0
	}
	return s[i-1].Cum
}

// KSCDF returns sup |F1 - F2| over two step CDFs.
func KSCDF(f1, f2 []Step) float64 {
	var d float64
	i, j := 0, 0
	var c1, c2 float64
	for i < len(f1) || j < len(f2) {
		switch {
		case j >= len(f2) || (i < len(f1) && f1[i].Value < f2[j].Value):
			c1 = f1[i].Cum
			i++
		case i >= len(f1) || f2[j].Value < f1[i].Value:
			c2 = f2[j].Cum
			j++
		default:
			c1, c2 = f1[i].Cum, f2[j].Cum
			i++
			j++
		}
		d = math.Max(d, math.Abs(c1-c2))
	}
	return d
}

// WassersteinCDF returns ∫|F1 - F2| dx over two step CDFs.
func WassersteinCDF(f1, f2 []Step) float64 {
	var w float64
	i, j := 0, 0
	var c1, c2 float64
	prev := math.NaN()
	for i < len(f1) || j < len(f2) {
		var v float64
		switch {
		case j >= len(f2) || (i < len(f1) && f1[i].Value <= f2[j].Value):
			v = f1[i].Value
		default:
			v = f2[j].Value
		}
		if !math.IsNaN(prev) {
			w += math.Abs(c1-c2) * (v - prev)
		}
		for i < len(f1) && f1[i].Value == v {
			c1 = f1[i].Cum
			i++
		}
		for j < len(f2) && f2[j].Value == v {
			c2 = f2[j].Cum
			j++
		}
		prev = v
	}
	return w
}
