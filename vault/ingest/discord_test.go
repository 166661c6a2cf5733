package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// discordCount counts the distinct message ids of an export its own way:
// decoding the whole file (fine for samples) rather than streaming it.
func discordCount(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range doc.Messages {
		ids[m.ID] = true
	}
	return len(ids)
}

func TestDiscordSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedSamples(t, "discord"), "*.json"))
	if len(files) == 0 {
		t.Fatal("no Discord samples")
	}
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if got, err := Detect(f); err != nil || got.Name != "discord" {
				t.Fatalf("detected as %q (%v)", got.Name, err)
			}
			msgs := collect(t, Discord, f, Options{})
			if want := discordCount(t, f); len(msgs) != want {
				t.Errorf("%d messages, the file has %d", len(msgs), want)
			}
			total += len(msgs)
			for _, m := range msgs {
				if m.Provenance.OriginalID == "" || m.Provenance.FileSHA256 == "" || !strings.HasPrefix(m.Conversation.ID, "discord:") {
					t.Fatalf("provenance or conversation: %+v", m)
				}
			}
		})
	}
	// SOURCES.md: 5 + 35 + 5 + 0 + 3 (messageCount says otherwise).
	if total != 48 {
		t.Errorf("%d messages from the samples, want 48", total)
	}
}

func TestDiscordExport(t *testing.T) {
	msgs := collect(t, Discord, "testdata/discord/guild.json", Options{})
	if len(msgs) != 8 {
		t.Fatalf("%d messages, want 8 (message 102 is in the file twice)", len(msgs))
	}
	for _, m := range msgs {
		checkEmitted(t, m)
		if m.Conversation.ID != "discord:900000000000000010" || m.Conversation.Title != "Northwind Desk › #ops" {
			t.Fatalf("conversation %+v", m.Conversation)
		}
	}
	join, pinned, reply, older, pin, rename, thread, command := msgs[0], msgs[1], msgs[2], msgs[3], msgs[4], msgs[5], msgs[6], msgs[7]
	if join.Kind != "system" || join.Body != "joined the server" || join.Sender != "Marcus" {
		t.Errorf("join: %q %q %q", join.Kind, join.Sender, join.Body)
	}
	edited := time.Date(2025, 3, 12, 7, 7, 30, 0, time.UTC)
	if pinned.Edited == nil || !pinned.Edited.Equal(edited) || pinned.Offset != 3600 || pinned.Time != time.Date(2025, 3, 12, 7, 5, 0, 123e6, time.UTC) {
		t.Errorf("edited %v offset %d time %v", pinned.Edited, pinned.Offset, pinned.Time)
	}
	if pinned.Body != "Settlement run is late again 😩 <script>" || pinned.Headers["pinned"] != "true" ||
		pinned.Headers["embeds"] != "Ops runbook https://wiki.example.invalid/runbook" || pinned.Headers["stickers"] != "facepalm" {
		t.Errorf("pinned: %q %v", pinned.Body, pinned.Headers)
	}
	if len(pinned.Attachments) != 1 || a(pinned).Name != "breaks.csv" || a(pinned).Size != 2048 || !a(pinned).Missing {
		t.Errorf("attachments %+v", pinned.Attachments)
	}
	var rs []string
	for _, r := range pinned.Reactions {
		rs = append(rs, r.Emoji+"/"+r.By+"/"+string(rune('0'+r.Count)))
	}
	if strings.Join(rs, " ") != "👍/Marcus/0 👍/Tom/0 :pepe_sad://5" {
		t.Errorf("reactions %q", rs)
	}
	if reply.ReplyTo != pinned.ID || reply.Headers["mentions"] != "Priya" || reply.Headers["type"] != "Reply" {
		t.Errorf("reply to %q (want %q), headers %v", reply.ReplyTo, pinned.ID, reply.Headers)
	}
	if older.ReplyTo != "discord:900000000000000001" || older.Sender != "tom.hadley" {
		t.Errorf("reply to an older message: %q by %q", older.ReplyTo, older.Sender)
	}
	if pin.Kind != "system" || pin.ReplyTo != pinned.ID || rename.Kind != "system" || rename.Body != "ops" {
		t.Errorf("pin %q %q, rename %q %q", pin.Kind, pin.ReplyTo, rename.Kind, rename.Body)
	}
	if thread.Kind != "system" || thread.Headers["thread"] != "discord:900000000000000020" || thread.ReplyTo != "" {
		t.Errorf("thread: %q %v %q", thread.Kind, thread.Headers, thread.ReplyTo)
	}
	if command.Kind != "" || command.Headers["bot"] != "true" || command.Headers["command"] != "/remind by Marcus" {
		t.Errorf("command: %q %v", command.Kind, command.Headers)
	}

	dm := collect(t, Discord, "testdata/discord/groupdm.json", Options{})
	if len(dm) != 3 || dm[0].Conversation.Title != "Marcus, Leo" || dm[0].Body != "added someone to the group" ||
		dm[1].Body != "started a call" || dm[1].Headers["call_ended"] != "2025-03-10T19:25:00Z" || dm[2].Kind != "" {
		t.Errorf("group DM: %+v", dm)
	}
}

