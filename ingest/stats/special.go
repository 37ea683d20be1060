package stats

import (
	"math"
)

// This file holds the special functions the drift statistics need. They are
// written from the published algorithms (Numerical Recipes' incomplete gamma
// and beta with Lentz's continued fractions; Marsaglia-Tsang-Wang's Durbin
// matrix; the Birnbaum-Tingey sum; Pelz-Good) following the choices scipy
// 1.10 makes, so that p-values agree with scipy to about 1e-9 relative.

const (
	eps     = 1e-16
	tiny    = 1e-300
	maxIter = 100000
)

// GammaQ returns the regularized upper incomplete gamma function Q(a, x) =
// Γ(a, x)/Γ(a) for a > 0, x >= 0. It is the survival function of the
// chi-square distribution: ChiSquareSF(x, k) = GammaQ(k/2, x/2).
func GammaQ(a, x float64) float64 {
	_, q := gammaPQ(a, x)
	return q
}

// GammaP returns the regularized lower incomplete gamma function P(a, x).
func GammaP(a, x float64) float64 {
	p, _ := gammaPQ(a, x)
	return p
}

// gammaPQ returns P(a, x) and Q(a, x), computing whichever of the two the
// series or the continued fraction gives precisely and the other as its
// complement.
func gammaPQ(a, x float64) (p, q float64) {
	switch {
	case math.IsNaN(a) || math.IsNaN(x) || a <= 0 || x < 0:
		return math.NaN(), math.NaN()
	case x == 0:
		return 0, 1
	case math.IsInf(x, 1):
		return 1, 0
	}
	if x < a+1 {
		p = gammaPSeries(a, x)
		return p, 1 - p
	}
	q = gammaQFraction(a, x)
	return 1 - q, q
}

func logGamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func gammaPSeries(a, x float64) float64 {
	ap := a
	sum := 1 / a
	del := sum
	for range maxIter {
		ap++
		del *= x / ap
		sum += del
		if math.Abs(del) < math.Abs(sum)*eps {
			break
		}
	}
	return sum * math.Exp(-x+a*math.Log(x)-logGamma(a))
}

func gammaQFraction(a, x float64) float64 {
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < maxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-logGamma(a)) * h
}

// ChiSquareSF returns P[X >= x] for X chi-square distributed with dof
// degrees of freedom.
func ChiSquareSF(x float64, dof int) float64 {
	if dof <= 0 {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	return GammaQ(float64(dof)/2, x/2)
}

// BetaI returns the regularized incomplete beta function I_x(a, b).
func BetaI(a, b, x float64) float64 {
	switch {
	case math.IsNaN(x) || a <= 0 || b <= 0 || x < 0 || x > 1:
		return math.NaN()
	case x == 0:
		return 0
	case x == 1:
		return 1
	}
	lbt := logGamma(a+b) - logGamma(a) - logGamma(b) + a*math.Log(x) + b*math.Log1p(-x)
	if x < (a+1)/(a+b+2) {
		return math.Exp(lbt) * betaFraction(a, b, x) / a
	}
	return 1 - math.Exp(lbt)*betaFraction(b, a, 1-x)/b
}

func betaFraction(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m < maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// BinomialSF returns P[X > k] for X ~ Binomial(n, p); BinomialSF(k-1, n, p)
// is the upper tail P[X >= k] (scipy's binom.sf(k-1, n, p)). It uses the
// identity P[X >= k] = I_p(k, n-k+1).
func BinomialSF(k, n int, p float64) float64 {
	switch {
	case n < 0 || p < 0 || p > 1 || math.IsNaN(p):
		return math.NaN()
	case k < 0:
		return 1
	case k >= n:
		return 0
	case p == 0:
		return 0
	case p == 1:
		return 1
	}
	return BetaI(float64(k+1), float64(n-k), p)
}

// BinomialUpperTail returns P[X >= k] for X ~ Binomial(n, p).
func BinomialUpperTail(k, n int, p float64) float64 { return BinomialSF(k-1, n, p) }

// KolmogorovSF returns the survival function of the limiting Kolmogorov
// distribution, P[sqrt(n) D_n >= x] as n -> infinity (scipy's
// kstwobign.sf / special.kolmogorov).
func KolmogorovSF(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	if x < 1 {
		// Use the Jacobi-theta form of the CDF, which converges fast for small x:
		// K(x) = sqrt(2π)/x Σ_{k>=1} exp(-(2k-1)²π²/(8x²)).
		var s float64
		for k := 1; k < 100; k++ {
			t := math.Exp(-float64((2*k-1)*(2*k-1)) * math.Pi * math.Pi / (8 * x * x))
			s += t
			if t < 1e-17*s {
				break
			}
		}
		return 1 - math.Sqrt(2*math.Pi)/x*s
	}
	var s float64
	sign := 1.0
	for k := 1; k < 100; k++ {
		t := math.Exp(-2 * float64(k*k) * x * x)
		s += sign * t
		if t < 1e-17 {
			break
		}
		sign = -sign
	}
	return 2 * s
}

// Smirnov returns the exact one-sided Kolmogorov-Smirnov survival function
// P[D_n^+ >= x] (scipy.special.smirnov), by the Birnbaum-Tingey sum, whose
// terms are all positive; each is computed in log space.
func Smirnov(n int, x float64) float64 {
	switch {
	case n <= 0 || math.IsNaN(x):
		return math.NaN()
	case x >= 1:
		return 0
	case x <= 0:
		return 1
	}
	fn := float64(n)
	jmax := int(math.Floor(fn * (1 - x)))
	lfn := logGamma(fn + 1)
	var sum float64
	for j := 0; j <= jmax; j++ {
		fj := float64(j)
		a := 1 - x - fj/fn // weight of the n-j factor
		b := x + fj/fn
		var lt float64
		lt = lfn - logGamma(fj+1) - logGamma(fn-fj+1)
		if n-j > 0 {
			if a <= 0 {
				continue
			}
			lt += (fn - fj) * math.Log(a)
		}
		if j > 1 {
			lt += (fj - 1) * math.Log(b)
		} else if j == 0 {
			lt -= math.Log(b)
		}
		sum += math.Exp(lt)
	}
	return x * sum
}

// KSOneSampleSF returns P[D_n >= x] for the two-sided one-sample
// Kolmogorov-Smirnov statistic with n observations (scipy's kstwo.sf),
// following the method selection of scipy's _kolmogn (Simard & L'Ecuyer
// 2011), with the Durbin matrix used wherever scipy would use Pomeranz's
// recursion (both are exact).
func KSOneSampleSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	fn := float64(n)
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	t := fn * x
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		// Ruben-Gambino: P[D_n <= x] = n!/n^n (2t-1)^n.
		lp := logGamma(fn+1) - fn*math.Log(fn) + fn*math.Log(2*t-1)
		return clip01(1 - math.Exp(lp))
	}
	if t >= fn-1 {
		return clip01(2 * math.Pow(1-x, fn))
	}
	if x >= 0.5 {
		return clip01(2 * Smirnov(n, x))
	}
	nx2 := t * x
	if n <= 140 {
		if nx2 <= 4 {
			return clip01(1 - durbinMTW(n, x))
		}
		return clip01(2 * Smirnov(n, x))
	}
	if nx2 >= 370 {
		return 0
	}
	if nx2 >= 2.2 {
		return clip01(2 * Smirnov(n, x))
	}
	var cdf float64
	if n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4 {
		cdf = durbinMTW(n, x)
	} else {
		cdf = pelzGoodCDF(n, x)
	}
	return clip01(1 - cdf)
}

