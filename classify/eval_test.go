package classify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type corpusCase struct {
	Text     string `json:"text"`
	Entities []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"entities"`
	Note string `json:"note"`
}

func loadCorpus(t *testing.T) []corpusCase {
	var out []corpusCase
	for _, name := range []string{"generated.jsonl", "handwritten.jsonl"} {
		f, err := os.Open(filepath.Join("..", "testdata", "classify", name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var c corpusCase
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, c)
		}
		f.Close()
	}
	return out
}

type prCounts struct{ tp, fp, fn int }

func (c prCounts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c prCounts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// minPR are the asserted floors (precision, recall) per entity on the
// corpus. Recall floors are lower where positives without context words
// are scored below the reporting threshold by design.
var minPR = map[string][2]float64{
	// Numeric identifiers without a strong format: a third of the
	// positives have no context word and score below the threshold.
	"AU_TFN": {0.95, 0.65}, "CA_SIN": {0.95, 0.65}, "PL_PESEL": {0.95, 0.65}, "US_BANK_NUMBER": {0.95, 0.65},
	"UK_NHS": {0.95, 0.8}, "IN_AADHAAR": {0.9, 0.85},
	// Random numbers in prose that happen to be valid.
	"CREDIT_CARD": {0.9, 0.95}, "PHONE_NUMBER": {0.75, 0.95}, "US_SSN": {0.9, 0.95},
	"US_ITIN": {0.95, 0.95}, "AU_ABN": {0.95, 0.95}, "SG_NRIC_FIN": {0.95, 0.95}, "ES_NIF": {0.95, 0.95},
	"IT_FISCAL_CODE": {0.95, 0.95}, "IBAN_CODE": {0.95, 0.95}, "UK_NINO": {0.95, 0.95}, "IN_PAN": {0.95, 0.95},
	"CRYPTO": {0.95, 0.95}, "EMAIL_ADDRESS": {0.95, 0.95}, "IP_ADDRESS": {0.95, 0.95},
	"MAC_ADDRESS": {0.95, 0.95}, "URL": {0.95, 0.95}, "DATE_TIME": {0.95, 0.95}, "AWS_ACCESS_KEY": {0.95, 0.95},
	"GITHUB_TOKEN": {0.95, 0.95}, "SLACK_TOKEN": {0.95, 0.95}, "STRIPE_KEY": {0.95, 0.95}, "GOOGLE_API_KEY": {0.95, 0.95},
	"PRIVATE_KEY": {0.95, 0.95}, "JWT": {0.95, 0.95}, "GENERIC_SECRET": {0.95, 0.95},
}

// TestCorpusPrecisionRecall scores the scanner on the labelled corpus in
// testdata/classify: a finding counts as a true positive only if its type
// and exact text match an expected entity. Run with -v for the table.
func TestCorpusPrecisionRecall(t *testing.T) {
	s := newTestScanner(t, Options{})
	counts := map[string]*prCounts{}
	get := func(e string) *prCounts {
		if counts[e] == nil {
			counts[e] = &prCounts{}
		}
		return counts[e]
	}
	var errs []string
	for _, c := range loadCorpus(t) {
		r := s.Scan(c.Text)
		matched := make([]bool, len(c.Entities))
		for _, f := range r.Findings {
			got := c.Text[f.ByteStart:f.ByteEnd]
			i := slices.IndexFunc(c.Entities, func(e struct {
				Type  string `json:"type"`
				Value string `json:"value"`
			}) bool {
				return e.Type == f.Entity && e.Value == got
			})
			if i >= 0 && !matched[i] {
				matched[i] = true
				get(f.Entity).tp++
				continue
			}
			get(f.Entity).fp++
			errs = append(errs, fmt.Sprintf("FP %s %q in %q (%s)", f.Entity, got, c.Text, c.Note))
		}
		for i, e := range c.Entities {
			if !matched[i] {
				get(e.Type).fn++
				errs = append(errs, fmt.Sprintf("FN %s %q in %q", e.Type, e.Value, c.Text))
			}
		}
	}
	ents := make([]string, 0, len(counts))
	for e := range counts {
		ents = append(ents, e)
	}
	slices.Sort(ents)
	var b strings.Builder
	fmt.Fprintf(&b, "| entity | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|\n")
	var tot prCounts
	for _, e := range ents {
		c := counts[e]
		tot.tp, tot.fp, tot.fn = tot.tp+c.tp, tot.fp+c.fp, tot.fn+c.fn
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.3f | %.3f |\n", e, c.tp, c.fp, c.fn, c.precision(), c.recall())
		floor, ok := minPR[e]
		if !ok {
			t.Errorf("%s: no asserted floor", e)
			continue
		}
		if c.precision() < floor[0] || c.recall() < floor[1] {
			t.Errorf("%s: precision %.3f recall %.3f, below floors %.2f / %.2f", e, c.precision(), c.recall(), floor[0], floor[1])
		}
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %.3f | %.3f |\n", tot.tp, tot.fp, tot.fn, tot.precision(), tot.recall())
	t.Log("\n" + b.String())
	if testing.Verbose() {
		for _, e := range errs {
			t.Log(e)
		}
	}
	for e := range minPR {
		if counts[e] == nil || counts[e].tp == 0 {
			t.Errorf("%s: no true positive in the corpus", e)
		}
	}
}
