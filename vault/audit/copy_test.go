package audit_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// TestCopyLogs: a trail copied from a folder to a bucket and back holds
// the same bytes and verifies; a torn final record is left behind, as
// readers leave it; a log whose framing is broken is refused, naming it.
func TestCopyLogs(t *testing.T) {
	s3v := newS3Vault(t)
	if s3v == nil {
		return
	}
	k := newKeys(t)
	dir := t.TempDir()
	src := store.Dir(dir)
	for range 3 {
		l := open(t, src, k)
		appendN(t, l, 5)
		l.Close(audit.LockExit)
	}
	last := open(t, src, k) // ends with a torn record
	appendN(t, last, 2)
	last.Close(audit.LockExit)
	whole := readFile(t, file(dir, last))
	f, err := os.OpenFile(file(dir, last), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 1}) // a length cut short
	f.Close()

	n, err := audit.CopyLogs(src, s3v)
	if err != nil || n != 4 {
		t.Fatalf("copied %d, %v", n, err)
	}
	back := store.Dir(t.TempDir())
	if n, err := audit.CopyLogs(s3v, back); err != nil || n != 4 {
		t.Fatalf("copied back %d, %v", n, err)
	}
	for _, st := range []store.Store{s3v, back} {
		r, err := st.OpenLog(last.Name())
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, whole) {
			t.Fatalf("%s: %d bytes of the torn log, want the %d before the tear", st, len(got), len(whole))
		}
		rep := mustVerify(t, st, k, nil)
		if len(rep.Sessions) != 4 {
			t.Fatalf("%s: %d sessions", st, len(rep.Sessions))
		}
	}

	// Broken framing: a record length no writer makes.
	bad := store.Dir(t.TempDir())
	l := open(t, bad, k)
	l.Close(audit.LockExit)
	raw := readFile(t, file(bad.String(), l))
	raw[16] = 0xff // the header's length
	if err := os.WriteFile(file(bad.String(), l), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.CopyLogs(bad, store.Dir(t.TempDir())); err == nil || !bytes.Contains([]byte(err.Error()), []byte(l.Name())) {
		t.Fatalf("copy of a broken log: %v, want an error naming %s", err, l.Name())
	}
}
