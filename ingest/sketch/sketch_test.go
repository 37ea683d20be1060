package sketch

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestKLLRankError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	xs := make([]float64, n)
	a, b := NewKLL(0, 7), NewKLL(0, 8)
	for i := range xs {
		xs[i] = r.NormFloat64()
		if i%2 == 0 {
			a.Update(xs[i])
		} else {
			b.Update(xs[i])
		}
	}
	whole := NewKLL(0, 7)
	for _, x := range xs {
		whole.Update(x)
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	slices.Sort(xs)
	for _, s := range []*KLL{whole, a} {
		if s.N != n {
			t.Fatalf("N = %d", s.N)
		}
		var worst float64
		for q := 0.01; q < 1; q += 0.01 {
			v := s.Quantile(q)
			rank := float64(sortSearch(xs, v)) / n
			worst = math.Max(worst, math.Abs(rank-q))
		}
		// k = 256: normalised rank error about 1.2% at 99% confidence.
		if worst > 0.015 {
			t.Errorf("worst rank error %.4f > 0.015", worst)
		}
		if s.Min != xs[0] || s.Max != xs[n-1] {
			t.Errorf("min/max %v %v, want %v %v", s.Min, s.Max, xs[0], xs[n-1])
		}
	}
	// Same input and seed, same bytes.
	again := NewKLL(0, 7)
	for i := 0; i < n; i += 2 {
		_ = i
	}
	r2 := rand.New(rand.NewPCG(1, 2))
	for range n {
		again.Update(r2.NormFloat64())
	}
	b1, _ := json.Marshal(whole)
	b2, _ := json.Marshal(again)
	if string(b1) != string(b2) {
		t.Error("same input and seed gave different sketches")
	}
}

func sortSearch(xs []float64, v float64) int {
	i, _ := slices.BinarySearch(xs, math.Nextafter(v, math.Inf(1)))
	return i
}

func TestKLLExactWhileSmall(t *testing.T) {
	s := NewKLL(64, 1)
	for i := range 50 {
		s.Update(float64(i))
	}
	if !s.Exact() || s.Quantile(0.5) != 24 {
		t.Fatalf("exact=%v median=%v", s.Exact(), s.Quantile(0.5))
	}
}

func TestHLL(t *testing.T) {
	for _, n := range []int{10, 1000, 100000} {
		a, b, w := NewHLL(0), NewHLL(0), NewHLL(0)
		for i := range n {
			h := SplitMix64(uint64(i))
			w.Add(h)
			if i%3 == 0 {
				a.Add(h)
			} else {
				b.Add(h)
			}
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		if string(a.Registers) != string(w.Registers) {
			t.Fatal("merge differs from whole")
		}
		if e := math.Abs(w.Estimate()-float64(n)) / float64(n); e > 0.05 {
			t.Errorf("n=%d estimate %.0f (error %.3f)", n, w.Estimate(), e)
		}
	}
}

func TestFrequent(t *testing.T) {
	f := NewFrequent(4)
	// 8 keys fit exactly.
	for i := range 8 {
		f.Add(fmt.Sprint(i), int64(i+1))
	}
	if !f.Exact() || f.Count("7") != 8 {
		t.Fatalf("exact=%v count=%d", f.Exact(), f.Count("7"))
	}
	// Heavy hitters survive purges; counts are lower bounds within Offset.
	g := NewFrequent(4)
	truth := map[string]int64{}
	for i := range 10000 {
		k := fmt.Sprint(i % 1000)
		if i%3 == 0 {
			k = "heavy"
		}
		g.Add(k, 1)
		truth[k]++
	}
	c := g.Count("heavy")
	if c > truth["heavy"] || c < truth["heavy"]-g.Offset || g.Offset > g.N/5 {
		t.Fatalf("heavy count %d truth %d offset %d", c, truth["heavy"], g.Offset)
	}
	if g.Items()[0].Key != "heavy" {
		t.Fatal("heavy not first")
	}
	b, _ := json.Marshal(g)
	var h Frequent
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&h)
	if string(b) != string(b2) {
		t.Fatal("round trip differs")
	}
}

func TestBottomKMergeExact(t *testing.T) {
	whole := NewBottomK[int](10)
	parts := []*BottomK[int]{NewBottomK[int](10), NewBottomK[int](10), NewBottomK[int](10)}
	for i := range 1000 {
		e := Keyed[int]{Priority: SplitMix64(uint64(i)), Key: fmt.Sprint(i), Value: i}
		whole.Offer(e)
		parts[i%3].Offer(e)
	}
	m := parts[2]
	m.Merge(parts[0])
	m.Merge(parts[1])
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(m)
	if string(a) != string(b) || whole.Len() != 10 {
		t.Fatalf("merge differs:\n%s\n%s", a, b)
	}
}

func TestMinHashJaccard(t *testing.T) {
	m := NewMinHash(256, 3)
	var a, b []uint64
	for i := range 100 {
		a = append(a, SplitMix64(uint64(i)))
	}
	for i := 50; i < 150; i++ {
		b = append(b, SplitMix64(uint64(i)))
	}
	j := Jaccard(m.Signature(a), m.Signature(b)) // true 50/150
	if math.Abs(j-1.0/3) > 0.1 {
		t.Fatalf("jaccard %.3f, want about 0.333", j)
	}
}
