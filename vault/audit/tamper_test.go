package audit_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// trail writes one closed session of 1+1+8+1 records (header, session
// event, 8 searches, close) and returns its name in the store.
func trail(t *testing.T, st store.Store, k keys) string {
	t.Helper()
	l := open(t, st, k)
	appendN(t, l, 8)
	if err := l.Close(audit.LockExit); err != nil {
		t.Fatal(err)
	}
	return l.Name()
}

func records(t testing.TB, b []byte) []audit.FileRecord {
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

// TestTamperInFile: the framing-level edits of a folder's session file.
// TestTamperRecords does what a bucket allows on both backends.
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
			st := store.Dir(dir)
			k := newKeys(t)
			p := filepath.Join(dir, trail(t, st, k))
			b := readFile(t, p)
			rs := records(t, b)
			if len(rs) != 11 {
				t.Fatalf("%d records, want 11", len(rs))
			}
			if err := os.WriteFile(p, tt.edit(b, rs), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := audit.Verify(st, k.ids(), nil)
			wantTamper(t, err, p, tt.entry, tt.reason)
			// Read reports the same and returns only what came before.
			evs, err := audit.Read(st, k.ids(), audit.Filter{})
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
		st := store.Dir(dir)
		k := newKeys(t)
		l := open(t, st, k)
		appendN(t, l, 3)
		p := file(dir, l)
		b := readFile(t, p)
		rs := records(t, b)
		last := rs[len(rs)-1]
		n := cut
		if n < 0 {
			n = last.Len - 1
		}
		torn := append(bytes.Clone(b[:last.Offset]), b[last.Offset:last.Offset+int64(n)]...)
		os.WriteFile(p, torn, 0o600)
		rep := mustVerify(t, st, k, nil)
		if s := rep.Sessions[0]; s.Torn != int64(n) || s.Entries != uint64(len(rs)-1) {
			t.Errorf("cut %d: torn %d entries %d, want %d and %d", n, s.Torn, s.Entries, n, len(rs)-1)
		}
		// Zeros behind the last record, as a filesystem can leave after a
		// crash, are torn too.
		os.WriteFile(p, append(bytes.Clone(b[:last.Offset]), make([]byte, 100)...), 0o600)
		if rep := mustVerify(t, st, k, nil); rep.Sessions[0].Torn != 100 {
			t.Errorf("zero tail: torn %d, want 100", rep.Sessions[0].Torn)
		}
		l.Close(audit.LockExit)
	}
}

// TestTamperRecords: what someone with write access to the storage can
// do to records, on both backends: in a bucket, overwrite a part (a plain
// PUT makes a new current version) or delete one. Verify names the
// session and the entry.
func TestTamperRecords(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord)
		// entry and reason on a folder, and in a bucket where they differ
		entry, s3Entry   int64
		reason, s3Reason audit.Reason
	}{
		{"edit ciphertext", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			rec := bytes.Clone(recBytes(b, rs[3]))
			rec[20] ^= 1
			v.setRecord(t, name, 3, rec)
		}, 3, 3, audit.ReasonEdited, audit.ReasonEdited},
		{"bad MAC", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			rec := bytes.Clone(recBytes(b, rs[3]))
			rec[len(rec)-1] ^= 1
			v.setRecord(t, name, 3, rec)
		}, 3, 3, audit.ReasonBadMAC, audit.ReasonBadMAC},
		{"replayed", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			v.setRecord(t, name, 3, recBytes(b, rs[2]))
		}, 3, 3, audit.ReasonReordered, audit.ReasonReordered},
		{"after close", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			v.replaceLog(t, name, append(bytes.Clone(b), recBytes(b, rs[3])...))
		}, 11, 11, audit.ReasonAfterClose, audit.ReasonAfterClose},
		// A folder closes the gap (the records after it move up); in a
		// bucket a reader stops at it, so the session looks cut there,
		// which the later session's header catches.
		{"deleted", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			v.deleteRecord(t, name, 3)
		}, 3, 3, audit.ReasonMissing, audit.ReasonTruncated},
		{"cut", func(t *testing.T, v *testVault, name string, b []byte, rs []audit.FileRecord) {
			v.cut(t, name, 7)
		}, 7, 7, audit.ReasonTruncated, audit.ReasonTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forBackends(t, func(t *testing.T, v *testVault) {
				k := newKeys(t)
				name := trail(t, v, k)
				open(t, v, k).Close(audit.LockExit) // records the head of the first
				b := v.readLog(t, name)
				tt.edit(t, v, name, b, records(t, b))
				entry, reason := tt.entry, tt.reason
				if v.s3() {
					entry, reason = tt.s3Entry, tt.s3Reason
				}
				_, err := audit.Verify(v, k.ids(), nil)
				wantTamper(t, err, name, entry, reason)
				if !strings.HasPrefix(err.Error(), fmt.Sprintf("audit: %s: entry %d: %s", path.Base(name), entry, reason)) {
					t.Errorf("reported as %q", err)
				}
			})
		})
	}
}

