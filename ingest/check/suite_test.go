package check

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestPoisoningTargets asserts the targets of the poisoning suite on the
// Reuters grain and corn texts: at 1% poison, quarantine precision and
// recall of at least 0.9 for trigger tokens (planted into rows of the other
// class, with the label flipped to the minority class) and for
// near-duplicate floods, pooled over 10 random splits; and at most 1 of 50
// clean batches with a quarantine verdict.
func TestPoisoningTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("the poisoning suite takes a while")
	}
	for _, file := range []string{"reutersgrain-train.jsonl", "reuterscorn-train.jsonl"} {
		d := reutersDataset(file)
		d.scenarios = d.scenarios[:3] // trigger -> minority, trigger -> majority, flood
		clean, rows := runSuite(t, d, 50, 10)
		t.Log("\n" + formatTable(map[string]score{d.name: clean}, rows))
		if clean.verdicts > 1 {
			t.Errorf("%s: %d of %d clean batches got a quarantine verdict, want at most 1", d.name, clean.verdicts, clean.trials)
		}
		for _, r := range rows {
			if r.rate != 0.01 || r.scenario == "trigger token -> majority label" {
				continue
			}
			if p, rc := r.s.precision(), r.s.recall(); !(p >= 0.9 && rc >= 0.9) {
				t.Errorf("%s: %s at 1%%: precision %.3f recall %.3f, want both >= 0.9", d.name, r.scenario, p, rc)
			}
		}
	}
}

// TestPoisoningSuite computes the full evaluation table of the README
// (every dataset, scenario and rate; 50 clean batches per dataset). It
// runs with CAIRN_EVAL=1 and writes the table to CAIRN_EVAL_OUT if set;
// CAIRN_EVAL_SETS restricts it to the named datasets and
// CAIRN_EVAL_SCENARIOS to the scenarios whose name contains it (the 50
// clean batches always run).
func TestPoisoningSuite(t *testing.T) {
	if os.Getenv("CAIRN_EVAL") != "1" {
		t.Skip("set CAIRN_EVAL=1 to compute the full evaluation table (several minutes)")
	}
	sets := []dataset{
		reutersDataset("reutersgrain-train.jsonl"),
		reutersDataset("reuterscorn-train.jsonl"),
		numericDataset("shuttle.csv", "Class", []int{20000, 2000, -1}, "V1"),
		numericDataset("wine.csv", "target", []int{100, 60, -1}, "alcohol"),
		numericDataset("breast_cancer.csv", "target", []int{350, 180, -1}, "mean_radius"),
	}
	clean := map[string]score{}
	var rows []evalRow
	only := os.Getenv("CAIRN_EVAL_SETS")
	for _, d := range sets {
		if only != "" && !strings.Contains(only, d.name) {
			continue
		}
		if sc := os.Getenv("CAIRN_EVAL_SCENARIOS"); sc != "" {
			d.scenarios = slices.DeleteFunc(d.scenarios, func(s scenario) bool { return !strings.Contains(s.name, sc) })
		}
		c, r := runSuite(t, d, 50, 10)
		clean[d.name] = c
		rows = append(rows, r...)
	}
	tab := formatTable(clean, rows)
	t.Log("\n" + tab)
	if p := os.Getenv("CAIRN_EVAL_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(tab), 0o644); err != nil {
			t.Error(err)
		}
	}
}
