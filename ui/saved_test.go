package ui_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

// TestSavedSearchFlow drives the real program: type a query, save it
// under a name (ctrl+s), list the saved searches (S), run one (enter);
// then a second session finds it, and the trail holds exactly the
// addition and the searches, each naming the saved search.
func TestSavedSearchFlow(t *testing.T) {
	fx := fixture.New(t, "", fixture.Messages(t))
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	k := fx.Key()
	opt := ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC}
	f := startFlow(t, opt, 80, 24)
	f.key("enter")
	f.waitText("search ready")

	f.key("/")
	f.wait("searching", func(s snapshot) bool { return s.state == ui.StateSearching })
	f.typeText("halden")
	f.key("ctrl+s")
	f.waitText("Save this search")
	f.typeText("two words")
	f.key("enter")
	f.waitText("has a space or control character")
	for range len("two words") {
		f.key("backspace")
	}
	f.typeText("halden-all")
	f.key("enter")
	f.waitText("saved halden-all: halden")

	f.key("S")
	f.waitText("Saved searches (1)")
	f.waitText("halden-all")
	f.key("enter")
	f.waitText("4 matches for the saved search halden-all: halden")
	f.waitText("Done. Halden is handled.")

	// The results on screen can be saved too; a taken name is refused.
	f.key("ctrl+s")
	f.waitText("Save this search")
	f.typeText("halden-all")
	f.key("enter")
	f.waitText("not saved: a saved search of that name exists")
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	// Another session lists it: saved searches are the vault's.
	man, _ = vault.ReadManifest(fx.Dir)
	g := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC}, 160, 50)
	g.key("enter")
	g.waitText("search ready")
	g.key("S")
	s := g.waitText("Saved searches (1)")
	if !strings.Contains(s.screen, "halden-all") || !strings.Contains(s.screen, "  halden") {
		t.Errorf("the second session's pane:\n%s", s.screen)
	}
	// D asks, n keeps it, D and y remove it.
	g.key("D")
	g.waitText("Remove this saved search?")
	g.key("n")
	g.waitText("nothing removed")
	g.key("D")
	g.waitText("Remove this saved search?")
	g.key("y")
	g.waitText("removed the saved search halden-all")
	g.waitText("Saved searches (0)")
	g.key("ctrl+c")
	g.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	var got []string
	for _, e := range fx.Events(t, audit.Filter{}) {
		s := string(e.Action)
		switch e.Action {
		case audit.ActionSearch, audit.ActionSavedAdd, audit.ActionSavedRemove:
			s += " " + e.Target + ": " + e.Query
		case audit.ActionLock:
			s += " " + e.Reason
		case audit.ActionViewMessages:
			continue // how many depends on the screen size
		}
		got = append(got, s)
	}
	// Each session opens with two session events: the host's, then the
	// member's.
	want := []string{"session", "session", "unlock", "view-list", "saved-add halden-all: halden", "search halden-all: halden", "lock exit",
		"session", "session", "unlock", "view-list", "saved-remove halden-all: halden", "lock exit"}
	if !slices.Equal(got, want) {
		t.Errorf("audit trail:\n got %q\nwant %q", got, want)
	}
}
