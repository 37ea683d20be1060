package merkle

import "fmt"

// PoisonLeafBufs makes freed leaf buffers be overwritten, so that a read
// from a released buffer shows up as wrong bytes, and returns a function
// that restores the previous setting.
func PoisonLeafBufs() (restore func()) {
	old := poisonLeafBufs.Swap(true)
	return func() { poisonLeafBufs.Store(old) }
}

// WaitReadAhead waits until the read-ahead goroutines v started have
// finished. No ReadAt may run concurrently.
func (v *VerifiedReader) WaitReadAhead() { v.prefetching.Wait() }

// CheckCache checks the cache's invariants of a reader at rest (no ReadAt
// running, read-ahead finished): nothing in flight, the byte count right
// and within the budget, and each cached buffer referenced by the cache
// alone.
func (v *VerifiedReader) CheckCache() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.inflight) != 0 {
		return fmt.Errorf("%d fetches in flight", len(v.inflight))
	}
	if v.lru.Len() != len(v.cache) {
		return fmt.Errorf("lru has %d leaves, map %d", v.lru.Len(), len(v.cache))
	}
	var used, ahead int64
	for el := v.lru.Front(); el != nil; el = el.Next() {
		cl := el.Value.(*cachedLeaf)
		if v.cache[cl.i] != el {
			return fmt.Errorf("leaf %d: map and lru disagree", cl.i)
		}
		if n := cl.buf.refs.Load(); n != 1 {
			return fmt.Errorf("leaf %d: %d references at rest, want 1 (the cache's)", cl.i, n)
		}
		if int64(len(cl.buf.data)) != v.leaves[cl.i].Length {
			return fmt.Errorf("leaf %d: buffer of %d bytes, leaf has %d", cl.i, len(cl.buf.data), v.leaves[cl.i].Length)
		}
		used += int64(len(cl.buf.data))
		if cl.ahead {
			ahead += int64(len(cl.buf.data))
		}
	}
	if used != v.used || used > v.capacity {
		return fmt.Errorf("cache holds %d bytes, counts %d, capacity %d", used, v.used, v.capacity)
	}
	if ahead != v.ahead || 2*ahead > v.capacity {
		return fmt.Errorf("cache holds %d bytes read ahead, counts %d, capacity %d", ahead, v.ahead, v.capacity)
	}
	return nil
}

// CachedLeaves returns the indexes of the cached leaves, most recent first.
func (v *VerifiedReader) CachedLeaves() []int {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []int
	for el := v.lru.Front(); el != nil; el = el.Next() {
		out = append(out, el.Value.(*cachedLeaf).i)
	}
	return out
}
