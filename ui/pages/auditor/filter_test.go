package auditor

import (
	"strings"
	"testing"
	"time"

	"coffer/ui/common"
	"coffer/vault/audit"
)

// TestParseFilter: since: and until: take the query language's dates, a
// range sets the bounds it names, action: takes only actions.
func TestParseFilter(t *testing.T) {
	now := time.Date(2025, 3, 14, 15, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in           string
		since, until time.Time
		action       []string
		words        []string
		wantErr      string
	}{
		{in: "since:2025-03-01", since: day(1)},
		{in: "until:2025-03-01", until: day(2)},
		{in: "since:yesterday until:today", since: day(13), until: day(15)},
		{in: "since:7d", since: now.AddDate(0, 0, -7)},
		{in: "until:7d", until: now.AddDate(0, 0, -7)},
		{in: "since:2025-03-01..2025-03-05", since: day(1), until: day(6)},
		{in: "until:2025-03-10.. since:2025-03-02", since: day(2)},
		{in: "since:2025-03-01T10:00:00Z", since: day(1).Add(10 * time.Hour)},
		{in: "action:search action:tag-add Bob", action: []string{"search", "tag-add"}, words: []string{"bob"}},
		{in: "since:someday", wantErr: `since: bad date "someday"`},
		{in: "until:..", wantErr: "until: a date range needs at least one end"},
		{in: "action:serch", wantErr: `action: unknown action "serch" (one of session, unlock, unlock-failed`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := parseFilter(tc.in, now, time.UTC)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !c.since.Equal(tc.since) || !c.until.Equal(tc.until) ||
				strings.Join(c.action, ",") != strings.Join(tc.action, ",") || strings.Join(c.words, ",") != strings.Join(tc.words, ",") {
				t.Fatalf("parseFilter(%q) = %+v, %v", tc.in, c, err)
			}
		})
	}
}

// TestWhat: a row names what was seen by title and sender where the
// trail recorded them, by id where it did not (older trails) or when ids
// are shown; a failed passphrase reads as one; words match titles and
// senders.
func TestWhat(t *testing.T) {
	at := time.Date(2025, 3, 12, 8, 39, 0, 0, time.UTC)
	conv := audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Title: "Trading desk",
		Messages: []string{"m1", "m2", "m3"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}, {Sender: "", Time: at}, {Sender: "Bob", Time: at}}}
	tag := audit.Event{Action: audit.ActionTagAdd, Tag: "hot", Messages: []string{"m1"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}}}
	tests := []struct {
		name string
		e    audit.Event
		ids  bool
		want string
	}{
		{"conversation", conv, false, "“Trading desk” · 3 msgs from Bob, —"},
		{"conversation, ids", conv, true, "“Trading desk” (wa:desk) · 3 msgs from Bob, —"},
		{"tag", tag, false, "tag hot · Bob 03-12 08:39"},
		{"tag, ids", tag, true, "tag hot · Bob 03-12 08:39 · m1"},
		{"old conversation", audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Messages: []string{"m1", "m2"}}, false, "conv wa:desk · 2 msgs"},
		{"old detail", audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m1"}}, false, "msg m1"},
		{"failed passphrase", audit.Event{Action: audit.ActionUnlockFailed, Reason: audit.ReasonWrongPassphrase}, false, "failed passphrase"},
		{"piped attachment", audit.Event{Action: audit.ActionPipeAttachment, Conversation: "email:q3", Title: "Q3", Messages: []string{"m1"},
			Sent: []audit.Sent{{Sender: "Ann", Time: at}}, Attachment: "q3.csv", SHA256: "ab", Target: "wc -l"}, false, "“Q3” · Ann 03-12 08:39 · attachment “q3.csv” · wc -l"},
		{"old failed unlock", audit.Event{Action: audit.ActionUnlockFailed, Reason: "wrong key"}, false, "wrong key"},
		{"production", audit.Event{Action: audit.ActionProduce, Query: "tag:hot", Messages: []string{"m1"}, Sent: []audit.Sent{{Sender: "Bob", Time: at}},
			Target: "PROD-001.age", Count: 1}, false, "query \"tag:hot\" · Bob 03-12 08:39 · PROD-001.age"},
		{"saved search added", audit.Event{Action: audit.ActionSavedAdd, Target: "hot", Query: "from:bob"}, false, `saved search hot · query "from:bob"`},
		{"saved search removed", audit.Event{Action: audit.ActionSavedRemove, Target: "hot", Query: "from:bob"}, false, `saved search hot · query "from:bob"`},
		{"search from a saved search", audit.Event{Action: audit.ActionSearch, Target: "hot", Query: "from:bob", Results: 2}, false, `query "from:bob" → 2 · saved search hot`},
		{"export", audit.Event{Action: audit.ActionExport, Target: "out.jsonl"}, false, "out.jsonl"},
	}
	m := New(common.New(true), "v", nil, time.UTC)
	m.c.Width = 80
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m.showIDs = tc.ids
			if got := m.what(&tc.e); got != tc.want {
				t.Errorf("what = %q, want %q", got, tc.want)
			}
		})
	}
	c, _ := parseFilter("bob trading", time.Now(), time.UTC)
	if !c.match(&conv) || c.match(&audit.Event{Action: audit.ActionSearch, Query: "bob"}) {
		t.Error("words do not match titles and senders")
	}
}
