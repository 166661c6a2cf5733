package keymap_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"coffer/ui/keymap"
)

var update = flag.Bool("update", false, "rewrite KEYS.md")

// TestKeysDoc keeps KEYS.md, the key reference, generated from the
// bindings: go test ./ui/keymap -update rewrites it.
func TestKeysDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# coffer review: keys\n\nGenerated from ui/keymap by `go test ./ui/keymap -update`; do not edit.\n\n")
	titles := []string{"Moving", "Panes and screens", "Search, tags and saved searches", "Message detail", "Review queues", "Attachments", "Dialogs"}
	for i, group := range keymap.Default().FullHelp() {
		b.WriteString("## " + titles[i] + "\n\n| key | does |\n|---|---|\n")
		for _, k := range group {
			h := k.Help()
			b.WriteString("| `" + h.Key + "` | " + h.Desc + " |\n")
		}
		b.WriteString("\n")
	}
	got := b.String()
	path := filepath.Join("KEYS.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != got {
		t.Fatalf("KEYS.md is out of date with the keymap: run go test ./ui/keymap -update")
	}
}

// TestNoClashes: within what one screen handles, no key does two things.
func TestNoClashes(t *testing.T) {
	k := keymap.Default()
	for _, tc := range []struct {
		name   string
		screen []key.Binding
	}{
		{"browse", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp,
			k.NextPane, k.Open, k.Back, k.Quit, k.Help, k.Lock, k.Search, k.NextHit, k.PrevHit, k.NextFlag, k.Sort, k.Filter,
			k.Tag, k.Untag, k.TagAll, k.TagsPane, k.SavedPane, k.SaveSearch, k.RemoveSaved, k.PoliciesPane, k.ReviewPane,
			k.DecideNoIssue, k.DecideEscalate, k.DecideClose, k.Comment, k.UndoDecision, k.MineOnly}},
		{"dialog", []key.Binding{k.Confirm, k.Cancel}},
		{"detail", []key.Binding{k.Down, k.Up, k.Top, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp,
			k.NextMsg, k.PrevMsg, k.Tag, k.Untag, k.CopyID, k.CopyCitation, k.Attachments, k.Back, k.Quit, k.Open, k.Help, k.Lock}},
		{"attachments", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp,
			k.AttachOpen, k.AttachSave, k.AttachPipe, k.Back, k.Quit, k.Help, k.Lock}},
	} {
		seen := map[string]string{}
		for _, b := range tc.screen {
			for _, key := range b.Keys() {
				if prev, ok := seen[key]; ok {
					t.Errorf("%s: %q is bound to %q and %q", tc.name, key, prev, b.Help().Desc)
				}
				seen[key] = b.Help().Desc
			}
		}
	}
}