func a(m *vaultMessage) vaultAttachment { return m.Attachments[0] }

// Two overlapping exports of one channel give the same messages the same
// IDs, so the vault stores them once.
func TestDiscordOverlap(t *testing.T) {
	full := collect(t, Discord, "testdata/discord/guild.json", Options{})
	raw, err := os.ReadFile("testdata/discord/guild.json")
	if err != nil {
		t.Fatal(err)
	}
	// The same export with its first message dropped, as a later export
	// starting after it would be.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ms []json.RawMessage
	json.Unmarshal(doc["messages"], &ms)
	doc["messages"], _ = json.Marshal(ms[1:])
	b, _ := json.Marshal(doc)
	p := filepath.Join(t.TempDir(), "later.json")
	os.WriteFile(p, b, 0o600)
	later := collect(t, Discord, p, Options{})
	ids := map[string]bool{}
	for _, m := range full {
		ids[m.ID] = true
	}
	for _, m := range later {
		if !ids[m.ID] {
			t.Errorf("message %s got a new ID in the overlapping export", m.Provenance.OriginalID)
		}
	}
}

func TestDiscordErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		lenient        bool
		n              int
	}{
		{name: "cut short", in: "{\"guild\":{\"id\":\"1\"},\"channel\":{\"id\":\"2\"},\n\"messages\":[\n{\"id\":\"3\",\"timestamp\":\"2025-01-01T00:00:00Z\"},\n{\"id\":\"4\",",
			want: "in.json:4: malformed JSON: unexpected end of file"},
		{name: "bad timestamp", in: "{\"guild\":{\"id\":\"1\"},\"channel\":{\"id\":\"2\"},\"messages\":[\n{\"id\":\"3\",\"timestamp\":\"yesterday\"}]}",
			want: `in.json:2: message 1: bad timestamp "yesterday"`},
		{name: "bad timestamp lenient", in: "{\"guild\":{\"id\":\"1\"},\"channel\":{\"id\":\"2\"},\"messages\":[\n{\"id\":\"3\",\"timestamp\":\"yesterday\"},\n{\"id\":\"4\",\"timestamp\":\"2025-01-01T00:00:00Z\"}]}",
			lenient: true, n: 1},
		{name: "wrong type", in: "{\"guild\":{\"id\":\"1\"},\"channel\":{\"id\":\"2\"},\"messages\":[\n{\"id\":3}]}",
			want: `in.json:2: message 1: unexpected number for "id"`},
		{name: "not an object", in: "[]", want: `in.json:1: expected "{", found "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "in.json")
			if err := os.WriteFile(p, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			n := 0
			err := Discord.Parse(p, Options{Lenient: tt.lenient}, func(*vaultMessage) error { n++; return nil })
			if tt.want == "" {
				if err != nil || n != tt.n {
					t.Fatalf("%d messages, %v", n, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func FuzzDiscord(f *testing.F) {
	addSeeds(f, "discord/*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "export.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		Discord.Detect(p)
		_ = Discord.Parse(p, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}
