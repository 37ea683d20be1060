//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package local

import (
	"fmt"
	"math"
	"os"
	"syscall"
)

// mmap maps the first size bytes of f read-only and shared: the pages
// are the page cache's own, so mapping copies nothing.
func mmap(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return []byte{}, nil
	}
	if size > math.MaxInt {
		return nil, fmt.Errorf("%d bytes do not fit the address space", size)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var b []byte
	var merr error
	if err := rc.Control(func(fd uintptr) {
		b, merr = syscall.Mmap(int(fd), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil {
		return nil, err
	}
	if merr != nil {
		return nil, fmt.Errorf("mmap: %w", merr)
	}
	return b, nil
}

func munmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := syscall.Munmap(b); err != nil {
		return fmt.Errorf("munmap: %w", err)
	}
	return nil
}
