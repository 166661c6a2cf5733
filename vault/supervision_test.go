package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSampled: the sample is a function of seed, rate and id alone, draws
// about rate of the ids, and a different seed draws a different one.
func TestSampled(t *testing.T) {
	const n = 20000
	count := func(seed uint64, rate float64) (int, []bool) {
		in := make([]bool, n)
		c := 0
		for i := range n {
			if in[i] = Sampled(seed, rate, fmt.Sprintf("%032x", i)); in[i] {
				c++
			}
		}
		return c, in
	}
	c1, a := count(7, 0.05)
	_, again := count(7, 0.05)
	c2, b := count(8, 0.05)
	if c1 < n*4/100 || c1 > n*6/100 || c2 < n*4/100 || c2 > n*6/100 {
		t.Errorf("at 5%% of %d: %d and %d sampled", n, c1, c2)
	}
	same := 0
	for i := range n {
		if a[i] != again[i] {
			t.Fatalf("id %d drawn differently with the same seed", i)
		}
		if a[i] && b[i] {
			same++
		}
	}
	if same > c1/5 {
		t.Errorf("seeds 7 and 8 share %d of %d sampled ids", same, c1)
	}
	if c, _ := count(7, 0); c != 0 {
		t.Errorf("rate 0 sampled %d", c)
	}
	if c, _ := count(7, 1); c != n {
		t.Errorf("rate 1 sampled %d of %d", c, n)
	}
}

func TestQueuesAndDecisions(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	removeFolder(t, f.dir, "supervision") // vaults from before supervision
	q := Queue{Policy: "gifts", Version: 2, Period: "2025-Q1",
		From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
		Rate: 0.01, Seed: 42, Items: []QueueItem{{ID: "a", Rules: []string{"card"}}, {ID: "b"}, {ID: "c", Rules: []string{"card", "tickets"}}}}
	made, err := v.AddQueue(q)
	if err != nil {
		t.Fatal(err)
	}
	if made.Name != "gifts/2025-Q1" || made.Actor == "" || made.Time.IsZero() {
		t.Fatalf("queue %+v", made)
	}
	if _, err := v.AddQueue(q); !errors.Is(err, ErrQueueExists) {
		t.Fatalf("the same queue again: %v", err)
	}
	bad := q
	bad.Period, bad.Items = "2025-Q2", []QueueItem{{ID: "a"}, {ID: "a"}}
	if _, err := v.AddQueue(bad); err == nil {
		t.Fatal("a queue listing an item twice was stored")
	}
	bad.Items = []QueueItem{{ID: "a", Assignee: v.Member.Name}, {ID: "b", Assignee: "nobody"}}
	if _, err := v.AddQueue(bad); err == nil || !strings.Contains(err.Error(), `"nobody" is not a member`) {
		t.Fatalf("an item assigned to no member: %v", err)
	}
	bad.Items = bad.Items[:1]
	if got, err := v.AddQueue(bad); err != nil || got.Items[0].Assignee != v.Member.Name {
		t.Fatalf("an item assigned to a member: %+v %v", got, err)
	}

	// Two members decide at once, each through its own handle on the
	// vault (as two processes would): nothing is lost.
	w := f.open(t, Key{Identities: f.key()})
	decide := func(v *Vault, item, kind, comment string) error {
		_, err := v.Decide(Decision{Queue: made.Name, Item: item, Kind: kind, Comment: comment})
		return err
	}
	for _, step := range []struct {
		v                   *Vault
		item, kind, comment string
		wantErr             string
	}{
		{v, "a", DecisionNoIssue, "a birthday card", ""},
		{w, "b", DecisionEscalated, "ask compliance-canary-comment", ""},
		{v, "a", DecisionEscalated, "second look", ""},
		{w, "a", DecisionUndone, "", ""},
		{v, "c", DecisionUndone, "", "no decision to undo"},
		{v, "z", DecisionNoIssue, "", "no such review queue"},
		{v, "a", "maybe", "", "unknown decision"},
		{v, "a", DecisionClosed, "bell\a", "control character"},
	} {
		err := decide(step.v, step.item, step.kind, step.comment)
		if step.wantErr == "" && err != nil || step.wantErr != "" && (err == nil || !strings.Contains(err.Error(), step.wantErr)) {
			t.Fatalf("%s on %s: %v, want %q", step.kind, step.item, err, step.wantErr)
		}
	}
	if _, err := w.Decide(Decision{Queue: "gifts/2024", Item: "a", Kind: DecisionNoIssue}); !errors.Is(err, ErrNoQueue) {
		t.Fatalf("a decision in an unknown queue: %v", err)
	}
	for _, h := range []*Vault{v, w} {
		if err := reload(h); err != nil {
			t.Fatal(err)
		}
		s, err := h.Supervision()
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := s.Verdict(made.Name, "a"); !ok || got.Kind != DecisionNoIssue || got.Comment != "a birthday card" {
			t.Errorf("a: %+v %v, want the first decision back after the undo", got, ok)
		}
		if got, ok := s.Verdict(made.Name, "b"); !ok || got.Kind != DecisionEscalated {
			t.Errorf("b: %+v %v", got, ok)
		}
		if _, ok := s.Verdict(made.Name, "c"); ok {
			t.Error("c decided")
		}
		if len(s.History) != 4 || len(s.Queues) != 2 || len(s.Queues[0].Items) != 3 {
			t.Errorf("%d decisions in the history, %d queues", len(s.History), len(s.Queues))
		}
	}
	// Nothing of a queue or a decision is on disk in the clear.
	for _, canary := range []string{"compliance-canary-comment", "tickets", "gifts/2025"} {
		rawWalk(t, f.dir, func(p string, data []byte) {
			if bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s holds %q", p, canary)
			}
		})
	}
}

