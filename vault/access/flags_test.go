package access_test

import (
	"context"
	"strings"
	"testing"

	"coffer/vault"
	"coffer/vault/audit"
)

// TestApplyPolicies: the current version of every policy flags the
// messages its rules match, each run recorded before the flags are
// returned; FlagSpans highlights, in flagged messages only, the words of
// the rules that flagged them.
func TestApplyPolicies(t *testing.T) {
	msgs := messages(12) // "message N about lunch", Ann/Bob/Cy in turn
	tv := newTestVault(t, msgs)
	s := tv.openIndexed(t)
	defer s.Lock("exit")
	ctx := context.Background()

	if f, err := s.ApplyPolicies(ctx); err != nil || f.Len() != 0 {
		t.Fatalf("no policies: %d flagged, %v", f.Len(), err)
	}
	if _, err := s.PutPolicy(vault.Policy{Name: "meals", Rules: []vault.Rule{
		{Name: "ann", Query: "from:ann"}, {Name: "three", Query: `"message 3"`}}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPolicy(vault.Policy{Name: "meals", Rules: []vault.Rule{
		{Name: "ann", Query: "from:ann"}, {Name: "three", Query: `"message 3"`}, {Name: "five", Query: "5 lunch"}}}, 1); err != nil {
		t.Fatal(err)
	}
	f, err := s.ApplyPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Ann sent 0, 3, 6, 9; "message 3" is 3; "5 lunch" is 5.
	want := map[int]string{0: "ann", 3: "ann three", 5: "five", 6: "ann", 9: "ann"}
	for i, m := range msgs {
		var got []string
		for _, fl := range f.Of(m.ID) {
			if fl.Policy != "meals" || fl.Version != 2 {
				t.Errorf("%d: flag %+v", i, fl)
			}
			got = append(got, fl.Rule)
		}
		if strings.Join(got, " ") != want[i] {
			t.Errorf("message %d flagged by %q, want %q", i, got, want[i])
		}
	}
	if f.Len() != len(want) {
		t.Errorf("%d flagged, want %d", f.Len(), len(want))
	}

	spans, err := s.FlagSpans(ctx, f, []string{msgs[3].ID, msgs[5].ID, msgs[4].ID})
	if err != nil {
		t.Fatal(err)
	}
	text := func(i int) []string {
		var out []string
		for _, sp := range spans[msgs[i].ID] {
			out = append(out, sp.Field+":"+msgs[i].Body[sp.Start:sp.End])
		}
		return out
	}
	if got := strings.Join(text(3), " "); got != "body:message 3" {
		t.Errorf("spans of message 3: %q", got)
	}
	if got := strings.Join(text(5), " "); got != "body:5 body:lunch" {
		t.Errorf("spans of message 5: %q", got)
	}
	if _, ok := spans[msgs[4].ID]; ok {
		t.Error("an unflagged message got spans")
	}

	var runs []string
	for _, e := range tv.last(t) {
		switch e.Action {
		case audit.ActionPolicyRun:
			runs = append(runs, e.Target+" "+e.Detail)
		case audit.ActionSearch, audit.ActionViewMessages, audit.ActionViewMessage:
			t.Errorf("flagging recorded %s", e.Action)
		}
	}
	if got := strings.Join(runs, "\n"); got != "meals ann 4 · three 1 · five 1" {
		t.Errorf("policy runs recorded:\n%s", got)
	}
}
