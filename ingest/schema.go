package ingest

import "fmt"

// SchemaChange is a difference between the columns of a reference profile
// and a batch profile.
type SchemaChange struct {
	Column string `json:"column"`
	// Change is "missing" (in the reference, not the batch), "new" (in the
	// batch only), "kind" (numeric vs categorical vs ...) or "null_rate"
	// (the batch's null fraction differs from the reference's by more than
	// the threshold given to SchemaChanges).
	Change   string  `json:"change"`
	Ref      string  `json:"ref"`
	Batch    string  `json:"batch"`
	Message  string  `json:"message"`
	RefNull  float64 `json:"ref_null_rate,omitempty"`
	NullRate float64 `json:"null_rate,omitempty"`
}

// SchemaChanges lists missing and new columns, kind changes and null-rate
// jumps larger than maxNullJump (absolute difference of fractions; 0.1 is
// a sensible default) between ref and batch, in reference column order,
// then new columns in batch order. Columns of kind null (no value seen) are
// compatible with any kind.
func SchemaChanges(ref, batch *Profile, maxNullJump float64) []SchemaChange {
	var out []SchemaChange
	rate := func(c *ColumnProfile) float64 {
		if t := c.Count + c.Nulls; t > 0 {
			return float64(c.Nulls) / float64(t)
		}
		return 0
	}
	for _, rc := range ref.Columns {
		bc := batch.Column(rc.Name)
		switch {
		case bc == nil:
			out = append(out, SchemaChange{Column: rc.Name, Change: "missing", Ref: rc.Type, Message: fmt.Sprintf("column %q is in the reference but not in the batch", rc.Name)})
		case !compatible(rc.Kind, bc.Kind):
			out = append(out, SchemaChange{Column: rc.Name, Change: "kind", Ref: string(rc.Kind) + " " + rc.Type, Batch: string(bc.Kind) + " " + bc.Type,
				Message: fmt.Sprintf("column %q is %s (%s) in the batch but %s (%s) in the reference", rc.Name, bc.Kind, bc.Type, rc.Kind, rc.Type)})
		default:
			r, b := rate(rc), rate(bc)
			if d := b - r; d > maxNullJump || -d > maxNullJump {
				out = append(out, SchemaChange{Column: rc.Name, Change: "null_rate", Ref: rc.Type, Batch: bc.Type, RefNull: r, NullRate: b,
					Message: fmt.Sprintf("column %q is %.1f%% null in the batch, %.1f%% in the reference", rc.Name, 100*b, 100*r)})
			}
		}
	}
	for _, bc := range batch.Columns {
		if ref.Column(bc.Name) == nil {
			out = append(out, SchemaChange{Column: bc.Name, Change: "new", Batch: bc.Type, Message: fmt.Sprintf("column %q is in the batch but not in the reference", bc.Name)})
		}
	}
	return out
}
