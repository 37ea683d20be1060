package stats

import (
	"math"
	"testing"
)

// binomialTailSum is the obviously correct reference: the sum of pmf
// terms, each in log space (all terms positive).
func binomialTailSum(k, n int, p float64) float64 {
	var s float64
	for i := max(k, 0); i <= n; i++ {
		lc := logGamma(float64(n+1)) - logGamma(float64(i+1)) - logGamma(float64(n-i+1))
		s += math.Exp(lc + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return s
}

func TestBinomialUpperTailAgainstSum(t *testing.T) {
	for _, c := range []struct {
		k, n int
		p    float64
	}{{1, 10, 0.3}, {5, 10, 0.3}, {40, 100, 0.2}, {3, 5000, 0.0001}, {200, 1000, 0.1}, {999, 1000, 0.5}} {
		got, want := BinomialUpperTail(c.k, c.n, c.p), binomialTailSum(c.k, c.n, c.p)
		if relErr(got, want) > 1e-9 {
			t.Errorf("P[Bin(%d,%g) >= %d] = %.17g, sum %.17g", c.n, c.p, c.k, got, want)
		}
	}
	if BinomialUpperTail(0, 10, 0.3) != 1 || BinomialUpperTail(11, 10, 0.3) != 0 {
		t.Error("edge cases")
	}
}

func TestChiSquareSF(t *testing.T) {
	// Closed forms: dof 2 -> exp(-x/2); dof 1 -> erfc(sqrt(x/2)).
	for _, x := range []float64{0.1, 1, 5, 30, 200} {
		if e := relErr(ChiSquareSF(x, 2), math.Exp(-x/2)); e > 1e-12 {
			t.Errorf("dof 2, x %g: rel err %g", x, e)
		}
		if e := relErr(ChiSquareSF(x, 1), math.Erfc(math.Sqrt(x/2))); e > 1e-10 {
			t.Errorf("dof 1, x %g: rel err %g", x, e)
		}
	}
}

func TestKolmogorov(t *testing.T) {
	// Known values of the limiting distribution: K(x) = 1 - sf.
	for _, c := range []struct{ x, sf float64 }{{0.5, 0.9639452436648751}, {1, 0.26999967167735456}, {1.3581, 0.05000}, {2, 0.0006709252557796953}} {
		if math.Abs(KolmogorovSF(c.x)-c.sf) > 1e-5*c.sf+1e-12 && c.x != 1.3581 {
			t.Errorf("KolmogorovSF(%g) = %.16g, want %.16g", c.x, KolmogorovSF(c.x), c.sf)
		}
	}
	if math.Abs(KolmogorovSF(1.3581)-0.05) > 1e-4 {
		t.Errorf("5%% critical value: %g", KolmogorovSF(1.3581))
	}
	// The exact one-sample distribution tends to the limit.
	for _, z := range []float64{0.6, 1, 1.5} {
		n := 200000
		got := KSOneSampleSF(n, z/math.Sqrt(float64(n)))
		if math.Abs(got-KolmogorovSF(z)) > 3e-3 {
			t.Errorf("n=%d z=%g: %g vs limit %g", n, z, got, KolmogorovSF(z))
		}
	}
	// Method boundaries agree: the Durbin matrix, Pelz-Good and 2*Smirnov
	// regions join smoothly (no jump larger than the local slope allows).
	for _, n := range []int{50, 141, 5000, 150000} {
		prev := 1.0
		for i := 1; i < 400; i++ {
			x := float64(i) / 400
			p := KSOneSampleSF(n, x)
			if p > prev+1e-9 || p < 0 || p > 1 {
				t.Fatalf("n=%d: sf not monotone at %g: %g after %g", n, x, p, prev)
			}
			prev = p
		}
	}
	if d := math.Abs(durbinMTW(2000, 0.02) - pelzGoodCDF(2000, 0.02)); d > 1e-6 {
		t.Errorf("Durbin vs Pelz-Good at n=2000, x=0.02 differ by %g", d)
	}
}

func TestKSExactSmall(t *testing.T) {
	// n = m = 2: D = 1 happens for 2 of the 6 orderings.
	if p := KSFromStatistic(1, 2, 2, "exact").PValue; relErr(p, 1.0/3) > 1e-12 {
		t.Fatalf("p = %g, want 1/3", p)
	}
	// n=3, m=2, D=2/3: scipy gives 0.6 (the "tiny" golden case).
	if p := KSFromStatistic(2.0/3, 3, 2, "exact").PValue; relErr(p, 0.6) > 1e-12 {
		t.Fatalf("p = %g, want 0.6", p)
	}
}

func TestPSI(t *testing.T) {
	if PSI([]float64{1, 1}, []float64{1, 1}) != 0 {
		t.Fatal("identical")
	}
	// 50/50 vs 90/10: 0.4 ln 1.8 + -0.4 ln 0.2 = 0.8789...
	want := 0.4*math.Log(0.9/0.5) + (-0.4)*math.Log(0.1/0.5)
	if relErr(PSI([]float64{50, 50}, []float64{90, 10}), want) > 1e-12 {
		t.Fatal("two bins")
	}
	// Empty bin floored at 1e-4.
	want = (1e-4-0.5)*math.Log(1e-4/0.5) + (1-0.5)*math.Log(1/0.5)
	if relErr(PSI([]float64{1, 1}, []float64{0, 5}), want) > 1e-12 {
		t.Fatal("zero bin rule")
	}
}
