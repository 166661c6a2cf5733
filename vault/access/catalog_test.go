package access_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/corpus"
)

// TestCatalogSessionSameAsLoaded: a session opened from the vault's
// catalogs (LoadCatalog: what coffer search, stats and review do) shows
// what a session that decrypted everything shows: the same hits and
// messages for each query, the same conversation list and reply
// threads, the same counts, and records the same ids.
func TestCatalogSessionSameAsLoaded(t *testing.T) {
	msgs := corpus.Generate(1500, 9)
	for i, m := range msgs { // replies by id, and by the source's own id
		if i%10 == 3 {
			m.Provenance.OriginalID = strings.Repeat("o", 1+i%3) + time.Duration(i).String()
		}
		if i > 10 && i%10 == 4 {
			m.ReplyTo = msgs[i-1].Source + ":" + msgs[i-1].Provenance.OriginalID
		}
		m.ID = ""
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
	}
	tv := newTestVault(t, msgs)
	full := tv.openIndexed(t)
	lazy := openCatalogued(t, tv)
	if full.Catalogued() || !lazy.Catalogued() {
		t.Fatalf("catalogued: whole %v, from catalogs %v", full.Catalogued(), lazy.Catalogued())
	}
	m := msgs[700]
	var w []string // two neighbouring words of three letters or more
	word := func(f string) bool { return len(f) >= 3 && strings.Trim(f, "abcdefghijklmnopqrstuvwxyz") == "" }
	fs := strings.Fields(m.Body)
	for i := 0; i+1 < len(fs) && w == nil; i++ {
		if word(fs[i]) && word(fs[i+1]) {
			w = fs[i : i+2]
		}
	}
	if w == nil {
		t.Fatalf("message 700 has no two neighbouring words: %q", m.Body)
	}
	for _, q := range []string{w[0], w[0] + " " + w[1], `"` + w[0] + " " + w[1] + `"`, w[1][:3] + "*", "from:" + strings.Fields(m.Sender)[0], "*"} {
		req := access.Request{Sort: access.Newest, Limit: 20, Facets: true}
		a, err := full.Search(context.Background(), q, req, true)
		if err != nil {
			t.Fatal(err)
		}
		b, err := lazy.Search(context.Background(), q, req, true)
		if err != nil {
			t.Fatal(err)
		}
		a.Took, b.Took = 0, 0
		if a.Total == 0 || !reflect.DeepEqual(a, b) {
			t.Fatalf("%s:\nwhole   %d %+v\ncatalog %d %+v", q, a.Total, a.Hits, b.Total, b.Hits)
		}
	}
	da, err := full.Conversations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := lazy.Conversations()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(da.Convs, db.Convs) {
		t.Fatal("the conversation lists differ")
	}
	threads := 0
	for _, id := range tv.ids {
		pa, oka := da.Parent(id)
		pb, okb := db.Parent(id)
		if pa != pb || oka != okb {
			t.Fatalf("%s: parent %s %v whole, %s %v from catalogs", id, pa, oka, pb, okb)
		}
		if oka {
			threads++
		}
	}
	if threads < 100 {
		t.Fatalf("%d replies found their parent: the test checks few", threads)
	}
	sa, _ := full.Stats("")
	sb, _ := lazy.Stats("")
	if !reflect.DeepEqual(sa, sb) {
		t.Fatal("stats differ")
	}
	big := slices.MaxFunc(db.Convs, func(a, b access.Conversation) int { return len(a.IDs) - len(b.IDs) })
	ids := big.IDs[:min(5, len(big.IDs))]
	got, err := lazy.View(big.ID, ids)
	want, _ := full.View(big.ID, ids)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("View from catalogs: %d messages, %v", len(got), err)
	}
}

// openCatalogued is open, from the vault's catalogs, with the index open.
func openCatalogued(t *testing.T, tv *testVault) *access.Session {
	t.Helper()
	s := tv.unlock(t)
	if err := s.LoadCatalog(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSegments(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.OpenIndex(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
