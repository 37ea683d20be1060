package sketch

import (
	"errors"
	"math"
	"slices"
)

// DefaultK is the default KLL accuracy parameter. With k = 256 the
// normalised rank error is about 1.2% (99% confidence) for a single sketch
// (Karnin, Lang, Liberty 2016; datasketches' table gives 1.33% at k = 200).
const DefaultK = 256

const kllMinWidth = 8

// KLL is a quantile sketch of float64 values (Karnin-Lang-Liberty) with a
// seeded coin, so the same updates give the same sketch. NaN must not be
// passed to Update (callers count NaN apart). While N <= K the sketch
// holds every value and its answers are exact.
//
// Merge: the merged sketch answers rank queries within the KLL error bound
// of the concatenated input; it is not byte-identical to the sketch of the
// concatenation once compaction has started.
type KLL struct {
	K      int         `json:"k"`
	N      int64       `json:"n"`
	Min    float64     `json:"min"`
	Max    float64     `json:"max"`
	Levels [][]float64 `json:"levels"` // level h holds items of weight 2^h
	RNG    uint64      `json:"rng"`    // coin state

	cap0 int   // cached capacity(0); 0 means unknown
	caps []int // cached capacities, valid while len(caps) == len(Levels)
}

// NewKLL returns an empty sketch with accuracy k (0 means DefaultK) whose
// coin is seeded by seed.
func NewKLL(k int, seed uint64) *KLL {
	if k <= 0 {
		k = DefaultK
	}
	return &KLL{K: max(k, kllMinWidth), Levels: [][]float64{nil}, RNG: seed}
}

func (s *KLL) capacity(h int) int {
	if len(s.caps) != len(s.Levels) {
		s.caps = s.caps[:0]
		for i := range s.Levels {
			s.caps = append(s.caps, s.computeCapacity(i))
		}
	}
	return s.caps[h]
}

func (s *KLL) computeCapacity(h int) int {
	depth := len(s.Levels) - 1 - h
	c := int(math.Ceil(float64(s.K) * math.Pow(2.0/3.0, float64(depth))))
	return max(c, kllMinWidth)
}

func (s *KLL) coin() int {
	s.RNG = SplitMix64(s.RNG)
	return int(s.RNG >> 63)
}

// Update adds one value.
func (s *KLL) Update(x float64) {
	if s.N == 0 || x < s.Min {
		s.Min = x
	}
	if s.N == 0 || x > s.Max {
		s.Max = x
	}
	s.N++
	s.Levels[0] = append(s.Levels[0], x)
	if s.cap0 == 0 {
		s.cap0 = s.capacity(0)
	}
	if len(s.Levels[0]) >= s.cap0 {
		s.compress()
		s.cap0 = s.capacity(0)
	}
}

func (s *KLL) compress() {
	for h := 0; h < len(s.Levels); h++ {
		if len(s.Levels[h]) < s.capacity(h) {
			continue
		}
		if h+1 == len(s.Levels) {
			s.Levels = append(s.Levels, nil)
		}
		lv := s.Levels[h]
		slices.Sort(lv)
		var keep []float64
		if len(lv)%2 == 1 {
			keep = []float64{lv[0]}
			lv = lv[1:]
		}
		off := s.coin()
		up := s.Levels[h+1]
		for i := off; i < len(lv); i += 2 {
			up = append(up, lv[i])
		}
		s.Levels[h+1] = up
		s.Levels[h] = append(s.Levels[h][:0], keep...)
	}
}

// Merge adds other's values to s. Both must have the same K.
func (s *KLL) Merge(o *KLL) error {
	if o == nil || o.N == 0 {
		return nil
	}
	if o.K != s.K {
		return errors.New("sketch: merging KLL sketches with different k")
	}
	if s.N == 0 {
		s.Min, s.Max = o.Min, o.Max
	}
	s.N += o.N
	s.Min = math.Min(s.Min, o.Min)
	s.Max = math.Max(s.Max, o.Max)
	for len(s.Levels) < len(o.Levels) {
		s.Levels = append(s.Levels, nil)
	}
	for h, lv := range o.Levels {
		s.Levels[h] = append(s.Levels[h], lv...)
	}
	s.RNG = SplitMix64(s.RNG ^ o.RNG)
	s.cap0 = 0
	for {
		over := false
		for h := range s.Levels {
			if len(s.Levels[h]) >= s.capacity(h) {
				over = true
			}
		}
		if !over {
			break
		}
		s.compress()
	}
	return nil
}

// Validate checks a decoded sketch for consistency, so that a hostile
// profile file cannot make queries misbehave.
func (s *KLL) Validate() error {
	if s.K < kllMinWidth || s.K > 1<<16 || len(s.Levels) == 0 || len(s.Levels) > 62 {
		return errors.New("sketch: invalid KLL parameters")
	}
	var w int64
	for h, lv := range s.Levels {
		for _, v := range lv {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("sketch: non-finite value in KLL")
			}
		}
		w += int64(len(lv)) << h
	}
	if w != s.N {
		return errors.New("sketch: KLL weights do not add up to n")
	}
	return nil
}

// Exact reports whether the sketch still holds every value.
func (s *KLL) Exact() bool { return len(s.Levels) == 1 }

// Weighted returns the retained values sorted, each with its weight.
func (s *KLL) Weighted() (vals []float64, weights []int64) {
	type vw struct {
		v float64
		w int64
	}
	var all []vw
	for h, lv := range s.Levels {
		for _, v := range lv {
			all = append(all, vw{v, 1 << h})
		}
	}
	slices.SortFunc(all, func(a, b vw) int {
		if a.v < b.v {
			return -1
		}
		if a.v > b.v {
			return 1
		}
		return 0
	})
	for _, e := range all {
		if len(vals) > 0 && vals[len(vals)-1] == e.v {
			weights[len(weights)-1] += e.w
			continue
		}
		vals = append(vals, e.v)
		weights = append(weights, e.w)
	}
	return vals, weights
}

// CDF returns the sketched CDF as sorted distinct values with the fraction
// of the input at or below each (right-continuous steps).
func (s *KLL) CDF() (vals, cum []float64) {
	vals, w := s.Weighted()
	var tot int64
	for _, x := range w {
		tot += x
	}
	cum = make([]float64, len(vals))
	var c int64
	for i, x := range w {
		c += x
		cum[i] = float64(c) / float64(tot)
	}
	return vals, cum
}

// Quantile returns the smallest retained value whose sketched rank is at
// least q (q in [0, 1]); NaN on an empty sketch.
func (s *KLL) Quantile(q float64) float64 {
	if s.N == 0 {
		return math.NaN()
	}
	vals, cum := s.CDF()
	i, _ := slices.BinarySearch(cum, q-1e-12)
	if i >= len(vals) {
		i = len(vals) - 1
	}
	if q <= 0 {
		return s.Min
	}
	if q >= 1 {
		return s.Max
	}
	return vals[i]
}
