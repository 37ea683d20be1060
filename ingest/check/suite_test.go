package check

import (
	"os"
	"strings"
	"testing"
)

// TestPoisoningSuite is the evaluation in the README: precision and recall
// of the quarantine list on planted poison, and the false-alarm rate on 50
// clean batches per dataset.
func TestPoisoningSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the poisoning suite takes a minute")
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
		c, r := runSuite(t, d, 50, 10)
		clean[d.name] = c
		rows = append(rows, r...)
	}
	tab := formatTable(clean, rows)
	t.Log("\n" + tab)
	if p := os.Getenv("CAIRN_EVAL_OUT"); p != "" {
		os.WriteFile(p, []byte(tab), 0o644)
	}
}
