package vault

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// TestIDSet checks the set against a map over enough keys to make runs,
// merge them and leave unmerged ones, and to spill them (with a small
// memory budget), asking for every key added and as many that were not.
func TestIDSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		memKeys int
		n       int
	}{
		{"memory", idSetMemKeys, 3*idSetRecent + idSetRecent/3},
		{"spilled", 2 * idSetRecent, 7*idSetRecent + 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.n
			if !testing.Short() && tc.memKeys == idSetMemKeys {
				n = idSetMaxRun + 2*idSetRecent + 7
			}
			dir := t.TempDir()
			s := newIDSet(dir)
			s.memKeys = tc.memKeys
			added := checkIDSet(t, s, rand.New(rand.NewPCG(1, 2)), n)
			total := len(s.recent)
			for _, run := range s.runs {
				total += len(run)
				if len(run) > idSetMaxRun {
					t.Errorf("a run of %d keys", len(run))
				}
			}
			if s.spill != nil {
				for _, r := range s.spill.runs {
					total += r.n
				}
			}
			if total != len(added) || len(s.runs) > 40 {
				t.Errorf("%d keys in %d runs, want %d", total, len(s.runs), len(added))
			}
			if spilled := s.spill != nil; spilled != (tc.memKeys < idSetMemKeys) {
				t.Errorf("spilled: %v", spilled)
			}
			if s.spill != nil {
				// The file holds no key in the clear, and has no name.
				data, err := io.ReadAll(io.NewSectionReader(s.spill.f, 0, 1<<40))
				if err != nil {
					t.Fatal(err)
				}
				if len(data) < 16*(len(added)-len(s.recent)-s.held) {
					t.Errorf("spill file of %d bytes", len(data))
				}
				for _, k := range added[:1000] {
					if bytes.Contains(data, k[:8]) {
						t.Fatalf("the spill file holds key %x in the clear", k)
					}
				}
			}
			if names, _ := os.ReadDir(dir); len(names) != 0 {
				t.Errorf("the spill left %v in the folder", names)
			}
			s.close()
		})
	}
}

// checkIDSet adds n random keys to s, checking has before and after, and
// returns them.
func checkIDSet(t *testing.T, s *idSet, r *rand.Rand, n int) []idKey {
	t.Helper()
	key := func() idKey {
		var k idKey
		for i := range k {
			k[i] = byte(r.UintN(256))
		}
		return k
	}
	has := func(k idKey) bool {
		ok, err := s.has(k)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	want := map[idKey]bool{}
	var added []idKey
	for range n {
		k := key()
		if want[k] {
			continue
		}
		if has(k) {
			t.Fatalf("has(%x) before add", k)
		}
		if err := s.add(k); err != nil {
			t.Fatal(err)
		}
		want[k] = true
		added = append(added, k)
	}
	for _, k := range added {
		if !has(k) {
			t.Fatalf("has(%x) = false after add", k)
		}
	}
	for range 10000 {
		if k := key(); has(k) != want[k] {
			t.Fatalf("has(%x) = %v", k, !want[k])
		}
	}
	return added
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

// TestBlockedBloom checks the spill's filter: no false negatives, and
// about the false positives its size promises (~1%).
func TestBlockedBloom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	key := func() idKey {
		var k idKey
		binary.BigEndian.PutUint64(k[:8], r.Uint64())
		binary.BigEndian.PutUint64(k[8:], r.Uint64())
		return k
	}
	const n = 100000
	f := newBlockedBloom(n)
	in := make([]idKey, n)
	for i := range in {
		in[i] = key()
		f.add(in[i])
	}
	for _, k := range in {
		if !f.has(k) {
			t.Fatalf("has(%x) = false after add", k)
		}
	}
	fp := 0
	for range n {
		if f.has(key()) {
			fp++
		}
	}
	if rate := float64(fp) / n; rate > 0.02 {
		t.Errorf("false positives %.2f%%, want about 1%%", 100*rate)
	} else {
		t.Logf("false positives %.2f%% at %d bits a key", 100*rate, bloomBitsPerKey)
	}
}

// TestImportSpillsIDs: an import whose ids outgrow memory spills them and
// still stores every message once, however far apart its copies are,
// and leaves nothing in the vault folder but the vault.
func TestImportSpillsIDs(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	n := 5*idSetRecent + 11
	msgs := testMessages(n, "big")
	scratch := v.Dir // where the spill goes: beside the vault, or the temp folder
	if onS3() {
		scratch = t.TempDir()
		t.Setenv("TMPDIR", scratch)
	}
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadDir(scratch) // with the lock file
	if err != nil {
		t.Fatal(err)
	}
	a.seen.memKeys = 2 * idSetRecent
	again := append(testMessages(100, "big"), testMessages(n, "big")[n-100:]...)
	for _, m := range append(msgs, again...) {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if a.seen.spill == nil || len(a.seen.spill.runs) != 2 {
		t.Fatalf("the ids were not spilled twice: %+v", a.seen.spill)
	}
	st, err := a.Commit()
	if err != nil || st.Added != n || st.Duplicates != len(again) {
		t.Fatalf("stats %+v, %v; want %d added, %d duplicates", st, err, n, len(again))
	}
	if err := reload(v); err != nil || len(v.Messages()) != n {
		t.Fatalf("%d messages after reload, %v", len(v.Messages()), err)
	}
	after, err := os.ReadDir(scratch)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the vault folder held %v, now %v", before, after)
	}
}
