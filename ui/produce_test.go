package ui_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
	"coffer/vault/production"
)

// TestProduceFlow drives the real program: search, P, the dialog shows
// the count and asks for the recipient and the file, enter produces; the
// package verifies against the vault, and the trail holds exactly the
// production's three events.
func TestProduceFlow(t *testing.T) {
	fx := fixture.New(t, "", fixture.Messages(t))
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	k := fx.Key()
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, Location: time.UTC}, 120, 30)
	f.key("enter")
	f.wait("browsing with the index ready", func(s snapshot) bool {
		return s.state == ui.StateBrowsing && strings.Contains(s.screen, "search ready")
	})
	f.key("/")
	f.typeText("halden")
	f.key("enter")
	f.waitText("4 matches for halden")

	f.key("P")
	f.waitText("Produce for another party?")
	f.waitText("4 messages matching halden")
	receiver, _ := age.GenerateX25519Identity()
	out := filepath.Join(t.TempDir(), "P1.age")
	f.typeText(receiver.Recipient().String())
	f.key("enter")
	f.typeText(out)
	f.key("enter")
	f.waitText("produced 4 messages and 0 attachments as PROD0000001-PROD0000004")

	// P again, then esc: nothing happens.
	f.key("P")
	f.waitText("Produce for another party?")
	f.key("esc")
	f.waitText("nothing produced")

	file, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	m, _ := vault.ReadManifest(fx.Dir)
	rep, err := production.Verify(file, []age.Identity{receiver}, production.Pin{Vault: m})
	if err != nil || !rep.OK() || rep.Manifest.Messages != 4 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	evs := fx.Events(t, audit.Filter{Action: audit.ActionProduce})
	if len(evs) != 3 || !evs[0].Intent || evs[0].Query != "halden" || evs[0].Count != 4 || evs[0].Target != out ||
		len(evs[1].Messages) != 4 || evs[1].Detail != "PROD0000001-PROD0000004 to "+receiver.Recipient().String() ||
		evs[2].Reason != audit.ReasonCommitted {
		t.Fatalf("produce events %+v", evs)
	}
	if !slices.IsSortedFunc(evs[1].Sent, func(a, b audit.Sent) int { return a.Time.Compare(b.Time) }) {
		t.Error("not produced in time order")
	}
}

// TestProduceTag: P on a tag in the tags pane produces tag:NAME; an
// output that exists is refused with the reason, and nothing recorded.
func TestProduceTag(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 120, 30, true)
	d.keys("/")
	d.typeText("halden")
	d.keys("enter", "A")
	d.typeText("review")
	d.keys("enter", "y")
	wantScreen(t, d, "tagged 4 messages: review")
	d.keys("#", "P")
	wantScreen(t, d, "Produce for another party?", `4 messages matching tag:"review"`)
	receiver, _ := age.GenerateX25519Identity()
	exists := filepath.Join(t.TempDir(), "x.age")
	os.WriteFile(exists, nil, 0o600)
	d.typeText(receiver.Recipient().String())
	d.keys("tab")
	d.typeText(exists)
	d.keys("enter")
	wantScreen(t, d, "not produced:", "exists")
	if evs := f.Events(t, audit.Filter{Action: audit.ActionProduce}); len(evs) != 0 {
		t.Errorf("a refused production recorded %d events", len(evs))
	}
}
