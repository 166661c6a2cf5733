package vault

import (
	"strconv"
	"testing"
)

// BenchmarkDecideAfter times one decision (and one replay) in a process
// that has made the 1,000 before it, as a reviewer working through a
// queue in coffer review does: each decision replays the journal under
// the write lock.
//
//	go test ./vault -run '^$' -bench DecideAfter -benchtime 20x
func BenchmarkDecideAfter(b *testing.B) {
	f := newFixture(b)
	v := f.open(b, Key{Identities: f.key()})
	const n = 1000
	items := make([]QueueItem, n+b.N)
	for i := range items {
		items[i].ID = "m" + strconv.Itoa(i)
	}
	q, err := v.AddQueue(Queue{Policy: "gifts", Version: 1, Period: "2025-Q1", Items: items})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := v.Decide(Decision{Queue: q.Name, Item: items[i].ID, Kind: DecisionNoIssue}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := v.Decide(Decision{Queue: q.Name, Item: items[n+i].ID, Kind: DecisionNoIssue}); err != nil {
			b.Fatal(err)
		}
		if _, err := v.Supervision(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadManifestSince: reading again from a verified manifest gives what
// a full read gives once others appended, and a manifest that does not
// extend it is read in full (for beginWrite to refuse).
func TestReadManifestSince(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	w := f.open(t, Key{Identities: f.key()})
	known := v.Manifest
	importMessages(t, w, testMessages(3, "wa:since"))
	if _, err := w.AddQueue(Queue{Policy: "gifts", Version: 1, Period: "2025", Items: []QueueItem{{ID: "a"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := readManifestSince(w.st, known)
	if err != nil {
		t.Fatal(err)
	}
	full, err := ReadManifest(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq() != full.Seq() || got.Head() != full.Head() || len(got.Files("")) != len(full.Files("")) || got.Seq() <= known.Seq() {
		t.Fatalf("since: seq %d head %s files %d; full: seq %d head %s files %d", got.Seq(), got.Head(), len(got.Files("")), full.Seq(), full.Head(), len(full.Files("")))
	}
	// A manifest this process never saw (another vault's) is read in full.
	other := newFixture(t)
	if m, err := readManifestSince(other.open(t, other.passKey()).st, known); err != nil || m.VaultID == known.VaultID {
		t.Fatalf("another vault's manifest: %v, %v", m, err)
	}
}
