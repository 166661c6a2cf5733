//go:build unix

package ingest

import (
	"syscall"
	"time"
)

// mailCPUTime is the CPU time (user and system) the process has used, so
// BenchmarkMbox can report throughput per CPU-second: on the shared
// machine, wall time mostly measures the neighbours.
func mailCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
