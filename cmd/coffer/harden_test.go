//go:build unix

package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestHarden checks, in this process, what harden promises (SECURITY.md
// T6): a core limit of 0, soft and hard, and tracing denied where the
// system can say so (traceDenied, per system).
func TestHarden(t *testing.T) {
	harden()
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur != 0 || lim.Max != 0 {
		t.Errorf("RLIMIT_CORE = %d/%d after harden, want 0/0", lim.Cur, lim.Max)
	}
	if denied, known := traceDenied(t); known && !denied {
		t.Error("tracing is still allowed after harden")
	}
}
