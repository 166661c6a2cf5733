package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
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
		{Time: time.Date(2026, 1, 2, 3, 4, 7, 0, time.UTC), Session: "s", Seq: 4,
			Action: audit.ActionViewConversation, Conversation: "c1", Title: hostile, Messages: []string{"m1", "m2"},
			Sent: []audit.Sent{{Sender: hostile, Time: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}, {Sender: "=1+1"}}},
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
		if err := renderEvents(sanitize.NewWriter(&b, false, false), evs, f, true); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		terminalSafe(t, strings.ReplaceAll(out, "\r\n", "\n"))
		switch f {
		case formatTable:
			if n := strings.Count(out, "\n"); n != 4 {
				t.Errorf("table has %d lines, want 4:\n%s", n, out)
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
				want.Title = strings.ToValidUTF8(want.Title, "\uFFFD")
				want.Sent = slices.Clone(want.Sent)
				for j := range want.Sent {
					want.Sent[j].Sender = strings.ToValidUTF8(want.Sent[j].Sender, "\uFFFD")
				}
				for j := range want.Messages {
					want.Messages[j] = strings.ToValidUTF8(want.Messages[j], "\uFFFD")
				}
				if !reflect.DeepEqual(e, want) {
					t.Errorf("json line %d: %+v, want %+v", i, e, want)
				}
			}
		case formatCSV:
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 4 {
				t.Fatalf("csv: %v %d rows", err, len(rows))
			}
			if tag := rows[2][15]; !strings.HasPrefix(tag, "'=") {
				t.Errorf("formula not defused: %q", tag)
			}
			if got, want := rows[3][21], "2025-03-01T09:00:00Z "; got != want {
				t.Errorf("sent column %q, want %q (one time per id, the unknown one empty)", got, want)
			}
		}
	}
}

// TestDetails: the table names what was seen by title and sender where
// the trail recorded them, and by id where it did not (older trails) or
// when asked.
func TestDetails(t *testing.T) {
	at := time.Date(2025, 3, 12, 8, 39, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   audit.Event
		ids  bool
		want string
	}{
		{"conversation", audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Title: "Trading desk",
			Messages: []string{"a", "b", "c"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}, {Sender: "Ann", Time: at.Add(time.Hour)}, {Sender: "Bob", Time: at.Add(time.Minute)}}}, false,
			`conversation="Trading desk" messages=3 senders="Bob","Ann" sent=2025-03-12T08:39:00Z..2025-03-12T09:39:00Z`},
		{"conversation with ids", audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Title: "Trading desk",
			Messages: []string{"a", "b"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}, {Sender: "Ann", Time: at}}}, true,
			`conversation="Trading desk" conversation_id="wa:desk" messages=2 senders="Bob","Ann" sent=2025-03-12T08:39:00Z ids=a,b`},
		{"tag of a message of unknown time", audit.Event{Action: audit.ActionTagAdd, Tag: "hot",
			Messages: []string{"a"}, Sent: []audit.Sent{{Sender: "Bob", Time: time.Time{}}}}, false,
			`tag="hot" messages=1 senders="Bob"`},
		{"old trail: ids only", audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Messages: []string{"a", "b"}}, false,
			`conversation="wa:desk" messages=2:a,b`},
		{"failed passphrase", audit.Event{Action: audit.ActionUnlockFailed, Reason: audit.ReasonWrongPassphrase}, false,
			`reason=wrong passphrase`},
		{"production", audit.Event{Action: audit.ActionProduce, Query: "tag:hot", Target: "PROD-001.age", Count: 2,
			Messages: []string{"a", "b"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}, {Sender: "Ann", Time: at}}, Detail: "ABC0000001-ABC0000003"}, false,
			`query="tag:hot" target=PROD-001.age count=2 messages=2 senders="Bob","Ann" sent=2025-03-12T08:39:00Z detail=ABC0000001-ABC0000003`},
		{"saved search added", audit.Event{Action: audit.ActionSavedAdd, Target: "hot", Query: "from:bob tag:x"}, false,
			`query="from:bob tag:x" saved="hot"`},
		{"saved search removed", audit.Event{Action: audit.ActionSavedRemove, Target: "hot", Query: "from:bob"}, false,
			`query="from:bob" saved="hot"`},
		{"search from a saved search", audit.Event{Action: audit.ActionSearch, Target: "hot", Query: "from:bob", Results: 2}, false,
			`query="from:bob" results=2 saved="hot"`},
		{"export keeps its target", audit.Event{Action: audit.ActionExport, Target: "out.jsonl", Count: 3}, false,
			`target=out.jsonl count=3`},
		{"saved attachment", audit.Event{Action: audit.ActionSaveAttachment, Conversation: "email:q3", Title: "Q3",
			Messages: []string{"a"}, Sent: []audit.Sent{{Sender: "Ann", Time: at}}, Attachment: "q3.csv", SHA256: strings.Repeat("ab", 32), Target: "/r/q3.csv"}, false,
			`conversation="Q3" attachment="q3.csv" target=/r/q3.csv sha256=abababababababab… messages=1 senders="Ann" sent=2025-03-12T08:39:00Z`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := details(&tc.in, tc.ids); got != tc.want {
				t.Errorf("details:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestTimeFilter: --since and --until as bounds of the filter.
func TestTimeFilter(t *testing.T) {
	now := time.Date(2025, 3, 14, 15, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		since, until string
		wantS, wantU time.Time
		wantErr      string
	}{
		{since: "2025-03-01", wantS: day(1)},
		{until: "2025-03-01", wantU: day(2)},
		{since: "7d", until: "1d", wantS: now.AddDate(0, 0, -7), wantU: now.AddDate(0, 0, -1)},
		{since: "2025-03-01..2025-03-05", wantS: day(1), wantU: day(6)},
		{since: "2025-03-02", until: "..2025-03-05", wantS: day(2), wantU: day(6)},
		{since: "yesterday", until: "today", wantS: day(13), wantU: day(15)},
		{since: "soon", wantErr: "audit show: --since soon: bad date"},
		{until: "..", wantErr: "audit show: --until ..: a date range needs at least one end"},
	}
	for _, tc := range tests {
		t.Run(tc.since+"|"+tc.until, func(t *testing.T) {
			var f audit.Filter
			err := timeFilter(&f, tc.since, tc.until, now, time.UTC)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !f.Since.Equal(tc.wantS) || !f.Until.Equal(tc.wantU) {
				t.Fatalf("since %v until %v (%v), want %v, %v", f.Since, f.Until, err, tc.wantS, tc.wantU)
			}
		})
	}
}
