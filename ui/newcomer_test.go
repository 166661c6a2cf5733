package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/ui/pages/unlock"
	"coffer/vault"
	"coffer/vault/audit"
)

// Tests for what a newcomer met: each failed before its fix.

// paneRows returns the rows of the right pane (after the left pane's
// separator) between the header and the status line.
func paneRows(screen string) []string {
	lines := strings.Split(screen, "\n")
	var out []string
	for _, l := range lines[1 : len(lines)-1] {
		if i := strings.Index(l, "│"); i >= 0 {
			out = append(out, strings.TrimRight(l[i+len("│"):], " "))
		}
	}
	return out
}

// TestReopenSearchWithLastQuery: / reopens the box with the last query,
// editable, whether it parsed or not.
func TestReopenSearchWithLastQuery(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("/")
	d.typeText("halden")
	d.keys("enter", "/")
	wantScreen(t, d, "/ halden")
	d.keys("esc", "/", "right") // reopened with the query: move, then edit it
	d.typeText(" (report")
	d.keys("enter")
	wantScreen(t, d, "missing \")\"")
	d.keys("esc", "/")
	if s := d.screen(); !strings.Contains(s, "/ halden (report") || strings.Contains(s, "(report/") {
		t.Fatalf("after a failed query, / does not reopen with it:\n%s", s)
	}
	// Typing replaces the reopened query.
	d.typeText("lunch")
	wantScreen(t, d, "/ lunch")
}

// TestOpenConversationShowsNewestAtBottom: a conversation that does not
// fit opens with its newest message at the bottom of the pane and what
// came before above it (partly, if it is tall), not alone at the top over
// blank rows.
func TestOpenConversationShowsNewestAtBottom(t *testing.T) {
	conv := vault.Conversation{ID: "email:thread", Title: "Expense claim"}
	var msgs []*vault.Message
	for i := range 3 {
		m := &vault.Message{Source: "email", Conversation: conv, Sender: "Marcus", Subject: fmt.Sprintf("RE: claim %d", i),
			Time: time.Date(2025, 3, 17, 12, i, 0, 0, time.UTC), Body: strings.Repeat(fmt.Sprintf("line of message %d\n", i), 12) + fmt.Sprintf("end of message %d", i)}
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	f := fixture.New(t, "", msgs)
	d := unlocked(t, f, 80, 24, true)
	d.keys("enter")
	rows := paneRows(d.screen())
	last, prev := -1, -1
	for i, r := range rows {
		switch {
		case strings.Contains(r, "message 2"):
			last = i
		case strings.Contains(r, "message 1"):
			prev = i
		}
	}
	if last < 0 || prev < 0 || prev > last {
		t.Fatalf("the newest message and the one before are not both on screen, in order:\n%s", d.screen())
	}
	blank := 0
	for _, r := range rows[last:] {
		if strings.TrimSpace(r) == "" {
			blank++
		}
	}
	if blank > 1 {
		t.Fatalf("%d blank rows under the newest message:\n%s", blank, d.screen())
	}
}

// TestFilterCursorAndEsc: a filter puts the cursor on the first match;
// esc clears it, and the screen says how.
func TestFilterCursorAndEsc(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("f")
	wantScreen(t, d, "esc clear it")
	d.typeText("a")
	d.keys("enter")
	wantScreen(t, d, "filter: a · esc clears")
	// The cursor is on the first listed conversation: enter opens it.
	first := firstConversationTitle(d.screen())
	d.keys("enter")
	if !strings.Contains(d.screen(), "› "+first) {
		t.Fatalf("enter after filtering did not open the first match %q:\n%s", first, d.screen())
	}
	d.keys("tab", "esc")
	if strings.Contains(d.screen(), "filter: a") {
		t.Fatalf("esc did not clear the filter:\n%s", d.screen())
	}
}

// firstConversationTitle is the title on the first row of the left pane.
func firstConversationTitle(screen string) string {
	lines := strings.Split(screen, "\n")
	for _, l := range lines[2:] {
		left := l
		if i := strings.Index(l, "│"); i >= 0 {
			left = l[:i]
		}
		if t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(left), "› ")); t != "" {
			return t
		}
	}
	return ""
}

// TestFacetsFollowTags: after tagging a hit, the facet line counts it.
func TestFacetsFollowTags(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 160, 50, true)
	d.keys("/")
	d.typeText("halden")
	d.keys("enter", "t")
	d.typeText("hot")
	d.keys("enter")
	wantScreen(t, d, "hot 1")
	d.keys("T")
	d.typeText("hot")
	d.keys("enter")
	if strings.Contains(d.screen(), "hot 1") {
		t.Fatalf("the tag facet still counts a removed tag:\n%s", d.screen())
	}
}

// TestCountsAreWords: no "1 matches", "1 more lines", "message(s)".
func TestCountsAreWords(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("/")
	d.typeText("auditors")
	d.keys("enter")
	wantScreen(t, d, "1 match for auditors")
	d.keys("t")
	d.typeText("hot")
	d.keys("enter")
	wantScreen(t, d, "tagged 1 message: hot")
	for _, bad := range []string{"1 matches", "message(s)"} {
		if strings.Contains(d.screen(), bad) {
			t.Fatalf("screen says %q:\n%s", bad, d.screen())
		}
	}
}

