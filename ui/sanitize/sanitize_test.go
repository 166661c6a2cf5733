package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello, world", "hello, world"},
		{"newline kept", "a\nb\tc", "a\nb\tc"},
		{"clear screen", "\x1b[2J\x1b[H", "␛[2J␛[H"},
		{"osc title", "\x1b]0;pwned\x07", "␛]0;pwned␇"},
		{"osc 52", "\x1b]52;c;ZWNobw==\x1b\\", "␛]52;c;ZWNobw==␛\\"},
		{"c1 csi", "a\u009b31mb", "a\u242631mb"},
		{"c1 osc", "\u009d8;;http://x\u009c", "\u24268;;http://x\u2426"},
		{"cr", "fake\rreal", "fake␍real"},
		{"backspace", "abc\b\b\bxyz", "abc␈␈␈xyz"},
		{"del", "a\x7fb", "a␡b"},
		{"rlo", "abc\u202Egnp.exe", "abc\u2426gnp.exe"},
		{"isolates", "\u2066x\u2069", "\u2426x\u2426"},
		{"lrm", "\u200E12:00", "\u242612:00"},
		{"zero width", "pay\u200Bpal", "paypal"},
		{"zwj emoji kept", "👨\u200D👩\u200D👧", "👨\u200D👩\u200D👧"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"prepended concatenation mark", "\u0601 1", "\u2426 1"},
		{"dangling zwj", "👧\u200D x\u200Dy \u200D", "👧 xy "},
		{"zwj after variation selector kept", "🏳\uFE0F\u200D🌈", "🏳\uFE0F\u200D🌈"},
		{"cjk", "日本語のテキスト", "日本語のテキスト"},
		{"tag smuggling", "hi\U000E0041\U000E0042", "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	if got := Line("a\n\n\tb\u2028c\x1b"); got != "a b c␛" {
		t.Errorf("Line = %q", got)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"\x1b[31mred", "\u009b2J", "\u202Eabc", "a\nb", "\xff\xfe", "\x1b]8;;http://e\x1b\\x\x1b]8;;\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Text(s), Line(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q", s)
			}
			for _, r := range out {
				if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) || bidi(r) {
					t.Fatalf("unsafe rune %U in output for %q", r, s)
				}
			}
		}
		if strings.ContainsAny(Line(s), "\n\t") {
			t.Fatalf("Line kept a newline or tab for %q", s)
		}
	})
}

func TestJSON(t *testing.T) {
	in := []byte(`{"q":"a` + "\u009b2J\u202e\U000E0041\x7f" + `b"}`)
	got := string(JSON(in))
	want := `{"q":"a\u009b2J\u202e\udb40\udc41\u007fb"}`
	if got != want {
		t.Fatalf("JSON = %s, want %s", got, want)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(got), &v); err != nil || v["q"] != "a\u009b2J\u202e\U000E0041\x7fb" {
		t.Fatalf("not lossless: %v %q", err, v["q"])
	}
}
