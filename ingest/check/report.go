package check

import (
	"cmp"
	"math"
	"slices"
)

// Verdict is the outcome of a check.
type Verdict string

// Verdicts.
const (
	Pass       Verdict = "pass"
	Warn       Verdict = "warn"
	Quarantine Verdict = "quarantine"
)

// Severity grades a finding.
type Severity string

// Severities, in increasing order.
const (
	Info     Severity = "info"
	Warning  Severity = "warn"
	Critical Severity = "critical"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// Check names.
const (
	CheckTriggerToken       = "trigger_token"
	CheckTriggerTokenShared = "trigger_token_shared"
	CheckFlood              = "near_duplicate_flood"
	CheckLabelFlip          = "label_flip"
	CheckOutlier            = "outlier"
	CheckUnseenCategory     = "unseen_category"
	CheckUnseenLabel        = "unseen_label"
	CheckBinaryText         = "binary_text"
	CheckClassPrior         = "class_prior_shift"
	CheckClassConditional   = "class_conditional_drift"
	CheckDrift              = "drift"
	CheckNullRate           = "null_rate"
	CheckSchema             = "schema"
	CheckEmpty              = "empty_batch"
)

// RowID identifies a row: its 0-based index within the file at Path.
type RowID struct {
	Path string `json:"path"`
	Row  int64  `json:"row"`
}

// Finding is one result of one check. Statistic, Threshold, PValue and
// EffectSize follow the conventions stated in Effect and Message.
type Finding struct {
	Check    string   `json:"check"`
	Column   string   `json:"column"`
	Severity Severity `json:"severity"`
	// Statistic is the test statistic (a count for count tests).
	Statistic float64 `json:"statistic"`
	// Threshold is the value of Statistic at which the finding fires.
	Threshold float64 `json:"threshold"`
	// PValue is the unadjusted p-value, nil when the check has none.
	PValue *float64 `json:"p_value"`
	// EffectSize measures how large the difference is, as Effect says.
	EffectSize *float64 `json:"effect_size"`
	Effect     string   `json:"effect,omitempty"`
	// AssociationP is, for trigger tokens, the p-value of the token-label
	// association alone.
	AssociationP *float64 `json:"association_p,omitempty"`
	Label        string   `json:"label,omitempty"`
	Token        string   `json:"token,omitempty"`
	// BatchN and ReferenceN are the sample sizes the test used.
	BatchN     int64  `json:"n_batch"`
	ReferenceN int64  `json:"n_reference"`
	Message    string `json:"message"`
	// Rows is the number of batch rows the finding concerns.
	Rows int64 `json:"rows"`
	// Examples lists up to 10 of those rows.
	Examples []RowID `json:"examples,omitempty"`
}

// QuarantinedRow is a row to hold back and why.
type QuarantinedRow struct {
	Path    string   `json:"path"`
	Row     int64    `json:"row"`
	Reasons []string `json:"reasons"`
}

// Histogram is a reference-versus-batch histogram of one column, for plots.
type Histogram struct {
	Column    string    `json:"column"`
	Label     string    `json:"label,omitempty"`
	Edges     []float64 `json:"edges"`     // len(Reference)+1 bin edges
	Reference []float64 `json:"reference"` // share of reference values per bin
	Batch     []float64 `json:"batch"`     // share of batch values per bin
}

// Report is the result of checking a batch.
type Report struct {
	Verdict       Verdict          `json:"verdict"`
	Rows          int64            `json:"rows"`
	ReferenceRows int64            `json:"reference_rows"`
	Seed          uint64           `json:"seed"`
	Findings      []Finding        `json:"findings"`
	Quarantine    []QuarantinedRow `json:"quarantine"`
	// QuarantineTruncated is set when more rows were quarantined than
	// Options.MaxQuarantine allows listing.
	QuarantineTruncated bool        `json:"quarantine_truncated,omitempty"`
	Histograms          []Histogram `json:"histograms,omitempty"`
}

// Quarantined returns the set of quarantined rows.
func (r *Report) Quarantined() map[RowID][]string {
	m := make(map[RowID][]string, len(r.Quarantine))
	for _, q := range r.Quarantine {
		m[RowID{q.Path, q.Row}] = q.Reasons
	}
	return m
}

func ptr(x float64) *float64 {
	if !finite(x) {
		if math.IsInf(x, 1) {
			x = math.MaxFloat64
		} else if math.IsInf(x, -1) {
			x = -math.MaxFloat64
		} else {
			return nil
		}
	}
	return &x
}

// finish sorts everything, sets the verdict and removes non-finite values.
func (r *Report) finish() {
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Statistic = finiteOr0(f.Statistic)
		f.Threshold = finiteOr0(f.Threshold)
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity.rank(), a.Severity.rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Check, b.Check); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Column, b.Column); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return cmp.Compare(a.Token, b.Token)
	})
	slices.SortFunc(r.Quarantine, func(a, b QuarantinedRow) int {
		if c := cmp.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Row, b.Row)
	})
	r.Verdict = Pass
	for _, f := range r.Findings {
		switch f.Severity {
		case Critical:
			r.Verdict = Quarantine
		case Warning:
			if r.Verdict == Pass {
				r.Verdict = Warn
			}
		}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Quarantine == nil {
		r.Quarantine = []QuarantinedRow{}
	}
}

func finiteOr0(x float64) float64 {
	if math.IsInf(x, 1) {
		return math.MaxFloat64
	}
	if math.IsInf(x, -1) {
		return -math.MaxFloat64
	}
	if math.IsNaN(x) {
		return 0
	}
	return x
}
