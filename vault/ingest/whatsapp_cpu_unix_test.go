//go:build unix

package ingest

import (
	"syscall"
	"time"
)

// waCPUTime returns the CPU time the process has used (user and system),
// so a benchmark on a shared machine can report throughput per CPU second
// rather than per wall-clock second.
func waCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
