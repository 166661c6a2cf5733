package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"testing"

	"coffer/vault/audit"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

func checkpoint(t *testing.T, dir string, k keys) *audit.Checkpoint {
	t.Helper()
	cp, err := audit.NewCheckpoint(dir, k.ids())
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

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	closed := trail(t, dir, k)
	live := open(t, dir, k)
	appendN(t, live, 5)
	cp := checkpoint(t, dir, k)
	if len(cp.Heads) != 2 {
		t.Fatalf("heads %+v", cp.Heads)
	}

	// The trail grows: it still extends the checkpoint, the live session
	// through a consistency proof.
	appendN(t, live, 37)
	rep := mustVerify(t, dir, k, cp)
	if !rep.Checkpoint || !rep.OK() {
		t.Fatalf("report %+v", rep)
	}
	live.Close(audit.LockExit)
	later := open(t, dir, k)
	later.Close(audit.LockExit)
	mustVerify(t, dir, k, cp)

	// The tree root in the checkpoint is RFC 6962's, as tlog computes it.
	b := readFile(t, closed)
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

	t.Run("cut tail", func(t *testing.T) {
		// Cutting the latest session's tail at a record boundary is
		// invisible without the checkpoint (it looks like a crash) and
		// caught with it.
		b := readFile(t, live.Path())
		save := bytes.Clone(b)
		defer os.WriteFile(live.Path(), save, 0o600)
		rs := records(t, b)
		os.WriteFile(live.Path(), b[:rs[4].Offset], 0o600)
		_, err := audit.Verify(dir, k.ids(), cp)
		wantTamper(t, err, live.Path(), 4, audit.ReasonTruncated)
	})
	t.Run("deleted latest session", func(t *testing.T) {
		save := readFile(t, later.Path())
		os.Remove(later.Path())
		defer os.WriteFile(later.Path(), save, 0o600)
		mustVerify(t, dir, k, cp) // later is not in the checkpoint
		save2 := readFile(t, live.Path())
		os.Remove(live.Path())
		defer os.WriteFile(live.Path(), save2, 0o600)
		_, err := audit.Verify(dir, k.ids(), cp)
		wantTamper(t, err, live.Path(), -1, audit.ReasonDeleted)
	})
	t.Run("rewritten history", func(t *testing.T) {
		// Same size, other entries: the tree at the checkpoint's size differs.
		b := readFile(t, live.Path())
		save := bytes.Clone(b)
		defer os.WriteFile(live.Path(), save, 0o600)
		rs := records(t, b)
		b[rs[2].Offset+30] ^= 1
		os.WriteFile(live.Path(), b, 0o600)
		_, err := audit.Verify(dir, k.ids(), cp)
		var te *audit.TamperError
		if !errors.As(err, &te) || te.Entry != 2 {
			t.Fatalf("err %v, want entry 2", err)
		}
	})
	t.Run("replaced by a valid session", func(t *testing.T) {
		// Every MAC checks in the forged file: only the checkpoint's tree
		// head tells it apart.
		save := readFile(t, closed)
		defer os.WriteFile(closed, save, 0o600)
		forge(t, closed, k, 20)
		_, err := audit.Verify(dir, k.ids(), cp)
		wantTamper(t, err, closed, 10, audit.ReasonReplaced)
	})
	t.Run("signature", func(t *testing.T) {
		other := newKeys(t)
		if _, err := audit.Verify(dir, other.ids(), cp); !errors.Is(err, audit.ErrCheckpointKey) {
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
		if _, err := audit.Verify(dir, k.ids(), cpf); err == nil {
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
	dir := t.TempDir()
	l, err := audit.Open(dir, []age.Recipient{id.Recipient()}, alice)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2)
	l.Close(audit.LockExit)
	ids := []age.Identity{id}
	cp, err := audit.NewCheckpoint(dir, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(dir, ids, cp); err != nil {
		t.Fatal(err)
	}
}
