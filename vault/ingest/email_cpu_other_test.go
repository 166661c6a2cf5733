//go:build !unix

package ingest

import "time"

// mailCPUTime is unknown here: BenchmarkMbox then reports wall time only.
func mailCPUTime() time.Duration { return 0 }
