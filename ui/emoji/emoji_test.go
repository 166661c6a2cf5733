package emoji

import "testing"

func TestReplace(t *testing.T) {
	tests := []struct{ in, want string }{
		{"done :white_check_mark:", "done ✅"},
		{":+1::tada:", "👍🎉"},
		{"meet at 10:30:00", "meet at 10:30:00"},
		{":not_an_emoji_name: and :smile:", ":not_an_emoji_name: and 😄"},
		{"ratio 1:2 :fire:", "ratio 1:2 🔥"},
		{"a: b :", "a: b :"},
		{":THUMBSUP:", "👍"},
	}
	for _, tt := range tests {
		if got := Replace(tt.in); got != tt.want {
			t.Errorf("Replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if For("whatsapp") != nil || For("slack") == nil {
		t.Error("For: shortcodes are Slack's and Discord's")
	}
}
