package ingest

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

// TestIMessageSamples imports every file of ../shared/samples/imessage
// and compares the number of messages with a count of the source's
// records made without the importer: SQL over chat.db, a pattern over the
// exporter's text, the message and announcement divs of its HTML.
func TestIMessageSamples(t *testing.T) {
	dir := sharedSamples(t, "imessage")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	// SOURCES.md documents each sample's records.
	documented := map[string]int{
		"macos-ts__chat.db":                 15,
		"imessage-exporter__example.html":   11, // 10 messages and an announcement
		"dbiR__+15550000001.txt":            17,
		"dbiR__+15550000004.txt":            10,
		"dbiR__groupchat_two_handles.txtin": 4,
	}
	if len(files) != len(documented) {
		t.Fatalf("%d samples, want %d", len(files), len(documented))
	}
	for _, p := range files {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			f, err := Detect(p)
			if err != nil || f.Name != "imessage" {
				t.Fatalf("Detect: %q, %v", f.Name, err)
			}
			ms := collect(t, IMessage, p, Options{Location: time.UTC})
			for _, m := range ms {
				checkEmitted(t, m)
				if m.Provenance.Format != "imessage" || m.Provenance.File != name || m.Provenance.Position == "" {
					t.Errorf("provenance %+v", m.Provenance)
				}
			}
			var want int
			switch filepath.Ext(name) {
			case ".db":
				want = countChatDBRecords(t, p)
			case ".html":
				want = countIMessageHTMLRecords(t, p)
			default:
				want = countIMessageTextRecords(t, p)
			}
			if len(ms) != want || want != documented[name] {
				t.Fatalf("imported %d messages; the source holds %d (documented: %d)", len(ms), want, documented[name])
			}
		})
	}
}

// countChatDBRecords counts a chat.db's message rows, less the tapbacks
// on a message the database holds (they become its reactions).
func countChatDBRecords(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT guid, COALESCE(associated_message_guid, ''), COALESCE(associated_message_type, 0) FROM message")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		guid, assoc string
		kind        int
	}
	var all []row
	isMessage := map[string]bool{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.guid, &r.assoc, &r.kind); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
		isMessage[r.guid] = r.kind < 2000 || r.kind >= 4000
	}
	n := 0
	for _, r := range all {
		target := r.assoc[strings.LastIndexAny(r.assoc, "/:")+1:]
		if isMessage[r.guid] || !isMessage[target] {
			n++
		}
	}
	return n
}

func countIMessageTextRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return len(regexp.MustCompile(`(?m)(?:\A|\n\n)(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+, \d{4} +\d+:\d\d:\d\d [AP]M`).FindAll(b, -1))
}

func countIMessageHTMLRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte(`<div class="message">`)) + bytes.Count(b, []byte(`<div class="announcement">`))
}

func TestIMessageText(t *testing.T) {
	p := filepath.Join(sharedSamples(t, "imessage"), "dbiR__+15550000004.txt")
	london, _ := time.LoadLocation("Europe/London")
	ms := collect(t, IMessage, p, Options{Location: london})
	if len(ms) != 10 {
		t.Fatalf("%d messages", len(ms))
	}
	first := ms[0]
	if first.Sender != "Me" || first.Body != "hey dana, two things\n\nfirst, happy april fools day, don't trust anything harold says today\n\nsecond, are we still on for trivia thursday" ||
		!first.Time.Equal(time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC)) || first.Provenance.Timezone != "Europe/London" ||
		first.Conversation.Title != "dbiR__+15550000004" || first.Provenance.Position != "line 1" {
		t.Errorf("first: %+v", first)
	}
	if r := ms[1]; r.Sender != "Dana Edgecase" || r.Body != "yes trivia is on" || r.Headers["receipt"] != "Read by you after 12 seconds" ||
		!slices.Equal(r.Reactions, []vault.Reaction{{Emoji: "❤️", By: "Me"}}) {
		t.Errorf("tapback: %+v", r)
	}
	if a := ms[2]; a.Body != "" || len(a.Attachments) != 1 || !a.Attachments[0].Missing || a.Attachments[0].Name != "IMG_0042.heic" {
		t.Errorf("attachment: %+v", a)
	}
	if q := ms[3]; q.Body != "perfect, i'll book the table for seven o'clock" || q.Headers["quote"] != "yes trivia is on" || q.ReplyTo != ms[1].ID {
		t.Errorf("quote: %+v", q)
	}
	group := collect(t, IMessage, filepath.Join(sharedSamples(t, "imessage"), "dbiR__groupchat_two_handles.txtin"), Options{Location: time.UTC})
	if g := group[1]; g.Sender != "+13105550001" || g.SenderID != "+13105550001" || g.Body != "im in" {
		t.Errorf("group: %+v", g)
	}
}

