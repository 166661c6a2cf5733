package ui_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

// TestReviewPane drives the real program through a review queue: R lists
// the queues, enter opens one and then an item's conversation (recorded
// as shown), c keeps a comment for the next decision, 1 and 2 decide
// (2 also tags the message escalated) and move to the next pending item,
// u undoes; every decision is in the journal and the trail.
func TestReviewPane(t *testing.T) {
	var items []vault.QueueItem
	fx, k, man := haldenVault(t, func(v *vault.Vault, halden []string) {
		for _, id := range halden {
			items = append(items, vault.QueueItem{ID: id, Rules: []string{"halden"}})
		}
		if len(items) < 3 {
			t.Fatalf("the fixture has %d messages about Halden", len(items))
		}
		items[2].Assignee = v.Member.Name
		if _, err := v.AddQueue(vault.Queue{Policy: "handling", Version: 1, Period: "2024", Items: items}); err != nil {
			t.Fatal(err)
		}
	})
	me := items[2].Assignee
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC}, 100, 30)
	f.key("enter")
	f.waitText("search ready")
	f.key("R")
	f.waitText("Review queues (1)")
	f.waitText("handling/2024 · v1")
	f.key("enter")
	f.waitText("handling/2024 · " + itoa(len(items)) + " pending")
	f.key("enter") // the first item, in its conversation, through its rules
	f.waitText("flagged by handling v1: halden")
	f.key("c")
	f.waitText("Comment on this item")
	f.typeText("seen before")
	f.key("enter")
	f.waitText("comment kept for the next decision")
	f.key("1")
	f.waitText(items[0].ID[:12] + ": no-issue")
	f.key("2") // the next pending item
	f.waitText(items[1].ID[:12] + ": escalated, tagged escalated")
	f.key("k")
	f.key("u")
	f.waitText(items[1].ID[:12] + ": latest decision undone")
	f.waitText("handling/2024 · " + itoa(len(items)-1) + " pending")
	f.key("m") // only the item assigned to this member
	f.waitText("only your items (1)")
	f.waitText(items[2].ID[:12] + " → " + me)
	f.key("m")
	f.waitText("all items · m: only yours")
	f.key("esc")
	f.waitText("Review queues (1)")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	var got []string
	shown := false
	for _, e := range fx.Events(t, audit.Filter{}) {
		switch e.Action {
		case audit.ActionSearch:
			got = append(got, "search "+e.Query)
		case audit.ActionReviewDecide:
			got = append(got, e.Detail+" "+e.Messages[0][:12])
		case audit.ActionTagAdd:
			got = append(got, "tag "+e.Tag+" "+e.Messages[0][:12])
		case audit.ActionViewConversation, audit.ActionViewMessages:
			shown = shown || slices.Contains(e.Messages, items[0].ID)
		}
	}
	want := []string{"search id:" + items[0].ID + " AND ((halden))", "no-issue: seen before " + items[0].ID[:12], "escalated " + items[1].ID[:12], "tag escalated " + items[1].ID[:12], "undone " + items[1].ID[:12]}
	if !slices.Equal(got, want) {
		t.Errorf("audit trail: got %q, want %q", got, want)
	}
	if !shown {
		t.Error("opening the first item recorded no view of it")
	}
	v, err := vault.Unlock(fx.Dir, k)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	sup, err := v.Supervision()
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := sup.Verdict("handling/2024", items[0].ID); !ok || d.Kind != vault.DecisionNoIssue || d.Comment != "seen before" {
		t.Errorf("first item: %+v %v", d, ok)
	}
	if _, ok := sup.Verdict("handling/2024", items[1].ID); ok {
		t.Error("the undone decision is still in force")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestFlaggedMessages: once the index is complete the policies are
// applied (each recorded as a policy run), and a flagged message says
// which policy and rule flagged it wherever it is shown, after its view
// was recorded.
func TestFlaggedMessages(t *testing.T) {
	flagged := 0
	fx, k, man := haldenVault(t, func(_ *vault.Vault, halden []string) { flagged = len(halden) })
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC}, 120, 30)
	f.key("enter")
	f.waitText("search ready · ⚑ " + itoa(flagged) + " flagged") // at 120 columns
	f.waitText("· ⚑ ")                                           // the conversations holding them say how many
	f.key("/")
	f.typeText("halden")
	f.key("enter")
	f.waitText("matches for halden")
	f.key("enter") // the first hit, in its conversation
	f.waitText("⚑ flagged by handling v1: halden")
	f.key("F") // the conversation's next flagged message: this one again
	f.waitText("flagged messages: back at the first")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	var got []string
	for _, e := range fx.Events(t, audit.Filter{}) {
		switch e.Action {
		case audit.ActionPolicyRun:
			got = append(got, "policy-run "+e.Target+" "+strconv.Itoa(e.Results))
		case audit.ActionSearch:
			got = append(got, "search "+e.Query)
		}
	}
	if want := []string{"policy-run handling " + itoa(flagged), "search halden"}; !slices.Equal(got, want) {
		t.Errorf("trail %q, want %q", got, want)
	}
}

// haldenVault makes the fixture vault with the policy "handling" (one
// rule, "halden"); more runs with the vault unlocked and the ids of the
// messages about Halden, before it is closed.
func haldenVault(t *testing.T, more func(v *vault.Vault, halden []string)) (*fixture.Vault, vault.Key, *vault.Manifest) {
	t.Helper()
	fx := fixture.New(t, "", fixture.Messages(t))
	k := fx.Key()
	v, err := vault.Unlock(fx.Dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Load(nil); err != nil {
		t.Fatal(err)
	}
	var halden []string
	for _, m := range v.Messages() {
		if strings.Contains(strings.ToLower(m.Body), "halden") {
			halden = append(halden, strings.Clone(m.ID)) // Close wipes m
		}
	}
	if _, err := v.PutPolicy(vault.Policy{Name: "handling", Rules: []vault.Rule{{Name: "halden", Query: "halden"}}}, 0); err != nil {
		t.Fatal(err)
	}
	more(v, halden)
	v.Close()
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return fx, k, man
}
