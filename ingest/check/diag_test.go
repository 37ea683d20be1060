package check

import (
	"fmt"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"math/rand/v2"
	"testing"
)

func TestDiagClean(t *testing.T) {
	for _, file := range []string{"reutersgrain-train.jsonl", "reuterscorn-train.jsonl"} {
		d := reutersDataset(file)
		all := d.load(t)
		for seed := uint64(1); seed <= 12; seed++ {
			p := split(all, seed, d.sizes...)
			ref := buildRef(t, p[0], d.opts)
			rep := checkTable(t, ref, p[1], d.opts)
			for _, f := range rep.Findings {
				if f.Severity == Critical {
					fmt.Printf("%s seed %d: %s %s label=%s k=%v n=%d refN=%d p=%.3g eff=%.3g thr=%v | %s\n", file[:11], seed, f.Check, f.Token, f.Label, f.Statistic, f.BatchN, f.ReferenceN, *f.PValue, *f.EffectSize, f.Threshold, f.Message)
				}
			}
		}
	}
}

func TestDiagFlood(t *testing.T) {
	d := reutersDataset("reutersgrain-train.jsonl")
	all := d.load(t)
	for seed := uint64(1); seed <= 10; seed++ {
		p := split(all, seed, d.sizes...)
		ref := buildRef(t, p[0], d.opts)
		r := rand.New(rand.NewPCG(seed, 1))
		b, _ := floodText(r, 0.01, p[1], p[2])
		rec := b.record(memory.DefaultAllocator)
		c, _ := NewChecker(ref, d.opts)
		bt := Batch{Record: rec, Path: "batch"}
		c.Observe(bt)
		c.NeedsScan()
		fmt.Printf("seed %d suspicious=%d ", seed, len(c.suspicious))
		c.Scan(bt)
		fmt.Printf("floodrows=%d\n", len(c.flood))
		rep, _ := c.Report()
		for _, f := range rep.Findings {
			if f.Check == CheckFlood {
				fmt.Println("   ", f.Statistic, *f.PValue, f.Message)
			}
		}
	}
}
