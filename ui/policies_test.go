package ui_test

import (
	"slices"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

// TestPoliciesPane drives the real program: L lists the rules of the
// vault's policies under their policy and version, enter searches one
// (recorded as the search it is), L again goes back to the conversations.
func TestPoliciesPane(t *testing.T) {
	fx := fixture.New(t, "", fixture.Messages(t))
	k := fx.Key()
	v, err := vault.Unlock(fx.Dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutPolicy(vault.Policy{Name: "handling", Rules: []vault.Rule{{Name: "halden", Query: "halden"}, {Name: "late", Query: "late NEAR/3 night"}}}, 0); err != nil {
		t.Fatal(err)
	}
	v.Close()
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC}, 80, 24)
	f.key("enter")
	f.waitText("search ready")
	f.key("L")
	f.waitText("Policies (1) · 2 rules")
	f.waitText("handling v1 · halden")
	f.waitText("late NEAR/3 night")
	f.key("enter")
	f.waitText("4 matches for the rule handling v1 · halden: halden")
	f.waitText("Done. Halden is handled.")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	var got []string
	for _, e := range fx.Events(t, audit.Filter{}) {
		switch e.Action {
		case audit.ActionSearch:
			got = append(got, "search "+e.Query)
		case audit.ActionPolicyAdd, audit.ActionPolicyEdit:
			got = append(got, string(e.Action))
		}
	}
	if want := []string{"search halden"}; !slices.Equal(got, want) {
		t.Errorf("audit trail: got %q, want %q", got, want)
	}
}
