package vault

import (
	"bytes"
	"reflect"
	"testing"
)

func TestTagsJournal(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	importMessages(t, v, testMessages(5, "c"))
	ids := []string{v.Messages()[0].ID, v.Messages()[1].ID}
	if err := v.ApplyTag(true, "Secret-Tag-Canary", ids); err != nil {
		t.Fatal(err)
	}
	if err := v.ApplyTag(true, "responsive", ids[:1]); err != nil {
		t.Fatal(err)
	}
	if err := v.ApplyTag(false, "Secret-Tag-Canary", ids[1:]); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ids[0]: {"Secret-Tag-Canary", "responsive"}}
	if !reflect.DeepEqual(v.Tags(), want) {
		t.Fatalf("tags %v, want %v", v.Tags(), want)
	}
	// Another session sees them after its load, and its own changes merge.
	w := f.open(t, Key{Identities: f.key()})
	if !reflect.DeepEqual(w.Tags(), want) {
		t.Fatalf("second session sees %v", w.Tags())
	}
	if err := w.ApplyTag(true, "hot", ids[1:]); err != nil {
		t.Fatal(err)
	}
	if err := v.ApplyTag(true, "later", ids[1:]); err != nil { // v's manifest is behind: beginWrite catches up
		t.Fatal(err)
	}
	x := f.open(t, f.passKey())
	want[ids[1]] = []string{"hot", "later"}
	if !reflect.DeepEqual(x.Tags(), want) {
		t.Fatalf("merged tags %v, want %v", x.Tags(), want)
	}
	for _, bad := range []string{"", "two words", "bell\a", string(make([]rune, 65))} {
		if x.ApplyTag(true, bad, ids) == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
	// Tag names never reach disk in plaintext.
	rawWalk(t, f.dir, func(p string, data []byte) {
		if bytes.Contains(bytes.ToLower(data), []byte("secret-tag-canary")) {
			t.Errorf("%s holds a tag name", p)
		}
	})
	rep, err := Verify(f.dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

func TestTamperTagsFile(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	importMessages(t, v, testMessages(2, "c"))
	v.ApplyTag(true, "x", []string{v.Messages()[0].ID})
	name := v.Manifest.Files("tags")[0].Name
	b := rawRead(t, f.dir, name)
	b[len(b)-3] ^= 1
	rawWrite(t, f.dir, name, b)
	w, err := Unlock(f.dir, f.passKey())
	if err != nil {
		t.Fatal(err)
	}
	err = w.Load(nil)
	if te, ok := err.(*TamperError); !ok || te.File != name {
		t.Fatalf("load: %v, want a tamper error naming %s", err, name)
	}
}
