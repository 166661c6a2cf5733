package ingest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var signalZone = time.FixedZone("UTC+1", 3600)

func TestSignalSamples(t *testing.T) {
	opt := Options{Location: signalZone, Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	runChatSamples(t, Signal, "signal", opt, []chatSample{{
		file:  "chat-miner__signal_test_export.txt",
		n:     2,
		first: chatWant{"Jane Doe", "2019-12-24T11:23:00Z", "Hello John!"},
		last:  chatWant{"John Doe", "2020-01-17T20:49:00Z", "Hello\nJane!"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			m := msgs[1]
			if m.Conversation.ID != "signal:chat-miner__signal_test_export" || m.Provenance.Position != "line 2" ||
				m.Provenance.Timezone != "UTC+1" || m.Offset != 3600 {
				t.Errorf("second message: %+v", m)
			}
		},
	}, {
		file:  "signal-export/Alice/chat.md",
		n:     7,
		first: chatWant{"Alice", "2024-01-02T08:15:00Z", "Morning! Did you see the report?"},
		last:  chatWant{"Alice", "2024-01-02T08:21:00Z", "Incoming voice call (accepted, 1m 5s)"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if c := msgs[0].Conversation; c.ID != "signal:Alice" || c.Title != "Alice" {
				t.Errorf("conversation from the chat folder: %+v", c)
			}
			if msgs[0].Body != "Morning! Did you see the report?" {
				t.Errorf("markdown line-break spaces kept: %q", msgs[0].Body)
			}
			if b := msgs[1].Body; b != "Yes.\nTwo things stand out:\n- the numbers for March" {
				t.Errorf("multi-line: %q", b)
			}
			if m := msgs[2]; m.Body != "> Yes.\n\nWhich numbers?" || m.Headers["reactions"] != "Me: 👍" {
				t.Errorf("quote/reactions: %q %v", m.Body, m.Headers)
			}
			checkSignalExportMedia(t, msgs)
		},
	}, {
		file:  "signal-export/Alice/data.json",
		n:     7,
		first: chatWant{"Alice", "2024-01-02T08:15:00Z", "Morning! Did you see the report?"},
		last:  chatWant{"Alice", "2024-01-02T08:21:00Z", "Incoming voice call (accepted, 1m 5s)"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if m := msgs[2]; m.Body != "Which numbers?" || m.Headers["quote"] != "> Yes." || m.Headers["reactions"] != "Me: 👍" {
				t.Errorf("quote/reactions: %q %v", m.Body, m.Headers)
			}
			if msgs[5].Headers["deleted"] != "true" || msgs[6].Kind != "system" || msgs[6].Headers["call"] != "yes" {
				t.Errorf("deleted/call: %v %+v", msgs[5].Headers, msgs[6])
			}
			checkSignalExportMedia(t, msgs)
		},
	}, {
		file:  "sigtop/Alice Smith.json",
		n:     7,
		first: chatWant{"a1b2c3d4-0000-4000-8000-000000000001", "2024-01-02T09:15:00Z", "Morning! Did you see the report?"},
		last:  chatWant{"+15550100001", "2024-01-02T09:23:20Z", "later"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			c := msgs[0].Conversation
			if c.ID != "signal:5f1d2c3b-aaaa-4bbb-8ccc-111111111111" || c.Title != "Alice Smith" {
				t.Errorf("conversation: %+v", c)
			}
			if m := msgs[1]; m.Sender != "me" || m.Body != "Yes. Two things stand out: @Alice Smith has the numbers" {
				t.Errorf("outgoing/mention: %q %q", m.Sender, m.Body)
			}
			q := msgs[2]
			if q.ReplyTo != msgs[1].ID || q.Headers["quote"] != "Yes. Two things stand out" {
				t.Errorf("quote: %q %v", q.ReplyTo, q.Headers)
			}
			if q.Edited == nil || q.Edited.Format(time.RFC3339) != "2024-01-02T09:18:20Z" || q.Headers["edit.1"] != "2024-01-02T09:17:05Z Which numbers?" {
				t.Errorf("edit: %v %v", q.Edited, q.Headers)
			}
			if q.Headers["reactions"] != "👍" || q.Provenance.OriginalID != "0b0c3f1e-7a59-4b5e-9a43-2f4c1d7e8a03" {
				t.Errorf("reactions/original id: %+v", q)
			}
			a := msgs[3].Attachments
			if len(a) != 2 || a[0].Name != "photo.png" || a[0].Size != 7 || !a[0].Missing || a[1].Name != "attachment (application/pdf)" ||
				msgs[3].Headers["link_preview"] != "https://example.com/report" {
				t.Errorf("attachments: %+v", a)
			}
			if s := msgs[4].Headers["sticker"]; s != "😂 9acc9e8aba563d26a4994e69263e3b25/3" {
				t.Errorf("sticker = %q", s)
			}
			if k := msgs[5]; k.Kind != "system" || k.Body != "keychange" {
				t.Errorf("keychange: %+v", k)
			}
			if r := msgs[6].ReplyTo; r != "signal:5f1d2c3b-aaaa-4bbb-8ccc-111111111111:1704100000000" {
				t.Errorf("quote of a message not in the file (string id): %q", r)
			}
		},
	}})
}

// checkSignalExportMedia checks the attachments and duplicates shared
// by chat.md and data.json of the signal-export sample.
func checkSignalExportMedia(t *testing.T, msgs []*vaultMessage) {
	t.Helper()
	a := msgs[3].Attachments
	if len(a) != 2 || a[0].Name != "2024-01-02 photo.png" || string(a[0].Content) != "PNGDATA" || a[0].Missing ||
		a[1].Name != "notes.pdf" || !a[1].Missing || msgs[3].Body != "Here" {
		t.Errorf("attachments: %q %+v", msgs[3].Body, a)
	}
	if msgs[3].Seq != 0 || msgs[4].Seq != 1 || msgs[3].ID == msgs[4].ID {
		t.Errorf("identical messages: seq %d %d", msgs[3].Seq, msgs[4].Seq)
	}
}

// TestSignalChatMinerTarget compares with chat-miner's expected parse of
// its sample (newest first; multi-line bodies joined with a space).
func TestSignalChatMinerTarget(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "signal", "chat-miner__signal_target.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []struct{ Timestamp, Author, Message string }
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	msgs := collect(t, Signal, filepath.Join("testdata", "signal", "chat-miner__signal_test_export.txt"), Options{Location: signalZone})
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, target has %d", len(msgs), len(want))
	}
	for i, w := range want {
		m := msgs[len(msgs)-1-i]
		got := m.Time.In(signalZone).Format("2006-01-02T15:04:05")
		if got != w.Timestamp || m.Sender != w.Author || strings.Join(strings.Fields(m.Body), " ") != w.Message {
			t.Errorf("target %d: got %s %q %q, want %s %q %q", i, got, m.Sender, m.Body, w.Timestamp, w.Author, w.Message)
		}
	}
}

