package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/transform"
)

// smsComplete counts the complete messages of a backup its own way, by
// text, without an XML parser: self-closed <sms/> elements plus </sms>
// and </mms> end tags. A message cut short has no end, so it is not
// counted; the root's count attribute is ignored, as the importer does.
var smsComplete = regexp.MustCompile(`<sms\s[^>]*/>|</sms>|</mms>`)

func TestSMSSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedSamples(t, "sms"), "*.xml"))
	if len(files) == 0 {
		t.Fatal("no SMS samples")
	}
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := Detect(f); err != nil || got.Name != "sms" {
				t.Fatalf("detected as %q (%v)", got.Name, err)
			}
			want := len(smsComplete.FindAll(raw, -1))
			cut := !bytes.Contains(raw, []byte("</smses>"))
			var skipped []string
			msgs := collect(t, SMS, f, Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }})
			if len(msgs) != want {
				t.Errorf("%d messages, the file has %d complete <sms>/<mms>", len(msgs), want)
			}
			total += len(msgs)
			for _, m := range msgs {
				if m.Source != "sms" || m.Provenance.Format != "sms" || m.Provenance.FileSHA256 == "" {
					t.Fatalf("provenance: %+v", m.Provenance)
				}
			}
			// Strict: a file cut short fails, naming where; others pass.
			err = SMS.Parse(f, Options{}, func(*vaultMessage) error { return nil })
			var ie *Error
			switch {
			case cut && (!errors.As(err, &ie) || ie.Line == 0 || !strings.Contains(err.Error(), "file ends inside the <mms>")):
				t.Errorf("cut-short file: strict error %v", err)
			case cut && len(skipped) != 1:
				t.Errorf("cut-short file: lenient reported %q", skipped)
			case !cut && (err != nil || len(skipped) != 0):
				t.Errorf("strict: %v; lenient skipped %q", err, skipped)
			}
		})
	}
	// SOURCES.md: 3 + 4 + 49 + 4 + 1.
	if total != 61 {
		t.Errorf("%d messages from the samples, want 61", total)
	}
}

