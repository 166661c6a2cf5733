package ui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
)

func reviewer(t testing.TB, f *fixture.Vault, w, h int) *driver {
	t.Helper()
	man, err := vault.ReadManifest(f.Dir)
	if err != nil {
		t.Fatal(err)
	}
	k := f.Key()
	m := ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "identity rita.key", NoColor: true, Location: time.UTC})
	return newDriver(t, m, w, h)
}

// TestGolden renders every screen at 80×24 and 160×50 (ANSI stripped).
func TestGolden(t *testing.T) {
	screens := []struct {
		name string
		do   func(d *driver)
	}{
		{"unlock", func(d *driver) {}},
		{"browse", func(d *driver) { d.keys("enter", "enter") }},
		{"conversations-sorted", func(d *driver) { d.keys("enter", "s", "s", "j") }},
		{"detail", func(d *driver) { d.keys("enter", "enter", "k", "k", "enter") }},
		{"search-input", func(d *driver) { d.keys("enter", "/"); d.typeText("halden") }},
		{"search-results", func(d *driver) { d.keys("enter", "/"); d.typeText("halden"); d.keys("enter") }},
		{"search-in-context", func(d *driver) { d.keys("enter", "/"); d.typeText("halden"); d.keys("enter", "j", "enter") }},
		{"query-error", func(d *driver) { d.keys("enter", "/"); d.typeText("lunch (report"); d.keys("enter") }},
		{"tag-picker", func(d *driver) { d.keys("enter", "enter", "t"); d.typeText("sus") }},
		{"tagged", func(d *driver) { d.keys("enter", "enter", "t"); d.typeText("suspicious"); d.keys("enter") }},
		{"tag-all-confirm", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("enter", "A")
			d.typeText("halden-review")
			d.keys("enter")
		}},
		{"produce-dialog", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("enter", "P")
			d.typeText("age1d4y7dujlqmt9wrupyg3nwyrn5vgz53c5vpzv2dhe52z9vme3xf2q2jg029")
			d.keys("enter")
			d.typeText("PROD-001.age")
		}},
		{"tags-pane", func(d *driver) {
			d.keys("enter", "enter", "t")
			d.typeText("suspicious")
			d.keys("enter", "#")
		}},
		{"help", func(d *driver) { d.keys("enter", "?") }},
		{"locked", func(d *driver) { d.keys("enter", "ctrl+l") }},
	}
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				// A vault per screen: tags written by one screen must not
				// show in another, whatever -run selects.
				f := fixture.New(t, "", fixture.Messages(t))
				d := reviewer(t, f, size[0], size[1])
				sc.do(d)
				got := normalise(d.screen())
				checkSize(t, got, size[0], size[1])
				golden(t, name, got)
				d.send(keyMsg("ctrl+c"))
			})
		}
	}
}

func checkSize(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > w && ansiWidth(l) > w {
			t.Errorf("line %d is %d cells wide, want ≤ %d: %q", i, ansiWidth(l), w, l)
		}
	}
}

// TestGoldenStates renders the screens that come from failures: a wrong
// key, a tampered vault, a broken audit trail.
func TestGoldenStates(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		sz := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run("wrong-key-"+sz, func(t *testing.T) {
			f := fixture.New(t, "", fixture.Messages(t))
			man, _ := vault.ReadManifest(f.Dir)
			other, _ := age.GenerateX25519Identity()
			k := vault.Key{Identities: []age.Identity{other}}
			d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, Key: &k, KeyHint: "identity other.key", NoColor: true}), size[0], size[1])
			d.keys("enter", "enter")
			golden(t, "wrong-key-"+sz, normalise(d.screen()))
		})
		t.Run("tampered-"+sz, func(t *testing.T) {
			f := fixture.New(t, "", fixture.Messages(t))
			segs, _ := filepath.Glob(filepath.Join(f.Dir, "segments", "*"))
			b, _ := os.ReadFile(segs[0])
			b[len(b)/2] ^= 1
			os.WriteFile(segs[0], b, 0o600)
			d := reviewer(t, f, size[0], size[1])
			d.keys("enter")
			golden(t, "tampered-"+sz, normalise(d.screen()))
		})
		t.Run("audit-broken-"+sz, func(t *testing.T) {
			f := fixture.New(t, "", fixture.Messages(t))
			reviewSession(t, f)
			// Break the review session: the largest (the fixture's import
			// session is smaller), as names within a second sort randomly.
			logs, _ := filepath.Glob(filepath.Join(f.Dir, "audit", "*.log"))
			var b []byte
			var log string
			for _, l := range logs {
				if c, _ := os.ReadFile(l); len(c) > len(b) {
					b, log = c, l
				}
			}
			b[len(b)-40] ^= 1
			os.WriteFile(log, b, 0o600)
			d := newDriver(t, ui.NewAuditor(ui.AuditorOptions{Dir: f.Dir, Identities: []age.Identity{f.Auditor}, NoColor: true, Location: time.UTC}), size[0], size[1])
			golden(t, "audit-broken-"+sz, auditorScreen(d))
		})
	}
}
