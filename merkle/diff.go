package merkle

import (
	"strconv"
	"strings"
)

// Diff is the difference between two dataset trees.
type Diff struct {
	// ParamsChanged is set when the trees were built with different
	// parameters (then most entries differ).
	ParamsChanged bool `json:"params_changed,omitempty"`
	// Added and Removed list the paths only in the new or only in the old
	// tree, in path order.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Changed lists the entries present in both whose entry hash differs,
	// in path order.
	Changed []EntryChange `json:"changed,omitempty"`
}

// Empty reports whether the trees are the same.
func (d *Diff) Empty() bool {
	return !d.ParamsChanged && len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// EntryChange is one entry present in both trees with different content.
type EntryChange struct {
	Path    string `json:"path"`
	OldSize int64  `json:"old_size"`
	NewSize int64  `json:"new_size"`
	OldRoot Hash   `json:"old_root"`
	NewRoot Hash   `json:"new_root"`
	OldPlan PlanID `json:"old_plan"`
	NewPlan PlanID `json:"new_plan"`
	// Leaves lists the leaves of the new object that are not in the old
	// one (same offset, length and hash). It is nil when either side has
	// no leaf hashes, or no leaf ranges and a Parquet plan (fixed-plan
	// ranges are derived from the parameters); LeavesKnown tells the two
	// apart.
	Leaves      []LeafChange `json:"leaves,omitempty"`
	LeavesKnown bool         `json:"leaves_known"`
	// RemovedLeaves counts leaves of the old object with no equal leaf in
	// the new one.
	RemovedLeaves int `json:"removed_leaves,omitempty"`
}

// LeafChange is a leaf of the new object whose bytes changed.
type LeafChange struct {
	Index int `json:"index"`
	Leaf
}

// DiffTrees compares two dataset trees by path.
func DiffTrees(old, new *Dataset) *Diff {
	d := &Diff{ParamsChanged: !sameParams(old.Params, new.Params)}
	i, j := 0, 0
	for i < len(old.Entries) || j < len(new.Entries) {
		switch {
		case j == len(new.Entries) || i < len(old.Entries) && old.Entries[i].Path < new.Entries[j].Path:
			d.Removed = append(d.Removed, old.Entries[i].Path)
			i++
		case i == len(old.Entries) || new.Entries[j].Path < old.Entries[i].Path:
			d.Added = append(d.Added, new.Entries[j].Path)
			j++
		default:
			a, b := &old.Entries[i], &new.Entries[j]
			if a.Hash() != b.Hash() {
				d.Changed = append(d.Changed, diffEntry(a, b, old.Params, new.Params))
			}
			i++
			j++
		}
	}
	return d
}

// leavesOf returns e's leaf ranges: e.Leaves, or for a fixed plan without
// them, the fixed plan under params; nil if unknown.
func leavesOf(e *Entry, params Params) []Leaf {
	if e.Leaves != nil || e.Plan != PlanFixed {
		return e.Leaves
	}
	p, err := FixedPlan(e.Size, params.PartSize)
	if err != nil || len(p.Leaves) != len(e.Hashes) {
		return nil
	}
	return p.Leaves
}

func diffEntry(a, b *Entry, pa, pb Params) EntryChange {
	c := EntryChange{Path: b.Path, OldSize: a.Size, NewSize: b.Size, OldRoot: a.Root, NewRoot: b.Root, OldPlan: a.Plan, NewPlan: b.Plan}
	if a.Hashes == nil || b.Hashes == nil {
		return c
	}
	la, lb := leavesOf(a, pa), leavesOf(b, pb)
	if la == nil || lb == nil {
		return c
	}
	a = &Entry{Leaves: la, Hashes: a.Hashes}
	b = &Entry{Leaves: lb, Hashes: b.Hashes}
	c.LeavesKnown = true
	type key struct {
		off, n int64
		h      Hash
	}
	olds := make(map[key]int, len(a.Leaves))
	for k, l := range a.Leaves {
		olds[key{l.Offset, l.Length, a.Hashes[k]}]++
	}
	kept := 0
	for k, l := range b.Leaves {
		kk := key{l.Offset, l.Length, b.Hashes[k]}
		if olds[kk] > 0 {
			olds[kk]--
			kept++
			continue
		}
		c.Leaves = append(c.Leaves, LeafChange{Index: k, Leaf: l})
	}
	c.RemovedLeaves = len(a.Leaves) - kept
	return c
}

func sameParams(a, b Params) bool {
	if a.PartSize != b.PartSize || len(a.Plans) != len(b.Plans) {
		return false
	}
	for i := range a.Plans {
		if a.Plans[i] != b.Plans[i] {
			return false
		}
	}
	return true
}

// String summarises the diff in one line per change, for logs and tests.
func (d *Diff) String() string {
	var sb strings.Builder
	if d.ParamsChanged {
		sb.WriteString("~ parameters\n")
	}
	for _, p := range d.Added {
		sb.WriteString("+ " + p + "\n")
	}
	for _, p := range d.Removed {
		sb.WriteString("- " + p + "\n")
	}
	for _, c := range d.Changed {
		sb.WriteString("M " + c.Path + "\n")
		for _, l := range c.Leaves {
			sb.WriteString("    leaf " + strconv.Itoa(l.Index) + ": " + l.Leaf.String() + "\n")
		}
	}
	return sb.String()
}
