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
		{"save-search-name", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("ctrl+s")
			d.typeText("halden-all")
		}},
		{"saved-pane", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("enter", "ctrl+s")
			d.typeText("halden-all")
			d.keys("enter", "/")
			d.typeText("from:grace")
			d.keys("ctrl+s")
			d.typeText("grace")
			d.keys("enter", "S")
		}},
		{"saved-run", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("ctrl+s")
			d.typeText("halden-all")
			d.keys("enter", "S", "enter")
		}},
		{"saved-remove-confirm", func(d *driver) {
			d.keys("enter", "/")
			d.typeText("halden")
			d.keys("ctrl+s")
			d.typeText("halden-all")
			d.keys("enter", "S", "D")
		}},
		{"help", func(d *driver) { d.keys("enter", "?") }},
		{"locked", func(d *driver) { d.keys("enter", "ctrl+l") }},
		// Issue 12's reading: the next message in detail (J), results
		// oldest first (s, from newest).
		{"detail-next", func(d *driver) { d.keys("enter", "j", "enter", "k", "k", "enter", "J") }},
		{"search-results-oldest", func(d *driver) { d.keys("enter", "/"); d.typeText("halden"); d.keys("enter", "s") }},
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

// TestGoldenThread renders an email conversation as it reads (each reply
// quoting its parent) and as a reply tree (v), at 80×24 and 160×50.
func TestGoldenThread(t *testing.T) {
	msgs := budgetThread(t, "Can we cut the Q3 budget by a tenth?", "Not without dropping the audit.",
		"Travel can go.", "Then the audit moves to Q4.")
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, sc := range []struct {
			name string
			keys []string
		}{
			{"thread-replies", []string{"enter", "enter"}},
			{"thread-tree", []string{"enter", "enter", "v"}},
		} {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				f := fixture.New(t, "", msgs)
				d := reviewer(t, f, size[0], size[1])
				d.keys(sc.keys...)
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

// TestGoldenDemoHint renders the unlock screen with the line make demo
// passes (coffer review --demo-hint): under the passphrase box, where it
// stays readable once the TUI has hidden the shell; a long hint wraps,
// and stops after three lines. Text with escapes shows them harmless.
func TestGoldenDemoHint(t *testing.T) {
	hints := []struct{ name, hint string }{
		{"demo-hint", "Demo: the passphrase is 'correct horse battery staple' (demo/passphrase.txt); the auditor key is demo/auditor.key"},
		{"demo-hint-long", strings.Repeat("a long demo hint that wraps ", 20)},
		{"demo-hint-hostile", "Demo\x1b]0;PWNED\x07 hint\x1b[2J\u202eevil"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, h := range hints {
			name := fmt.Sprintf("%s-%dx%d", h.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				f := fixture.New(t, "", fixture.Messages(t))
				man, err := vault.ReadManifest(f.Dir)
				if err != nil {
					t.Fatal(err)
				}
				d := newDriver(t, ui.New(ui.Options{Dir: f.Dir, Manifest: man, DemoHint: h.hint, NoColor: true, Location: time.UTC}), size[0], size[1])
				got := normalise(d.screen())
				checkSize(t, got, size[0], size[1])
				golden(t, name, got)
				d.send(keyMsg("ctrl+c"))
			})
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

// TestGoldenPolicies renders the policies pane (L) at 80×24 and 160×50,
// one rule's query holding a bidi override, which must show defused.
func TestGoldenPolicies(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		name := fmt.Sprintf("policies-pane-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			f := fixture.New(t, "", fixture.Messages(t))
			v, err := vault.Unlock(f.Dir, f.Key())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []vault.Policy{
				{Name: "mnpi", Description: "Insider dealing", Rules: []vault.Rule{
					{Name: "tip", Query: `"inside information" OR "before the announcement"`},
					{Name: "trade", Query: "(buy OR sell) NEAR/5 (shares OR stock)"},
				}},
				{Name: "gifts", Rules: []vault.Rule{{Name: "r1", Query: "\"gift card\" \u202egnirts"}}},
			} {
				if _, err := v.PutPolicy(p, 0); err != nil {
					t.Fatal(err)
				}
			}
			v.Close()
			d := reviewer(t, f, size[0], size[1])
			d.keys("enter", "L")
			got := normalise(d.screen())
			checkSize(t, got, size[0], size[1])
			golden(t, name, got)
			d.send(keyMsg("ctrl+c"))
		})
	}
}

// TestGoldenReview is the review pane on a queue's items: the rules that
// flagged each or "sample", and the decision in force.
func TestGoldenReview(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		name := fmt.Sprintf("review-pane-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			f := fixture.New(t, "", fixture.Messages(t))
			v, err := vault.Unlock(f.Dir, f.Key())
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Load(nil); err != nil {
				t.Fatal(err)
			}
			msgs := v.Messages()
			q := vault.Queue{Policy: "mnpi", Version: 3, Period: "2025-Q1", Rate: 0.01, Seed: 7, Items: []vault.QueueItem{
				{ID: strings.Clone(msgs[0].ID), Rules: []string{"tip", "trade"}},
				{ID: strings.Clone(msgs[1].ID)},
				{ID: strings.Clone(msgs[2].ID), Rules: []string{"trade"}},
			}}
			if _, err := v.AddQueue(q); err != nil {
				t.Fatal(err)
			}
			if _, err := v.Decide(vault.Decision{Queue: "mnpi/2025-Q1", Item: q.Items[1].ID, Kind: vault.DecisionEscalated}); err != nil {
				t.Fatal(err)
			}
			v.Close()
			d := reviewer(t, f, size[0], size[1])
			d.keys("enter", "R", "enter")
			got := normalise(d.screen())
			checkSize(t, got, size[0], size[1])
			golden(t, name, got)
			d.send(keyMsg("ctrl+c"))
		})
	}
}
