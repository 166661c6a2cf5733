package ui_test

import (
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"filippo.io/age"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/ui/pages/browse"
	"coffer/ui/pages/unlock"
	"coffer/vault"
	"coffer/vault/audit"
)

func unlocked(t *testing.T, f *fixture.Vault, w, h int, noColor bool) *driver {
	t.Helper()
	man, err := vault.ReadManifest(f.Dir)
	if err != nil {
		t.Fatal(err)
	}
	k := f.Key()
	d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: noColor, Location: time.UTC}), w, h)
	d.keys("enter")
	if d.model().State() != ui.StateBrowsing {
		t.Fatalf("state %v after unlock:\n%s", d.model().State(), d.screen())
	}
	return d
}

func wantScreen(t *testing.T, d *driver, texts ...string) {
	t.Helper()
	s := d.screen()
	for _, x := range texts {
		if !strings.Contains(s, x) {
			t.Fatalf("screen lacks %q:\n%s", x, s)
		}
	}
}

func TestTagRemoveAndTagAll(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("/")
	d.typeText("halden")
	d.keys("enter", "A")
	d.typeText("review")
	d.keys("enter")
	wantScreen(t, d, "Add the tag", "to 4 messages")
	d.keys("y")
	wantScreen(t, d, "tagged 4 messages: review")
	d.keys("/")
	d.typeText("tag:review")
	d.keys("enter")
	wantScreen(t, d, "4 matches for tag:review")

	// T offers only the message's own tags.
	d.keys("T")
	wantScreen(t, d, "Remove a tag")
	d.typeText("review")
	d.keys("enter")
	wantScreen(t, d, "untagged 1 message: review")
	d.keys("#")
	wantScreen(t, d, "Tags (1)", "review")
	d.keys("enter")
	wantScreen(t, d, "3 matches for tag:review")

	// Tags are in the vault: a new session sees them.
	d.keys("ctrl+c")
	d = unlocked(t, f, 100, 30, true)
	d.keys("#")
	wantScreen(t, d, "review")
	d.keys("enter")
	wantScreen(t, d, "3 matches for tag:review")
}

// TestDialogKeys: the tag dialog and the tag-all confirmation take the
// keymap's Confirm and Cancel, except that in the tag field y and n are
// letters of the tag.
func TestDialogKeys(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	d.keys("/")
	d.typeText("halden")
	d.keys("enter")
	wantScreen(t, d, "4 matches for halden")
	tagAll := func() {
		t.Helper()
		d.keys("A")
		d.typeText("yn-Y-N-q")
		d.keys("enter")
		wantScreen(t, d, "Add the tag", "yn-Y-N-q", "to 4 messages", "y/enter tag them · n/esc cancel", "y/enter confirm · n/esc cancel")
	}
	for _, cancel := range []string{"n", "N", "esc", "q"} {
		tagAll()
		d.keys(cancel)
		wantScreen(t, d, "nothing tagged")
	}
	d.keys("A")
	d.typeText("yn")
	d.keys("esc")
	if s := d.screen(); strings.Contains(s, "tag>") || strings.Contains(s, "Add the tag") {
		t.Fatalf("esc left the tag dialog open:\n%s", s)
	}
	for _, confirm := range []string{"y", "Y", "enter"} {
		tagAll()
		d.keys(confirm)
		wantScreen(t, d, "tagged 4 messages: yn-Y-N-q")
	}
}

func TestFilterSortMouseResize(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 80, 24, true)
	d.keys("f")
	d.typeText("telegram")
	d.keys("enter")
	wantScreen(t, d, "1 of 4 · filter", "Frank (private)")
	d.keys("f")
	for range 8 {
		d.keys("backspace")
	}
	d.keys("enter", "s")
	wantScreen(t, d, "Conversations (4)", "by title")

	// Click the second conversation row, Frank (rows are two lines under the
	// header and the pane title).
	d.send(tea.MouseClickMsg{Button: tea.MouseLeft, X: 3, Y: 4})
	wantScreen(t, d, "Frank (private) · telegram")
	d.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown, X: 3, Y: 4})

	for _, size := range [][2]int{{60, 15}, {200, 60}, {80, 24}} {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		checkSize(t, d.screen(), size[0], size[1])
	}
}

