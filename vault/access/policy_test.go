package access_test

import (
	"errors"
	"testing"

	"coffer/index"
	"coffer/vault"
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
