//go:build unix

package classify

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system, all threads) used by the
// process so far, so benchmarks can report per-CPU-second throughput on a
// shared machine where wall-clock time includes waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
