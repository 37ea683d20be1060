package local

import (
	"os"
	"syscall"
)

var pageSize = int64(os.Getpagesize())

// drop removes the pages that hold b[off:off+n] from the process's page
// tables (MADV_DONTNEED on a shared file mapping leaves the page cache as
// it is; a later read maps the same pages again). The range is widened to
// whole pages.
func drop(b []byte, off, n int64) {
	end := min(off+n, int64(len(b)))
	off = max(off, 0)
	if off >= end {
		return
	}
	start := off &^ (pageSize - 1)
	end = min((end+pageSize-1)&^(pageSize-1), int64(len(b)))
	_ = syscall.Madvise(b[start:end], syscall.MADV_DONTNEED)
}
