package main

import "golang.org/x/sys/unix"

// denyTrace makes the process non-dumpable: no core file even if the
// limit is raised again, and no ptrace or /proc/PID/mem by other processes
// of the same user (only root, with CAP_SYS_PTRACE, still can).
func denyTrace() {
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
