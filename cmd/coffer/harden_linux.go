package main

import (
	"golang.org/x/sys/unix"
)

// harden turns off core dumps and makes the process non-dumpable, so that
// decrypted messages in memory never land in a core file and other
// processes of the same user cannot ptrace or read /proc/PID/mem. A
// failure is ignored: neither call can fail for an unprivileged process
// lowering its own limits, and refusing to run would help no one.
func harden() {
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
