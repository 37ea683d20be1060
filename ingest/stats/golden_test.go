package stats

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/cairnml/cairn/ingest/internal/shareddata"
)

type goldenFile struct {
	Notes string `json:"notes"`
	Cases []struct {
		Name           string             `json:"name"`
		Kind           string             `json:"kind"`
		Reference      []float64          `json:"reference"`
		Batch          []float64          `json:"batch"`
		KSStatistic    float64            `json:"ks_statistic"`
		KSPAuto        float64            `json:"ks_pvalue_auto"`
		KSPAsymp       float64            `json:"ks_pvalue_asymp"`
		Wasserstein    float64            `json:"wasserstein"`
		WassersteinStd float64            `json:"wasserstein_over_ref_std"`
		RefCounts      map[string]float64 `json:"reference_counts"`
		BatchCounts    map[string]float64 `json:"batch_counts"`
		Chi2           float64            `json:"chi2_statistic"`
		Chi2P          float64            `json:"chi2_pvalue"`
		Chi2DOF        int                `json:"chi2_dof"`
		JSE            float64            `json:"js_distance_base_e"`
		JS2            float64            `json:"js_distance_base_2"`
	} `json:"cases"`
	Binomial []struct {
		K, N int
		P    float64
		SF   float64 `json:"sf_k_minus_1"`
	} `json:"binomial_upper_tail"`
}

func loadGolden(t *testing.T) goldenFile {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, "stats-golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 || len(g.Binomial) == 0 {
		t.Fatal("golden file has no cases")
	}
	return g
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

func check(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	e := relErr(got, want)
	t.Logf("%s: relative error %.2g", what, e)
	if !(e <= tol) {
		t.Errorf("%s = %.17g, scipy %.17g (relative error %.3g > %.0e)", what, got, want, e, tol)
	}
}

// TestGolden checks every statistic against scipy 1.10.1. Tolerance is
// 1e-9 relative throughout: all of these are exact computations here (the
// raw samples are in the file; no sketch is involved).
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	const tol = 1e-9
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			switch c.Kind {
			case "numeric":
				r := KS2Samp(c.Reference, c.Batch)
				check(t, "ks statistic", r.Statistic, c.KSStatistic, tol)
				check(t, "ks p auto ("+string(r.Method)+")", r.PValue, c.KSPAuto, tol)
				a := KSFromStatistic(r.Statistic, int64(len(c.Reference)), int64(len(c.Batch)), "asymp")
				check(t, "ks p asymp", a.PValue, c.KSPAsymp, tol)
				w := Wasserstein(c.Reference, c.Batch)
				check(t, "wasserstein", w, c.Wasserstein, tol)
				_, sd := MeanStd(c.Reference)
				check(t, "wasserstein/std", w/sd, c.WassersteinStd, tol)
			case "categorical":
				var keys []string
				for k := range c.RefCounts {
					keys = append(keys, k)
				}
				for k := range c.BatchCounts {
					if _, ok := c.RefCounts[k]; !ok {
						keys = append(keys, k)
					}
				}
				slices.Sort(keys)
				var ref, bat []float64
				for _, k := range keys {
					ref = append(ref, c.RefCounts[k])
					bat = append(bat, c.BatchCounts[k])
				}
				r := ChiSquare(ref, bat)
				check(t, "chi2", r.Statistic, c.Chi2, tol)
				check(t, "chi2 p", r.PValue, c.Chi2P, tol)
				if r.DOF != c.Chi2DOF {
					t.Errorf("dof %d, scipy %d", r.DOF, c.Chi2DOF)
				}
				check(t, "js base e", JSDistance(ref, bat, math.E), c.JSE, tol)
				check(t, "js base 2", JSDistance(ref, bat, 2), c.JS2, tol)
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
		})
	}
	for _, b := range g.Binomial {
		check(t, "binomial upper tail", BinomialUpperTail(b.K, b.N, b.P), b.SF, tol)
	}
}
