package sketch

import (
	"cmp"
	"container/heap"
	"encoding/json"
	"errors"
	"slices"
)

func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// MinHash computes K-permutation MinHash signatures of sets of 64-bit
// hashes, with permutations h -> a_i*h + b_i (mod 2^64, a_i odd) drawn from
// a seed. The top 32 bits of each minimum are kept. The fraction of equal
// positions of two signatures estimates the Jaccard similarity of the sets
// (standard error about sqrt(J(1-J)/K)).
type MinHash struct {
	a, b []uint64
}

// NewMinHash returns a MinHash with k permutations seeded by seed.
func NewMinHash(k int, seed uint64) *MinHash {
	m := &MinHash{a: make([]uint64, k), b: make([]uint64, k)}
	s := seed
	for i := range k {
		s = SplitMix64(s)
		m.a[i] = s | 1
		s = SplitMix64(s)
		m.b[i] = s
	}
	return m
}

// Len is the signature length.
func (m *MinHash) Len() int { return len(m.a) }

// Signature returns the signature of a set given by its hashes (duplicates
// do not matter). An empty set gives all-0xffffffff.
func (m *MinHash) Signature(hashes []uint64) []uint32 {
	mins := make([]uint64, len(m.a))
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	for _, h := range hashes {
		for i := range mins {
			if v := m.a[i]*h + m.b[i]; v < mins[i] {
				mins[i] = v
			}
		}
	}
	sig := make([]uint32, len(mins))
	for i, v := range mins {
		sig[i] = uint32(v >> 32)
	}
	return sig
}

// Jaccard estimates the Jaccard similarity of two signatures.
func Jaccard(a, b []uint32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// Keyed is an element of a BottomK sample: a priority (a seeded hash of
// the element's identity), a tie-break key, and a payload.
type Keyed[T any] struct {
	Priority uint64 `json:"priority"`
	Key      string `json:"key"`
	Value    T      `json:"value"`
}

func lessKeyed[T any](a, b Keyed[T]) int {
	if c := cmp.Compare(a.Priority, b.Priority); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}

// BottomK keeps the K elements with the smallest (Priority, Key): a
// uniform random sample without replacement when priorities are seeded
// hashes of element identities. Merge is exact: the bottom K of a union is
// the bottom K of the two bottom-K sets, whatever the order.
type BottomK[T any] struct {
	K     int
	items bkHeap[T] // max-heap
}

// NewBottomK returns an empty sample of size k.
func NewBottomK[T any](k int) *BottomK[T] { return &BottomK[T]{K: k} }

// Admits reports whether an element with this priority and key would enter
// the sample, so callers can skip building payloads for the rest.
func (s *BottomK[T]) Admits(priority uint64, key string) bool {
	if s.K <= 0 {
		return false
	}
	if len(s.items) < s.K {
		return true
	}
	return lessKeyed(Keyed[T]{Priority: priority, Key: key}, s.items[0]) < 0
}

// Offer adds an element if it belongs in the sample.
func (s *BottomK[T]) Offer(e Keyed[T]) {
	if !s.Admits(e.Priority, e.Key) {
		return
	}
	for _, x := range s.items {
		if x.Priority == e.Priority && x.Key == e.Key {
			return // already present
		}
	}
	if len(s.items) < s.K {
		heap.Push(&s.items, e)
		return
	}
	s.items[0] = e
	heap.Fix(&s.items, 0)
}

// Merge offers every element of o.
func (s *BottomK[T]) Merge(o *BottomK[T]) error {
	if o == nil {
		return nil
	}
	if o.K != s.K {
		return errors.New("sketch: merging samples of different size")
	}
	for _, e := range o.items {
		s.Offer(e)
	}
	return nil
}

// Items returns the sample in ascending (Priority, Key) order.
func (s *BottomK[T]) Items() []Keyed[T] {
	out := slices.Clone([]Keyed[T](s.items))
	slices.SortFunc(out, lessKeyed[T])
	return out
}

// Len is the number of elements held.
func (s *BottomK[T]) Len() int { return len(s.items) }

type bottomKJSON[T any] struct {
	K     int        `json:"k"`
	Items []Keyed[T] `json:"items"`
}

// MarshalJSON writes the items in ascending (Priority, Key) order.
func (s *BottomK[T]) MarshalJSON() ([]byte, error) {
	return json.Marshal(bottomKJSON[T]{s.K, s.Items()})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *BottomK[T]) UnmarshalJSON(b []byte) error {
	var j bottomKJSON[T]
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.K < 0 || len(j.Items) > j.K {
		return errors.New("sketch: invalid bottom-k sample")
	}
	s.K = j.K
	s.items = nil
	for _, e := range j.Items {
		s.Offer(e)
	}
	return nil
}

type bkHeap[T any] []Keyed[T]

func (h bkHeap[T]) Len() int           { return len(h) }
func (h bkHeap[T]) Less(i, j int) bool { return lessKeyed(h[i], h[j]) > 0 }
func (h bkHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *bkHeap[T]) Push(x any)        { *h = append(*h, x.(Keyed[T])) }
func (h *bkHeap[T]) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
