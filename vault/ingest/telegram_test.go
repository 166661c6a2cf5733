package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The chat-history-manager exports were made at UTC+5 (their
// date_unixtime and date differ by five hours); reading the older,
// zone-less vintages in that zone gives the true instants.
var tgTashkent = time.FixedZone("UTC+5", 5*3600)

// chatWant is what a test checks of one message.
type chatWant struct {
	sender string
	time   string // RFC 3339, UTC
	body   string // prefix of the body
}

func checkChatMsg(t *testing.T, what string, m *vaultMessage, w chatWant) {
	t.Helper()
	if m.Sender != w.sender || m.Time.UTC().Format(time.RFC3339) != w.time || !strings.HasPrefix(m.Body, w.body) {
		t.Errorf("%s message = %q %s %q; want %q %s %q…", what, m.Sender, m.Time.UTC().Format(time.RFC3339), m.Body, w.sender, w.time, w.body)
	}
}

// chatByOrig finds the message with the given original id.
func chatByOrig(t *testing.T, msgs []*vaultMessage, id string) *vaultMessage {
	t.Helper()
	for _, m := range msgs {
		if m.Provenance.OriginalID == id {
			return m
		}
	}
	t.Fatalf("no message with original id %s", id)
	return nil
}

// chatSample is one sample file: in testdata/<format>/ when its licence
// lets us redistribute it, else read from the shared samples folder.
type chatSample struct {
	file   string
	shared bool
	n      int
	first  chatWant
	last   chatWant
	check  func(t *testing.T, msgs []*vaultMessage)
}

func chatSamplePath(t *testing.T, format string, s chatSample) string {
	if s.shared {
		return filepath.Join(sharedSamples(t, format), s.file)
	}
	return filepath.Join("testdata", format, s.file)
}

func runChatSamples(t *testing.T, f Format, format string, opt Options, tests []chatSample) {
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := chatSamplePath(t, format, tt)
			if !f.Detect(p) {
				t.Errorf("Detect(%s) = false", tt.file)
			}
			msgs := collect(t, f, p, opt)
			if len(msgs) != tt.n {
				t.Fatalf("got %d messages, want %d", len(msgs), tt.n)
			}
			checkChatMsg(t, "first", msgs[0], tt.first)
			checkChatMsg(t, "last", msgs[len(msgs)-1], tt.last)
			for i, m := range msgs {
				if m.ID == "" || m.Source != format || m.Conversation.ID == "" || m.Provenance.Format != format ||
					len(m.Provenance.FileSHA256) != 64 || m.Provenance.Position == "" || m.Time.Location() != time.UTC {
					t.Fatalf("message %d incomplete: %+v", i, m)
				}
			}
			if tt.check != nil {
				tt.check(t, msgs)
			}
		})
	}
}

