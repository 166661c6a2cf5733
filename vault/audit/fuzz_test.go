package audit_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
)

var update = flag.Bool("update", false, "rewrite the seed trails under testdata/")

// The seed trails in testdata/trail/ are sealed to testdata/auditor.key, a
// key made for these tests only.
const seedDir = "testdata/trail"

func seedIdentity(t testing.TB) []age.Identity {
	t.Helper()
	f, err := os.Open("testdata/auditor.key")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSeedTrails keeps the committed seeds honest: they verify and read
// with the test key. With -update it writes new ones: a closed session, a
// session with a torn tail that the closed one recorded, and a checkpoint.
func TestSeedTrails(t *testing.T) {
	if *update {
		writeSeeds(t)
	}
	ids := seedIdentity(t)
	rep, err := audit.Verify(store.Dir(seedVault(t)), ids, seedCheckpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sessions) != 2 {
		t.Fatalf("%d seed sessions, want 2", len(rep.Sessions))
	}
	// The seeds predate titles and senders: their views still read, with
	// ids only.
	evs, err := audit.Read(store.Dir(seedVault(t)), ids, audit.Filter{Action: audit.ActionViewConversation})
	if err != nil || len(evs) != 1 || len(evs[0].Messages) != 2 || evs[0].Sent != nil || evs[0].Title != "" {
		t.Fatalf("old view-conversation event: %+v, %v", evs, err)
	}
}

// seedVault copies the seeds into a vault folder layout.
func seedVault(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "audit"), 0o700)
	for _, p := range seedFiles(t) {
		os.WriteFile(filepath.Join(dir, "audit", filepath.Base(p)), readFile(t, p), 0o600)
	}
	return dir
}

func seedFiles(t testing.TB) []string {
	m, _ := filepath.Glob(filepath.Join(seedDir, "*.log"))
	return m
}

func seedCheckpoint(t testing.TB) *audit.Checkpoint {
	cp, err := audit.ParseCheckpoint(readFile(t, "testdata/checkpoint.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func writeSeeds(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	os.MkdirAll(seedDir, 0o755)
	old, _ := filepath.Glob(filepath.Join(seedDir, "*"))
	for _, p := range old {
		os.Remove(p)
	}
	os.WriteFile("testdata/auditor.key", []byte("# test-only auditor key for the seed trails\n"+id.String()+"\n"), 0o644)
	k := keys{auditor: id}
	dir := t.TempDir()
	st := store.Dir(dir)
	l := open(t, st, k)
	l.Append(audit.Event{Action: audit.ActionUnlock, Method: "passphrase"})
	l.Append(audit.Event{Action: audit.ActionViewConversation, Conversation: "conv-1", Messages: []string{"m1", "m2"}})
	l.Append(audit.Event{Action: audit.ActionSearch, Query: "from:bob invoice", Results: 1})
	l.Append(audit.Event{Action: audit.ActionTagAdd, Tag: "privileged", Messages: []string{"m2"}})
	audit.Abandon(l)
	l2 := open(t, st, k) // records l's crash
	l2.Append(audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m1"}})
	l2.Append(audit.Event{Action: audit.ActionExport, Target: "out.zip", Count: 2, Messages: []string{"m1", "m2"}})
	l2.Close(audit.LockIdle)
	cp, err := audit.NewCheckpoint(st, []age.Identity{id})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("testdata/checkpoint.txt", cp.Marshal(), 0o644)
	for _, p := range sessionFiles(t, dir) {
		b := readFile(t, p)
		if p == file(dir, l) {
			b = append(b, 0, 0, 1, 0x20, 'E') // a torn final write
		}
		os.WriteFile(filepath.Join(seedDir, filepath.Base(p)), b, 0o644)
	}
}

// FuzzAuditReader feeds the session file reader (framing, header, MAC
// chain, decryption, event decoding) arbitrary bytes: it must not panic,
// and what it accepts must be consistent.
func FuzzAuditReader(f *testing.F) {
	seeds := seedFiles(f)
	if len(seeds) == 0 {
		f.Fatal("no seed trails in testdata/trail (run go test -run TestSeedTrails -update)")
	}
	for _, p := range seeds {
		f.Add(filepath.Base(p), readFile(f, p))
	}
	ids := seedIdentity(f)
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		if !strings.HasSuffix(name, ".log") {
			name = filepath.Base(seeds[0])
		}
		recs, rerr := audit.Records(b)
		evs, n, err := audit.WalkBytes(name, b, ids, true)
		if uint64(len(evs)) > n {
			t.Fatalf("%d events from %d records", len(evs), n)
		}
		if err == nil && rerr == nil && uint64(len(recs)) != n {
			t.Fatalf("framing sees %d records, walk verified %d", len(recs), n)
		}
		audit.WalkBytes(name, b, ids, false)
	})
}

// FuzzCheckpoint: the parser accepts only canonical text.
func FuzzCheckpoint(f *testing.F) {
	b, err := os.ReadFile("testdata/checkpoint.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := audit.ParseCheckpoint(b)
		if err == nil && !bytes.Equal(cp.Marshal(), b) {
			t.Fatalf("accepted non-canonical %q", b)
		}
	})
}
