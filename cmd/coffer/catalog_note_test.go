package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// TestUncataloguedVaultNote: a vault whose segments have no catalog (an
// import by a coffer from before catalogs, made here through access with
// no search engine, which stores no index file) still answers a one-shot
// search, decrypting it whole, and says so once on standard error with
// the fix; after `coffer compact` it opens from its catalogs and says
// nothing.
func TestUncataloguedVaultNote(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("COFFER_STATE_DIR", filepath.Join(dir, "state"))
	v, key := filepath.Join(dir, "v"), filepath.Join(dir, "me.key")
	if code := run(newEnv(nil, io.Discard, io.Discard, nil), []string{"init", v, "--identity-out", key, "--auditor-key-out", filepath.Join(dir, "auditor.key")}); code != 0 {
		t.Fatal("init failed")
	}
	m, err := vault.ReadManifest(v)
	if err != nil {
		t.Fatal(err)
	}
	g, err := access.Open(v, m, nil) // no engine: no index file, no catalog
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Unlock(vault.Key{Identities: []age.Identity{readIdentity(t, key)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(nil); err != nil {
		t.Fatal(err)
	}
	im, err := s.Import([]string{"old.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"the old dinner plan", "nothing to see", "dinner moved to friday"} {
		msg := &vault.Message{Source: "jsonl", Conversation: vault.Conversation{ID: "c1"}, Sender: "ann",
			Time: time.Date(2024, 1, 2, 3, i, 0, 0, time.UTC), Body: body}
		if err := vault.Validate(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Add(msg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(audit.LockExit); err != nil {
		t.Fatal(err)
	}

	search := func() (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(newEnv(nil, &out, &errb, nil), []string{"search", v, "dinner", "--identity", key}); code != 0 {
			t.Fatalf("search failed: %s", errb.String())
		}
		return out.String(), errb.String()
	}
	out, errs := search()
	if !strings.Contains(out, "2 matches") || !strings.Contains(errs, "coffer: note:") || !strings.Contains(errs, "coffer compact "+v) {
		t.Fatalf("uncatalogued vault: stdout %q, stderr %q", out, errs)
	}
	var cout bytes.Buffer
	if code := run(newEnv(nil, &cout, io.Discard, nil), []string{"compact", v, "--identity", key}); code != 0 {
		t.Fatal("compact failed")
	}
	out, errs = search()
	if !strings.Contains(out, "2 matches") || errs != "" {
		t.Fatalf("after coffer compact (%q): stdout %q, stderr %q", cout.String(), out, errs)
	}
}
