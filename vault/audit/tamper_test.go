package audit_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffer/vault/audit"
)

// trail writes one closed session of 1+1+8+1 records (header, session
// event, 8 searches, close) and returns its path.
func trail(t *testing.T, dir string, k keys) string {
	t.Helper()
	l := open(t, dir, k)
	appendN(t, l, 8)
	if err := l.Close(audit.LockExit); err != nil {
		t.Fatal(err)
	}
	return l.Path()
}

func records(t *testing.T, b []byte) []audit.FileRecord {
	t.Helper()
	rs, err := audit.Records(b)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func recBytes(b []byte, r audit.FileRecord) []byte { return b[r.Offset : r.Offset+int64(r.Len)] }

func splice(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func wantTamper(t *testing.T, err error, file string, entry int64, reason audit.Reason) {
	t.Helper()
	var te *audit.TamperError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TamperError", err)
	}
	if filepath.Base(te.File) != filepath.Base(file) || te.Entry != entry || te.Reason != reason {
		t.Fatalf("got %v; want %s entry %d %q", err, filepath.Base(file), entry, reason)
	}
}

func TestTamperInFile(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(b []byte, rs []audit.FileRecord) []byte
		entry  int64
		reason audit.Reason
	}{
		{"edit ciphertext", func(b []byte, rs []audit.FileRecord) []byte {
			b[rs[3].Offset+20] ^= 1
			return b
		}, 3, audit.ReasonEdited},
		{"header session id", func(b []byte, rs []audit.FileRecord) []byte {
			b[rs[0].Offset+20] ^= 1
			return b
		}, 0, audit.ReasonReplaced},
		{"edit kind", func(b []byte, rs []audit.FileRecord) []byte {
			b[rs[5].Offset+4] = 'C'
			return b
		}, 5, audit.ReasonEdited},
		{"bad MAC", func(b []byte, rs []audit.FileRecord) []byte {
			b[rs[3].Offset+int64(rs[3].Len)-1] ^= 1
			return b
		}, 3, audit.ReasonBadMAC},
		{"delete", func(b []byte, rs []audit.FileRecord) []byte {
			return splice(b[:rs[3].Offset], b[rs[4].Offset:])
		}, 3, audit.ReasonMissing},
		{"reorder", func(b []byte, rs []audit.FileRecord) []byte {
			return splice(b[:rs[3].Offset], recBytes(b, rs[4]), recBytes(b, rs[3]), b[rs[5].Offset:])
		}, 3, audit.ReasonReordered},
		{"duplicate", func(b []byte, rs []audit.FileRecord) []byte {
			return splice(b[:rs[4].Offset], recBytes(b, rs[2]), b[rs[4].Offset:])
		}, 4, audit.ReasonReordered},
		{"insert", func(b []byte, rs []audit.FileRecord) []byte {
			// A record of the right index and size, but not the session's.
			fake := bytes.Clone(recBytes(b, rs[3]))
			rand.Read(fake[13:])
			return splice(b[:rs[3].Offset], fake, b[rs[3].Offset:])
		}, 3, audit.ReasonInserted},
		{"second header", func(b []byte, rs []audit.FileRecord) []byte {
			return splice(b[:rs[3].Offset], recBytes(b, rs[0]), b[rs[3].Offset:])
		}, 3, audit.ReasonInserted},
		{"after close", func(b []byte, rs []audit.FileRecord) []byte {
			return append(b, recBytes(b, rs[3])...)
		}, 11, audit.ReasonAfterClose},
		{"garbage length", func(b []byte, rs []audit.FileRecord) []byte {
			b[rs[6].Offset] = 0xff
			return b
		}, 6, audit.ReasonMalformed},
		{"not a trail", func(b []byte, rs []audit.FileRecord) []byte {
			return []byte("hello")
		}, 0, audit.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			k := newKeys(t)
			p := trail(t, dir, k)
			b := readFile(t, p)
			rs := records(t, b)
			if len(rs) != 11 {
				t.Fatalf("%d records, want 11", len(rs))
			}
			if err := os.WriteFile(p, tt.edit(b, rs), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := audit.Verify(dir, k.ids(), nil)
			wantTamper(t, err, p, tt.entry, tt.reason)
			// Read reports the same and returns only what came before.
			evs, err := audit.Read(dir, k.ids(), audit.Filter{})
			wantTamper(t, err, p, tt.entry, tt.reason)
			for _, e := range evs {
				if int64(e.Seq) >= tt.entry {
					t.Errorf("Read returned entry %d at or after the bad one", e.Seq)
				}
			}
		})
	}
}

