package sketch

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strings"
)

// Item is one tracked item and its (lower-bound) count.
type Item struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// Frequent is a Misra-Gries frequent-items summary of string keys with
// capacity C. It tracks up to 2C keys; when a 2C+1-th would enter, the
// (C+1)-th largest count is subtracted from every count and keys at zero or
// below are dropped ("purge"), leaving at most C. Counts are lower bounds:
// true count - Offset <= Count <= true count, and Offset <= N/(C+1).
// While Offset is 0 every count is exact and every key is present.
//
// Purges depend only on the multiset of counts, never on map order, so the
// same history gives the same summary. Merge adds counts and offsets, then
// purges if more than 2C keys remain: exact (equal to the summary of the
// concatenation) whenever neither input nor the union needed a purge.
type Frequent struct {
	C      int              `json:"capacity"`
	N      int64            `json:"n"`
	Offset int64            `json:"offset"`
	Counts map[string]int64 `json:"-"`
}

// NewFrequent returns an empty summary with capacity c.
func NewFrequent(c int) *Frequent {
	return &Frequent{C: max(c, 1), Counts: make(map[string]int64)}
}

// Add counts key w times.
func (f *Frequent) Add(key string, w int64) {
	f.N += w
	if c, ok := f.Counts[key]; ok {
		f.Counts[key] = c + w
		return
	}
	f.Counts[strings.Clone(key)] = w // key may point into an Arrow buffer
	if len(f.Counts) > 2*f.C {
		f.purge()
	}
}

func (f *Frequent) purge() {
	cs := make([]int64, 0, len(f.Counts))
	for _, c := range f.Counts {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b int64) int { return cmp.Compare(b, a) })
	t := cs[f.C] // the (C+1)-th largest
	for k, c := range f.Counts {
		if c <= t {
			delete(f.Counts, k)
		} else {
			f.Counts[k] = c - t
		}
	}
	f.Offset += t
}

// Merge adds o into f. Capacities must match.
func (f *Frequent) Merge(o *Frequent) error {
	if o == nil {
		return nil
	}
	if o.C != f.C {
		return errors.New("sketch: merging frequent-item summaries of different capacity")
	}
	f.N += o.N
	f.Offset += o.Offset
	for k, c := range o.Counts {
		f.Counts[k] += c
	}
	if len(f.Counts) > 2*f.C {
		f.purge()
	}
	return nil
}

// Exact reports whether every count is exact.
func (f *Frequent) Exact() bool { return f.Offset == 0 }

// Items returns the tracked items by count descending, then key ascending.
func (f *Frequent) Items() []Item {
	it := make([]Item, 0, len(f.Counts))
	for k, c := range f.Counts {
		it = append(it, Item{k, c})
	}
	slices.SortFunc(it, func(a, b Item) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return it
}

// Count returns the lower-bound count of key (0 if untracked).
func (f *Frequent) Count(key string) int64 { return f.Counts[key] }

type frequentJSON struct {
	C      int    `json:"capacity"`
	N      int64  `json:"n"`
	Offset int64  `json:"offset"`
	Items  []Item `json:"items"`
}

// MarshalJSON writes the items sorted (count descending, key ascending).
func (f *Frequent) MarshalJSON() ([]byte, error) {
	return jsonMarshal(frequentJSON{f.C, f.N, f.Offset, f.Items()})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *Frequent) UnmarshalJSON(b []byte) error {
	var j frequentJSON
	if err := jsonUnmarshal(b, &j); err != nil {
		return err
	}
	if j.C < 1 || len(j.Items) > 2*j.C || j.N < 0 || j.Offset < 0 {
		return errors.New("sketch: invalid frequent-items summary")
	}
	f.C, f.N, f.Offset = j.C, j.N, j.Offset
	f.Counts = make(map[string]int64, len(j.Items))
	for _, it := range j.Items {
		f.Counts[it.Key] = it.Count
	}
	return nil
}

// ValueCount is one distinct value and how many times it occurred.
type ValueCount struct {
	Value float64 `json:"v"`
	Count int64   `json:"n"`
}

// ExactCounts counts the distinct values of a numeric column exactly while
// there are at most Cap of them; past that it gives up (Overflow) and holds
// nothing. It makes KS, Wasserstein and PSI exact on integer-coded or
// low-cardinality columns. -0 is counted as +0; NaN must not be added.
// Merge is exact.
type ExactCounts struct {
	Cap      int               `json:"cap"`
	Overflow bool              `json:"overflow"`
	Counts   map[float64]int64 `json:"-"`
}

// NewExactCounts returns an empty counter with the given cap.
func NewExactCounts(capacity int) *ExactCounts {
	return &ExactCounts{Cap: capacity, Counts: make(map[float64]int64), Overflow: capacity <= 0}
}

// Add counts v once.
func (e *ExactCounts) Add(v float64) {
	if e.Overflow {
		return
	}
	if v == 0 {
		v = 0 // -0 -> +0
	}
	if _, ok := e.Counts[v]; !ok && len(e.Counts) >= e.Cap {
		e.Overflow = true
		e.Counts = nil
		return
	}
	e.Counts[v]++
}

// Merge adds o into e.
func (e *ExactCounts) Merge(o *ExactCounts) {
	if o == nil {
		return
	}
	if o.Overflow {
		e.Overflow, e.Counts = true, nil
	}
	if e.Overflow {
		return
	}
	for v, c := range o.Counts {
		e.Counts[v] += c
	}
	if len(e.Counts) > e.Cap {
		e.Overflow, e.Counts = true, nil
	}
}

// Sorted returns the values in ascending order with their counts.
func (e *ExactCounts) Sorted() []ValueCount {
	out := make([]ValueCount, 0, len(e.Counts))
	for v, c := range e.Counts {
		out = append(out, ValueCount{v, c})
	}
	slices.SortFunc(out, func(a, b ValueCount) int { return cmp.Compare(a.Value, b.Value) })
	return out
}

type exactJSON struct {
	Cap      int          `json:"cap"`
	Overflow bool         `json:"overflow"`
	Values   []ValueCount `json:"values,omitempty"`
}

// MarshalJSON writes the values in ascending order.
func (e *ExactCounts) MarshalJSON() ([]byte, error) {
	return jsonMarshal(exactJSON{e.Cap, e.Overflow, e.Sorted()})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *ExactCounts) UnmarshalJSON(b []byte) error {
	var j exactJSON
	if err := jsonUnmarshal(b, &j); err != nil {
		return err
	}
	if len(j.Values) > j.Cap || (j.Overflow && len(j.Values) > 0) {
		return errors.New("sketch: invalid exact counts")
	}
	e.Cap, e.Overflow = j.Cap, j.Overflow
	if !e.Overflow {
		e.Counts = make(map[float64]int64, len(j.Values))
		for _, vc := range j.Values {
			if math.IsNaN(vc.Value) {
				return errors.New("sketch: NaN in exact counts")
			}
			e.Counts[vc.Value] = vc.Count
		}
	}
	return nil
}
