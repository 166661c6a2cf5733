package ui_test

import (
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

func TestAuditorGolden(t *testing.T) {
	f := fixture.New(t, "", fixture.Messages(t))
	reviewSession(t, f)
	screens := []struct {
		name string
		do   func(d *driver)
	}{
		{"events", func(d *driver) {}},
		{"filter", func(d *driver) { d.keys("/"); d.typeText("action:search"); d.keys("enter") }},
		{"detail", func(d *driver) { d.keys("/"); d.typeText("action:tag-add"); d.keys("enter", "enter") }},
		{"bad-filter", func(d *driver) { d.keys("/"); d.typeText("since:yesterday") }},
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