// TestHelpEverywhere: ? answers in message detail too, with the keys that
// work there, and goes back to the detail.
func TestHelpEverywhere(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("enter", "enter")
	wantScreen(t, d, "Provenance")
	d.keys("?")
	wantScreen(t, d, "Keys", "remove tag", "any key closes")
	d.keys("x")
	wantScreen(t, d, "Provenance")
}

// TestFieldTyposAndCompletion: a mistyped field is an error that says
// which field was meant, without a package prefix; tab completes field
// names and the values of from:, in: and tag:.
func TestFieldTyposAndCompletion(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 120, 30, true)
	d.keys("/")
	d.typeText("form:alice")
	d.keys("enter")
	wantScreen(t, d, `unknown field "form": did you mean from:?`)
	if strings.Contains(d.screen(), "index:") {
		t.Fatalf("an internal prefix in the error:\n%s", d.screen())
	}
	d.keys("esc", "/")
	d.typeText("fr")
	d.keys("tab")
	wantScreen(t, d, "/ from:")
	d.typeText("Ali")
	d.keys("tab")
	wantScreen(t, d, `/ from:"Alice Moreau" `)
	d.typeText("in:Tr")
	d.keys("tab")
	wantScreen(t, d, `/ from:"Alice Moreau" in:"Trading desk" `)
	d.keys("enter")
	wantScreen(t, d, "for from:\"Alice Moreau\" in:\"Trading desk\"")
	d.keys("esc", "/")
	d.typeText("t")
	d.keys("tab")
	wantScreen(t, d, "tab: to:  tag:")
}

// TestKeysDuringUnlockAreKept: keys typed while the vault decrypts are
// replayed, in order, once the conversations are shown.
func TestKeysDuringUnlockAreKept(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, Location: time.UTC}), 100, 30)
	m := d.model()
	_, unlockCmd := m.Update(unlock.SubmitMsg{})
	_, loading := m.Update(unlockCmd())
	d.keys("j", "j", "enter") // while decrypting: the browse page does not exist yet
	d.run(loading)
	if m.State() != ui.StateBrowsing {
		t.Fatalf("state %v", m.State())
	}
	wantScreen(t, d, "Frank (private) · telegram")
}

// TestIdleLockCountdown: the status bar counts down before the idle lock
// (the last 30 s; half the time for a short lock), and a key stops it.
func TestIdleLockCountdown(t *testing.T) {
	fx := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(fx.Dir)
	k := fx.Key()
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, IdleLock: 3 * time.Second, Location: time.UTC}, 100, 24)
	f.waitText("enter unlock")
	f.key("enter")
	f.waitText("locks in")
	f.key("j")
	f.wait("countdown gone", func(s snapshot) bool { return !strings.Contains(s.screen, "locks in") })
	f.waitText("locks in")
	f.wait("idle lock", func(s snapshot) bool { return s.state == ui.StateLocked })
	f.key("ctrl+c")
}

// TestLookalikeSenders: a sender whose name mixes scripts, or looks like
// another participant's, is marked, with the reason in the detail view.
func TestLookalikeSenders(t *testing.T) {
	conv := vault.Conversation{ID: "slack:C9", Title: "#desk"}
	var msgs []*vault.Message
	for i, who := range []string{"Zoë Castellane", "Zоё Castellane"} { // the second has Cyrillic о and ё
		m := &vault.Message{Source: "slack", Conversation: conv, Sender: who, Time: time.Date(2025, 3, 20, 10, i, 0, 0, time.UTC), Body: fmt.Sprintf("message %d", i)}
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	f := fixture.New(t, "", msgs)
	d := unlocked(t, f, 120, 30, true)
	d.keys("enter")
	wantScreen(t, d, "⚠ mixes Cyrillic and Latin letters", "⚠ looks like")
	d.keys("enter")
	wantScreen(t, d, "⚠ this name mixes Cyrillic and Latin letters")
}

// TestEmailReplyQuotesParent: an email reply names its parent by
// Message-ID; with the parent on screen, the reply quotes it.
func TestEmailReplyQuotesParent(t *testing.T) {
	conv := vault.Conversation{ID: "email:<p1@corp.example>", Title: "Expense claim"}
	parent := &vault.Message{Source: "email", Conversation: conv, Sender: "Zoë", Subject: "Expense claim", Body: "Who was the guest?",
		Time: time.Date(2025, 3, 17, 12, 0, 0, 0, time.UTC), Provenance: vault.Provenance{OriginalID: "<p1@corp.example>"}}
	reply := &vault.Message{Source: "email", Conversation: conv, Sender: "Marcus", Subject: "RE: Expense claim", Body: "A friend.",
		Time: time.Date(2025, 3, 17, 12, 5, 0, 0, time.UTC), ReplyTo: "email:<p1@corp.example>", Provenance: vault.Provenance{OriginalID: "<r1@corp.example>"}}
	for _, m := range []*vault.Message{parent, reply} {
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
	}
	f := fixture.New(t, "", []*vault.Message{parent, reply})
	d := unlocked(t, f, 100, 30, true)
	d.keys("enter")
	wantScreen(t, d, "↪ Zoë: Who was the guest?")
}

// TestDetailNextPrevAndResultSort: J/K move through a conversation's
// messages in detail (each recorded); s in search results cycles the
// order of the results, not the conversations.
func TestDetailNextPrevAndResultSort(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 120, 40, true)
	d.keys("j", "enter", "enter") // Trading desk, its newest message in detail
	wantScreen(t, d, "新しい情報があります")
	d.keys("K")
	wantScreen(t, d, "Bob Chen left")
	d.keys("J")
	wantScreen(t, d, "新しい情報があります")
	d.keys("J")
	wantScreen(t, d, "no more messages")
	d.keys("esc", "/")
	d.typeText("halden")
	d.keys("enter")
	wantScreen(t, d, "newest first")
	first := paneRows(d.screen())[5]
	d.keys("s")
	wantScreen(t, d, "oldest first")
	if paneRows(d.screen())[5] == first {
		t.Fatalf("s did not reorder the results:\n%s", d.screen())
	}
	d.keys("s")
	wantScreen(t, d, "relevance first")
	evs := f.Events(t, audit.Filter{Action: audit.ActionViewMessage})
	if len(evs) != 3 {
		t.Fatalf("%d detail views recorded, want 3 (open, K, J; none for the refused J)", len(evs))
	}
}

