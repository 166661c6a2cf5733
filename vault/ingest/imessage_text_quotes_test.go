package ingest

import (
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIMTextQuotes checks that every quote the parser can form, a prefix
// of an indented run after a "responded to" line, is listed under the
// hash flush gives it.
func TestIMTextQuotes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "chat.txt")
	text := "Apr 1, 2024 10:47:00 AM\nMe\n" + imTextReplyLine + "\n    first line  \n    \tsecond\n    \n    third\nbody\n\n" +
		"Apr 1, 2024 10:48:00 AM\nMe\n" + imTextReplyLine + "\nbody\n" + strings.Repeat("x", lineBuffer+10) + "\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := maphash.MakeSeed()
	quotes, ok := imTextQuotes(p, "chat.txt", seed)
	if !ok {
		t.Fatal("no quotes listed")
	}
	for _, q := range []string{"", "first line", "first line\nsecond", "first line\nsecond\n", "first line\nsecond\n\nthird"} {
		if _, ok := quotes[maphash.String(seed, q)]; !ok {
			t.Errorf("quote %q not listed", q)
		}
	}
	if len(quotes) != 5 {
		t.Errorf("%d quotes listed, want 5", len(quotes))
	}
}