func TestIMessageTextShapes(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // sender|body|reactions
		err      string
	}{
		{"real exporter layout", "May 17, 2022  5:29:42 PM (Read by you after 1 hour, 49 seconds)\r\n+15558675309\r\nHey!\r\n\r\nMay 17, 2022  5:30:00 PM\r\nMe\r\nHi\r\nTapbacks:\r\nLoved by +15558675309\r\nLiked by Jo\r\n",
			[]string{"+15558675309|Hey!|", "Me|Hi|❤️ +15558675309,👍 Jo"}, ""},
		{"announcement", "Jul 17, 2022 5:04:50 PM You renamed the conversation to Crabs\n\nJul 17, 2022 5:05:00 PM\nMe\nok\n",
			[]string{"|You renamed the conversation to Crabs|", "Me|ok|"}, ""},
		{"date line inside text", "Jan 5, 2024 9:00:00 AM\nMe\nsee you on\nJan 6, 2024 9:00:00 AM\n",
			[]string{"Me|see you on\nJan 6, 2024 9:00:00 AM|"}, ""},
		{"copied attachment", "Jan 5, 2024 9:00:00 AM\nMe\nattachments/1/IMG_1.jpeg\n",
			[]string{"Me||"}, ""},
		{"no sender", "Jan 5, 2024 9:00:00 AM\n\nhello\n", nil, "x.txt:1: no sender line after the date line"},
		{"no sender at the end", "Jan 5, 2024 9:00:00 AM\n", nil, "x.txt:1: no sender line after the date line"},
		{"text before the first date", "hello\nJan 5, 2024 9:00:00 AM\nMe\nhi\n", nil, `x.txt:1: expected a date line like "Jan 5, 2024 9:00:00 AM"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.txt")
			if err := os.WriteFile(p, []byte(tc.in), 0o600); err != nil {
				t.Fatal(err)
			}
			var got []string
			err := IMessage.Parse(p, Options{Location: time.UTC}, func(m *vaultMessage) error {
				var rs []string
				for _, r := range m.Reactions {
					rs = append(rs, r.Emoji+" "+r.By)
				}
				got = append(got, m.Sender+"|"+m.Body+"|"+strings.Join(rs, ","))
				return nil
			})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestIMessageHTML(t *testing.T) {
	ms := collect(t, IMessage, filepath.Join(sharedSamples(t, "imessage"), "imessage-exporter__example.html"), Options{Location: time.UTC})
	if len(ms) != 11 {
		t.Fatalf("%d messages", len(ms))
	}
	first := ms[0]
	if first.Subject != "iMessage Data Exporter" || first.Sender != "Me" || !strings.HasPrefix(first.Body, "Hey, did you see") ||
		!first.Time.Equal(time.Date(2022, 7, 17, 17, 4, 4, 0, time.UTC)) || first.Headers["service"] != "iMessage" ||
		!slices.Equal(first.Reactions, []vault.Reaction{{Emoji: "❓", By: "+15558675309"}}) {
		t.Errorf("first: %+v", first)
	}
	if app := ms[1]; app.Headers["link"] != "https://github.com/ReagentX/imessage-exporter" || !strings.Contains(app.Body, "Export macOS iMessage data") {
		t.Errorf("link preview: %+v", app)
	}
	if ann := ms[2]; ann.Kind != "system" || ann.Body != "You renamed the conversation to 🦀 iMessage Exporter 🦀" {
		t.Errorf("announcement: %+v", ann)
	}
	parent := ms[3]
	if parent.Sender != "steve@icloud.com" || parent.Headers["receipt"] != "Read by you after 5 seconds" {
		t.Errorf("parent: %+v", parent)
	}
	for _, r := range ms[4:7] {
		if r.ReplyTo != parent.ID {
			t.Errorf("reply %q: reply_to %q", r.Body, r.ReplyTo)
		}
	}
	if st := ms[4].Reactions; !slices.Equal(st, []vault.Reaction{{Emoji: "sticker", By: "Me"}, {Emoji: "❤️", By: "+15558675309"}}) {
		t.Errorf("sticker: %+v", st)
	}
	if jp := ms[6]; len(jp.Attachments) != 1 || jp.Attachments[0].Name != "bella.jpeg" || !jp.Attachments[0].Missing {
		t.Errorf("attachment: %+v", jp)
	}
	ed := ms[9]
	if ed.Body != "That's amazing!" || ed.Headers["edit.1"] != "That's amazin" || ed.Edited == nil ||
		!ed.Edited.Equal(time.Date(2022, 7, 17, 17, 45, 12, 0, time.UTC)) || ed.ReplyTo != ms[8].ID {
		t.Errorf("edited: %+v", ed)
	}
	if sms := ms[10]; sms.Headers["service"] != "SMS" {
		t.Errorf("sms: %+v", sms)
	}
}

func TestIMessageHTMLErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Ann.html")
	doc := `<html><div class="message"><div class="received"><p><span class="timestamp">yesterday</span><span class="sender">Ann</span></p>` +
		`<div class="message_part"><span class="bubble">hi</span></div></div></div>` +
		`<div class="message"><div class="received"><p><span class="timestamp">Jul 17, 2022 5:04:04 PM</span><span class="sender">Ann</span></p>` +
		`<div class="message_part"><span class="bubble">there</span></div></div></div></html>`
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	err := IMessage.Parse(p, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || err.Error() != `Ann.html: message 1: no timestamp like "Jul 17, 2022 5:04:04 PM"` {
		t.Fatalf("strict: %v", err)
	}
	n := 0
	if err := IMessage.Parse(p, Options{Lenient: true}, func(*vaultMessage) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("lenient: %v, %d", err, n)
	}
}

func TestIMessageDetect(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Jan 5, 2024 9:00:00 AM\nMe\nhi\n", true},
		{"May 17, 2022  5:29:42 PM (Read by you after 1 hour)\r\n+15558675309\r\n", true},
		{"Jul 17, 2022 5:04:50 PM You renamed the conversation to X\n", true},
		{"Jan 5, 2024 9:00:00 AM\n\nhi\n", false},
		{"Jan 5, 2024 9:00:00 AM\nJan 5, 2024 9:00:00 AM\n", false},
		{"[05.01.24, 09:00:00] Ann: hi\n", false},
		{"Foo 5, 2024 9:00:00 AM\nMe\n", false},
		{"SQLite format 3\x00not really", false},
		{`<html><div class="message"><span class="timestamp">`, true},
		{`<!DOCTYPE html><div class="message default clearfix">`, false},
	} {
		p := filepath.Join(t.TempDir(), "x")
		if err := os.WriteFile(p, []byte(tc.in), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := IMessage.Detect(p); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzIMessageText runs the exporter text parser on mutations of the
// samples: it must not panic, and what it emits must be storable.
func FuzzIMessageText(f *testing.F) {
	fuzzIMessageFile(f, "*.txt*", "chat.txt")
}

// FuzzIMessageHTML does the same for the HTML parser.
func FuzzIMessageHTML(f *testing.F) {
	fuzzIMessageFile(f, "*.html", "chat.html")
}

func fuzzIMessageFile(f *testing.F, pattern, name string) {
	seeds, _ := filepath.Glob(filepath.Join(sharedSamples(f, "imessage"), pattern))
	local, _ := filepath.Glob(filepath.Join("testdata", "imessage", pattern))
	seeds = append(seeds, local...)
	if len(seeds) == 0 {
		f.Fatalf("no seeds match %s", pattern)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	parse := parseIMessageText
	if strings.HasSuffix(name, ".html") {
		parse = parseIMessageHTML
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, lenient := range []bool{false, true} {
			err := parse(p, Options{Location: time.UTC, Lenient: lenient}, func(m *vaultMessage) error {
				checkEmitted(t, m)
				return nil
			})
			// A lenient text import skips what it cannot read; HTML may
			// still fail as a whole (html.Parse refuses 512 nested elements).
			if lenient && err != nil && !strings.HasSuffix(name, ".html") {
				t.Fatalf("lenient parse failed: %v", err)
			}
		}
	})
}

// FuzzChatDB feeds mutated Messages databases (the sample's and the
// demo's) to the chat.db reader, strict and lenient: a corrupt database
// is an error naming the file, never a panic, a hang or a message that
// fails the vault's checks.
func FuzzChatDB(f *testing.F) {
	for _, s := range []string{filepath.Join(sharedSamples(f, "imessage"), "macos-ts__chat.db"), filepath.Join("..", "..", "testdata", "demo", "imessage", "chat.db")} {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "chat.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, lenient := range []bool{false, true} {
			parseChatDB(p, Options{Location: time.UTC, Lenient: lenient}, func(m *vaultMessage) error {
				checkEmitted(t, m)
				return nil
			})
		}
	})
}
