package audit

import (
	"os"
	"path/filepath"
	"testing"

	"coffer/vault/store"

	"filippo.io/age"
)

// TestScanTrustsUnchangedFiles: a new session takes the head of a closed
// file of unchanged length from the header that recorded it, without
// reading the file. The proof: a byte flipped in place (same length) in
// the old file's last tag would change the head a full read finds, yet the
// new session does not list the file. Verify still catches the flip.
func TestScanTrustsUnchangedFiles(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	rcpt := []age.Recipient{id.Recipient()}
	dir := t.TempDir()
	st := store.Dir(dir)
	session := func() *Log {
		l, err := Open(st, rcpt, Actor{Member: "m"})
		if err != nil {
			t.Fatal(err)
		}
		l.Close(LockExit)
		return l
	}
	a := session()
	b := session()
	seenBy := func(l *Log) map[string]bool {
		h, err := scanHeader(st, l.name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, s := range h.seen {
			m[s.session] = true
		}
		return m
	}
	if !seenBy(b)[a.session] {
		t.Fatal("b did not record a")
	}
	aPath := filepath.Join(dir, a.name)
	buf, _ := os.ReadFile(aPath)
	buf[len(buf)-1] ^= 1
	os.WriteFile(aPath, buf, 0o600)
	c := session()
	if got := seenBy(c); got[a.session] || !got[b.session] {
		t.Fatalf("c recorded %v; want only b (a is vouched for by b)", got)
	}
	if _, err := Verify(st, []age.Identity{id}, nil); err == nil {
		t.Fatal("flipped tag not caught")
	}
	// A file that grew is read again.
	os.WriteFile(aPath, append(buf, 0, 0), 0o600)
	if got := seenBy(session()); !got[a.session] {
		t.Fatal("a changed length and was not re-read")
	}
}
