package check

import (
	"errors"
	"fmt"
	"slices"
)

// ErrColumn is the class of errors about the columns a check was asked to
// use: a label or text column that is missing or of the wrong type, or a
// reference built with other label or text columns. Errors of this class
// are *ColumnError.
var ErrColumn = errors.New("check: column")

// ErrReference reports an unusable reference: empty, corrupt, or of an
// unknown format version.
var ErrReference = errors.New("check: reference")

// ColumnError names the column behind an ErrColumn.
type ColumnError struct {
	Column string
	Role   string // "label", "text", "reference"
	Reason string
}

func (e *ColumnError) Error() string {
	return fmt.Sprintf("%s column %q: %s", e.Role, e.Column, e.Reason)
}

// Unwrap returns ErrColumn.
func (e *ColumnError) Unwrap() error { return ErrColumn }

// Correction is a multiple-testing correction.
type Correction string

// Corrections.
const (
	Holm Correction = "holm" // family-wise error rate (default)
	BH   Correction = "bh"   // Benjamini-Hochberg false discovery rate
)

// Options configure building a reference and checking batches. The zero
// value of each field selects its default.
type Options struct {
	// Label is the label column; empty means no label-aware checks.
	Label string
	// Text lists free-text columns: tokenised for trigger tokens, MinHash
	// near-duplicates and nearest neighbours.
	Text []string
	// Ignore lists columns that are not checked at all beyond their
	// presence and type: identifiers, timestamps, row numbers, whose
	// values are expected to differ from the reference's. A reference
	// records its ignored columns and checks against it use them.
	Ignore []string
	// Seed drives every random choice (the reference sample, MinHash
	// permutations, batch reservoirs). Default 1.
	Seed uint64
	// SampleSize is the number of reference rows kept for nearest
	// neighbours, near-duplicates and quantiles. Default 4000.
	SampleSize int
	// Alpha is the error rate of each family of tests (Holm: family-wise;
	// BH: false discovery rate). Default 0.001.
	Alpha float64
	// Correction is Holm (default) or BH.
	Correction Correction
	// K is the number of nearest reference neighbours for label flips.
	// Default 20.
	K int
	// MaxQuarantine caps the rows listed in a report; further rows are
	// counted in their findings but not listed. Default 1,000,000.
	MaxQuarantine int
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.SampleSize == 0 {
		o.SampleSize = 4000
	}
	if o.Alpha == 0 {
		o.Alpha = 0.001
	}
	if o.Correction == "" {
		o.Correction = Holm
	}
	if o.K == 0 {
		o.K = 20
	}
	if o.MaxQuarantine == 0 {
		o.MaxQuarantine = 1_000_000
	}
	o.Text = slices.Clone(o.Text)
	return o
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch {
	case o.SampleSize < 0 || o.SampleSize > 1_000_000:
		return fmt.Errorf("check: SampleSize %d out of range [0, 1000000]", o.SampleSize)
	case o.Alpha < 0 || o.Alpha >= 1:
		return fmt.Errorf("check: Alpha %v out of range (0, 1)", o.Alpha)
	case o.Correction != "" && o.Correction != Holm && o.Correction != BH:
		return fmt.Errorf("check: unknown correction %q", o.Correction)
	case o.K < 0 || o.K > 1000:
		return fmt.Errorf("check: K %d out of range [1, 1000]", o.K)
	case o.MaxQuarantine < 0:
		return fmt.Errorf("check: MaxQuarantine %d is negative", o.MaxQuarantine)
	}
	seen := map[string]bool{}
	for _, t := range o.Text {
		if t == "" {
			return &ColumnError{Column: t, Role: "text", Reason: "empty name"}
		}
		if t == o.Label {
			return &ColumnError{Column: t, Role: "text", Reason: "is also the label column"}
		}
		if seen[t] {
			return &ColumnError{Column: t, Role: "text", Reason: "named twice"}
		}
		seen[t] = true
	}
	return nil
}
