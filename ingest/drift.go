package ingest

import (
	"fmt"
	"math"
	"slices"

	"github.com/cairnml/cairn/ingest/stats"
)

// AlarmConfig decides when a drift statistic raises an alarm. An alarm
// needs both statistical significance and a large enough effect: a big
// batch makes every p-value tiny, so p-values alone would alarm on shifts
// nobody cares about (a 0.02-sigma shift on 100k rows has p ~ 1e-8).
type AlarmConfig struct {
	// Alpha is the family-wise significance level; each test is run at
	// Alpha divided by the number of tests in the comparison (Bonferroni).
	Alpha float64 `json:"alpha"`
	// MinKS is the smallest KS statistic that can alarm on a numeric column.
	MinKS float64 `json:"min_ks"`
	// MinWassersteinStd is the smallest Wasserstein distance, in reference
	// standard deviations, that can alarm on its own (catches shifts of
	// the tails that move the KS statistic little).
	MinWassersteinStd float64 `json:"min_wasserstein_std"`
	// MinJS is the smallest Jensen-Shannon distance (base 2) that can alarm
	// on a categorical column (or the label).
	MinJS float64 `json:"min_js"`
	// MinRows is the fewest non-null values on each side for a column (or
	// a column within a class) to be tested at all.
	MinRows int64 `json:"min_rows"`
	// PSIBins is the number of reference-quantile bins for PSI.
	PSIBins int `json:"psi_bins"`
}

// DefaultAlarms returns the default configuration: alpha 0.01 (Bonferroni),
// KS >= 0.1 or Wasserstein >= 0.25 reference std for numeric columns, JS
// distance >= 0.1 (base 2) for categorical ones, at least 30 values a side,
// 10 PSI bins. PSI is reported, not alarmed on.
func DefaultAlarms() AlarmConfig {
	return AlarmConfig{Alpha: 0.01, MinKS: 0.1, MinWassersteinStd: 0.25, MinJS: 0.1, MinRows: 30, PSIBins: 10}
}

// DriftResult compares one column (overall, or within one class) of a
// batch with the reference.
type DriftResult struct {
	Column string     `json:"column"`
	Class  string     `json:"class,omitempty"` // "" for the whole batch
	Kind   ColumnKind `json:"kind"`
	RefN   int64      `json:"ref_n"`
	N      int64      `json:"n"`
	// Numeric columns.
	KS             *stats.KSResult `json:"ks,omitempty"`
	Wasserstein    float64         `json:"wasserstein,omitempty"`
	WassersteinStd float64         `json:"wasserstein_std,omitempty"` // Wasserstein / reference population std
	PSI            float64         `json:"psi,omitempty"`
	// Categorical columns and the label.
	ChiSquare  *stats.ChiSquareResult `json:"chi_square,omitempty"`
	JSDistance float64                `json:"js_distance,omitempty"` // base 2
	// Exact is true when both distributions were exact (no sketch error).
	Exact bool `json:"exact"`
	// Convention states how the numbers were computed.
	Convention string `json:"convention"`
	// Alarm is the verdict of the AlarmConfig; Reason says why (or not).
	Alarm     bool    `json:"alarm"`
	Threshold float64 `json:"threshold"` // the per-test significance level used
	Reason    string  `json:"reason"`
}

const (
	numericConvention     = "KS: two-sided two-sample, exact p-value when both sides have <= 10000 values else kstwo.sf(D, round(nm/(n+m))) (scipy ks_2samp auto); Wasserstein-1 raw and over the reference population std (ddof 0); PSI over reference-quantile bins, empty bins floored at 1e-4, natural log"
	categoricalConvention = "chi-square: 2xK homogeneity, no Yates correction, categories empty on both sides dropped, unseen categories kept; JS: distance (sqrt of divergence), base 2"
)