func TestSMSTruncatedSample(t *testing.T) {
	f := filepath.Join(sharedSamples(t, "sms"), "sms-backup-reader-2__sms_and_mms.xml")
	err := SMS.Parse(f, Options{}, func(*vaultMessage) error { return nil })
	const want = "sms-backup-reader-2__sms_and_mms.xml:136: file ends inside the <mms> begun on line 133 (message 50): the backup is cut short after 49 complete messages"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestSMSBackup(t *testing.T) {
	msgs := collect(t, SMS, "testdata/sms/group.xml", Options{})
	if len(msgs) != 8 {
		t.Fatalf("%d messages, want 8 (count=\"99\" is not trusted)", len(msgs))
	}
	tests := []struct {
		name                      string
		i                         int
		conv, sender, senderID    string
		body, box, subject        string
		to                        []string
		headers                   map[string]string
		attachments, missingAtts  int
		wantTitle, wantUndecoded  string
		wantContent               string
		wantParticipantsContained string
	}{
		{name: "received sms, surrogate pair joined", i: 0, conv: "sms:+447700900101", sender: "Priya Raman", senderID: "+447700900101",
			body: "Morning! Coffee machine is dead again 😀", box: "inbox", wantTitle: "Priya Raman"},
		{name: "sent sms, entities", i: 1, conv: "sms:+447700900101", sender: "me", body: "Bring your own beans & a <mug>", box: "sent"},
		{name: "draft kept and labelled", i: 2, conv: "sms:+447700900101", sender: "me", body: "draft I never sent", box: "draft"},
		{name: "outbox, unknown contact", i: 3, conv: "sms:+447700900102", sender: "me", body: "stuck in the outbox", box: "outbox", wantTitle: "+447700900102"},
		{name: "lone surrogate and NUL", i: 4, conv: "sms:+447700900102", sender: "+447700900102", senderID: "+447700900102",
			body: "lone \uFFFD surrogate and a NUL \uFFFD here", box: "inbox"},
		{name: "group mms received", i: 5, conv: "sms:+447700900101~+447700900103", sender: "Priya Raman", senderID: "+447700900101",
			body: "FRDY chart from this morning", box: "inbox", to: []string{"me (+447700900100)", "Marcus Lowe (+447700900103)"},
			attachments: 2, wantContent: "BEGIN:VCARD\nFN:Leo Brandt\nEND:VCARD", wantTitle: "Priya Raman, Marcus Lowe",
			headers: map[string]string{"from": "Priya Raman (+447700900101)", "message_type": "mms"}},
		{name: "group mms sent, cc, bad base64", i: 6, conv: "sms:+447700900101~+447700900103", sender: "me", senderID: "+447700900100",
			body: "Thanks both", box: "sent", subject: "Re: chart", to: []string{"Priya Raman (+447700900101)", "Marcus Lowe (+447700900103)"},
			attachments: 1, missingAtts: 1, wantUndecoded: "broken.jpg",
			headers: map[string]string{"from": "me (+447700900100)", "cc": "Marcus Lowe (+447700900103)"}},
		{name: "mms without parts or addrs", i: 7, conv: "sms:+447700900103", sender: "Marcus Lowe", senderID: "+447700900103", box: "inbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := msgs[tt.i]
			checkEmitted(t, m)
			if m.Conversation.ID != tt.conv || m.Sender != tt.sender || m.SenderID != tt.senderID || m.Body != tt.body || m.Subject != tt.subject {
				t.Errorf("got conv %q sender %q/%q subject %q body %q", m.Conversation.ID, m.Sender, m.SenderID, m.Subject, m.Body)
			}
			if m.Headers["box"] != tt.box {
				t.Errorf("box %q, want %q", m.Headers["box"], tt.box)
			}
			if tt.wantTitle != "" && m.Conversation.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", m.Conversation.Title, tt.wantTitle)
			}
			if strings.Join(m.To, "|") != strings.Join(tt.to, "|") {
				t.Errorf("to %q, want %q", m.To, tt.to)
			}
			for k, v := range tt.headers {
				if m.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, m.Headers[k], v)
				}
			}
			if len(m.Attachments) != tt.attachments {
				t.Fatalf("%d attachments, want %d", len(m.Attachments), tt.attachments)
			}
			missing := 0
			for _, a := range m.Attachments {
				if a.Missing {
					missing++
				}
			}
			if missing != tt.missingAtts {
				t.Errorf("%d missing attachments, want %d", missing, tt.missingAtts)
			}
			if tt.wantContent != "" && string(m.Attachments[len(m.Attachments)-1].Content) != tt.wantContent {
				t.Errorf("last attachment %q", m.Attachments[len(m.Attachments)-1].Content)
			}
			if m.Headers["undecodable_parts"] != tt.wantUndecoded {
				t.Errorf("undecodable_parts %q", m.Headers["undecodable_parts"])
			}
		})
	}
	if png := msgs[5].Attachments[0]; png.Name != "chart.png" || png.Type != "image/png" || !bytes.HasPrefix(png.Content, []byte("\x89PNG")) {
		t.Errorf("png part: %q %q %q", png.Name, png.Type, png.Content)
	}
}

