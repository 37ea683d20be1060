package merkle

// SetMapMinSize sets the size from which Build hashes objects through
// their mapping, and returns a function that restores it.
func SetMapMinSize(n int64) (restore func()) {
	old := mapMinSize
	mapMinSize = n
	return func() { mapMinSize = old }
}
