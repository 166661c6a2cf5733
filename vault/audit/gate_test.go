package audit_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"coffer/vault/audit"
)

// message stands for *message: the gate does not look inside.
type message struct{ ID, Body string }

type store map[string]*message

func (s store) Message(id string) (*message, bool) { m, ok := s[id]; return m, ok }

var msgs = store{
	"m1": {ID: "m1", Body: "first"},
	"m2": {ID: "m2", Body: "second"},
}

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

func TestGateRecordsBeforeShowing(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	l := open(t, dir, k)
	g := audit.NewGate[*message](l, msgs)
	ms, err := g.ViewConversation("c1", []string{"m1", "m2"})
	if err != nil || len(ms) != 2 || ms[1].Body != "second" {
		t.Fatalf("view: %v %v", ms, err)
	}
	m, err := g.ViewMessage("m2")
	if err != nil || m.Body != "second" {
		t.Fatalf("view message: %v %v", m, err)
	}
	if _, err := g.ViewMessages([]string{"m1", "nope"}); err == nil {
		t.Fatal("view of an unknown id succeeded")
	}
	hits, err := g.Search("secret words", func(string) ([]string, error) { return []string{"m1"}, nil })
	if err != nil || len(hits) != 1 {
		t.Fatalf("search: %v %v", hits, err)
	}
	applied := false
	if err := g.AddTag("hot", []string{"m1"}, func() error { applied = true; return nil }); err != nil || !applied {
		t.Fatalf("tag: %v applied=%v", err, applied)
	}
	l.Close(audit.LockManual)
	evs, err := audit.Read(dir, k.ids(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, string(e.Action))
	}
	want := "session view-conversation view-message search tag-add lock"
	if s := join(got); s != want {
		t.Fatalf("recorded %q, want %q", s, want)
	}
	if evs[3].Query != "secret words" || evs[3].Results != 1 {
		t.Fatalf("search event %+v", evs[3])
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestGateFailsClosed: when the record cannot be written, nothing is
// returned, tags are not applied, and the error says why.
func TestGateFailsClosed(t *testing.T) {
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
			g := audit.NewGate[*message](l, msgs)
			if _, err := g.ViewMessage("m1"); err != nil {
				t.Fatal(err)
			}
			armed = true
			checks := map[string]func() (any, error){
				"view message":      func() (any, error) { return g.ViewMessage("m1") },
				"view messages":     func() (any, error) { return g.ViewMessages([]string{"m1"}) },
				"view conversation": func() (any, error) { return g.ViewConversation("c", []string{"m1", "m2"}) },
				"search": func() (any, error) {
					return g.Search("q", func(string) ([]string, error) { return []string{"m1"}, nil })
				},
			}
			for name, f := range checks {
				v, err := f()
				if !errors.Is(err, audit.ErrNotRecorded) || !errors.Is(err, c.errno) {
					t.Errorf("%s: err %v, want ErrNotRecorded wrapping %v", name, err, c.errno)
				}
				switch v := v.(type) {
				case *message:
					if v != nil {
						t.Errorf("%s returned a message", name)
					}
				case []*message:
					if v != nil {
						t.Errorf("%s returned messages", name)
					}
				case []string:
					if v != nil {
						t.Errorf("%s returned hits", name)
					}
				}
			}
			applied := false
			if err := g.AddTag("t", []string{"m1"}, func() error { applied = true; return nil }); err == nil || applied {
				t.Errorf("tag: err %v applied %v", err, applied)
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

// TestOpenFailsOnUnwritableFolder: no session, so no gate, so nothing is
// shown.
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
		if m, err := audit.NewGate[*message](l, msgs).ViewMessage("m1"); m != nil || err == nil {
			t.Fatal("view shown without a record")
		}
	})
}