func TestSMSRefused(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"call log", "", "calls.xml:2: a call log (SMS Backup & Restore calls-*.xml), not messages: import the sms-*.xml backup"},
		{"other xml", `<?xml version="1.0"?><rss><channel/></rss>`, "in.xml:1: root element <rss>, not <smses>: not an SMS Backup & Restore file"},
		{"malformed", "<smses>\n<sms date=\"1\" address=\"1\" body=\"a\" type=\"1\"></mms>\n</smses>", "in.xml:2: malformed XML: element <sms> closed by </mms>"},
		{"bad date, strict", "<smses>\n<sms date=\"soon\" address=\"1\" type=\"1\"/>\n</smses>", `in.xml:2: sms 1: bad date "soon"`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := "testdata/sms/calls.xml"
			if tt.name != "call log" {
				p = filepath.Join(t.TempDir(), "in.xml")
				if err := os.WriteFile(p, []byte(tt.in), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := SMS.Parse(p, Options{}, func(*vaultMessage) error { return nil })
			if tt.want == "" {
				if err == nil {
					t.Fatal("no error for an empty file")
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
	if !SMS.Detect("testdata/sms/calls.xml") {
		t.Error("a call log is not detected, so it would not be refused with its reason")
	}
}

func TestSMSLenientBadRecord(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sms.xml")
	in := "<smses count=\"1\">\n<sms date=\"x\" address=\"1\" type=\"1\"/>\n<sms date=\"1710230400000\" address=\"1\" type=\"1\" body=\"ok\"/>\n</smses>\n"
	if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	var skipped []string
	msgs := collect(t, SMS, p, Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }})
	if len(msgs) != 1 || msgs[0].Body != "ok" || len(skipped) != 1 || skipped[0] != `sms.xml:2: sms 1: bad date "x"` {
		t.Fatalf("%d messages, skipped %q", len(msgs), skipped)
	}
}

func TestSMSPartsBound(t *testing.T) {
	in := `<smses><mms date="1710230400000" msg_box="1" address="1"><parts>
<part ct="image/png" name="a.png" data="QUFBQUFBQUFBQQ=="/>
<part ct="image/png" name="b.png" data="QkJCQkJCQkJCQg=="/>
<part ct="image/png" name="c.png" data="Q0M="/>
</parts></mms></smses>`
	var msgs []*vaultMessage
	p := &smsParser{name: "sms.xml", maxMMS: 12, emit: func(m *vaultMessage) error { msgs = append(msgs, m); return nil }}
	if err := p.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	as := msgs[0].Attachments
	if len(as) != 3 || as[0].Missing || !as[1].Missing || as[1].Size != 10 || as[2].Missing ||
		msgs[0].Headers["parts_not_kept"] != "b.png (over 12 bytes in one MMS)" {
		t.Fatalf("attachments %+v, headers %v", as, msgs[0].Headers)
	}
}

// The owner is found even when the only sent MMS's tag holds an emoji
// written as UTF-16 halves, which XML forbids.
func TestSMSOwnerSurvey(t *testing.T) {
	in := `<smses>
<mms date="1710230400000" msg_box="2" address="+2~+3" contact_name="A &#55357;&#56832;, B"><addrs>
<addr address="+1" type="137"/><addr address="+2" type="151"/><addr address="+3" type="151"/></addrs></mms>
<mms date="1710230460000" msg_box="1" address="+2~+3" contact_name="A, B"><addrs>
<addr address="+3" type="137"/><addr address="+1" type="151"/><addr address="+2" type="151"/></addrs></mms>
</smses>`
	if got := smsSurvey(strings.NewReader(in)); got != "+1" {
		t.Fatalf("owner %q, want +1", got)
	}
}

func TestSMSNoAddress(t *testing.T) {
	in := `<smses>
<sms date="1710230400000" type="1" body="from nobody"/>
<sms date="1710230460000" address="null" type="1" body="from null"/>
<mms date="1710230520000" msg_box="1"><addrs><addr address="+2" type="137"/><addr address="+1" type="151"/></addrs></mms>
</smses>`
	var msgs []*vaultMessage
	p := &smsParser{name: "sms.xml", owner: "+1", emit: func(m *vaultMessage) error { msgs = append(msgs, m); return nil }}
	if err := p.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Conversation.ID+" "+m.Sender)
	}
	if want := "sms:unknown unknown|sms:unknown unknown|sms:+2 +2"; strings.Join(got, "|") != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSMSLegacyEncoding(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sms.xml")
	in := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<smses>\n<sms date=\"1710230400000\" address=\"1\" type=\"1\" body=\"caf\xe9 &#233;\"/>\n</smses>\n"
	if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs := collect(t, SMS, p, Options{})
	if len(msgs) != 1 || msgs[0].Body != "café é" {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
}

func TestCharRefFixer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a &#55357;&#56832; b", "a &#128512; b"},
		{"&#xD83D;&#xDE00;", "&#128512;"},
		{"&#55357;x", "&#65533;x"},
		{"&#56832;", "&#65533;"},
		{"&#0;&#7;&#9;&#10;", "&#65533;&#65533;&#9;&#10;"},
		{"&#128512; &amp; &#x41; &", "&#128512; &amp; &#x41; &"},
		{"&#; &#x; &#12a; &#99999999999;", "&#; &#x; &#12a; &#99999999999;"},
		{"end &#55357;", "end &#65533;"},
		{"end &#5535", "end &#5535"},
	}
	for _, tt := range tests {
		// A byte at a time, so every reference straddles a read.
		r := transform.NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), charRefFixer{})
		got, err := io.ReadAll(r)
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: got %q (%v), want %q", tt.in, got, err, tt.want)
		}
		if got, _, err := transform.String(charRefFixer{}, tt.in); err != nil || got != tt.want {
			t.Errorf("%q whole: got %q (%v), want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzSMS(f *testing.F) {
	addSeeds(f, "sms/*.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "sms.xml")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		SMS.Detect(p)
		_ = SMS.Parse(p, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}
