package index_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/corpus"

	"filippo.io/age"
)

// TestOpenVaultPrebuilt imports twice, once with the index sidecar and
// once without, and checks that unlock opens the stored segments, indexes
// only the rest, and finds messages from both.
func TestOpenVaultPrebuilt(t *testing.T) {
	dir, key := newTestVault(t)
	msgs := corpus.Generate(3000, 7)
	importInto(t, dir, key, msgs[:2000], true)
	importInto(t, dir, key, msgs[2000:], false)

	v, err := vault.Unlock(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Load(nil); err != nil {
		t.Fatal(err)
	}
	if n := len(v.Manifest.Files("index")); n == 0 {
		t.Fatal("no index segment stored")
	}
	ix, err := index.OpenVault(v, v.Tags(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// Before Start, text search already covers the prebuilt messages, and
	// only them.
	find := func(m *vault.Message) int {
		ids, err := ix.IDs(context.Background(), "id:"+m.ID+" "+firstWord(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		return len(ids)
	}
	if find(msgs[10]) != 1 || find(msgs[2500]) != 0 {
		t.Fatalf("before Start: prebuilt message found %d times, the other %d", find(msgs[10]), find(msgs[2500]))
	}
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*vault.Message{msgs[10], msgs[2500]} {
		if n := find(m); n != 1 {
			t.Fatalf("message %s (%q) found %d times", m.ID, firstWord(m.Body), n)
		}
	}
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}

// BenchmarkVaultSearchable measures what a reviewer waits for after a
// `coffer import` that stored index segments: unlock, decrypt every
// message and index segment, open the index, and run a first query. Set
// the size with -bench.n.
func BenchmarkVaultSearchable(b *testing.B) {
	dir, key := newTestVault(b)
	importInto(b, dir, key, corpus.Generate(*index.BenchN, 1), true)
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		v, err := vault.Unlock(dir, key)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Load(nil); err != nil {
			b.Fatal(err)
		}
		ix, err := index.OpenVault(v, v.Tags(), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ix.Start(context.Background())
		if err := ix.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
		if _, err := ix.Search(context.Background(), "the", index.Request{Limit: 50}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ix.Close()
		v.Close()
		b.StartTimer()
	}
}

// newTestVault makes an empty vault with one X25519 member (no scrypt).
func newTestVault(tb testing.TB) (string, vault.Key) {
	tb.Setenv("COFFER_STATE_DIR", tb.TempDir())
	id, _ := age.GenerateX25519Identity()
	aud, _ := age.GenerateX25519Identity()
	dir := filepath.Join(tb.TempDir(), "v")
	if _, err := vault.Init(dir, vault.InitOptions{Recipients: []string{id.Recipient().String()}, Auditors: []string{aud.Recipient().String()}}); err != nil {
		tb.Fatal(err)
	}
	return dir, vault.Key{Identities: []age.Identity{id}}
}

// importInto imports copies of msgs as one import, storing index
// segments when sidecar is set.
func importInto(tb testing.TB, dir string, key vault.Key, msgs []*vault.Message, sidecar bool) {
	tb.Helper()
	v, err := vault.Unlock(dir, key)
	if err != nil {
		tb.Fatal(err)
	}
	defer v.Close()
	if err := v.Load(nil); err != nil {
		tb.Fatal(err)
	}
	a, err := v.NewAppender()
	if err != nil {
		tb.Fatal(err)
	}
	if sidecar {
		a.SetIndexer(index.Sidecar)
	}
	for _, m := range msgs {
		c := *m
		if _, err := a.Add(&c); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		tb.Fatal(err)
	}
}
