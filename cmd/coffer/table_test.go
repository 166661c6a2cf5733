package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault/audit"
)

func TestTable(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want string
	}{
		{"ascii", [][]string{{"a", "bb"}, {"ccc", "d"}}, "A    B\na    bb\nccc  d\n"},
		{"emoji is two cells", [][]string{{"Desk 🍩", "x"}, {"Desk", "y"}}, "A        B\nDesk 🍩  x\nDesk     y\n"},
		{"CJK", [][]string{{"東京", "1"}, {"Tokyo", "2"}}, "A      B\n東京   1\nTokyo  2\n"},
		{"control characters are made visible", [][]string{{"a\x1b[2Jb", "c\nd"}}, "A       B\na␛[2Jb  c d\n"},
		{"short row", [][]string{{"only"}}, "A     B\nonly\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTable("A", "B")
			for _, r := range tt.rows {
				tb.row(r...)
			}
			var b bytes.Buffer
			if err := tb.write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestTableNoHeaderIndent(t *testing.T) {
	tb := newTable()
	tb.indent = "  "
	tb.row("member", "Zoë 🍩", "passphrase")
	tb.row("auditor", "a", "-")
	var b bytes.Buffer
	tb.write(&b)
	want := "  member   Zoë 🍩  passphrase\n  auditor  a       -\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestAuditTableWidth: coffer audit show lines its columns up by display
// width when a member's name holds wide characters.
func TestAuditTableWidth(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	evs := []audit.Event{
		{Time: at, Session: "s1", Action: audit.ActionUnlock, Actor: audit.Actor{Member: "Zoë 🍩", HostUser: "u", Host: "h", PID: 1}},
		{Time: at, Session: "s1", Action: audit.ActionLock, Actor: audit.Actor{Member: "東京", HostUser: "u", Host: "h", PID: 1}},
		{Time: at, Session: "s1", Action: audit.ActionLock, Actor: audit.Actor{Member: "tom", HostUser: "u", Host: "h", PID: 1}},
	}
	var b bytes.Buffer
	if err := renderEvents(sanitize.NewWriter(&b, false, false), evs, formatTable, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	col := -1
	for _, l := range lines {
		i := -1
		for _, a := range []string{"ACTION", "unlock", "lock"} {
			if i = strings.Index(l, a); i >= 0 {
				break
			}
		}
		w := common.Width(l[:i])
		if col >= 0 && w != col {
			t.Errorf("ACTION column at cell %d, want %d:\n%s", w, col, b.String())
		}
		col = w
	}
}
