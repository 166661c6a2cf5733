package ui_test

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

var (
	hostLine  = regexp.MustCompile(`(Host +)\S.*`)
	sessionID = regexp.MustCompile(`\b[0-9a-f]{16,}\b|\d{8}T\d{6}Z-[0-9a-f]+`)
)

func auditorScreen(d *driver) string {
	s := normalise(d.screen())
	s = hostLine.ReplaceAllStringFunc(s, func(l string) string {
		return "Host" + strings.Repeat(" ", len([]rune(l))-4)
	})
	if u, err := user.Current(); err == nil && u.Username != "" {
		// The system user names the actor of events before unlock.
		s = strings.ReplaceAll(s, "("+u.Username+")", "("+strings.Repeat("u", len(u.Username))+")")
	}
	return sessionID.ReplaceAllStringFunc(s, func(x string) string { return strings.Repeat("x", len(x)) })
}

// reviewSession leaves a known trail: unlock, a conversation, a search, a
// tag, quit.
func reviewSession(t *testing.T, f *fixture.Vault) {
	d := reviewer(t, f, 80, 24)
	d.keys("enter", "j", "enter", "/")
	d.typeText("halden")
	d.keys("enter", "t")
	d.typeText("flagged")
	d.keys("enter", "ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c did not quit")
	}
}

// failedPassphrase records a wrong passphrase, as a mistyped unlock does.
func failedPassphrase(t *testing.T, f *fixture.Vault) {
	t.Helper()
	man, err := vault.ReadManifest(f.Dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := access.Open(f.Dir, man, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Unlock(vault.Key{Passphrases: []string{"guess"}}); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("unlock with a wrong passphrase: %v", err)
	}
	if err := g.Close(audit.LockExit); err != nil {
		t.Fatal(err)
	}
}

// TestAuditorGolden: the auditor reads the trail by conversation title
// and sender (ids on demand), sees a failed passphrase as one, filters
// with the query language's dates, and has help.
func TestAuditorGolden(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	failedPassphrase(t, f)
	reviewSession(t, f)
	screens := []struct {
		name string
		do   func(d *driver)
	}{
		{"events", func(d *driver) {}},
		{"ids", func(d *driver) { d.keys("i") }},
		{"filter", func(d *driver) { d.keys("/"); d.typeText("action:search"); d.keys("enter") }},
		{"filter-dates", func(d *driver) { d.keys("/"); d.typeText("since:7d until:today action:unlock-failed"); d.keys("enter") }},
		{"detail", func(d *driver) { d.keys("/"); d.typeText("action:tag-add"); d.keys("enter", "enter") }},
		{"detail-conversation", func(d *driver) { d.keys("/"); d.typeText("action:view-conversation"); d.keys("enter", "enter") }},
		{"detail-ids", func(d *driver) { d.keys("/"); d.typeText("action:view-conversation"); d.keys("enter", "enter", "i") }},
		{"bad-filter", func(d *driver) { d.keys("/"); d.typeText("since:someday") }},
		{"bad-action", func(d *driver) { d.keys("/"); d.typeText("action:serch") }},
		{"help", func(d *driver) { d.keys("?") }},
	}
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				a := ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Auditor}, NoColor: true, Location: time.UTC})
				d := newDriver(t, a, size[0], size[1])
				sc.do(d)
				got := auditorScreen(d)
				checkSize(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
	}
	t.Run("deleted-session", func(t *testing.T) {
		g := fixture.New(t, "", fixture.Messages(t))
		reviewSession(t, g)
		// The fixture's import session, which the review session saw: the
		// smaller of the two.
		logs, _ := filepath.Glob(filepath.Join(g.Dir, "audit", "*.log"))
		if len(logs) != 2 {
			t.Fatalf("%d sessions, want 2", len(logs))
		}
		a, _ := os.Stat(logs[0])
		b, _ := os.Stat(logs[1])
		gone := logs[0]
		if b.Size() < a.Size() {
			gone = logs[1]
		}
		if err := os.Remove(gone); err != nil {
			t.Fatal(err)
		}
		d := newDriver(t, ui.NewAuditor(ui.AuditorOptions{Dir: g.Dir, Identities: []age.Identity{g.Auditor}, NoColor: true, Location: time.UTC}), 80, 24)
		s := d.screen()
		if !strings.Contains(s, "BROKEN at "+filepath.Base(gone)[:24]) || strings.Contains(s, "entry -1") {
			t.Errorf("the deleted session is not named:\n%s", s)
		}
		golden(t, "deleted-session-80x24", auditorScreen(d))
	})
	t.Run("tampered", func(t *testing.T) {
		ents, _ := filepath.Glob(filepath.Join(f.Dir, "audit", "*.log"))
		if len(ents) == 0 {
			t.Fatal("no session file")
		}
		b, err := os.ReadFile(ents[0])
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-40] ^= 1
		if err := os.WriteFile(ents[0], b, 0o600); err != nil {
			t.Fatal(err)
		}
		a := ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Auditor}, NoColor: true, Location: time.UTC})
		d := newDriver(t, a, 80, 24)
		if s := d.screen(); !strings.Contains(s, "BROKEN") {
			t.Fatalf("no broken banner:\n%s", s)
		}
	})
}

// TestAuditorWrongKey: a key that is not an auditor's says so.
func TestAuditorWrongKey(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	reviewSession(t, f)
	a := ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Member}, NoColor: true})
	d := newDriver(t, a, 80, 24)
	if s := d.screen(); !strings.Contains(s, "not an auditor key") {
		t.Fatalf("want the not-an-auditor error:\n%s", s)
	}
}

// TestAuditorFilterKeys: enter keeps the filter, esc clears it (typing or
// not), and the status bar counts what it shows of the trail's events.
func TestAuditorFilterKeys(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	reviewSession(t, f)
	a := ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Auditor}, NoColor: true, Location: time.UTC})
	d := newDriver(t, a, 80, 24)
	all := regexp.MustCompile(`(?m)^ (\d+) events · / filter`).FindStringSubmatch(d.screen())
	if all == nil || !strings.Contains(d.screen(), "· "+all[1]+" events\n") && !strings.Contains(d.screen(), "· "+all[1]+" events ") {
		t.Fatalf("the header and the status bar do not count the same events:\n%s", d.screen())
	}
	steps := []struct {
		keys []string
		text string
		want string
	}{
		{[]string{"/"}, "action:search", "1 of " + all[1] + " events · enter keep the filter · esc clear it"},
		{[]string{"enter"}, "", "1 of " + all[1] + " events · / filter"},
		{[]string{"esc"}, "", " " + all[1] + " events · / filter"},
		{[]string{"/"}, "action:lock", "2 of " + all[1] + " events"},
		{[]string{"esc"}, "", " " + all[1] + " events · / filter"},
	}
	for _, s := range steps {
		d.keys(s.keys...)
		d.typeText(s.text)
		if !strings.Contains(d.screen(), s.want) {
			t.Fatalf("after %v %q: want %q on screen:\n%s", s.keys, s.text, s.want, d.screen())
		}
	}
}