func TestTelegramSamples(t *testing.T) {
	opt := Options{Location: tgTashkent, Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	runChatSamples(t, Telegram, "telegram", opt, []chatSample{{
		file:  "chat-history-manager-rust__telegram_2020-01_result.json",
		n:     50,
		first: chatWant{"Wwwwww Www", "2016-11-08T19:26:24Z", `create group "ppppppp gggggg" (members: Wwwwww Www, Nnnnnnn`},
		last:  chatWant{"Ddddddd Uuuuuuuu", "2019-05-31T05:32:27Z", "Конструктор 12.99\nБензин 35"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			first := msgs[0]
			if first.Kind != "system" || first.Headers["action"] != "create_group" || first.SenderID != "user22222222" ||
				first.Conversation.ID != "telegram:8123123123" || first.Conversation.Title != "ppppppp gggggg" {
				t.Errorf("service message: %+v", first)
			}
			if first.Provenance.Timezone != "UTC+5" || first.Offset != 5*3600 || first.Edited != nil {
				t.Errorf("zone-less date: tz %q offset %d edited %v (1970 placeholder must be ignored)", first.Provenance.Timezone, first.Offset, first.Edited)
			}
			if r := chatByOrig(t, msgs, "39740"); r.ReplyTo != chatByOrig(t, msgs, "39739").ID {
				t.Errorf("reply: ReplyTo = %q", r.ReplyTo)
			}
			if f := chatByOrig(t, msgs, "39125"); f.ForwardedFrom != "Hearthstone Channel" || !f.Attachments[0].Missing {
				t.Errorf("forward: %+v", f)
			}
			poll := chatByOrig(t, msgs, "132894").Headers["poll"]
			if !strings.HasPrefix(poll, "Вечерний Мудозвон") || !strings.Contains(poll, "[x] Собирательный образ тележурналиста (11202)") {
				t.Errorf("poll = %q", poll)
			}
			if l := chatByOrig(t, msgs, "129455"); l.Headers["location"] != "41.328109,69.327564" || l.Edited == nil ||
				l.Edited.Format(time.RFC3339) != "2019-09-24T15:49:31Z" {
				t.Errorf("location/edit: %v %v", l.Headers, l.Edited)
			}
			if c := chatByOrig(t, msgs, "74752"); c.Headers["contact"] != "Vvvvv Vvvvvvvvv +7 910 041 13 85" {
				t.Errorf("contact = %q", c.Headers["contact"])
			}
			s := chatByOrig(t, msgs, "32616")
			if len(s.Attachments) != 1 || s.Attachments[0].Name != "sticker (100).webp" || !s.Attachments[0].Missing ||
				s.Headers["media_type"] != "sticker" || s.Headers["sticker_emoji"] != "👍" {
				t.Errorf("sticker: %+v %v", s.Attachments, s.Headers)
			}
			v := chatByOrig(t, msgs, "10355")
			if v.Attachments[0].Name != "test.mp3" || v.Attachments[0].Type != "audio/mpeg" || v.Headers["via_bot"] != "@saytextbot" {
				t.Errorf("voice: %+v %v", v.Attachments, v.Headers)
			}
			link := chatByOrig(t, msgs, "71032").Body
			if !strings.Contains(link, "вышла новая серия (https://readcomiconline.to/Comic/Doomsday-Clock/Issue-8?id=145162#1)") {
				t.Errorf("text_link not readable: %q", link)
			}
			if b := chatByOrig(t, msgs, "61541").Body; !strings.HasPrefix(b, "https://telegra.ph/file/8ae0cc38ca730522ddd44.jpg Ожидается") {
				t.Errorf("hidden preview link: %q", b)
			}
			if null := chatByOrig(t, msgs, "24712"); null.Sender != "" || null.SenderID != "user32507588" || null.Conversation.Title != "" {
				t.Errorf("null names: %+v", null)
			}
			if p := msgs[9].Provenance; p.Position != "message 10" || p.OriginalID != "10355" || !p.ImportedAt.Equal(opt.Now) {
				t.Errorf("provenance: %+v", p)
			}
		},
	}, {
		file:  "chat-history-manager-rust__telegram_2021-05_result.json",
		n:     3,
		first: chatWant{"Wwwwww Www", "2016-11-08T19:26:24Z", `create group "My Group"`},
		last:  chatWant{"Eeeee Eeeeeeeeee", "2016-11-08T19:36:45Z", "Hello there!"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if m := msgs[1]; m.Headers["action"] != "migrate_from_group" || m.SenderID != "channel8112233" {
				t.Errorf("migrate_from_group: %+v", m)
			}
			if msgs[2].SenderID != "user44444444" {
				t.Errorf("string from_id = %q", msgs[2].SenderID)
			}
		},
	}, {
		file:  "chat-history-manager-rust__telegram_2021-06_supergroup_result.json",
		n:     4,
		first: chatWant{"Sssss Pppppp", "2020-12-22T18:11:21Z", "invite members (members: Vvvvvvvv Bbbbbbb)"},
		last:  chatWant{"Aaaaa Aaaaaaaaaaa", "2021-03-18T12:50:23Z", ""},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[0].Provenance.OriginalID != "-999681092" {
				t.Errorf("negative id: %+v", msgs[0])
			}
			if c := msgs[3].Headers["contact"]; c != "Aaaaa +998 91 1234567" {
				t.Errorf("contact = %q", c)
			}
		},
	}, {
		file:  "chat-history-manager-rust__telegram_2023-01_result.json",
		n:     6,
		first: chatWant{"Eeeee Eeeeeeeeee", "2016-02-10T16:55:03Z", "migrate to supergroup"},
		last:  chatWant{"Aaaaa Aaaaaaaaaaa", "2023-02-18T14:55:02Z", "suggest profile photo"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if m := msgs[2]; m.Body != "this contains a lot of stuff: 😁http://mylink.org/HIDE ME" || m.Offset != 5*3600 || m.Provenance.Timezone != "" {
				t.Errorf("entities / offset from date_unixtime: %q %d %q", m.Body, m.Offset, m.Provenance.Timezone)
			}
			if m := msgs[3]; m.Body != "invite members (members: (deleted account))" {
				t.Errorf("null member: %q", m.Body)
			}
			if a := msgs[5].Attachments; len(a) != 1 || !a[0].Missing || a[0].Name != "photo" {
				t.Errorf("service photo: %+v", a)
			}
		},
	}, {
		file:  "chat-history-manager-rust__telegram_2023-10_audio-video_result.json",
		n:     4,
		first: chatWant{"", "2018-07-22T08:51:11Z", "Audio file (incomplete) message"},
		last:  chatWant{"", "2022-10-11T14:49:16Z", "Video file (full) message"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			a := msgs[1]
			if a.Attachments[0].Name != "audio_file.mp3" || !a.Attachments[0].Missing || a.Headers["performer"] != "Audio Performer" ||
				a.Headers["title"] != "Song Name" || a.Headers["duration_seconds"] != "123" || a.Headers["media_type"] != "audio_file" {
				t.Errorf("audio: %+v %v", a.Attachments, a.Headers)
			}
			// The export moved to UTC+8 in 2022 (date vs date_unixtime).
			if msgs[3].Offset != 8*3600 || msgs[3].Headers["dimensions"] != "222x333" {
				t.Errorf("video: offset %d headers %v", msgs[3].Offset, msgs[3].Headers)
			}
		},
	}, {
		file:  "chat-history-manager-rust__telegram_2024-01_inline-bot-buttons_result.json",
		n:     5,
		first: chatWant{"Aaaaa Aaaaaaaaaaa", "2022-10-11T14:49:15Z", "Some initial bold text"},
		last:  chatWant{"Aaaaa Aaaaaaaaaaa", "2022-10-11T14:49:16Z", ""},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[1].Body != "Initial plain text should have a line break added to it" {
				t.Errorf("body = %q", msgs[1].Body)
			}
		},
	}, {
		file:  "chat-miner__test_batch_export.json",
		n:     2,
		first: chatWant{"Author 1", "2018-12-05T10:39:10Z", "Minimal Message"},
		last:  chatWant{"Author 2", "2018-12-05T10:49:24Z", "Link:https://telegram.org/"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if c := msgs[0].Conversation; c.ID != "telegram:name:Chatname" || c.Title != "Chatname" {
				t.Errorf("conversation without id: %+v", c)
			}
		},
	}, {
		file:  "chat-miner__test_single_export.json",
		n:     2,
		first: chatWant{"Author 1", "2018-12-05T10:39:10Z", "Minimal Message"},
		last:  chatWant{"Author 2", "2018-12-05T10:49:24Z", "Link:https://telegram.org/"},
	}, {
		file:  "langchain-community__telegram_chat_json_result.json",
		n:     4,
		first: chatWant{"Jimmeny Marvelton", "2023-08-23T20:11:23Z", "i refuse to converse with you"},
		last:  chatWant{"Jimmeny Marvelton", "2023-08-23T20:15:53Z", "you will not trick me this time"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			// The HTML twin of this chat says "UTC-08:00"; date vs
			// date_unixtime says -7 h (summer time): trust the instant.
			if msgs[1].Sender != "Batman & Robin" || msgs[1].Offset != -7*3600 || msgs[1].Conversation.ID != "telegram:5965280513" {
				t.Errorf("second: %+v", msgs[1])
			}
		},
	}, {
		file:  "langchain-community__telegram_chat_html_messages.html",
		n:     4,
		first: chatWant{"Jimmeny Marvelton", "2023-08-23T21:11:23Z", "i refuse to converse with you"},
		last:  chatWant{"Jimmeny Marvelton", "2023-08-23T21:15:53Z", "you will not trick me this time"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			// The last message is "joined" (no from_name): same sender.
			if m := msgs[1]; m.Sender != "Batman & Robin" || m.Offset != -8*3600 || m.Provenance.OriginalID != "2" ||
				m.Conversation.ID != "telegram:name:Jimmeny Marvelton" || m.Provenance.Timezone != "" {
				t.Errorf("second: %+v", m)
			}
		},
	}, {
		file:  "langchain-community__test_docs_telegram.json",
		n:     3,
		first: chatWant{"Henry", "2019-12-31T19:00:02Z", "It's 2020..."},
		last:  chatWant{"Grace ðŸ§¤ ðŸ\u008d’", "2019-12-31T19:00:05Z", "You're a minute late!"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			// Mojibake in the export is kept byte for byte: guessing a
			// repair would alter evidence.
			if msgs[0].SenderID != "user4325636679" || msgs[0].Conversation.Title != "Grace ðŸ§¤" {
				t.Errorf("integer from_id / title: %+v", msgs[0])
			}
		},
	}, {
		file:  "tg-parser__supergroup_with_topics.json",
		n:     7,
		first: chatWant{"Admin", "2024-01-10T12:00:00Z", `create group "Test Group"`},
		last:  chatWant{"User3", "2024-01-11T09:00:00Z", "Message without topic reference"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[2].ReplyTo != msgs[1].ID || msgs[5].ReplyTo != msgs[3].ID || msgs[6].ReplyTo != "" {
				t.Errorf("topic replies: %q %q %q", msgs[2].ReplyTo, msgs[5].ReplyTo, msgs[6].ReplyTo)
			}
			if msgs[5].Headers["reactions"] != "👍×3" {
				t.Errorf("reactions = %q", msgs[5].Headers["reactions"])
			}
		},
	}, {
		file:   "chat-analytics__DM_2A_7M.json", // AGPL: not redistributed
		shared: true,
		n:      8,
		first:  chatWant{"Bob", "2019-07-05T11:55:32Z", "joined telegram"},
		last:   chatWant{"Alice", "2023-08-11T02:11:02Z", "phone call (56 s) (hangup)"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[1].Body != "https://google.com 👀" {
				t.Errorf("mixed text array: %q", msgs[1].Body)
			}
			if a := msgs[5].Attachments; len(a) != 1 || a[0].Name != "photo" || !a[0].Missing {
				t.Errorf("photo not included: %+v", a)
			}
			if msgs[3].Provenance.Timezone != "" || msgs[2].Provenance.Timezone != "UTC+5" {
				t.Errorf("date_unixtime-only messages need no zone: %q %q", msgs[3].Provenance.Timezone, msgs[2].Provenance.Timezone)
			}
		},
	}})
}

