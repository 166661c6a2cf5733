package common_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"coffer/ui/common"
	"coffer/ui/internal/fixture"
)

func TestFit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		w    int
		want string
	}{
		{"ascii fits", "hello", 8, "hello   "},
		{"ascii cut", "hello world", 8, "hello w…"},
		{"cjk counts two cells", "東京タワー", 7, "東京タ…"},
		{"cjk exact", "東京", 4, "東京"},
		{"emoji with skin tone", "👍🏽👍🏽👍🏽", 5, ""}, // depends on the method: width checked only
		{"combining marks take no cell", "e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…"},
		{"escape neutralised", "a\x1b[2Jb", 10, "a␛[2Jb    "},
		{"newline becomes space", "a\nb", 4, "a b "},
		{"bidi override replaced", "a\u202eb", 4, "a\u2426b "},
		{"zero width", "", 0, ""},
	}
	defer common.SetWidthMethod(common.WidthMethod())
	for _, m := range []ansi.Method{ansi.WcWidth, ansi.GraphemeWidth} {
		common.SetWidthMethod(m)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := common.Fit(tt.in, tt.w)
				if tt.want != "" && got != tt.want {
					t.Errorf("method %d: Fit(%q, %d) = %q, want %q", m, tt.in, tt.w, got, tt.want)
				}
				if w := m.StringWidth(got); w != tt.w {
					t.Errorf("method %d: Fit(%q, %d) is %d cells wide", m, tt.in, tt.w, w)
				}
			})
		}
	}
}

func TestBoxAndJoin(t *testing.T) {
	b := common.Box([]string{"東京タワーへ行こう", "x"}, 6, 3)
	lines := strings.Split(b, "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if common.Width(l) != 6 {
			t.Errorf("line %q is %d cells", l, common.Width(l))
		}
	}
	j := common.JoinColumns("|", "ab\ncd", "12\n34")
	if j != "ab|12\ncd|34" {
		t.Errorf("JoinColumns = %q", j)
	}
}

func TestWrap(t *testing.T) {
	for _, w := range []int{1, 5, 13} {
		for _, l := range common.Wrap("the quick brown fox 東京タワー supercalifragilistic", w) {
			if common.Width(l) > w && w > 1 {
				t.Errorf("Wrap(%d): %q is %d cells", w, l, common.Width(l))
			}
		}
	}
}

// FuzzFit: whatever the input, Fit returns exactly w cells with no
// escape, C0 (but none at all, it is one line), C1 or bidi control.
func FuzzFit(f *testing.F) {
	for _, p := range fixture.HostilePayloads() {
		f.Add(p, 12)
		f.Add("東京"+p+"👍🏽e\u0301", 7)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = w%200 + 1
		if w < 1 {
			w = -w + 1
		}
		defer common.SetWidthMethod(common.WidthMethod())
		for _, m := range []ansi.Method{ansi.WcWidth, ansi.GraphemeWidth} {
			common.SetWidthMethod(m)
			got := common.Fit(s, w)
			if n := m.StringWidth(got); n != w {
				t.Fatalf("method %d: Fit(%q, %d) is %d cells: %q", m, s, w, n, got)
			}
			for _, r := range got {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
					t.Fatalf("Fit(%q, %d) = %q holds %U", s, w, got, r)
				}
			}
		}
	})
}
