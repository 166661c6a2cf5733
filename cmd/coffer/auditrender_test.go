package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"coffer/ui/sanitize"
	"coffer/vault/audit"
)

const hostile = "a\x1b]50;evil\x07b\x9b31m\u009b2Jc\u202eexe.txt\u200bd\r\ne\x00\x7f\xff"

func hostileEvents() []audit.Event {
	return []audit.Event{
		{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Session: "s", Seq: 2,
			Actor:  audit.Actor{Member: hostile, Fingerprint: "SHA256:x", HostUser: "u", Host: "h", PID: 7},
			Action: audit.ActionSearch, Query: hostile, Results: 3},
		{Time: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), Session: "s", Seq: 3,
			Action: audit.ActionTagAdd, Tag: "=cmd|' /C calc'!A0", Messages: []string{"m1", hostile}},
	}
}

// terminalSafe reports the first character a terminal could act on.
func terminalSafe(t *testing.T, s string) {
	t.Helper()
	for i, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e ||
			r >= 0x2066 && r <= 0x2069 || r == 0x200b || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			t.Fatalf("unsafe %U at %d in %q", r, i, s)
		}
	}
}

func TestRender(t *testing.T) {
	evs := hostileEvents()
	for _, f := range []auditFormat{formatTable, formatJSON, formatCSV} {
		var b bytes.Buffer
		if err := renderEvents(sanitize.NewWriter(&b, false, false), evs, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		terminalSafe(t, strings.ReplaceAll(out, "\r\n", "\n"))
		switch f {
		case formatTable:
			if n := strings.Count(out, "\n"); n != 3 {
				t.Errorf("table has %d lines, want 3:\n%s", n, out)
			}
		case formatJSON:
			// Exact for tools: the escapes decode to the original text,
			// except invalid UTF-8, which JSON cannot carry.
			sc := bufio.NewScanner(&b)
			for i := 0; sc.Scan(); i++ {
				var e audit.Event
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatal(err)
				}
				want := evs[i]
				want.Actor.Member = strings.ToValidUTF8(want.Actor.Member, "\uFFFD")
				want.Query = strings.ToValidUTF8(want.Query, "\uFFFD")
				for j := range want.Messages {
					want.Messages[j] = strings.ToValidUTF8(want.Messages[j], "\uFFFD")
				}
				if !reflect.DeepEqual(e, want) {
					t.Errorf("json line %d: %+v, want %+v", i, e, want)
				}
			}
		case formatCSV:
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("csv: %v %d rows", err, len(rows))
			}
			if tag := rows[2][15]; !strings.HasPrefix(tag, "'=") {
				t.Errorf("formula not defused: %q", tag)
			}
		}
	}
}
