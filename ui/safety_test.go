package ui_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"filippo.io/age"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkClean fails if the raw frame holds anything but our own SGR
// styling: no other escape, no C0 but newline, no C1, no bidi control.
func checkClean(t *testing.T, where, frame string) {
	t.Helper()
	rest := sgr.ReplaceAllString(frame, "")
	for i, r := range rest {
		bad := r == 0x1b || (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
		if bad {
			lo := max(i-30, 0)
			t.Fatalf("%s: unsafe character %U at byte %d: %q", where, r, i, rest[lo:min(i+30, len(rest))])
		}
		if !unicode.IsPrint(r) && r != '\n' && r != ' ' && r != '\u200d' {
			t.Fatalf("%s: unprintable %U at byte %d", where, r, i)
		}
	}
}

// TestHostileText renders a vault of ≥ 50 terminal payloads on every
// screen that shows message data, with colours on, and checks that no
// payload reaches the frame raw and that no line overflows the screen.
func TestHostileText(t *testing.T) {
	if n := len(fixture.HostilePayloads()); n < 50 {
		t.Fatalf("only %d payloads", n)
	}
	f := fixture.New(t, "", append(fixture.Messages(t), fixture.Hostile(t)...))
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		m := ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", Location: time.UTC})
		d := newDriver(t, m, size[0], size[1])
		check := func(where string) {
			t.Helper()
			frame := d.m.View().Content
			checkClean(t, where, frame)
			checkSize(t, normalise(d.screen()), size[0], size[1])
		}
		d.keys("enter")
		check("conversations")
		// The hostile conversation is the oldest: sort by title puts it first.
		d.keys("s")
		d.keys("s", "s") // back to last activity
		d.keys("G", "enter")
		check("hostile conversation, newest")
		if !strings.Contains(d.screen(), "marker") {
			t.Fatalf("the hostile conversation is not on screen:\n%s", d.screen())
		}
		for range 60 {
			d.keys("k")
		}
		check("hostile conversation, scrolled")
		d.keys("enter")
		check("detail")
		d.keys("a")
		check("attachments")
		if !strings.Contains(d.screen(), "1. ▸ file") {
			t.Fatalf("the hostile message's attachments are not listed:\n%s", d.screen())
		}
		d.keys("enter")
		check("attachment pager")
		d.keys("|")
		d.send(tea.PasteMsg{Content: "printf '\033]0;pwned\007\033[2J'"})
		check("pipe prompt")
		d.keys("enter")
		check("pipe output")
		d.keys("esc", "esc")
		for range 10 {
			d.keys("ctrl+d")
		}
		check("detail, headers")
		d.keys("esc", "/")
		d.typeText("marker")
		d.keys("enter")
		check("search results")
		for range 30 {
			d.keys("j")
		}
		check("search results, scrolled")
		d.keys("enter")
		check("hit in context")
		// A pasted query with escapes is echoed safely, then recorded.
		d.keys("/")
		d.send(tea.PasteMsg{Content: "\x1b]0;pwned\x07 \u202e marker"})
		check("pasted query")
		d.keys("enter")
		check("pasted query results")
		d.keys("ctrl+c")
	}

	// The auditor sees those queries, sanitized.
	a := ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Auditor}, Location: time.UTC})
	d := newDriver(t, a, 80, 24)
	checkClean(t, "auditor", d.m.View().Content)
	if !strings.Contains(d.screen(), "search") {
		t.Fatalf("auditor screen lists no search:\n%s", d.screen())
	}
	for range 200 {
		d.keys("k")
		checkClean(t, "auditor rows", d.m.View().Content)
	}
	d.keys("enter")
	checkClean(t, "auditor detail", d.m.View().Content)
	// The titles and senders the trail recorded come from the archive.
	d.keys("esc", "/")
	d.typeText("action:view-conversation")
	d.keys("enter")
	if !strings.Contains(d.screen(), "“Hostile ␛[2J") {
		t.Fatalf("no conversation view by its title, neutralised:\n%s", d.screen())
	}
	for _, k := range []string{"i", "enter", "i"} {
		d.keys(k)
		checkClean(t, "auditor conversations "+k, d.m.View().Content)
	}
}

// TestAuditFailureShowsNothing breaks the audit session after unlock:
// opening a conversation must show an error, never the messages.
func TestAuditFailureShowsNothing(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	m := ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, Location: time.UTC})
	d := newDriver(t, m, 100, 30)
	d.keys("enter")
	if err := ui.InterruptAudit(m); err != nil {
		t.Fatal(err)
	}
	d.keys("j", "enter")
	s := d.screen()
	for _, body := range []string{"Halden", "Morning all", "other phone"} {
		if strings.Contains(s, body) {
			t.Fatalf("message text %q drawn without an audit record:\n%s", body, s)
		}
	}
	if !strings.Contains(s, "not shown") {
		t.Fatalf("no error in the pane:\n%s", s)
	}
	d.keys("k", "enter") // the detail overlay too
	s = d.screen()
	if strings.Contains(s, "Halden") || !strings.Contains(s, "not shown") {
		t.Fatalf("detail drawn without an audit record:\n%s", s)
	}
	d.keys("esc", "/")
	d.typeText("halden")
	d.keys("enter")
	if s := d.screen(); strings.Contains(s, "Halden") || strings.Contains(s, "4 matches") {
		t.Fatalf("search results shown without an audit record:\n%s", s)
	}
}

// TestIdleLock leaves the program alone until it locks itself, and
// checks the lock is audited and the plaintext dropped.
func TestIdleLock(t *testing.T) {
	fx := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(fx.Dir)
	k := fx.Key()
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, IdleLock: 400 * time.Millisecond, Location: time.UTC}, 80, 24)
	f.waitText("enter unlock")
	f.key("enter")
	f.wait("browsing", func(s snapshot) bool { return s.state == ui.StateBrowsing })
	f.key("enter")
	f.waitText("Attached the Q1 draft")
	s := f.wait("idle lock", func(s snapshot) bool { return s.state == ui.StateLocked })
	if s.unlocked || strings.Contains(s.screen, "Q1 draft") {
		t.Fatalf("still holding plaintext after the idle lock:\n%s", s.screen)
	}
	f.waitText("locked after")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	events := fx.Events(t, audit.Filter{Action: audit.ActionLock})
	if len(events) == 0 || events[0].Reason != audit.LockIdle {
		t.Fatalf("lock events %+v, want one with reason idle", events)
	}
}
