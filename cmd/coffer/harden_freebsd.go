package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(2) arguments from <sys/procctl.h> and <sys/wait.h>; x/sys/unix
// has the system call number but no wrapper.
const (
	pPID                = 0 // P_PID
	procTraceCtl        = 7 // PROC_TRACE_CTL
	procTraceCtlDisable = 2 // PROC_TRACE_CTL_DISABLE
)

// denyTrace disables tracing of the process, FreeBSD's counterpart of
// Linux's non-dumpable flag: ptrace, ktrace and procfs access by other
// processes are refused, and no core file is written.
func denyTrace() {
	arg := int32(procTraceCtlDisable)
	unix.Syscall6(unix.SYS_PROCCTL, pPID, uintptr(os.Getpid()), procTraceCtl, uintptr(unsafe.Pointer(&arg)), 0, 0)
}
