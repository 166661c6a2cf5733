package vault

import (
	"bytes"
	"errors"
	"testing"
)

func savedNames(t *testing.T, v *Vault) map[string]string {
	t.Helper()
	all, err := v.SavedSearches()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range all {
		out[s.Name] = s.Query
	}
	return out
}

func TestSavedSearchesJournal(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	// A vault without saved searches lists none, and its folder may lack
	// saved/ (vaults made before them).
	removeFolder(t, f.dir, "saved")
	if got := savedNames(t, v); len(got) != 0 {
		t.Fatalf("new vault lists %v", got)
	}
	if err := v.AddSaved("hot", "from:marcus secret-query-canary"); err != nil {
		t.Fatal(err)
	}
	if err := v.AddSaved("later", "tag:review"); err != nil {
		t.Fatal(err)
	}
	if err := v.AddSaved("hot", "other"); !errors.Is(err, ErrSavedExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := v.RemoveSaved("nope"); !errors.Is(err, ErrNoSaved) {
		t.Fatalf("unknown name: %v", err)
	}
	// Another member's session sees them, and names stay unique across
	// sessions: its manifest is caught up under the write lock.
	w := f.open(t, Key{Identities: f.key()})
	if got := savedNames(t, w); got["hot"] != "from:marcus secret-query-canary" || got["later"] != "tag:review" {
		t.Fatalf("second session sees %v", got)
	}
	if err := w.RemoveSaved("later"); err != nil {
		t.Fatal(err)
	}
	if err := v.AddSaved("later", "tag:done"); err != nil { // v is behind: the removal is seen under the lock
		t.Fatal(err)
	}
	x := f.open(t, f.passKey())
	got := savedNames(t, x)
	if len(got) != 2 || got["later"] != "tag:done" {
		t.Fatalf("replayed %v", got)
	}
	if q, err := x.SavedQuery("hot"); err != nil || q != "from:marcus secret-query-canary" {
		t.Fatalf("SavedQuery: %q %v", q, err)
	}
	if _, err := x.SavedQuery("gone"); !errors.Is(err, ErrNoSaved) {
		t.Fatalf("SavedQuery of an unknown name: %v", err)
	}
	for _, bad := range []struct{ name, query string }{
		{"", "q"}, {"two words", "q"}, {"bell\a", "q"}, {string(make([]rune, 65)), "q"},
		{"ok", ""}, {"ok", "   "}, {"ok", "a\x1bb"}, {"ok", string(bytes.Repeat([]byte("a"), maxQuery+1))},
	} {
		if x.AddSaved(bad.name, bad.query) == nil {
			t.Errorf("AddSaved(%q, %q) accepted", bad.name, bad.query)
		}
	}
	// Queries and names never reach disk in plaintext.
	rawWalk(t, f.dir, func(p string, data []byte) {
		if bytes.Contains(data, []byte("secret-query-canary")) {
			t.Errorf("%s holds a saved query", p)
		}
	})
	rep, err := Verify(f.dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	x.Close()
	if _, err := x.SavedSearches(); err == nil {
		t.Fatal("a closed vault lists saved searches")
	}
}

func TestTamperSavedFile(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	if err := v.AddSaved("x", "tag:x"); err != nil {
		t.Fatal(err)
	}
	name := v.Manifest.Files("saved")[0].Name
	b := rawRead(t, f.dir, name)
	b[len(b)-3] ^= 1
	rawWrite(t, f.dir, name, b)
	w, err := Unlock(f.dir, f.passKey())
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.SavedSearches()
	if te, ok := err.(*TamperError); !ok || te.File != name {
		t.Fatalf("list: %v, want a tamper error naming %s", err, name)
	}
}

// TestSavedInterrupted: a saved-searches file written by a writer killed
// before its manifest commit is a leftover: not read, reported by verify
// as such, and removed by the next write, which succeeds.
func TestSavedInterrupted(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	if err := v.AddSaved("kept", "tag:x"); err != nil {
		t.Fatal(err)
	}
	// What a killed AddSaved leaves: the next record's file, unnamed.
	rawWrite(t, f.dir, newName("saved", v.Manifest.Seq()+1, 0, writerTag(v.st)), []byte("half-written"))
	w := f.open(t, f.passKey())
	if got := savedNames(t, w); len(got) != 1 || got["kept"] != "tag:x" {
		t.Fatalf("after the crash: %v", got)
	}
	if err := w.AddSaved("next", "tag:y"); err != nil {
		t.Fatal(err)
	}
	if got := savedNames(t, f.open(t, f.passKey())); len(got) != 2 {
		t.Fatalf("after the next write: %v", got)
	}
	rep, err := Verify(f.dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
