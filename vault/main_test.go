package vault

import (
	"bytes"
	"coffer/vault/store/s3test"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	// A cheap scrypt keeps the suite fast; the format is the same.
	scryptWorkFactor = 10
	dir, err := os.MkdirTemp("", "coffer-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("COFFER_STATE_DIR", dir)
	code := 0
	if onS3() {
		code = s3test.Main(m, &srv)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is a vault with one member of every kind and an auditor.
type fixture struct {
	dir        string
	passphrase string
	x25519     *age.X25519Identity
	hybrid     *age.HybridIdentity
	sshKey     []byte // PEM
	auditor    *age.X25519Identity
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{dir: newLocation(t), passphrase: "correct horse battery staple"}
	var err error
	if f.x25519, err = age.GenerateX25519Identity(); err != nil {
		t.Fatal(err)
	}
	if f.hybrid, err = age.GenerateHybridIdentity(); err != nil {
		t.Fatal(err)
	}
	if f.auditor, err = age.GenerateX25519Identity(); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	f.sshKey = pem.EncodeToMemory(block)
	_, err = Init(f.dir, InitOptions{
		Name:           "test",
		Passphrase:     f.passphrase,
		Recipients:     []string{f.x25519.Recipient().String(), f.hybrid.Recipient().String(), string(ssh.MarshalAuthorizedKey(sshPub))},
		RecipientNames: []string{"xena", "hyla", "sasha"},
		Auditors:       []string{f.auditor.Recipient().String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) key() []age.Identity { return []age.Identity{f.x25519} }

func (f *fixture) passKey() Key { return Key{Passphrases: []string{f.passphrase}} }

func (f *fixture) open(t testing.TB, k Key) *Vault {
	t.Helper()
	v, err := Unlock(f.dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Load(nil); err != nil {
		t.Fatal(err)
	}
	return v
}

func testMessages(n int, conv string) []*Message {
	var out []*Message
	base := time.Date(2024, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	for i := range n {
		out = append(out, &Message{
			Source:       "whatsapp",
			Conversation: Conversation{ID: conv, Title: "Family", Participants: []string{"Ann", "Bob"}},
			Sender:       []string{"Ann", "Bob"}[i%2],
			Time:         base.Add(time.Duration(i) * time.Minute),
			Body:         fmt.Sprintf("message %d in %s ünïcödé 日本語 🎉", i, conv),
			Headers:      map[string]string{"k": "v"},
			Provenance:   Provenance{Format: "jsonl", File: "x.jsonl", Position: fmt.Sprintf("line %d", i+1)},
		})
	}
	return out
}

// encodeBody encodes messages as one segment body, as the Appender does,
// for tests that make segments by hand.
func encodeBody(msgs ...*Message) []byte {
	s := newSegmentBuilder()
	for _, m := range msgs {
		s.add(m)
	}
	return bytes.Join(s.body(), nil)
}

func importMessages(t testing.TB, v *Vault, msgs []*Message) ImportStats {
	t.Helper()
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := a.Add(m); err != nil {
			a.Abort()
			t.Fatal(err)
		}
	}
	st, err := a.Commit()
	if err != nil {
		t.Fatal(err)
	}
	// Reload so the vault sees what it committed.
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	return st
}

func reload(v *Vault) error {
	v.loaded = false
	m, err := ReadManifest(v.Dir)
	if err != nil {
		return err
	}
	v.Manifest = m
	return v.Load(nil)
}
