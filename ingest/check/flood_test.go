package check

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// binomTail is P[X >= k] for X ~ Binomial(n, p), summed term by term.
func binomTail(k, n int, p float64) float64 {
	var s float64
	for x := k; x <= n; x++ {
		lg, _ := math.Lgamma(float64(n + 1))
		la, _ := math.Lgamma(float64(x + 1))
		lb, _ := math.Lgamma(float64(n - x + 1))
		s += math.Exp(lg - la - lb + float64(x)*math.Log(p) + float64(n-x)*math.Log1p(-p))
	}
	return s
}

func TestFloodTestIsMidP(t *testing.T) {
	ref, _, _, opts := reutersSplit(t, 4)
	c, err := NewChecker(ref, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.rows = 606
	q := 606.0 / (606 + 1400)
	for _, tc := range []struct{ s, m int }{{6, 0}, {5, 0}, {6, 1}, {4, 3}, {3, 4}} {
		p, ratio := c.floodTest(int64(tc.s), tc.m)
		n := tc.s + tc.m
		want := (binomTail(tc.s, n, q) + binomTail(tc.s+1, n, q)) / 2
		if math.Abs(p-want) > 1e-12*want {
			t.Errorf("s=%d m=%d: p %.6g, want mid-p %.6g", tc.s, tc.m, p, want)
		}
		wantRatio := (float64(tc.s) / 606) / (math.Max(float64(tc.m), 0.5) / 1400)
		if math.Abs(ratio-wantRatio) > 1e-9 {
			t.Errorf("s=%d m=%d: ratio %v, want %v", tc.s, tc.m, ratio, wantRatio)
		}
	}
	// A template seen 6 times in the batch and never in the reference:
	// half of q^6.
	if p, _ := c.floodTest(6, 0); math.Abs(p-math.Pow(q, 6)/2) > 1e-15 {
		t.Errorf("s=6 m=0: p %v, want q^6/2 = %v", p, math.Pow(q, 6)/2)
	}
}

// Tarone's rule leaves out of the family the clusters that could not be
// significant whatever their split, so they do not dilute the others.
func TestRejectFloodsTarone(t *testing.T) {
	c := &Checker{opts: Options{Alpha: 0.001, Correction: Holm}}
	ps := []float64{7e-4, 0.03, 0.02}
	minPs := []float64{3.8e-4, 0.0135, 0.0135}
	if got := reject(ps, len(ps), 0.001, Holm); got[0] {
		t.Fatalf("plain Holm rejects %v; the case no longer shows the difference", ps)
	}
	if got, want := c.rejectFloods(ps, minPs), []bool{true, false, false}; !slices.Equal(got, want) {
		t.Errorf("rejectFloods = %v, want %v", got, want)
	}
	// Two testable clusters: Holm over two.
	ps = []float64{7e-4, 4e-4, 0.5}
	minPs = []float64{3.8e-4, 1e-5, 0.01}
	if got, want := c.rejectFloods(ps, minPs), []bool{true, true, false}; !slices.Equal(got, want) {
		t.Errorf("rejectFloods = %v, want %v", got, want)
	}
	ps = []float64{9e-4, 6e-4}
	minPs = []float64{1e-5, 1e-5}
	if got, want := c.rejectFloods(ps, minPs), []bool{false, false}; !slices.Equal(got, want) {
		t.Errorf("rejectFloods = %v, want %v (Holm over 2 at 0.001)", got, want)
	}
	if got := c.rejectFloods(nil, nil); len(got) != 0 {
		t.Errorf("rejectFloods(nil) = %v", got)
	}
}

// Six copies that drift in a chain (each within Jaccard 0.76 of the next,
// 0.52 or less of the ones further away) are one flood: single linkage
// joins them through their neighbours.
func TestFloodChainIsOneCluster(t *testing.T) {
	ref, _, _, opts := reutersSplit(t, 4)
	c, err := NewChecker(ref, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.rows = 606
	c.paths = []string{"batch"}
	n := lshBands * lshRows
	r := rand.New(rand.NewPCG(9, 9))
	base, alt := make([]uint32, n), make([]uint32, n)
	for i := range base {
		base[i], alt[i] = r.Uint32(), r.Uint32()
	}
	c.suspicious = map[uint64]bool{}
	for k := range 6 {
		sig := slices.Clone(base)
		for p := 15 * k; p < 15*k+30; p++ {
			sig[p] = alt[p]
		}
		c.flood = append(c.flood, floodCand{rowRef{0, int64(100 + k)}, sig})
		for _, b := range c.lsh.bands(nil, sig) {
			c.suspicious[b] = true
		}
	}
	if j := sigJaccard(c.flood[0].sig, c.flood[2].sig); j >= nearDupJ {
		t.Fatalf("copies 0 and 2 at Jaccard %.2f: the chain is not a chain", j)
	}
	c.finishFlood()
	i := slices.IndexFunc(c.findings, func(f Finding) bool { return f.Check == CheckFlood })
	if i < 0 {
		t.Fatalf("no flood finding: %+v", c.findings)
	}
	f := c.findings[i]
	if f.Rows != 6 || f.Severity != Critical || *f.PValue > 1e-3 {
		t.Errorf("finding: rows %d severity %s p %v, want 6 rows, critical, p <= 1e-3", f.Rows, f.Severity, *f.PValue)
	}
}
