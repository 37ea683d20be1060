//go:build !linux

package local

// drop does nothing where MADV_DONTNEED is not known to drop a shared
// file mapping's pages without touching the file.
func drop(b []byte, off, n int64) {}