// TestCopyIDAndCitation: y copies the selected message's id, Y a
// citation; each is recorded, and neither carries the message's text.
func TestCopyIDAndCitation(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 120, 40, true)
	d.keys("j", "enter") // Trading desk: the newest message is selected
	d.keys("y")
	wantScreen(t, d, "copied the id (recorded)")
	if len(d.clipboard) != 32 {
		t.Fatalf("clipboard %q, want a message id", d.clipboard)
	}
	id := d.clipboard
	d.keys("enter", "Y")
	want := "Case 2025-117, Trading desk, 2025-03-13T09:00:00Z, Carla Diaz, whatsapp message " + id
	if d.clipboard != want {
		t.Fatalf("citation %q, want %q", d.clipboard, want)
	}
	if strings.Contains(d.clipboard, "新しい") {
		t.Fatal("the citation carries the message's text")
	}
	evs := f.Events(t, audit.Filter{Action: audit.ActionCopy})
	if len(evs) != 2 || evs[0].Detail != "id" || evs[1].Detail != "citation" || evs[1].Messages[0] != id {
		t.Fatalf("copy events %+v", evs)
	}
}

// TestThreadView: v shows an email conversation as a reply tree (each
// reply under what it answers), and back in time order.
// budgetThread is an email conversation of four messages: Ann's root,
// Bob's and Cy's replies to it, and Ann's reply to Bob, with the bodies
// given in that order.
func budgetThread(t *testing.T, root, bob, cy, ann string) []*vault.Message {
	t.Helper()
	conv := vault.Conversation{ID: "email:<a@x>", Title: "Budget"}
	mk := func(min int, who, oid, replyTo, body string) *vault.Message {
		m := &vault.Message{Source: "email", Conversation: conv, Sender: who, Subject: "Budget", Body: body, ReplyTo: replyTo,
			Time: time.Date(2025, 3, 3, 9, min, 0, 0, time.UTC), Provenance: vault.Provenance{OriginalID: oid}}
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return []*vault.Message{
		mk(0, "Ann", "<a@x>", "", root),
		mk(1, "Bob", "<b@x>", "email:<a@x>", bob),
		mk(2, "Cy", "<c@x>", "email:<a@x>", cy),
		mk(3, "Ann", "<d@x>", "email:<b@x>", ann),
	}
}

func TestThreadView(t *testing.T) {
	msgs := budgetThread(t, "root message", "first reply", "second reply", "reply to the first reply")
	f := fixture.New(t, "", msgs)
	d := unlocked(t, f, 100, 40, true)
	d.keys("enter", "v")
	wantScreen(t, d, "thread · Budget")
	order := func() []string {
		var out []string
		for _, r := range paneRows(d.screen()) {
			for _, b := range []string{"root message", "first reply", "second reply", "reply to the first reply"} {
				if strings.TrimSpace(strings.TrimLeft(r, "▌ ")) == b {
					out = append(out, b)
				}
			}
		}
		return out
	}
	if got := strings.Join(order(), " / "); got != "root message / first reply / reply to the first reply / second reply" {
		t.Fatalf("thread order %q:\n%s", got, d.screen())
	}
	if !strings.Contains(d.screen(), "└ Ann") {
		t.Fatalf("replies are not drawn under their parent:\n%s", d.screen())
	}
	d.keys("v")
	if got := strings.Join(order(), " / "); got != "root message / first reply / second reply / reply to the first reply" {
		t.Fatalf("time order %q:\n%s", got, d.screen())
	}
}
