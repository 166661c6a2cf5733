package main

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

const procTraceStatus = 8 // PROC_TRACE_STATUS: -1 when tracing is disabled

func traceDenied(t *testing.T) (denied, known bool) {
	var status int32
	if _, _, errno := unix.Syscall6(unix.SYS_PROCCTL, pPID, uintptr(os.Getpid()), procTraceStatus, uintptr(unsafe.Pointer(&status)), 0, 0); errno != 0 {
		t.Fatal(errno)
	}
	return status == -1, true
}