// TestSignalNotExports covers the other files in the samples: the
// target JSON, and signal-export's SQLCipher database fixture and its
// key file, which are out of scope and must be refused clearly.
func TestSignalNotExports(t *testing.T) {
	for _, f := range []string{"chat-miner__signal_target.json", "signal-export__db.sqlite", "signal-export__config.json"} {
		p := filepath.Join("testdata", "signal", f)
		if Signal.Detect(p) {
			t.Errorf("Detect(%s) = true", f)
		}
		err := Signal.Parse(p, Options{}, func(*vaultMessage) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "not a Signal export") {
			t.Errorf("%s: err = %v", f, err)
		}
	}
}

func TestSignalErrors(t *testing.T) {
	tests := []struct {
		name, file, in string
		lenient        int // -1: fails when lenient too
		wantErr        string
	}{
		{"one message", "chat.txt", "[2024-01-02, 10:00] A: hi\n", 1, ""},
		{"bad date", "chat.txt", "[2024-01-02, 10:00] A: hi\n[2024-13-45, 10:00] B: x\n", 1, `chat.txt:2: bad date "2024-13-45, 10:00"`},
		{"bad time", "chat.txt", "[2024-01-02, 10:00] A: hi\n[2024-01-02 25:61:00] B: x\n", 1, `chat.txt:2: bad date "2024-01-02 25:61:00"`},
		{"data.json bad line", "data.json", "{\"date\": \"2024-01-02T10:00:00\", \"sender\": \"A\", \"body\": \"x\"}\n{\"date\": 5}\n", 1, "data.json:2: malformed JSON"},
		{"data.json bad date", "data.json", "{\"date\": \"2024-01-02T10:00:00\", \"sender\": \"A\", \"body\": \"x\"}\n{\"date\": \"soon\", \"sender\": \"A\", \"body\": \"x\"}\n", 1, `data.json:2: bad date "soon"`},
		{"sigtop bad record", "a.json", "[{\"conversationId\":\"c\",\"sent_at\":1000,\"type\":\"incoming\"},\n{\"conversationId\":\"c\",\"sent_at\":\"x\"}]", 1, `a.json:2: message 2: unexpected string for "sent_at"`},
		{"sigtop no time", "a.json", "[{\"conversationId\":\"c\",\"sent_at\":1000},\n{\"conversationId\":\"c\",\"type\":\"incoming\"}]", 1, `a.json:2: message 2: no "sent_at"`},
		{"sigtop truncated", "a.json", "[{\"conversationId\":\"c\",\"sent_at\":1000},\n{\"conversationId\":", -1, "a.json:2: malformed JSON: unexpected end of file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(p, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			err := Signal.Parse(p, Options{}, func(*vaultMessage) error { return nil })
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ie *Error
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ie) {
				t.Fatalf("strict: err = %v, want *Error containing %q", err, tt.wantErr)
			}
			n := 0
			err = Signal.Parse(p, Options{Lenient: true}, func(*vaultMessage) error { n++; return nil })
			if tt.lenient < 0 {
				if err == nil {
					t.Fatal("lenient parse of broken JSON succeeded")
				}
			} else if err != nil || n != tt.lenient {
				t.Fatalf("lenient: n=%d err=%v, want %d", n, err, tt.lenient)
			}
		})
	}
}