// TestTornTail: a final write cut short (what SIGKILL or power loss can
// leave) is reported as torn, not as tampering.
func TestTornTail(t *testing.T) {
	for _, cut := range []int{1, 3, 4, 30, -1} {
		dir := t.TempDir()
		k := newKeys(t)
		l := open(t, dir, k)
		appendN(t, l, 3)
		b := readFile(t, l.Path())
		rs := records(t, b)
		last := rs[len(rs)-1]
		n := cut
		if n < 0 {
			n = last.Len - 1
		}
		torn := append(bytes.Clone(b[:last.Offset]), b[last.Offset:last.Offset+int64(n)]...)
		os.WriteFile(l.Path(), torn, 0o600)
		rep := mustVerify(t, dir, k, nil)
		if s := rep.Sessions[0]; s.Torn != int64(n) || s.Entries != uint64(len(rs)-1) {
			t.Errorf("cut %d: torn %d entries %d, want %d and %d", n, s.Torn, s.Entries, n, len(rs)-1)
		}
		// Zeros behind the last record, as a filesystem can leave after a
		// crash, are torn too.
		os.WriteFile(l.Path(), append(bytes.Clone(b[:last.Offset]), make([]byte, 100)...), 0o600)
		if rep := mustVerify(t, dir, k, nil); rep.Sessions[0].Torn != 100 {
			t.Errorf("zero tail: torn %d, want 100", rep.Sessions[0].Torn)
		}
		l.Close(audit.LockExit)
	}
}

// TestTamperAcrossSessions: a later session records the heads of earlier
// ones, so deleting, cutting or replacing an earlier session file is
// caught without a checkpoint.
func TestTamperAcrossSessions(t *testing.T) {
	setup := func(t *testing.T) (dir string, k keys, first string) {
		dir = t.TempDir()
		k = newKeys(t)
		first = trail(t, dir, k)
		l := open(t, dir, k) // records first's head
		appendN(t, l, 2)
		l.Close(audit.LockManual)
		mustVerify(t, dir, k, nil)
		return dir, k, first
	}
	t.Run("deleted session", func(t *testing.T) {
		dir, k, first := setup(t)
		os.Remove(first)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, first, -1, audit.ReasonDeleted)
		// Named by its session, not by an entry it no longer has.
		name := filepath.Base(first)
		if msg := err.Error(); !strings.HasPrefix(msg, "audit: "+name+": deleted session (session ") || strings.Contains(msg, "entry") && !strings.Contains(msg, "entries") {
			t.Errorf("deleted session reported as %q", msg)
		}
		if where := err.(*audit.TamperError).Where(); where != name {
			t.Errorf("Where() = %q, want %q", where, name)
		}
	})
	t.Run("edit what a header saw", func(t *testing.T) {
		dir, k, first := setup(t)
		second := sessionFiles(t, dir)[0]
		if second == first {
			second = sessionFiles(t, dir)[1]
		}
		b := readFile(t, second)
		rs := records(t, b)
		b[rs[0].Offset+int64(rs[0].Len)-33] ^= 1 // the state byte of the head it saw
		os.WriteFile(second, b, 0o600)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, second, 0, audit.ReasonEdited)
	})
	t.Run("sealed seed altered", func(t *testing.T) {
		dir, k, first := setup(t)
		b := readFile(t, first)
		rs := records(t, b)
		b[rs[0].Offset+int64(rs[0].Len)-32-4-1] ^= 1 // the sealed seed's last byte
		os.WriteFile(first, b, 0o600)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, first, 0, audit.ReasonEdited)
	})
	t.Run("sealed to another auditor", func(t *testing.T) {
		dir, k, _ := setup(t)
		other := newKeys(t)
		l := open(t, dir, other)
		l.Close(audit.LockExit)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, l.Path(), 0, audit.ReasonUnreadable)
	})
	t.Run("truncated at a record boundary", func(t *testing.T) {
		dir, k, first := setup(t)
		b := readFile(t, first)
		rs := records(t, b)
		os.WriteFile(first, b[:rs[7].Offset], 0o600)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, first, 7, audit.ReasonTruncated)
	})
	t.Run("replaced session file", func(t *testing.T) {
		dir, k, first := setup(t)
		forge(t, first, k, 8)
		_, err := audit.Verify(dir, k.ids(), nil)
		wantTamper(t, err, first, 10, audit.ReasonReplaced)
	})
}

// forge replaces the session file at path with a complete, valid session
// of the same id and n searches: a fresh seed sealed to the same auditors,
// what anyone holding the recipients can write.
func forge(t *testing.T, path string, k keys, n int) {
	t.Helper()
	forged := t.TempDir()
	id := filepath.Base(path)
	ts, _ := time.Parse("20060102T150405Z", id[:16])
	raw := make([]byte, 6)
	hexDecode(t, raw, []byte(id[17:29]))
	defer audit.SetNow(func() time.Time { return ts })()
	defer audit.SetRand(io.MultiReader(bytes.NewReader(raw), rand.Reader))()
	l := open(t, forged, k)
	appendN(t, l, n)
	l.Close(audit.LockExit)
	if filepath.Base(l.Path()) != id {
		t.Fatalf("forged %s, want %s", l.Path(), id)
	}
	mustVerify(t, forged, k, nil) // valid on its own
	if err := os.WriteFile(path, readFile(t, l.Path()), 0o600); err != nil {
		t.Fatal(err)
	}
}
