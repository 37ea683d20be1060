package ingest

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func floatRecord(xs []float64) arrow.RecordBatch {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(xs, nil)
	a := b.NewArray()
	defer a.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil), []arrow.Array{a}, int64(len(xs)))
}

// TestDriftGoldenThroughProfiles runs the scipy golden numeric cases
// through profiles. Where both sides fit the exact value counts (at most
// 1024 distinct values: every case but the 1500+ value ones) the result is
// exact and must match scipy to 1e-9. Otherwise the distributions come
// from KLL sketches (k=256) and the test states the tolerance: KS statistic
// within 0.02 absolute (two sketches, ~1.2% rank error each), Wasserstein
// within 10% relative, and the p-value is that of the sketched statistic.
func TestDriftGoldenThroughProfiles(t *testing.T) {
	var g struct {
		Cases []struct {
			Name           string    `json:"name"`
			Kind           string    `json:"kind"`
			Reference      []float64 `json:"reference"`
			Batch          []float64 `json:"batch"`
			KSStatistic    float64   `json:"ks_statistic"`
			KSPAuto        float64   `json:"ks_pvalue_auto"`
			Wasserstein    float64   `json:"wasserstein"`
			WassersteinStd float64   `json:"wasserstein_over_ref_std"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(readShared(t, "stats-golden.json"), &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		if c.Kind != "numeric" {
			continue
		}
		ref, bat := floatRecord(c.Reference), floatRecord(c.Batch)
		rp, bp := profileRecord(t, ref, ProfileOptions{}), profileRecord(t, bat, ProfileOptions{})
		ref.Release()
		bat.Release()
		d := Drift(rp, bp, DefaultAlarms())[0]
		if d.Exact {
			for _, v := range [][3]float64{{d.KS.Statistic, c.KSStatistic}, {d.KS.PValue, c.KSPAuto}, {d.Wasserstein, c.Wasserstein}, {d.WassersteinStd, c.WassersteinStd}} {
				if relErr(v[0], v[1]) > 1e-9 {
					t.Errorf("%s (exact): %.17g vs scipy %.17g", c.Name, v[0], v[1])
				}
			}
			continue
		}
		dks := math.Abs(d.KS.Statistic - c.KSStatistic)
		dw := relErr(d.Wasserstein, c.Wasserstein)
		t.Logf("%s (sketched): |dKS| = %.4f, Wasserstein rel err %.3f, p %.3g vs scipy %.3g", c.Name, dks, dw, d.KS.PValue, c.KSPAuto)
		if dks > 0.02 || dw > 0.10 {
			t.Errorf("%s (sketched): KS %.4f vs %.4f, W %.4f vs %.4f", c.Name, d.KS.Statistic, c.KSStatistic, d.Wasserstein, c.Wasserstein)
		}
	}
}
