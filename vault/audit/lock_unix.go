//go:build unix

package audit

import "syscall"

// A session holds an exclusive flock on its file for as long as it runs:
// the kernel drops it when the process dies, however it dies, which is how
// the next session tells a live session from one that ended without
// closing. On network folders whose flock is not shared between hosts,
// a live session on another host looks ended (FORMAT.md, "Sessions").

func lockFile(fd uintptr) error {
	return syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
}

// isLocked reports whether another open file description holds a lock.
func isLocked(fd uintptr) bool {
	err := syscall.Flock(int(fd), syscall.LOCK_SH|syscall.LOCK_NB)
	if err != nil {
		return err == syscall.EWOULDBLOCK
	}
	syscall.Flock(int(fd), syscall.LOCK_UN)
	return false
}
