package main

import "golang.org/x/sys/unix"

// denyTrace sets PT_DENY_ATTACH: from then on the kernel refuses to let a
// debugger (lldb, DTrace) attach to the process and read its memory.
// macOS has no non-dumpable flag; core files are off through the limit
// (harden).
func denyTrace() {
	unix.PtraceDenyAttach()
}
