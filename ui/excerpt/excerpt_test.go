package excerpt

import (
	"strings"
	"testing"

	"coffer/ui/common"
	"coffer/vault/access"
)

func mark(s string) string { return "[" + s + "]" }

func TestLine(t *testing.T) {
	long := strings.Repeat("word ", 40) + "needle " + strings.Repeat("tail ", 40)
	at := strings.Index(long, "needle")
	tests := []struct {
		name          string
		subject, body string
		spans         []access.Span
		width         int
		want          string
	}{
		{"short, marked", "", "the Halden trade", []access.Span{{Field: "body", Start: 4, End: 10}}, 40, "the [Halden] trade"},
		{"cut at the end", "", "one two three four", nil, 10, "one two t…"},
		{"match far in: cut before it too", "", long, []access.Span{{Field: "body", Start: at, End: at + 6}}, 30,
			"…word word [needle] tail tail t…"},
		{"subject when only it matched", "Q1 numbers", "nothing here", []access.Span{{Field: "subject", Start: 3, End: 10}}, 40, "Q1 [numbers]"},
		{"subject when there is no body", "Q1 numbers", "", nil, 40, "Q1 numbers"},
		{"escapes neutralised, offsets kept", "", "\x1b]0;x\x07 secret word\u202e", []access.Span{{Field: "body", Start: 14, End: 18}}, 40,
			"␛]0;x␇ secret [word]\u2426"},
		{"newlines folded", "", "a\nb\tc", nil, 40, "a b c"},
		{"wide characters counted by cells", "", "東京タワーの夜景", []access.Span{{Field: "body", Start: 0, End: 6}}, 7, "[東京]タ…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(Line(tt.subject, tt.body, tt.spans, tt.width), mark); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFitNeverExceeds(t *testing.T) {
	ps := Pieces("東京タワー and 🎉 emoji "+strings.Repeat("x", 50), []access.Span{{Field: "body", Start: 0, End: 6}}, "body", true)
	for w := 0; w < 40; w++ {
		got := Render(Fit(ps, w), nil)
		if n := len([]rune(got)); w > 0 && n == 0 {
			t.Errorf("width %d: empty", w)
		}
		if cells := width(got); cells > w {
			t.Errorf("width %d: %q is %d cells", w, got, cells)
		}
	}
}

func width(s string) int { return common.Width(s) }