func TestAssignments(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	me := v.Member.Name
	q, err := v.AddQueue(Queue{Policy: "gifts", Version: 1, Period: "2025-Q1",
		Items: []QueueItem{{ID: "a", Assignee: me}, {ID: "b", Assignee: me}, {ID: "c"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := f.open(t, Key{Identities: f.key()}) // a second process
	for _, step := range []struct {
		v       *Vault
		a       Assignment
		wantErr string
	}{
		{v, Assignment{Queue: q.Name, Items: []string{"c"}, To: me}, ""},
		{w, Assignment{Queue: q.Name, Items: []string{"a"}}, ""}, // unassigned
		{v, Assignment{Queue: q.Name, Items: []string{"b"}, To: "nobody"}, "not a member"},
		{v, Assignment{Queue: q.Name, Items: []string{"z"}, To: me}, "has no item z"},
		{v, Assignment{Queue: q.Name, Items: []string{"b", "b"}, To: me}, "twice"},
		{v, Assignment{Queue: q.Name}, "names no item"},
		{v, Assignment{Queue: "gifts/2024", Items: []string{"a"}, To: me}, "no such review queue"},
	} {
		_, err := step.v.Assign(step.a)
		if step.wantErr == "" && err != nil || step.wantErr != "" && (err == nil || !strings.Contains(err.Error(), step.wantErr)) {
			t.Fatalf("%+v: %v, want %q", step.a, err, step.wantErr)
		}
	}
	for _, h := range []*Vault{v, w} {
		if err := reload(h); err != nil {
			t.Fatal(err)
		}
		s, err := h.Supervision()
		if err != nil {
			t.Fatal(err)
		}
		sq, _ := s.Queue(q.Name)
		var got []string
		for _, it := range sq.Items {
			got = append(got, it.ID+"="+s.Assignee(q.Name, it))
		}
		if want := "a= b=" + me + " c=" + me; strings.Join(got, " ") != want {
			t.Errorf("assignees %q, want %q", strings.Join(got, " "), want)
		}
		if sq.Items[0].Assignee != me {
			t.Error("the queue itself changed")
		}
	}
}

// FuzzSupervisionJournal feeds journal plaintext, decoded as readJournal
// decodes it, to the replay: whatever the ops, it refuses or applies each
// without panicking, and what it applied stays consistent (a verdict in
// force is a decision kind on an item of its queue; counts fit).
func FuzzSupervisionJournal(f *testing.F) {
	f.Add([]byte(`{"vault_id":"v","name":"supervision/000003-0000.age","ops":[` +
		`{"queue":{"name":"gifts/2025-Q1","policy":"gifts","version":1,"period":"2025-Q1","rate":0.5,"seed":7,"items":[{"id":"a","rules":["r1"]},{"id":"b","assignee":"ann"}],"actor":"ann","time":"2025-04-01T00:00:00Z"}},` +
		`{"decision":{"queue":"gifts/2025-Q1","item":"a","kind":"escalated","comment":"ask legal","actor":"ann","time":"2025-04-02T00:00:00Z"}},` +
		`{"assign":{"queue":"gifts/2025-Q1","items":["a","b"],"to":"bob","actor":"ann","time":"2025-04-02T00:00:00Z"}},` +
		`{"decision":{"queue":"gifts/2025-Q1","item":"a","kind":"undone","actor":"bob","time":"2025-04-03T00:00:00Z"}}]}`))
	f.Add([]byte(`{"ops":[{"decision":{"queue":"x","item":"a","kind":"undone"}},{"assign":{"queue":"x","items":[]}},{}]}`))
	f.Add([]byte(`{"ops":[{"queue":{"name":"p/1","policy":"p","version":1,"period":"1","items":[{"id":"a"},{"id":"a"}]}}]}`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		var jf journalFile[supervisionOp]
		dec := json.NewDecoder(bytes.NewReader(plain))
		dec.DisallowUnknownFields()
		if dec.Decode(&jf) != nil {
			return
		}
		s := &Supervision{}
		for _, op := range jf.Ops {
			_ = s.apply(op)
		}
		for i := range s.Queues {
			q := &s.Queues[i]
			flagged, pending := s.Counts(q)
			if flagged > len(q.Items) || pending > len(q.Items) {
				t.Fatalf("queue %s: %d flagged, %d pending of %d items", q.Name, flagged, pending, len(q.Items))
			}
			for _, it := range q.Items {
				if d, ok := s.Verdict(q.Name, it.ID); ok && !slices.Contains(DecisionKinds, d.Kind) {
					t.Fatalf("item %s: verdict %q in force", it.ID, d.Kind)
				}
			}
		}
		for qn, items := range s.Decisions {
			for id, ds := range items {
				if len(ds) > 0 && !s.hasItem(qn, id) {
					t.Fatalf("decision on %s, not an item of %s", id, qn)
				}
			}
		}
	})
}
