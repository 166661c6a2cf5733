//go:build !unix

package audit

// Without flock every unclosed session looks ended: a live session on
// such a system is reported as a crash by the next one.

func lockFile(fd uintptr) error { return nil }

func isLocked(fd uintptr) bool { return false }
