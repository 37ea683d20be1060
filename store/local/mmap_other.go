//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package local

import (
	"errors"
	"os"
)

func mmap(f *os.File, size int64) ([]byte, error) { return nil, errors.ErrUnsupported }
func munmap(b []byte) error                       { return nil }
