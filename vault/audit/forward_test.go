package audit

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"coffer/vault/store"

	"filippo.io/age"
)

// TestForwardSecurity plays the attacker who takes the machine while a
// session runs: they get everything in the Log's memory (the next record's
// key and the chain) and write access to the file. They can append (the
// documented limit), but cannot rewrite any record already written.
func TestForwardSecurity(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	st := store.Dir(dir)
	l, err := Open(st, []age.Recipient{id.Recipient()}, Actor{Member: "m"})
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := l.Append(Event{Action: ActionSearch, Query: "q"}); err != nil {
			t.Fatal(err)
		}
	}
	stolenKey, stolenChain, n := l.k, l.chain, l.n
	l.abandon()
	path := filepath.Join(dir, l.name)
	var zero key
	if l.k != zero {
		t.Fatal("key not erased at close")
	}
	ids := []age.Identity{id}

	// Rewrite the last record (index n-1) with the only key at hand.
	b, _ := os.ReadFile(path)
	recs := records(t, b)
	last := recs[len(recs)-1]
	forged := Event{Action: ActionSearch, Query: "innocent"}
	plain, _ := encodeEvent(&forged)
	k := stolenKey
	payload := sealEntry(&k, l.session, kindEntry, n-1, plain)
	var tag [tagSize]byte
	rand.Read(tag[:]) // no key of record n-1, so no way to compute its tag
	b2 := appendRecord(bytes.Clone(b[:last]), kindEntry, n-1, payload, &tag)
	os.WriteFile(path, b2, 0o600)
	var te *TamperError
	if _, err := Verify(st, ids, nil); !errors.As(err, &te) || te.Entry != int64(n-1) {
		t.Fatalf("rewritten record: %v", err)
	}

	// Appending with the stolen state verifies: forward security protects
	// the past, not what comes after the compromise.
	os.WriteFile(path, b, 0o600)
	l2 := &Log{st: st, session: l.session, name: l.name, k: stolenKey, chain: stolenChain, n: n}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	l2.f = fileLog{f}
	if err := l2.Append(Event{Action: ActionSearch, Query: "after"}); err != nil {
		t.Fatal(err)
	}
	l2.Close(LockExit)
	if _, err := Verify(st, ids, nil); err != nil {
		t.Fatalf("append after compromise: %v", err)
	}
}

// fileLog appends to a session file the attacker opened themselves.
type fileLog struct{ *os.File }

func (f fileLog) Append(p []byte) error { _, err := f.Write(p); return err }

// records returns the offsets of the records of a session file.
func records(t *testing.T, b []byte) []int {
	t.Helper()
	rd := newReader(bytesReader(b))
	if err := rd.readMagic(); err != nil {
		t.Fatal(err)
	}
	var offs []int
	for {
		rec, err := rd.next()
		if err != nil {
			return offs
		}
		offs = append(offs, int(rec.offset))
	}
}
