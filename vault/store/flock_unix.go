//go:build unix

package store

import "golang.org/x/sys/unix"

// tryLock takes an exclusive (or shared) flock without waiting; held is
// false when another open file description holds a conflicting one.
func tryLock(fd uintptr, exclusive bool) (held bool, err error) {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	err = unix.Flock(int(fd), how|unix.LOCK_NB)
	if err == unix.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(fd uintptr) { unix.Flock(int(fd), unix.LOCK_UN) }

// isLocked reports whether another open file description holds a lock.
func isLocked(fd uintptr) bool {
	held, err := tryLock(fd, false)
	if err != nil || !held {
		return err == nil
	}
	unlockFile(fd)
	return false
}