func TestSignalAttachmentOutsideExport(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	chat := filepath.Join(dir, "Bob", "chat.md")
	os.MkdirAll(filepath.Dir(chat), 0o700)
	if err := os.WriteFile(chat, []byte("[2024-01-02 10:00:00] Bob: [x](../secret)  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs := collect(t, Signal, chat, Options{})
	if a := msgs[0].Attachments; len(a) != 1 || a[0].Content != nil || !a[0].Missing {
		t.Fatalf("a link out of the chat folder was read: %+v", a)
	}
}

func FuzzSignal(f *testing.F) {
	var seeds []string
	filepath.WalkDir(filepath.Join("testdata", "signal"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.Contains(".txt.md.json", filepath.Ext(p)) && detectSignal(p) {
			seeds = append(seeds, p)
		}
		return nil
	})
	if len(seeds) == 0 {
		f.Fatal("no seed corpus in testdata/signal")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(s), b)
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		name = filepath.Base(name)
		if name == "." || name == "/" || name == "" {
			name = "x"
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return
		}
		Signal.Detect(p)
		_ = Signal.Parse(p, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}

func TestSignalFolders(t *testing.T) {
	tests := []struct {
		dir, file string
		n         int
	}{
		{"signal-export", "Alice/data.json", 7}, // data.json preferred over chat.md: not both
		{"sigtop", "Alice Smith.json", 7},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			p := filepath.Join("testdata", "signal", tt.dir)
			if !Signal.Detect(p) {
				t.Fatal("Detect(folder) = false")
			}
			msgs := collect(t, Signal, p, Options{})
			if len(msgs) != tt.n || msgs[0].Provenance.File != tt.file {
				t.Fatalf("%d messages, first from %q", len(msgs), msgs[0].Provenance.File)
			}
		})
	}
	if err := Signal.Parse(t.TempDir(), Options{}, func(*vaultMessage) error { return nil }); err == nil {
		t.Fatal("empty folder parsed")
	}
}

func TestSignalHeader(t *testing.T) {
	tests := []struct {
		in           string
		ok           bool
		sender, text string
		sec          int
	}{
		{"[2024-01-02 13:04:05] Ann: hi there", true, "Ann", "hi there", 5},
		{"[2019-12-24, 12:23] Jane Doe: Hello John!", true, "Jane Doe", "Hello John!", 0},
		{"[2024-01-02 13:04:05] Ann:", true, "Ann", "", 5},
		{"[2024-01-02 13:04:05] Ann: a: b", true, "Ann", "a: b", 5},
		{"[2024-01-02 13:04:05] no colon", false, "", "", 0},
		{"[24-01-02 13:04] Ann: x", false, "", "", 0},
		{"[2024-01-02T13:04] Ann: x", false, "", "", 0},
		{"[2024/01/02 13:04] Ann: x", false, "", "", 0},
		{"[02.01.24, 13:04:05] Ann: x", false, "", "", 0}, // WhatsApp iOS
		{"[2024-01-02 1a:04] Ann: x", false, "", "", 0},
		{"[2024-01-02 13:04]Ann: x", false, "", "", 0},
	}
	for _, tt := range tests {
		d, sender, text, ok := signalHeader(tt.in)
		if ok != tt.ok || sender != tt.sender || text != tt.text || (ok && d[5] != tt.sec) {
			t.Errorf("signalHeader(%q) = %v %q %q %v", tt.in, d, sender, text, ok)
		}
	}
}

func TestSignalDetectLongFirstLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data.json")
	line := `{"date": "2024-01-02T10:00:00", "sender": "A", "body": "` + strings.Repeat("x", 40<<10) + `", "quote": ""}` + "\n"
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	if !Signal.Detect(p) {
		t.Fatal("Detect = false for a data.json whose first message is longer than the detector reads")
	}
	if msgs := collect(t, Signal, p, Options{}); len(msgs) != 1 || len(msgs[0].Body) != 40<<10 {
		t.Fatalf("%d messages", len(msgs))
	}
}
