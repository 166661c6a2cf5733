package access_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// TestPolicyChangesAudited: adding, editing and removing a policy each
// write one event before the vault changes, naming the policy and the
// version and holding the diff; a rule that does not parse and a stale
// edit are refused (the stale one recorded as failed: it reached the
// vault's check under the write lock).
func TestPolicyChangesAudited(t *testing.T) {
	tv := newTestVault(t, messages(3))
	s := tv.openIndexed(t)
	defer s.Lock("exit")
	p := vault.Policy{Name: "mnpi", Rules: []vault.Rule{{Name: "tip", Query: "lunch"}, {Name: "gift", Query: `"gift card"`}}}
	var qe *index.QueryError
	bad := p
	bad.Rules = []vault.Rule{{Name: "broken", Query: "from:"}}
	before := len(tv.last(t))
	if _, err := s.PutPolicy(bad, 0); !errors.As(err, &qe) {
		t.Fatalf("a rule that does not parse: %v", err)
	}
	if n := len(tv.last(t)); n != before {
		t.Fatalf("a refused policy wrote %d events", n-before)
	}
	p1, err := s.PutPolicy(p, 0)
	if err != nil || p1.Version != 1 {
		t.Fatalf("add: %+v %v", p1, err)
	}
	edit := p
	edit.Rules = []vault.Rule{{Name: "tip", Query: "lunch OR dinner"}}
	if _, err := s.PutPolicy(edit, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPolicy(p, 1); !errors.Is(err, vault.ErrPolicyChanged) {
		t.Fatalf("a stale edit: %v", err)
	}
	if err := s.RemovePolicy("mnpi", 2); err != nil {
		t.Fatal(err)
	}
	var got []audit.Event
	for _, e := range tv.last(t) {
		switch e.Action {
		case audit.ActionPolicyAdd, audit.ActionPolicyEdit, audit.ActionPolicyRemove:
			got = append(got, e)
		}
	}
	want := []struct {
		action audit.Action
		count  int
		reason string
		detail string
	}{
		{audit.ActionPolicyAdd, 1, "", "+ tip: lunch\n+ gift: \"gift card\""},
		{audit.ActionPolicyEdit, 2, "", "- tip: lunch\n+ tip: lunch OR dinner\n- gift: \"gift card\""},
		{audit.ActionPolicyEdit, 2, "", "- tip: lunch OR dinner\n+ tip: lunch\n+ gift: \"gift card\""},
		{audit.ActionPolicyEdit, 2, "failed", "- tip: lunch OR dinner\n+ tip: lunch\n+ gift: \"gift card\""},
		{audit.ActionPolicyRemove, 3, "", "- tip: lunch OR dinner"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d policy events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		if e.Action != w.action || e.Target != "mnpi" || e.Count != w.count || e.Reason != w.reason || e.Detail != w.detail {
			t.Errorf("event %d: %s %q v%d %q %q, want %s v%d %q %q", i, e.Action, e.Target, e.Count, e.Reason, e.Detail, w.action, w.count, w.reason, w.detail)
		}
	}
	vs, err := s.PolicyVersions("mnpi")
	if err != nil || len(vs) != 3 || !vs[2].Removed {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	if ps, err := s.Policies(); err != nil || len(ps) != 0 {
		t.Fatalf("after removal: %+v %v", ps, err)
	}
}

// TestRunPoliciesAudited: applying policies counts each rule's matches
// and the messages any rule flags, and records one policy-run event per
// policy before returning; no message is shown.
func TestRunPoliciesAudited(t *testing.T) {
	tv := newTestVault(t, messages(6)) // "message N about lunch", Ann/Bob/Cy
	s := tv.openIndexed(t)
	defer s.Lock("exit")
	p := vault.Policy{Name: "meals", Rules: []vault.Rule{{Name: "lunch", Query: "lunch"}, {Name: "ann", Query: "from:ann"}, {Name: "none", Query: "dinner"}}}
	if _, err := s.PutPolicy(p, 0); err != nil {
		t.Fatal(err)
	}
	runs, err := s.RunPolicies(context.Background(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := access.PolicyRun{Policy: "meals", Version: 1, Flagged: 6, Rules: []access.RuleHits{{Rule: "lunch", Hits: 6}, {Rule: "ann", Hits: 2}, {Rule: "none", Hits: 0}}}
	if len(runs) != 1 || !reflect.DeepEqual(runs[0], want) {
		t.Fatalf("runs = %+v, want %+v", runs, want)
	}
	runs, err = s.RunPolicies(context.Background(), []string{"meals"}, "from:bob")
	if err != nil || runs[0].Flagged != 2 || runs[0].Rules[1].Hits != 0 {
		t.Fatalf("within from:bob: %+v %v", runs, err)
	}
	if _, err := s.RunPolicies(context.Background(), []string{"nope"}, ""); !errors.Is(err, vault.ErrNoPolicy) {
		t.Fatalf("unknown policy: %v", err)
	}
	var got []audit.Event
	for _, e := range tv.last(t) {
		if e.Action == audit.ActionPolicyRun {
			got = append(got, e)
		}
		if e.Action == audit.ActionViewMessages || e.Action == audit.ActionViewMessage {
			t.Errorf("running policies showed messages: %+v", e)
		}
	}
	if len(got) != 2 || got[0].Target != "meals" || got[0].Count != 1 || got[0].Results != 6 || got[0].Detail != "lunch 6 · ann 2 · none 0" ||
		got[1].Query != "from:bob" || got[1].Results != 2 {
		t.Fatalf("events: %+v", got)
	}
}

// TestRunPoliciesFailing: policies are counted together, but when a rule
// fails the policies before its own are recorded as they were when each
// was counted alone, and the error names the policy, the rule and the
// column within the rule.
func TestRunPoliciesFailing(t *testing.T) {
	tv := newTestVault(t, messages(6)) // "message N about lunch", Ann/Bob/Cy
	s := tv.openIndexed(t)
	defer s.Lock("exit")
	for _, p := range []vault.Policy{
		{Name: "alpha", Rules: []vault.Rule{{Name: "lunch", Query: "lunch"}, {Name: "ann", Query: "from:ann lunch"}}},
		{Name: "beta", Rules: []vault.Rule{{Name: "ok", Query: "lunch"}, {Name: "bad", Query: `lunch "!!!"`}}},
		{Name: "gamma", Rules: []vault.Rule{{Name: "bob", Query: "from:bob"}, {Name: "lunch", Query: "lunch"}}},
	} {
		if _, err := s.PutPolicy(p, 0); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.RunPolicies(context.Background(), []string{"gamma", "alpha"}, "")
	want := []access.PolicyRun{
		{Policy: "gamma", Version: 1, Flagged: 6, Rules: []access.RuleHits{{Rule: "bob", Hits: 2}, {Rule: "lunch", Hits: 6}}},
		{Policy: "alpha", Version: 1, Flagged: 6, Rules: []access.RuleHits{{Rule: "lunch", Hits: 6}, {Rule: "ann", Hits: 2}}},
	}
	if err != nil || !reflect.DeepEqual(runs, want) {
		t.Fatalf("runs = %+v, %v; want %+v", runs, err, want)
	}
	_, err = s.RunPolicies(context.Background(), []string{"alpha", "beta", "gamma"}, "")
	var qe *index.QueryError
	if err == nil || err.Error() != `policy beta: rule bad: query: column 7: no searchable characters` || !errors.As(err, &qe) {
		t.Fatalf("a failing rule: %v", err)
	}
	var got []string
	for _, e := range tv.last(t) {
		if e.Action == audit.ActionPolicyRun {
			got = append(got, e.Target+": "+e.Detail)
		}
	}
	if want := []string{"gamma: bob 2 · lunch 6", "alpha: lunch 6 · ann 2", "alpha: lunch 6 · ann 2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events: %q, want %q", got, want)
	}
}
