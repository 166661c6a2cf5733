//go:build unix && !linux && !freebsd

package main

import "testing"

// traceDenied cannot be checked here: macOS offers no query for
// PT_DENY_ATTACH, and other systems get no denial (harden_other.go).
func traceDenied(*testing.T) (denied, known bool) { return false, false }
