package ui_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

// probe wraps the root model in a real tea.Program and publishes its
// state and screen after every Update, so a test waits on what the
// model shows rather than on the renderer's byte stream.
type probe struct {
	m    *ui.Model
	mu   *sync.Mutex
	snap *snapshot
}

type snapshot struct {
	state    ui.State
	screen   string
	unlocked bool
}

func (p probe) Init() tea.Cmd { return p.m.Init() }

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.m.Update(msg)
	p.mu.Lock()
	*p.snap = snapshot{state: p.m.State(), screen: ansi.Strip(p.m.View().Content), unlocked: p.m.Unlocked()}
	p.mu.Unlock()
	return p, cmd
}

func (p probe) View() tea.View { return p.m.View() }

type flow struct {
	t  *testing.T
	tm *teatest.TestModel
	p  probe
}

func startFlow(t *testing.T, opt ui.Options, w, h int) *flow {
	p := probe{m: ui.New(opt), mu: &sync.Mutex{}, snap: &snapshot{}}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(w, h))
	return &flow{t: t, tm: tm, p: p}
}

func (f *flow) snapshot() snapshot {
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	return *f.p.snap
}

// wait polls until cond holds on the latest snapshot.
func (f *flow) wait(what string, cond func(s snapshot) bool) snapshot {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := f.snapshot()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; state %v, screen:\n%s", what, s.state, s.screen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *flow) waitText(text string) snapshot {
	f.t.Helper()
	return f.wait(strings.TrimSpace(text), func(s snapshot) bool { return strings.Contains(s.screen, text) })
}

func (f *flow) key(k string) { f.tm.Send(keyMsg(k)) }

func (f *flow) typeText(s string) { f.tm.Type(s) }

// TestFlow drives the real program: wrong passphrase (retry), unlock,
// browse, search, tag, lock, unlock again and find the tag; then checks
// the audit trail recorded exactly that.
func TestFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt unlocks")
	}
	const pass = "correct horse battery staple"
	fx := fixture.New(t, pass, fixture.Messages(t))
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, NoColor: true, Location: time.UTC}, 80, 24)

	f.waitText("Passphrase:")
	f.typeText("not the passphrase")
	s := f.waitText("••••")
	if strings.Contains(s.screen, "not the passphrase") {
		t.Fatal("the passphrase is echoed in clear")
	}
	f.key("enter")
	f.waitText("wrong passphrase or key (attempt 1")

	f.typeText(pass)
	f.key("enter")
	f.wait("browsing with the index ready", func(s snapshot) bool {
		return s.state == ui.StateBrowsing && strings.Contains(s.screen, "search ready")
	})
	f.key("j") // Trading desk
	f.key("enter")
	f.waitText("Did anyone see the Halden block trade")

	f.key("/")
	f.wait("searching", func(s snapshot) bool { return s.state == ui.StateSearching })
	f.typeText("halden")
	f.key("enter")
	f.waitText("4 matches for halden")
	f.waitText("Done. Halden is handled.")

	f.key("t")
	f.typeText("flagged")
	f.key("enter")
	f.waitText("tagged 1 message: flagged")

	f.key("ctrl+l")
	s = f.wait("locked", func(s snapshot) bool { return s.state == ui.StateLocked })
	if s.unlocked || strings.Contains(s.screen, "Halden") {
		t.Fatalf("locked but still holding or showing plaintext:\n%s", s.screen)
	}

	f.typeText(pass)
	f.key("enter")
	f.waitText("search ready")
	f.key("/")
	f.typeText("tag:flagged")
	f.key("enter")
	f.waitText("1 match for tag:flagged")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	events := fx.Events(t, audit.Filter{})
	var got []string
	for _, e := range events {
		s := string(e.Action)
		switch e.Action {
		case audit.ActionSearch:
			s += " " + e.Query
		case audit.ActionTagAdd:
			s += " " + e.Tag
		case audit.ActionLock, audit.ActionUnlockFailed:
			s += " " + e.Reason
		case audit.ActionViewMessage, audit.ActionViewConversation, audit.ActionViewMessages:
			continue // how many depends on the screen size; checked below
		}
		got = append(got, s)
	}
	want := []string{"session", "unlock-failed wrong passphrase", "session", "unlock", "view-list", "search halden", "tag-add flagged", "lock manual",
		"session", "session", "unlock", "view-list", "search tag:flagged", "lock exit"}
	if !slices.Equal(got, want) {
		t.Errorf("audit trail:\n got %q\nwant %q", got, want)
	}
	var viewed []string
	for _, e := range events {
		if e.Action == audit.ActionViewConversation {
			viewed = append(viewed, e.Messages...)
		}
	}
	if len(viewed) == 0 {
		t.Error("no view-conversation recorded")
	}
}