// TestTamperAcrossSessions: a later session records the heads of earlier
// ones, so deleting, cutting or replacing an earlier session file is
// caught without a checkpoint.
func TestTamperAcrossSessions(t *testing.T) {
	setup := func(t *testing.T, v *testVault) (k keys, first, second string) {
		k = newKeys(t)
		first = trail(t, v, k)
		l := open(t, v, k) // records first's head
		appendN(t, l, 2)
		l.Close(audit.LockManual)
		mustVerify(t, v, k, nil)
		return k, first, l.Name()
	}
	t.Run("deleted session", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, first, _ := setup(t, v)
			v.removeLog(t, first)
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, first, -1, audit.ReasonDeleted)
			// Named by its session, not by an entry it no longer has.
			name := path.Base(first)
			if msg := err.Error(); !strings.HasPrefix(msg, "audit: "+name+": deleted session (session ") || strings.Contains(msg, "entry") && !strings.Contains(msg, "entries") {
				t.Errorf("deleted session reported as %q", msg)
			}
			if where := err.(*audit.TamperError).Where(); where != name {
				t.Errorf("Where() = %q, want %q", where, name)
			}
		})
	})
	t.Run("edit what a header saw", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, _, second := setup(t, v)
			b := v.readLog(t, second)
			rs := records(t, b)
			rec := bytes.Clone(recBytes(b, rs[0]))
			rec[len(rec)-33] ^= 1 // the state byte of the head it saw
			v.setRecord(t, second, 0, rec)
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, second, 0, audit.ReasonEdited)
		})
	})
	t.Run("sealed seed altered", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, first, _ := setup(t, v)
			b := v.readLog(t, first)
			rs := records(t, b)
			rec := bytes.Clone(recBytes(b, rs[0]))
			rec[len(rec)-32-4-1] ^= 1 // the sealed seed's last byte
			v.setRecord(t, first, 0, rec)
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, first, 0, audit.ReasonEdited)
		})
	})
	t.Run("sealed to another auditor", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, _, _ := setup(t, v)
			other := newKeys(t)
			l := open(t, v, other)
			l.Close(audit.LockExit)
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, l.Name(), 0, audit.ReasonUnreadable)
		})
	})
	t.Run("truncated at a record boundary", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, first, _ := setup(t, v)
			v.cut(t, first, 7)
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, first, 7, audit.ReasonTruncated)
		})
	})
	t.Run("replaced session file", func(t *testing.T) {
		forBackends(t, func(t *testing.T, v *testVault) {
			k, first, _ := setup(t, v)
			v.replaceLog(t, first, forge(t, first, k, 8))
			_, err := audit.Verify(v, k.ids(), nil)
			wantTamper(t, err, first, 10, audit.ReasonReplaced)
		})
	})
}

// forge returns a complete, valid session log of the same id as the log
// name and n searches: a fresh seed sealed to the same auditors, what
// anyone holding the recipients can write.
func forge(t *testing.T, name string, k keys, n int) []byte {
	t.Helper()
	forged := t.TempDir()
	st := store.Dir(forged)
	id := path.Base(name)
	ts, _ := time.Parse("20060102T150405Z", id[:16])
	raw := make([]byte, 6)
	hexDecode(t, raw, []byte(id[17:29]))
	defer audit.SetNow(func() time.Time { return ts })()
	defer audit.SetRand(io.MultiReader(bytes.NewReader(raw), rand.Reader))()
	l := open(t, st, k)
	appendN(t, l, n)
	l.Close(audit.LockExit)
	if l.Name() != name {
		t.Fatalf("forged %s, want %s", l.Name(), name)
	}
	mustVerify(t, st, k, nil) // valid on its own
	return readFile(t, file(forged, l))
}