// Drift compares every column of batch with ref, overall and, when both
// have a label, within each class present on both sides (class-conditional
// drift), plus the label's own distribution (class prior shift, Column =
// the label, Kind categorical). Results are in reference column order,
// overall first, then by class.
func Drift(ref, batch *Profile, cfg AlarmConfig) []DriftResult {
	var out []DriftResult
	label := ""
	if ref.Label != nil {
		label = ref.Label.Column
	}
	for _, rc := range ref.Columns {
		if rc.Name == label {
			continue
		}
		if bc := batch.Column(rc.Name); bc != nil {
			if r, ok := compareColumn(rc, bc, cfg); ok {
				out = append(out, r)
			}
		}
	}
	if ref.Label != nil && batch.Label != nil && batch.Label.Column == label {
		var rcnt, bcnt []float64
		keys := map[string]bool{}
		for _, c := range ref.Label.Classes {
			keys[c.Class] = true
		}
		for _, c := range batch.Label.Classes {
			keys[c.Class] = true
		}
		ks := make([]string, 0, len(keys))
		for k := range keys {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		var rn, bn int64
		for _, k := range ks {
			var a, b int64
			if c := ref.Class(k); c != nil {
				a = c.Count
			}
			if c := batch.Class(k); c != nil {
				b = c.Count
			}
			rcnt = append(rcnt, float64(a))
			bcnt = append(bcnt, float64(b))
			rn += a
			bn += b
		}
		r := categorical(label, rcnt, bcnt, rn, bn, true)
		out = append(out, r)
		for _, rcl := range ref.Label.Classes {
			bcl := batch.Class(rcl.Class)
			if bcl == nil {
				continue
			}
			for _, rc := range rcl.Columns {
				if bc := findColumn(bcl.Columns, rc.Name); bc != nil {
					if r, ok := compareColumn(rc, bc, cfg); ok {
						r.Class = rcl.Class
						out = append(out, r)
					}
				}
			}
		}
	}
	judge(out, cfg)
	return out
}

func compareColumn(rc, bc *ColumnProfile, cfg AlarmConfig) (DriftResult, bool) {
	switch {
	case rc.Kind == KindNumeric && bc.Kind == KindNumeric:
		rs, rex := rc.CDF()
		bs, bex := bc.CDF()
		r := DriftResult{Column: rc.Name, Kind: KindNumeric, RefN: rc.Finite(), N: bc.Finite(), Exact: rex && bex, Convention: numericConvention}
		if r.RefN == 0 || r.N == 0 {
			return r, true
		}
		d := stats.KSCDF(rs, bs)
		ks := stats.KSFromStatistic(d, r.RefN, r.N, "auto")
		r.KS = &ks
		r.Wasserstein = stats.WassersteinCDF(rs, bs)
		if sd := rc.Moments.Std(); sd > 0 {
			r.WassersteinStd = r.Wasserstein / sd
		} else if r.Wasserstein > 0 {
			r.WassersteinStd = math.Inf(1)
		}
		edges := cdfQuantileEdges(rs, cfg.PSIBins)
		r.PSI = stats.PSI(stats.BinCountsCDF(rs, edges), stats.BinCountsCDF(bs, edges))
		return r, true
	case (rc.Kind == KindCategorical && bc.Kind == KindCategorical) && rc.Frequent != nil && bc.Frequent != nil:
		keys := map[string]bool{}
		for k := range rc.Frequent.Counts {
			keys[k] = true
		}
		for k := range bc.Frequent.Counts {
			keys[k] = true
		}
		ks := make([]string, 0, len(keys))
		for k := range keys {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		var a, b []float64
		var sa, sb int64
		for _, k := range ks {
			x, y := rc.Frequent.Count(k), bc.Frequent.Count(k)
			a = append(a, float64(x))
			b = append(b, float64(y))
			sa += x
			sb += y
		}
		// Values the summaries no longer track go to one "other" bin.
		if oa, ob := rc.Frequent.N-sa, bc.Frequent.N-sb; oa > 0 || ob > 0 {
			a = append(a, float64(oa))
			b = append(b, float64(ob))
		}
		r := categorical(rc.Name, a, b, rc.Frequent.N, bc.Frequent.N, rc.Frequent.Exact() && bc.Frequent.Exact())
		return r, true
	}
	return DriftResult{}, false
}

func categorical(name string, a, b []float64, rn, bn int64, exact bool) DriftResult {
	r := DriftResult{Column: name, Kind: KindCategorical, RefN: rn, N: bn, Exact: exact, Convention: categoricalConvention}
	if rn == 0 || bn == 0 {
		return r
	}
	cs := stats.ChiSquare(a, b)
	r.ChiSquare = &cs
	r.JSDistance = stats.JSDistance(a, b, 2)
	return r
}

// cdfQuantileEdges returns PSI bin edges at the reference CDF's quantiles:
// the smallest value whose cumulative fraction reaches i/bins, deduplicated,
// without an edge at the maximum.
func cdfQuantileEdges(s []stats.Step, bins int) []float64 {
	if len(s) == 0 || bins < 2 {
		return nil
	}
	var edges []float64
	for i := 1; i < bins; i++ {
		q := float64(i) / float64(bins)
		j, _ := slices.BinarySearchFunc(s, q-1e-12, func(e stats.Step, t float64) int {
			switch {
			case e.Cum < t:
				return -1
			case e.Cum > t:
				return 1
			}
			return 0
		})
		if j >= len(s) {
			j = len(s) - 1
		}
		v := s[j].Value
		if len(edges) == 0 || v > edges[len(edges)-1] {
			edges = append(edges, v)
		}
	}
	if len(edges) > 0 && edges[len(edges)-1] >= s[len(s)-1].Value {
		edges = edges[:len(edges)-1]
	}
	return edges
}

// judge applies the alarm rule with a Bonferroni correction over the tests
// that were actually run.
func judge(rs []DriftResult, cfg AlarmConfig) {
	m := 0
	for _, r := range rs {
		if r.KS != nil || r.ChiSquare != nil {
			m++
		}
	}
	if m == 0 {
		m = 1
	}
	level := cfg.Alpha / float64(m)
	for i := range rs {
		r := &rs[i]
		r.Threshold = level
		switch {
		case r.KS == nil && r.ChiSquare == nil:
			r.Reason = "not tested: no values on one side"
		case r.RefN < cfg.MinRows || r.N < cfg.MinRows:
			r.Reason = fmt.Sprintf("not tested: fewer than %d values on one side", cfg.MinRows)
		case r.KS != nil:
			sig := r.KS.PValue < level
			big := r.KS.Statistic >= cfg.MinKS || r.WassersteinStd >= cfg.MinWassersteinStd
			r.Alarm = sig && big
			r.Reason = fmt.Sprintf("KS D=%.4g p=%.3g (level %.3g), Wasserstein %.3g std; effect gate KS>=%.3g or W>=%.3g std", r.KS.Statistic, r.KS.PValue, level, r.WassersteinStd, cfg.MinKS, cfg.MinWassersteinStd)
		default:
			sig := r.ChiSquare.PValue < level
			big := r.JSDistance >= cfg.MinJS
			r.Alarm = sig && big
			r.Reason = fmt.Sprintf("chi2=%.4g dof=%d p=%.3g (level %.3g), JS distance %.3g; effect gate JS>=%.3g", r.ChiSquare.Statistic, r.ChiSquare.DOF, r.ChiSquare.PValue, level, r.JSDistance, cfg.MinJS)
		}
	}
}
