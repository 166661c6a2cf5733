//go:build unix

package main

import "golang.org/x/sys/unix"

// harden turns off core dumps and stops other processes of the same user
// from attaching a debugger, so that decrypted messages in memory never
// land in a core file and cannot be read out of the running process.
// RLIMIT_CORE exists on every Unix; the debugger denial is per system
// (denyTrace in harden_<os>.go). A failure is ignored: neither call can
// fail for an unprivileged process lowering its own limits, and refusing
// to run would help no one.
func harden() {
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	denyTrace()
}
