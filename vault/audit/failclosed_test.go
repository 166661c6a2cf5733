package audit_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// failing is a store whose logs fail every append with err once armed:
// a full disk, a failed fsync, a bucket that refuses writes. The store
// keeps nothing of a failed append (its contract), so what is tested is
// what the trail does about the failure.
type failing struct {
	store.Store
	armed *atomic.Bool
	err   error
}

func (s failing) CreateLog(name string, first []byte) (store.Log, error) {
	l, err := s.Store.CreateLog(name, first)
	if err != nil {
		return nil, err
	}
	return failingLog{l, s}, nil
}

type failingLog struct {
	store.Log
	s failing
}

func (l failingLog) Append(p []byte) error {
	if l.s.armed.Load() {
		return l.s.err
	}
	return l.Log.Append(p)
}

// TestAppendFailsClosed: when a record cannot be written Append says so
// (vault/access then shows nothing), the session refuses every later
// record (its log's state is unknown), and the trail stays whole.
func TestAppendFailsClosed(t *testing.T) {
	for _, errno := range []error{syscall.ENOSPC, syscall.EIO, syscall.EROFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			forBackends(t, func(t *testing.T, v *testVault) {
				st := failing{v, new(atomic.Bool), errno}
				k := newKeys(t)
				l := open(t, st, k)
				view := audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m1"}}
				if err := l.Append(view); err != nil {
					t.Fatal(err)
				}
				st.armed.Store(true)
				if err := l.Append(view); !errors.Is(err, errno) {
					t.Fatalf("append: %v, want %v", err, errno)
				}
				// Even once the storage is back, the session takes nothing.
				st.armed.Store(false)
				for _, ev := range []audit.Event{view, {Action: audit.ActionSearch, Query: "q", Results: 1}} {
					if err := l.Append(ev); err == nil {
						t.Errorf("%s: recorded after a failed append", ev.Action)
					}
				}
				if err := l.Close(audit.LockExit); err == nil {
					t.Error("close recorded after a failed append")
				}
				rep := mustVerify(t, v, k, nil)
				if s := rep.Sessions[0]; s.Entries != 3 || s.State != audit.StateEnded {
					t.Fatalf("session %+v, want 3 entries, ended", s)
				}
			})
		})
	}
}

// TestOpenFailsOnUnwritableFolder: no session, so nothing can be
// recorded, so vault/access shows nothing.
func TestOpenFailsOnUnwritableFolder(t *testing.T) {
	k := newKeys(t)
	t.Run("audit is a file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "audit"), nil, 0o600)
		if _, err := audit.Open(store.Dir(dir), k.recipients(), alice); err == nil {
			t.Fatal("open succeeded")
		}
	})
	t.Run("read-only folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores folder permissions; the failing store covers the failure")
		}
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "audit"), 0o500)
		defer os.Chmod(filepath.Join(dir, "audit"), 0o700)
		if _, err := audit.Open(store.Dir(dir), k.recipients(), alice); !errors.Is(err, os.ErrPermission) {
			t.Fatalf("open: %v, want permission error", err)
		}
	})
	t.Run("session event refused", func(t *testing.T) {
		// The header is written but the session event is not: Open fails
		// rather than hand out a session that records nothing.
		armed := new(atomic.Bool)
		armed.Store(true)
		if _, err := audit.Open(failing{store.Dir(t.TempDir()), armed, syscall.EROFS}, k.recipients(), alice); !errors.Is(err, syscall.EROFS) {
			t.Fatalf("open: %v, want EROFS", err)
		}
	})
}
