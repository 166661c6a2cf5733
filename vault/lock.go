package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// LockFile serialises writers (imports, member changes) within the vault
// folder. Readers need no lock: every file they read is written once,
// atomically.
const LockFile = "lock"

// lockWait is how long a writer waits for another to finish.
var lockWait = 30 * time.Second

type writeLock struct{ f *os.File }

func lockVault(dir string) (*writeLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			// Temporary files only a crashed writer can have left: the
			// lock holder is the only writer.
			removeTemps(dir)
			return &writeLock{f}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, ErrLocked
			}
			return nil, fmt.Errorf("vault: lock: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *writeLock) unlock() {
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
}
