package vault

import (
	"errors"
	"fmt"
	"time"

	"coffer/vault/store"
)

// LockFile serialises writers (imports, member changes) within a vault
// folder. Readers need no lock: every file they read is written once,
// atomically. Object storage has no lock: writers there race for each
// manifest record with a conditional write (store.ErrConflict) instead.
const LockFile = "lock"

// lockWait is how long a writer waits for another to finish.
var lockWait = 30 * time.Second

type writeLock struct{ release func() }

func lockVault(st store.Store) (*writeLock, error) {
	release, err := st.Lock(lockWait)
	if errors.Is(err, store.ErrLocked) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	if !st.Shared() {
		// Temporary files only a crashed writer can have left: the lock
		// holder is the only writer.
		removeTemps(st, "")
	}
	return &writeLock{release}, nil
}

func (l *writeLock) unlock() { l.release() }

// removeTemps deletes leftovers of interrupted writes in folder.
func removeTemps(st store.Store, folder string) {
	ents, _ := st.List(folder)
	for _, e := range ents {
		if e.Temp {
			st.Remove(pathJoin(folder, e.Name))
		}
	}
}

func pathJoin(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

func errorsIsConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
