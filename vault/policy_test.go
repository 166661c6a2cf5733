package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPolicyVersions(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	removeFolder(t, f.dir, "policies") // vaults from before policies
	if ps, err := v.Policies(); err != nil || len(ps) != 0 {
		t.Fatalf("new vault: %v %v", ps, err)
	}
	mnpi := Policy{Name: "mnpi", Description: "insider dealing", Rules: []Rule{
		{Name: "tip", Query: `"inside info" OR policy-canary-word`},
		{Name: "trade", Query: "buy NEAR/5 before"},
	}}
	p1, err := v.PutPolicy(mnpi, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Version != 1 || p1.Actor == "" || p1.Time.IsZero() {
		t.Fatalf("first version: %+v", p1)
	}
	if _, err := v.PutPolicy(mnpi, 0); !errors.Is(err, ErrPolicyChanged) {
		t.Fatalf("adding an existing policy: %v", err)
	}
	if _, err := v.PutPolicy(mnpi, 1); err == nil || !strings.Contains(err.Error(), "no change") {
		t.Fatalf("an unchanged version: %v", err)
	}
	// Two members edit version 1 at once: the second is refused, not lost.
	w := f.open(t, Key{Identities: f.key()})
	edit := mnpi
	edit.Rules = append(edit.Rules[:1:1], Rule{Name: "gift", Query: "gift card"})
	if _, err := w.PutPolicy(edit, 1); err != nil {
		t.Fatal(err)
	}
	other := mnpi
	other.Description = "changed meanwhile"
	if _, err := v.PutPolicy(other, 1); !errors.Is(err, ErrPolicyChanged) {
		t.Fatalf("a stale edit: %v", err)
	}
	if _, err := v.RemovePolicy("mnpi", 1); !errors.Is(err, ErrPolicyChanged) {
		t.Fatalf("a stale removal: %v", err)
	}
	if _, err := v.RemovePolicy("mnpi", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Policy("mnpi"); !errors.Is(err, ErrNoPolicy) {
		t.Fatalf("a removed policy: %v", err)
	}
	if _, err := v.RemovePolicy("mnpi", 3); !errors.Is(err, ErrNoPolicy) {
		t.Fatalf("removing twice: %v", err)
	}
	// Adding it again continues the numbering: version 4.
	p4, err := v.PutPolicy(mnpi, 0)
	if err != nil || p4.Version != 4 {
		t.Fatalf("re-added: %+v %v", p4, err)
	}
	x := f.open(t, f.passKey())
	vs, err := x.PolicyVersions("mnpi")
	if err != nil || len(vs) != 4 {
		t.Fatalf("history: %v %v", vs, err)
	}
	if !vs[2].Removed || len(vs[1].Rules) != 2 || vs[1].Rules[1].Name != "gift" || vs[3].Rules[0].Query != mnpi.Rules[0].Query {
		t.Fatalf("history: %+v", vs)
	}
	if ps, err := x.Policies(); err != nil || len(ps) != 1 || ps[0].Version != 4 {
		t.Fatalf("current: %+v %v", ps, err)
	}
	// Rules never reach disk in plaintext, and the vault verifies.
	rawWalk(t, f.dir, func(p string, data []byte) {
		if bytes.Contains(data, []byte("policy-canary-word")) {
			t.Errorf("%s holds a policy rule", p)
		}
	})
	if rep, err := Verify(f.dir); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep)
	}
}

func TestPolicyInvalid(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	many := make([]Rule, MaxPolicyRules+1)
	for i := range many {
		many[i] = Rule{Name: "r" + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)), Query: "q"}
	}
	for _, p := range []Policy{
		{Name: "", Rules: []Rule{{Name: "a", Query: "q"}}},
		{Name: "two words", Rules: []Rule{{Name: "a", Query: "q"}}},
		{Name: "none"},
		{Name: "dup", Rules: []Rule{{Name: "a", Query: "q"}, {Name: "a", Query: "r"}}},
		{Name: "emptyq", Rules: []Rule{{Name: "a", Query: "  "}}},
		{Name: "ctl", Rules: []Rule{{Name: "a", Query: "a\x1b[31m"}}},
		{Name: "rulename", Rules: []Rule{{Name: "", Query: "q"}}},
		{Name: "long", Description: strings.Repeat("d", maxPolicyDescription+1), Rules: []Rule{{Name: "a", Query: "q"}}},
		{Name: "many", Rules: many},
	} {
		if _, err := v.PutPolicy(p, 0); err == nil {
			t.Errorf("PutPolicy(%.40q) accepted", p.Name)
		}
	}
}

func TestTamperPolicyFile(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	if _, err := v.PutPolicy(Policy{Name: "p", Rules: []Rule{{Name: "a", Query: "q"}}}, 0); err != nil {
		t.Fatal(err)
	}
	name := v.Manifest.Files("policies")[0].Name
	b := rawRead(t, f.dir, name)
	b[len(b)-3] ^= 1
	rawWrite(t, f.dir, name, b)
	w, err := Unlock(f.dir, f.passKey())
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Policies()
	if te, ok := err.(*TamperError); !ok || te.File != name {
		t.Fatalf("list: %v, want a tamper error naming %s", err, name)
	}
}