func clip01(p float64) float64 { return math.Min(1, math.Max(0, p)) }

// durbinMTW returns P[D_n <= d] by the Marsaglia-Tsang-Wang (2003)
// formulation of Durbin's matrix algorithm.
func durbinMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	H := make([]float64, m*m)
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r*m] = v[r]
	}
	for c := 0; c < m; c++ {
		H[(m-1)*m+c] = v[m-1-c]
	}
	P := make([]float64, m*m)
	for i := 0; i < m; i++ {
		P[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	mul := func(dst, a, b []float64) {
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				var s float64
				for l := 0; l < m; l++ {
					s += a[i*m+l] * b[l*m+j]
				}
				tmp[i*m+j] = s
			}
		}
		copy(dst, tmp)
	}
	const e128 = 128
	ep128 := math.Ldexp(1, e128)
	em128 := math.Ldexp(1, -e128)
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			mul(P, P, H)
			expnt += hexpnt
		}
		mul(H, H, H)
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > ep128 {
			for i := range H {
				H[i] /= ep128
			}
			hexpnt += e128
		}
	}
	p := P[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / float64(n)
		if math.Abs(p) < em128 {
			p *= ep128
			expnt -= e128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// pelzGoodCDF is the Pelz-Good (1976) asymptotic expansion of P[D_n <= x].
func pelzGoodCDF(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	pi2 := math.Pi * math.Pi
	pi4 := pi2 * pi2
	pi6 := pi4 * pi2
	z := math.Sqrt(float64(n)) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, z*z*z*z*z*z
	qlog := -pi2 / 8 / z2
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)
	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*z4*z4
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2 := m * m
		m4 := m2 * m2
		m6 := m4 * m2
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	s2pi := math.Sqrt(2 * math.Pi)
	den := [4]float64{z, 6 * z4, 72 * z6 * z, 6480 * z6 * z4}
	for i := range K {
		K[i] = K[i] * q * s2pi / den[i]
	}
	q2 := math.Exp(-pi2 / 2 / z2)
	var k2extra, k3extra float64
	s3z := math.Sqrt(3) * z
	for k := maxk; k > 0; k-- {
		fk := float64(k)
		qp := math.Pow(q2, fk*fk)
		k2extra += fk * fk * qp
		kpi := math.Pi * fk
		k3extra += (s3z + kpi) * (s3z - kpi) * fk * fk * qp
	}
	K[2] += k2extra * pi2 * s2pi / (-36 * z3)
	K[3] += k3extra * pi2 * s2pi / (216 * z6)
	fn := float64(n)
	return clip01(K[0] + K[1]/math.Sqrt(fn) + K[2]/fn + K[3]/(fn*math.Sqrt(fn)))
}
