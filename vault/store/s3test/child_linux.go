package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server die with the test process, however it
// ends (a timeout's panic, a kill): no server is left behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
