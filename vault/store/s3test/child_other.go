//go:build !linux

package s3test

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent's; the
// test's cleanup stops the server elsewhere.
func dieWithParent(cmd *exec.Cmd) {}
