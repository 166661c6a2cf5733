package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"sync"
	"testing"

	"coffer/vault/audit"
)

// TestReserveNumbers: production numbers continue across productions and
// sessions, per prefix; two sessions reserving at once never overlap; the
// journal never shows the prefix in plaintext; the record is linked to
// its announcement and counts as a change the trail must hold.
func TestReserveNumbers(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	importMessages(t, v, testMessages(3, "c"))
	// Vaults made before productions have no folder for them.
	removeFolder(t, f.dir, "productions")
	link := audit.Link{Session: "20261127T100200Z-0123456789ab", Entry: 3}
	first, err := v.ReserveNumbers("CANARYPFX", 5, link)
	if err != nil || first != 1 {
		t.Fatalf("first reservation: %d, %v; want 1", first, err)
	}
	if first, err = v.ReserveNumbers("CANARYPFX", 2, link); err != nil || first != 6 {
		t.Fatalf("second reservation: %d, %v; want 6", first, err)
	}
	if first, err = v.ReserveNumbers("OTHER", 1, link); err != nil || first != 1 {
		t.Fatalf("another prefix: %d, %v; want 1", first, err)
	}
	// Two sessions at once: each range is disjoint from the other's.
	a, b := f.open(t, f.passKey()), f.open(t, Key{Identities: f.key()})
	var wg sync.WaitGroup
	got := make([]int64, 2)
	errs := make([]error, 2)
	for i, s := range []*Vault{a, b} {
		wg.Go(func() { got[i], errs[i] = s.ReserveNumbers("CANARYPFX", 10, link) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	slices.Sort(got)
	if got[0] != 8 || got[1] != 18 {
		t.Errorf("concurrent reservations start at %v, want [8 18]", got)
	}
	if first, err = v.ReserveNumbers("CANARYPFX", 1, link); err != nil || first != 28 {
		t.Errorf("after them, a session opened before: %d, %v; want 28", first, err)
	}
	for _, bad := range []string{"", "has space", "../x", "-lead", "ABCDEFGHIJKLMNOPQ"} {
		if _, err := v.ReserveNumbers(bad, 1, link); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
	rawWalk(t, f.dir, func(p string, data []byte) {
		if bytes.Contains(bytes.ToLower(data), []byte("canarypfx")) {
			t.Errorf("%s holds the prefix in plaintext", p)
		}
	})
	m, err := ReadManifest(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range m.Changes() {
		if c.Action == audit.ActionProduce {
			n++
			if c.Link == nil || *c.Link != link {
				t.Errorf("production record %d links %v", c.Record, c.Link)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d production changes, want 6", n)
	}
	if rep, err := Verify(f.dir); err != nil || len(rep.Problems) > 0 {
		t.Errorf("verify: %v %+v", err, rep)
	}
}

// TestProductionSignature: a production manifest is signed by the
// current epoch's key, and only that key verifies it, only in its
// context.
func TestProductionSignature(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	sig := v.SignProduction([]byte("manifest"))
	if sig.Epoch != 1 || !sig.PublicKey.Equal(v.Manifest.SigningKey(1)) {
		t.Fatalf("signed with epoch %d key %x", sig.Epoch, sig.PublicKey)
	}
	if !VerifyProductionSignature(sig.PublicKey, []byte("manifest"), sig.Signature) {
		t.Error("does not verify")
	}
	if VerifyProductionSignature(sig.PublicKey, []byte("manifesT"), sig.Signature) {
		t.Error("verifies an altered manifest")
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if VerifyProductionSignature(other, []byte("manifest"), sig.Signature) {
		t.Error("verifies with another key")
	}
	// A manifest record's signature is not a production's.
	if ed25519.Verify(sig.PublicKey, []byte("manifest"), sig.Signature) {
		t.Error("the signature has no context")
	}
}