func TestTelegramNotTelegramHTML(t *testing.T) {
	p := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(p, []byte("<!DOCTYPE html><html><body>hi</body></html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if Telegram.Detect(p) {
		t.Error("Detect claims any HTML page")
	}
	err := Telegram.Parse(p, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a Telegram export page") {
		t.Fatalf("err = %v", err)
	}
}

// writeTelegramExport writes result.json (and files) into a fresh folder.
func writeTelegramExport(t testing.TB, json string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "result.json")
	if err := os.WriteFile(p, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTelegramMediaContent(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf(`{"name":"x","type":"personal_chat","id":1,"messages":[
{"id":1,"type":"message","date":"2024-01-02T03:04:05","date_unixtime":"1704164645","from":"A","from_id":"user1","photo":"photos/p.jpg","text":"look"},
{"id":2,"type":"message","date_unixtime":"1704164646","from":"A","from_id":"user1","file":"../%s","text":""},
{"id":3,"type":"message","date_unixtime":"1704164647","from":"A","from_id":"user1","file":%q,"file_name":"abs.txt","text":""},
{"id":4,"type":"message","date_unixtime":"1704164648","from":"A","from_id":"user1","file":"files/gone.pdf","mime_type":"application/pdf","text":""}
]}`, filepath.Base(filepath.Dir(outside))+"/secret.txt", outside)
	p := writeTelegramExport(t, js, map[string]string{"photos/p.jpg": "JPEGDATA"})
	msgs := collect(t, Telegram, p, Options{})
	if len(msgs) != 4 {
		t.Fatalf("got %d messages", len(msgs))
	}
	a := msgs[0].Attachments[0]
	if a.Name != "p.jpg" || string(a.Content) != "JPEGDATA" || a.Missing || a.Size != 8 || len(a.SHA256) != 64 {
		t.Errorf("included photo: %+v", a)
	}
	for i, m := range msgs[1:3] {
		if a := m.Attachments[0]; a.Content != nil || !a.Missing {
			t.Errorf("message %d: a path outside the export was read: %+v", i+2, a)
		}
	}
	if a := msgs[3].Attachments[0]; !a.Missing || a.Name != "gone.pdf" || !strings.Contains(msgs[3].Headers["missing_file"], "not in the export") {
		t.Errorf("missing file: %+v %v", a, msgs[3].Headers)
	}
}

func TestTelegramMediaFIFO(t *testing.T) {
	p := writeTelegramExport(t, `{"messages":[{"id":1,"date_unixtime":"5","from":"A","photo":"photos/fifo.jpg","text":""}]}`, nil)
	if err := os.MkdirAll(filepath.Join(filepath.Dir(p), "photos"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(filepath.Dir(p), "photos", "fifo.jpg"), 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	msgs := collect(t, Telegram, p, Options{}) // must not block
	if a := msgs[0].Attachments[0]; !a.Missing || a.Content != nil {
		t.Fatalf("%+v", a)
	}
}

func TestTelegramErrors(t *testing.T) {
	const good = `{"id":1,"type":"message","date_unixtime":"1704164645","from":"A","text":"ok"}`
	tests := []struct {
		name    string
		in      string
		lenient int // messages a lenient parse keeps, -1 when it must fail too
		wantErr string
	}{
		{"bad field type", "{\"messages\":[\n" + good + ",\n{\"id\":\"x\",\"date_unixtime\":\"1\"},\n" + good + "]}", 2, "result.json:3: message 2: unexpected string"},
		{"no date", "{\"messages\":[\n" + good + ",\n{\"id\":2,\"type\":\"message\",\"text\":\"x\"}]}", 1, `result.json:3: message 2: no "date"`},
		{"bad date", "{\"messages\":[{\"id\":2,\"date\":\"yesterday\",\"text\":\"x\"}]}", 0, `result.json:1: message 1: bad date "yesterday"`},
		{"text not text", "{\"messages\":[{\"id\":2,\"date_unixtime\":\"5\",\"text\":{}}]}", 0, "message 1: unexpected non-text"},
		{"unknown type", "{\"messages\":[{\"id\":2,\"type\":\"weird\",\"date_unixtime\":\"5\"}]}", 0, `unknown message type "weird"`},
		{"truncated", "{\"messages\":[\n" + good + ",\n{\"id\":2,", -1, "result.json:3: malformed JSON: unexpected end of file"},
		{"syntax", "{\"messages\":[\n" + good + ",\n{\"id\":2 \"x\"}]}", -1, "result.json:3: malformed JSON: invalid character"},
		{"not an object", "[1,2]", -1, "result.json:1: expected \"{\""},
		{"trailing data", "{\"messages\":[]} {}", -1, "data after the top-level object"},
		{"messages not array", "{\"messages\":5}", -1, "messages: expected an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTelegramExport(t, tt.in, nil)
			err := Telegram.Parse(p, Options{}, func(*vaultMessage) error { return nil })
			var ie *Error
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ie) {
				t.Fatalf("strict: err = %v, want *Error containing %q", err, tt.wantErr)
			}
			var n, skipped int
			err = Telegram.Parse(p, Options{Lenient: true, Skip: func(*Error) { skipped++ }}, func(*vaultMessage) error { n++; return nil })
			if tt.lenient < 0 {
				if err == nil {
					t.Fatal("lenient parse of broken JSON succeeded")
				}
				return
			}
			if err != nil || n != tt.lenient || skipped != 1 {
				t.Fatalf("lenient: n=%d skipped=%d err=%v; want n=%d skipped=1", n, skipped, err, tt.lenient)
			}
		})
	}
}

func TestTelegramHugeMessageTruncated(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 50 MiB message")
	}
	big := strings.Repeat("é", MaxMessageBodySize/2+10)
	p := writeTelegramExport(t, `{"messages":[{"id":1,"date_unixtime":"5","from":"A","text":"`+big+`"}]}`, nil)
	msgs := collect(t, Telegram, p, Options{})
	b := msgs[0].Body
	if len(b) > MaxMessageBodySize+100 || !strings.Contains(b, "[coffer: message truncated") || msgs[0].Headers["truncated_from"] == "" {
		t.Fatalf("body of %d bytes, headers %v", len(b), msgs[0].Headers)
	}
}

func TestTelegramIdenticalMessagesWithoutIDs(t *testing.T) {
	m := `{"type":"message","date_unixtime":"1544006350","from":"A","text":"same"}`
	p := writeTelegramExport(t, `{"messages":[`+m+`,`+m+`,{"id":7,"date_unixtime":"1544006350","from":"A","text":"same"}]}`, nil)
	msgs := collect(t, Telegram, p, Options{})
	if msgs[0].Seq != 0 || msgs[1].Seq != 1 || msgs[0].ID == msgs[1].ID || msgs[2].Seq != 0 || msgs[0].Provenance.OriginalID != "" {
		t.Fatalf("seq %d %d %d, ids %s %s", msgs[0].Seq, msgs[1].Seq, msgs[2].Seq, msgs[0].ID, msgs[1].ID)
	}
}

func TestTelegramReplyFallback(t *testing.T) {
	p := writeTelegramExport(t, `{"id":77,"messages":[{"id":5,"date_unixtime":"5","from":"A","reply_to_message_id":4,"text":"re"}]}`, nil)
	msgs := collect(t, Telegram, p, Options{})
	if msgs[0].ReplyTo != "telegram:77:4" {
		t.Fatalf("ReplyTo = %q", msgs[0].ReplyTo)
	}
}

func TestTelegramGeneratedExport(t *testing.T) {
	p, _ := writeBigTelegram(t, 50)
	msgs := collect(t, Telegram, p, Options{})
	if len(msgs) != 200 || msgs[3].ReplyTo != msgs[1].ID || msgs[5].ForwardedFrom != "Some Channel" ||
		!strings.HasSuffix(msgs[1].Body, " https://example.com/1") || msgs[199].Conversation.ID != "telegram:4000000003" {
		t.Fatalf("generated export misread: %d messages, %+v", len(msgs), msgs[3])
	}
}

func TestTelegramExportFolder(t *testing.T) {
	p := writeTelegramExport(t, `{"id":1,"messages":[{"id":5,"date_unixtime":"5","from":"A","photo":"photos/a.jpg","text":"x"}]}`, map[string]string{"photos/a.jpg": "J"})
	dir := filepath.Dir(p)
	if !Telegram.Detect(dir) {
		t.Fatal("Detect(export folder) = false")
	}
	msgs := collect(t, Telegram, dir, Options{})
	if len(msgs) != 1 || string(msgs[0].Attachments[0].Content) != "J" || msgs[0].Provenance.File != "result.json" {
		t.Fatalf("%+v", msgs)
	}
}

// TestTelegramOverlappingExports checks that messages shared by two
// exports of one chat get the same IDs, including across schema
// vintages (integer vs "user…" from_id).
func TestTelegramOverlappingExports(t *testing.T) {
	a := writeTelegramExport(t, `{"name":"C","id":9,"messages":[
{"id":1,"type":"message","date":"2024-01-02T10:00:00","from":"Ann","from_id":5,"text":"one"},
{"id":2,"type":"message","date":"2024-01-02T10:01:00","from":"Bob","from_id":6,"reply_to_message_id":1,"text":"two"}]}`, nil)
	b := writeTelegramExport(t, `{"name":"C","id":9,"messages":[
{"id":2,"type":"message","date":"2024-01-02T10:01:00","date_unixtime":"1704189660","from":"Bob","from_id":"user6","reply_to_message_id":1,"text":"two","text_entities":[{"type":"plain","text":"two"}]},
{"id":3,"type":"message","date":"2024-01-02T10:02:00","date_unixtime":"1704189720","from":"Ann","from_id":"user5","text":"three"}]}`, nil)
	ma := collect(t, Telegram, a, Options{Location: time.UTC})
	mb := collect(t, Telegram, b, Options{Location: time.UTC})
	if ma[1].ID != mb[0].ID {
		t.Fatalf("message 2: ID %s in the old export, %s in the new one", ma[1].ID, mb[0].ID)
	}
	if ma[1].ReplyTo != ma[0].ID || mb[0].ReplyTo != "telegram:9:1" {
		t.Errorf("ReplyTo: %q / %q", ma[1].ReplyTo, mb[0].ReplyTo)
	}
}
