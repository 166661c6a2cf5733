package main

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"search", "search", 0},
		{"serch", "search", 1},
		{"serach", "search", 1}, // a swap is one edit
		{"exprot", "export", 1},
		{"kitten", "sitting", 3},
		{"zoë", "zoe", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	cmds := []string{"init", "import", "export", "stats", "verify", "compact", "member", "ingest-key", "review", "audit", "search"}
	flags := []string{"identity", "passphrase-file", "json", "limit", "offset", "sort", "facets"}
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"serch", cmds, "search"},
		{"serach", cmds, "search"},
		{"imprt", cmds, "import"},
		{"stat", cmds, "stats"},
		{"Verify", cmds, "verify"},
		{"ingest", cmds, "ingest-key"}, // the only one it begins
		{"frobnicate", cmds, ""},
		{"in", cmds, ""}, // too short to guess
		{"x", cmds, ""},  // one edit from nothing useful
		{"revie", cmds, "review"},
		{"pasphrase-file", flags, "passphrase-file"},
		{"passphrase", flags, "passphrase-file"},
		{"identiy", flags, "identity"},
		{"jsn", flags, "json"},
		{"nope", flags, ""},
		{"", flags, ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
