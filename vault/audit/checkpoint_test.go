package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

func checkpoint(t *testing.T, st store.Store, k keys) *audit.Checkpoint {
	t.Helper()
	cp, err := audit.NewCheckpoint(st, k.ids())
	if err != nil {
		t.Fatal(err)
	}
	// What the auditor keeps is the text form.
	cp2, err := audit.ParseCheckpoint(cp.Marshal())
	if err != nil {
		t.Fatalf("parse %q: %v", cp.Marshal(), err)
	}
	return cp2
}

func TestCheckpoint(t *testing.T) { forBackends(t, testCheckpoint) }

func testCheckpoint(t *testing.T, v *testVault) {
	k := newKeys(t)
	closed := trail(t, v, k)
	live := open(t, v, k)
	appendN(t, live, 5)
	cp := checkpoint(t, v, k)
	if len(cp.Heads) != 2 {
		t.Fatalf("heads %+v", cp.Heads)
	}

	// The trail grows: it still extends the checkpoint, the live session
	// through a consistency proof.
	appendN(t, live, 37)
	rep := mustVerify(t, v, k, cp)
	if !rep.Checkpoint || !rep.OK() {
		t.Fatalf("report %+v", rep)
	}
	live.Close(audit.LockExit)
	later := open(t, v, k)
	later.Close(audit.LockExit)
	mustVerify(t, v, k, cp)

	// The tree root in the checkpoint is RFC 6962's, as tlog computes it.
	b := v.readLog(t, closed)
	rs := records(t, b)
	var hashes []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, r := range rs {
		body := b[r.Offset+4 : r.Offset+int64(r.Len)-32]
		hs, err := tlog.StoredHashes(int64(i), body, hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, _ := tlog.TreeHash(int64(len(rs)), hr)
	for _, h := range cp.Heads {
		if h.Session+".log" == baseName(closed) && h.Root != root {
			t.Fatalf("checkpoint root %v, tlog computes %v", h.Root, root)
		}
	}

	// Each case tampers, then puts the log back.
	restore := func(name string) func() {
		save := v.readLog(t, name)
		return func() { v.replaceLog(t, name, save) }
	}
	t.Run("cut tail", func(t *testing.T) {
		// Cutting the latest session's tail at a record boundary is
		// invisible without the checkpoint (it looks like a crash) and
		// caught with it.
		defer restore(live.Name())()
		v.cut(t, live.Name(), 4)
		_, err := audit.Verify(v, k.ids(), cp)
		wantTamper(t, err, live.Name(), 4, audit.ReasonTruncated)
	})
	t.Run("deleted latest session", func(t *testing.T) {
		defer restore(later.Name())()
		v.removeLog(t, later.Name())
		mustVerify(t, v, k, cp) // later is not in the checkpoint
		defer restore(live.Name())()
		v.removeLog(t, live.Name())
		_, err := audit.Verify(v, k.ids(), cp)
		wantTamper(t, err, live.Name(), -1, audit.ReasonDeleted)
	})
	t.Run("rewritten history", func(t *testing.T) {
		// Same size, other entries: the tree at the checkpoint's size differs.
		defer restore(live.Name())()
		b := v.readLog(t, live.Name())
		rec := bytes.Clone(recBytes(b, records(t, b)[2]))
		rec[30] ^= 1
		v.setRecord(t, live.Name(), 2, rec)
		_, err := audit.Verify(v, k.ids(), cp)
		var te *audit.TamperError
		if !errors.As(err, &te) || te.Entry != 2 {
			t.Fatalf("err %v, want entry 2", err)
		}
	})
	t.Run("replaced by a valid session", func(t *testing.T) {
		// Every MAC checks in the forged file: only the checkpoint's tree
		// head tells it apart.
		defer restore(closed)()
		v.replaceLog(t, closed, forge(t, closed, k, 20))
		_, err := audit.Verify(v, k.ids(), cp)
		wantTamper(t, err, closed, 10, audit.ReasonReplaced)
	})
	t.Run("signature", func(t *testing.T) {
		other := newKeys(t)
		if _, err := audit.Verify(v, other.ids(), cp); !errors.Is(err, audit.ErrCheckpointKey) {
			t.Fatalf("verify with another auditor's key: %v, want ErrCheckpointKey", err)
		}
		text := cp.Marshal()
		forged := bytes.Replace(text, []byte(" 7 "), []byte(" 6 "), 1)
		if bytes.Equal(forged, text) {
			t.Fatalf("no size 7 in %s", text)
		}
		cpf, err := audit.ParseCheckpoint(forged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(v, k.ids(), cpf); err == nil {
			t.Fatal("forged checkpoint accepted")
		}
		key, _ := audit.CheckpointKey(k.auditor)
		if err := cp.VerifySignature(key.Public().(ed25519.PublicKey)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseCheckpointRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"coffer audit checkpoint v1\n",
		"coffer audit checkpoint v1\ntime nope\n-- AAAA AAAA\n",
		"hello\n",
	} {
		if _, err := audit.ParseCheckpoint([]byte(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// TestHybridAuditor: a post-quantum hybrid auditor key seals sessions and
// signs checkpoints like an X25519 one.
func TestHybridAuditor(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	st := store.Dir(t.TempDir())
	l, err := audit.Open(st, []age.Recipient{id.Recipient()}, alice)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2)
	l.Close(audit.LockExit)
	ids := []age.Identity{id}
	cp, err := audit.NewCheckpoint(st, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(st, ids, cp); err != nil {
		t.Fatal(err)
	}
}
