//go:build !unix

package ingest

import "time"

// waCPUTime is unknown here; the benchmark then reports no cpu-MB/s.
func waCPUTime() time.Duration { return 0 }