func TestEmptyVault(t *testing.T) {
	f := fixture.New(t, "", nil)
	d := unlocked(t, f, 80, 24, true)
	wantScreen(t, d, "no conversations", "search ready")
	d.keys("enter", "t", "/")
	d.typeText("anything")
	d.keys("enter")
	wantScreen(t, d, "0 matches")
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;:]*(38|48)[;:]`)

func TestNoColorAndBackground(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 80, 24, true)
	d.keys("enter")
	if colourSGR.MatchString(d.m.View().Content) {
		t.Error("NO_COLOR: the frame sets colours")
	}
	d = unlocked(t, f, 80, 24, false)
	d.keys("enter")
	dark := d.m.View().Content
	if !colourSGR.MatchString(dark) {
		t.Error("colours expected without NO_COLOR")
	}
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.m.View().Content == dark {
		t.Error("a light background did not change the styles")
	}
}

func TestTamperedSegmentIsAnError(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	segs, _ := filepath.Glob(filepath.Join(f.Dir, "segments", "*"))
	if len(segs) == 0 {
		t.Fatal("no segment")
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 1
	os.WriteFile(segs[0], b, 0o600)
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true}), 80, 24)
	d.keys("enter")
	if d.model().State() != ui.StateError || d.model().Err() == nil {
		t.Fatalf("state %v, err %v", d.model().State(), d.model().Err())
	}
	wantScreen(t, d, "coffer stopped", "coffer verify")
	d.keys("q")
	if !d.quit {
		t.Error("q does not quit the error screen")
	}
}

func TestSearchHistoryAndHits(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 100, 30, true)
	for _, q := range []string{"halden", "from:frank", "tag:none"} {
		d.keys("/")
		d.typeText(q)
		d.keys("enter")
	}
	d.keys("/", "up", "up")
	wantScreen(t, d, "/ from:frank")
	d.keys("up", "up")
	wantScreen(t, d, "/ halden")
	d.keys("down", "down", "down")
	if strings.Contains(d.screen(), "/ tag:none") || strings.Contains(d.screen(), "/ halden") {
		t.Fatalf("down past the newest entry should clear the box:\n%s", d.screen())
	}
	d.keys("esc", "/")
	d.typeText("halden")
	d.keys("enter", "n")
	wantScreen(t, d, "hit 1 of 4")
	d.keys("n", "n", "n")
	wantScreen(t, d, "hit 4 of 4")
	d.keys("n")
	wantScreen(t, d, "no more hits")
	d.keys("N")
	wantScreen(t, d, "hit 3 of 4")
	d.keys("q")
	wantScreen(t, d, "Results: 4 for halden")
}

func TestQuitFromUnlockScreen(t *testing.T) {
	f := fixture.New(t, "", nil)
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true}), 80, 24)
	d.keys("q")
	if !d.quit {
		t.Fatal("q on the unlock screen (key from the command line) does not quit")
	}
}

// TestQuitTwiceRecordsExit: a second q while the first is recording the
// exit must not end the program first, and Close (after the program
// ends) waits for the record.
func TestQuitTwiceRecordsExit(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	d := unlocked(t, f, 80, 24, true)
	m := d.model()
	var seq tea.Cmd
	d.m, seq = d.m.Update(browse.QuitMsg{}) // lock, then quit
	if seq == nil {
		t.Fatal("quit returned no command")
	}
	var again tea.Cmd
	d.m, again = d.m.Update(keyMsg("q")) // now on the unlock screen
	if again == nil {
		t.Fatal("q on the unlock screen returned no command")
	}
	var quit tea.Cmd
	d.m, quit = d.m.Update(again())
	if quit != nil {
		t.Fatal("a second quit issued its own command")
	}
	go func() { // as the program runs a sequence: off the event loop
		if sm := seq(); sm != nil {
			v := reflect.ValueOf(sm)
			for i := range v.Len() {
				if c := v.Index(i).Interface().(tea.Cmd); c != nil {
					c()
				}
			}
		}
	}()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	events := f.Events(t, audit.Filter{Action: audit.ActionLock})
	if len(events) != 1 || events[0].Reason != audit.LockExit {
		t.Fatalf("lock events %+v, want one exit", events)
	}
}

// TestUnlockFailureNotRecorded: when the failed attempt cannot be
// recorded there is no retry, only the error screen.
func TestUnlockFailureNotRecorded(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(f.Dir)
	other, _ := age.GenerateX25519Identity()
	k := vault.Key{Identities: []age.Identity{other}}
	m := ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true})
	d := newDriver(t, m, 80, 24)
	d.keys("enter")
	wantScreen(t, d, "wrong passphrase or key (attempt 1")
	if err := ui.InterruptAudit(m); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	if d.model().State() != ui.StateError {
		t.Fatalf("state %v after an unrecorded failure:\n%s", d.model().State(), d.screen())
	}
	wantScreen(t, d, "could not be recorded")
}

// TestQuitWhileLoading: the program ends (a signal) while the vault is
// being decrypted, before the browse page exists: Close must wipe the
// session and record its end, so that the next session finds no crash.
func TestQuitWhileLoading(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	man, _ := vault.ReadManifest(f.Dir)
	k := f.Key()
	m := ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true})
	_, cmd := m.Update(unlock.SubmitMsg{})
	unlocked := cmd() // the unlock itself; its reply starts the decryption
	m.Update(unlocked)
	if !m.Unlocked() && m.State() != ui.StateUnlocking {
		t.Fatalf("state %v after the unlock", m.State())
	}
	// The decryption's reply is never read: the program is gone.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	evs := f.Events(t, audit.Filter{Action: audit.ActionLock})
	if len(evs) != 1 || evs[0].Reason != audit.LockExit {
		t.Fatalf("lock events %+v, want one exit", evs)
	}
}
