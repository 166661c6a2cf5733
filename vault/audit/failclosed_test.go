package audit_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"coffer/vault/audit"
)

// fullDisk is a session file that fails writes once armed, after writing
// part of the record, like a disk filling up.
type fullDisk struct {
	*os.File
	armed *bool
}

func (f fullDisk) Write(b []byte) (int, error) {
	if *f.armed {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	return f.File.Write(b)
}

// failingSync fails fsync once armed.
type failingSync struct {
	*os.File
	armed *bool
}

func (f failingSync) Sync() error {
	if *f.armed {
		return syscall.EIO
	}
	return f.File.Sync()
}

// TestAppendFailsClosed: when a record cannot be written Append says so
// (vault/access then shows nothing), and the trail stays whole.
func TestAppendFailsClosed(t *testing.T) {
	type hook func(armed *bool) func(string) (audit.File, error)
	cases := []struct {
		name  string
		hook  hook
		errno error
	}{
		{"full disk", func(armed *bool) func(string) (audit.File, error) {
			return func(name string) (audit.File, error) {
				f, err := audit.DefaultOpenFile(name)
				if err != nil {
					return nil, err
				}
				return fullDisk{f.(*os.File), armed}, nil
			}
		}, syscall.ENOSPC},
		{"fsync error", func(armed *bool) func(string) (audit.File, error) {
			return func(name string) (audit.File, error) {
				f, err := audit.DefaultOpenFile(name)
				if err != nil {
					return nil, err
				}
				return failingSync{f.(*os.File), armed}, nil
			}
		}, syscall.EIO},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			armed := false
			defer audit.SetOpenFile(c.hook(&armed))()
			dir := t.TempDir()
			k := newKeys(t)
			l := open(t, dir, k)
			view := audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m1"}}
			if err := l.Append(view); err != nil {
				t.Fatal(err)
			}
			armed = true
			for _, ev := range []audit.Event{view, {Action: audit.ActionSearch, Query: "q", Results: 1}, {Action: audit.ActionTagAdd, Tag: "t", Messages: []string{"m1"}}} {
				if err := l.Append(ev); !errors.Is(err, c.errno) {
					t.Errorf("%s: err %v, want %v", ev.Action, err, c.errno)
				}
			}
			// The trail is still whole: the partial write was taken back
			// (full disk) or the session refuses further writes (fsync).
			armed = false
			l.Close(audit.LockExit)
			if _, err := audit.Verify(dir, k.ids(), nil); err != nil {
				t.Fatalf("verify after failures: %v", err)
			}
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
		if _, err := audit.Open(dir, k.recipients(), alice); err == nil {
			t.Fatal("open succeeded")
		}
	})
	t.Run("read-only folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores folder permissions; the full-disk hook covers the failure")
		}
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "audit"), 0o500)
		defer os.Chmod(filepath.Join(dir, "audit"), 0o700)
		if _, err := audit.Open(dir, k.recipients(), alice); !errors.Is(err, os.ErrPermission) {
			t.Fatalf("open: %v, want permission error", err)
		}
	})
	t.Run("read-only after open", func(t *testing.T) {
		// A session whose file was made unwritable under it (remounted
		// read-only, revoked share): the hook stands in for EROFS.
		armed := false
		defer audit.SetOpenFile(func(name string) (audit.File, error) {
			f, err := audit.DefaultOpenFile(name)
			if err != nil {
				return nil, err
			}
			return fullDisk{f.(*os.File), &armed}, nil
		})()
		dir := t.TempDir()
		l := open(t, dir, k)
		armed = true
		if err := l.Append(audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m1"}}); err == nil {
			t.Fatal("a record on an unwritable file succeeded")
		}
	})
}
