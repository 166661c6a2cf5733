package vault

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestIDSet checks the set against a map over enough keys to make runs,
// merge them and leave unmerged ones, asking for every key added and as
// many that were not.
func TestIDSet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	key := func() idKey {
		var k idKey
		for i := range k {
			k[i] = byte(r.UintN(256))
		}
		return k
	}
	s := newIDSet()
	want := map[idKey]bool{}
	n := 3*idSetRecent + idSetRecent/3
	if !testing.Short() {
		n = idSetMaxRun + 2*idSetRecent + 7
	}
	var added []idKey
	for range n {
		k := key()
		if want[k] {
			continue
		}
		if s.has(k) {
			t.Fatalf("has(%x) before add", k)
		}
		s.add(k)
		want[k] = true
		added = append(added, k)
	}
	for _, k := range added {
		if !s.has(k) {
			t.Fatalf("has(%x) = false after add", k)
		}
	}
	for range 10000 {
		if k := key(); s.has(k) != want[k] {
			t.Fatalf("has(%x) = %v", k, !want[k])
		}
	}
	total := len(s.recent)
	for _, run := range s.runs {
		total += len(run)
		if len(run) > idSetMaxRun {
			t.Errorf("a run of %d keys", len(run))
		}
	}
	if total != len(added) || len(s.runs) > 40 {
		t.Errorf("%d keys in %d runs, want %d", total, len(s.runs), len(added))
	}
}

func TestCompareKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		var a, b idKey
		for i := range a {
			a[i], b[i] = byte(r.UintN(4)), byte(r.UintN(4))
		}
		if got, want := compareKeys(a, b), bytes.Compare(a[:], b[:]); got != want {
			t.Fatalf("compareKeys(%x, %x) = %d, want %d", a, b, got, want)
		}
	}
}
