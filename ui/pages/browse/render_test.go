package browse

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"coffer/index"
	"coffer/ui/styles"
	"coffer/vault"
)

// mark styles highlights as [..] so tests can see them without colour.
func markStyles() styles.Styles {
	st := styles.New(true, true)
	st.Highlight = st.Highlight.UnsetBold().UnsetUnderline().Transform(func(s string) string { return "[" + s + "]" })
	return st
}

func TestHighlight(t *testing.T) {
	st := markStyles()
	tests := []struct {
		name  string
		text  string
		spans []index.Span
		want  string
	}{
		{"none", "plain text", nil, "plain text"},
		{"one", "the Halden trade", []index.Span{{Field: "body", Start: 4, End: 10}}, "the [Halden] trade"},
		{"two, unordered", "a b c", []index.Span{{Field: "body", Start: 4, End: 5}, {Field: "body", Start: 0, End: 1}}, "[a] b [c]"},
		{"other field ignored", "a b", []index.Span{{Field: "subject", Start: 0, End: 1}}, "a b"},
		{"out of range ignored", "a b", []index.Span{{Field: "body", Start: 2, End: 99}}, "a b"},
		{"overlap skipped", "abcdef", []index.Span{{Field: "body", Start: 0, End: 3}, {Field: "body", Start: 2, End: 4}}, "[abc]def"},
		// Offsets are into the original text: the escape before the hit
		// must not shift it, and is neutralised.
		{"escape before hit", "\x1b[2Jsecret word", []index.Span{{Field: "body", Start: 11, End: 15}}, "␛[2Jsecret [word]"},
		{"multibyte", "東京タワー", []index.Span{{Field: "body", Start: 0, End: 6}}, "[東京]タワー"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ansi.Strip(highlight(st, tt.text, tt.spans, "body", true, nil))
			if got != tt.want {
				t.Errorf("highlight = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMessageBlock(t *testing.T) {
	st := styles.New(true, true)
	ed := time.Date(2025, 3, 12, 9, 5, 0, 0, time.UTC)
	orig := &vault.Message{ID: "o", Sender: "Ann", Body: "original\nsecond line"}
	m := &vault.Message{ID: "m", Source: "whatsapp", Sender: "Bob", Time: time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC),
		Body: strings.Repeat("line\n", 12), ReplyTo: "o", Edited: &ed,
		Attachments: []vault.Attachment{{Name: "a.pdf", Type: "application/pdf", Size: 2048}, {Name: "gone.jpg", Missing: true}}}
	got := ansi.Strip(strings.Join(messageBlock(st, m, []string{"hot", "q1"}, orig, nil, "", time.UTC, 60, ""), "\n"))
	for _, want := range []string{"Bob  09:00 (edited 09:05)", "│ ↪ Ann: original second line", "… 4 more lines", "▸ a.pdf (application/pdf, 2 KB)", "▸ gone.jpg (not in the export)", " hot   q1 "} {
		if !strings.Contains(got, want) {
			t.Errorf("block lacks %q:\n%s", want, got)
		}
	}
	got = ansi.Strip(strings.Join(messageBlock(st, m, nil, nil, nil, "", time.UTC, 60, ""), "\n"))
	if !strings.Contains(got, "reply to a message not on screen") {
		t.Errorf("an unrecorded reply target must not be quoted:\n%s", got)
	}
}

func TestReactionsLine(t *testing.T) {
	tests := []struct {
		in   []vault.Reaction
		want string
	}{
		{[]vault.Reaction{{Emoji: "👍", By: "Ann"}, {Emoji: "👍", By: "Bob"}, {Emoji: "🎉", Count: 3}}, "👍 Ann, Bob · 🎉 3"},
		{[]vault.Reaction{{Emoji: "♥", By: "Me"}}, "♥ Me"},
		{[]vault.Reaction{{Emoji: "\x1b[2J", By: "M\u202eallory"}}, "␛[2J M\u2426allory"},
	}
	for _, tt := range tests {
		if got := reactionsLine(tt.in); got != tt.want {
			t.Errorf("reactionsLine(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSlackShortcodesDrawn(t *testing.T) {
	st := styles.New(true, true)
	m := &vault.Message{Source: "slack", Sender: "dana", Body: "deployed :white_check_mark: at 10:30:00"}
	got := ansi.Strip(strings.Join(messageBlock(st, m, nil, nil, nil, "", time.UTC, 60, ""), "\n"))
	if !strings.Contains(got, "deployed ✅ at 10:30:00") {
		t.Errorf("shortcode not drawn:\n%s", got)
	}
	m.Source = "whatsapp"
	got = ansi.Strip(strings.Join(messageBlock(st, m, nil, nil, nil, "", time.UTC, 60, ""), "\n"))
	if !strings.Contains(got, ":white_check_mark:") {
		t.Errorf("a WhatsApp text's colons were drawn as emoji:\n%s", got)
	}
}

func TestSystemMessageWithSender(t *testing.T) {
	st := styles.New(true, true)
	m := &vault.Message{Kind: "system", Sender: "Bob", Body: "This message was deleted", Time: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	got := ansi.Strip(strings.Join(messageBlock(st, m, nil, nil, nil, "", time.UTC, 60, ""), "\n"))
	if !strings.Contains(got, "Bob · This message was deleted") {
		t.Errorf("a notice with a sender lost it: %q", got)
	}
}

// TestTimeProvenanceShown: the message view says where a message's time
// came from (issue 17 §1), keeps the hash of its original bytes, and
// shows a message of unknown time as such, not as year 1.
func TestTimeProvenanceShown(t *testing.T) {
	st := styles.New(true, true)
	m := &vault.Message{ID: "m", Source: "email", Sender: "Ann", Time: time.Date(2010, 12, 11, 3, 20, 19, 0, time.UTC),
		Body: "hi", Provenance: vault.Provenance{Format: "eml", TimeSource: vault.TimeFromReceived, SHA256: strings.Repeat("ab", 32)}}
	got := ansi.Strip(strings.Join(detailLines(st, m, nil, nil, "", time.UTC, 120, ""), "\n"))
	for _, want := range []string{"Time from     Received header", "Bytes sha256  " + strings.Repeat("ab", 32), "Date          Sat 11 Dec 2010 03:20:19 UTC"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q:\n%s", want, got)
		}
	}
	m.Time, m.Provenance.TimeSource = time.Time{}, vault.TimeUnknown
	got = ansi.Strip(strings.Join(detailLines(st, m, nil, nil, "", time.UTC, 120, ""), "\n"))
	for _, want := range []string{"Date          date unknown", "Time from     unknown: no Date, Received or From line"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "0001") {
		t.Errorf("the zero time is shown:\n%s", got)
	}
	if got := ansi.Strip(strings.Join(messageBlock(st, m, nil, nil, nil, "", time.UTC, 60, ""), "\n")); !strings.Contains(got, "Ann  --:--") {
		t.Errorf("message block: %q", got)
	}
}
