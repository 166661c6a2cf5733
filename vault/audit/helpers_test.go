package audit_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"coffer/vault/audit"

	"filippo.io/age"
)

// keys holds an auditor identity and a reviewer (vault member) identity:
// separate keys, as the manifest has them.
type keys struct {
	auditor  *age.X25519Identity
	reviewer *age.X25519Identity
}

func newKeys(t testing.TB) keys {
	t.Helper()
	a, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return keys{a, r}
}

func (k keys) recipients() []age.Recipient { return []age.Recipient{k.auditor.Recipient()} }
func (k keys) ids() []age.Identity         { return []age.Identity{k.auditor} }

var alice = audit.Actor{Member: "alice", Fingerprint: "SHA256:alicekey"}

func open(t testing.TB, dir string, k keys) *audit.Log {
	t.Helper()
	l, err := audit.Open(dir, k.recipients(), alice)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func appendN(t testing.TB, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		if err := l.Append(audit.Event{Action: audit.ActionSearch, Query: "q", Results: i}); err != nil {
			t.Fatal(err)
		}
	}
}

// sessionFiles returns the trail's session files, oldest first.
func sessionFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "audit", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustVerify(t testing.TB, dir string, k keys, cp *audit.Checkpoint) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(dir, k.ids(), cp)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexDecode(t testing.TB, dst, src []byte) {
	t.Helper()
	if _, err := hex.Decode(dst, src); err != nil {
		t.Fatal(err)
	}
}

func baseName(p string) string { return filepath.Base(p) }
