package index

import (
	"testing"

	"coffer/vault"
)

func TestPhraseCount(t *testing.T) {
	an := newAnalyzer()
	for _, c := range []struct {
		subject, body string
		field         string
		phrase        []string
		want          int
	}{
		{"", "the cat sat", bleveText, []string{"the", "cat"}, 1},
		{"", "The CAT, the cat!", bleveText, []string{"the", "cat"}, 2},
		{"", "bathe cats", bleveText, []string{"the", "cat"}, 0}, // substrings, not words
		{"", "the big cat", bleveText, []string{"the", "cat"}, 0},
		{"", "cat the", bleveText, []string{"the", "cat"}, 0},
		{"", "the_cat", bleveText, []string{"the", "cat"}, 0}, // one word
		{"", "a.b c", bleveText, []string{"a", "b"}, 0},       // "a.b" is one word
		{"", "don't stop", bleveText, []string{"don't", "stop"}, 1},
		{"", "Café crème", bleveText, []string{"cafe", "creme"}, 1},
		{"", "ＡＢＣ def", bleveText, []string{"abc", "def"}, 1},
		{"", "東京タワー", bleveText, []string{"東京", "京タ"}, 1},
		{"", "party 🎉 now", bleveText, []string{"party", "🎉", "now"}, 1},
		{"quarterly", "report due", bleveText, []string{"quarterly", "report"}, 1}, // across subject and body, as indexed
		{"quarterly", "report due", bleveSubject, []string{"quarterly", "report"}, 0},
		{"quarterly report", "x", bleveSubject, []string{"quarterly", "report"}, 1},
		{"", "a a a", bleveText, []string{"a", "a"}, 2},
	} {
		m := &vault.Message{Subject: c.subject, Body: c.body}
		got := newPhraseChecker(an, c.field, c.phrase).count(m)
		if got != c.want {
			t.Errorf("%q in %s of %q/%q: %d, want %d", c.phrase, c.field, c.subject, c.body, got, c.want)
		}
		if m.Body != c.body || m.Subject != c.subject {
			t.Errorf("the check changed the message: %q/%q", m.Subject, m.Body)
		}
	}
}

// FuzzPhraseScan checks that the byte scan never rejects a phrase the
// analyzer finds: for any ASCII text, every run of its consecutive tokens
// must pass mayHoldPhrase.
func FuzzPhraseScan(f *testing.F) {
	for _, s := range []string{"the cat sat", "_foo bar", "a_ b", "3.14 is pi", "it's e.g. a:b", "x--y", "A1b2 C3", "'quoted' words", "tab\tsep\nnew"} {
		f.Add(s)
	}
	an := newAnalyzer()
	f.Fuzz(func(t *testing.T, s string) {
		if hasNonASCII([]byte(s)) {
			return
		}
		toks := an.Analyze([]byte(s))
		lower := []byte(s)
		lowerASCII(lower)
		for i := range toks {
			for j := i + 1; j <= min(i+3, len(toks)); j++ {
				var terms []string
				for _, tk := range toks[i:j] {
					terms = append(terms, string(tk.Term))
				}
				if countPhrase(toks, terms) == 0 {
					continue // positions not consecutive (cannot happen today)
				}
				if !mayHoldPhrase(lower, terms) {
					t.Fatalf("scan rejects %q in %q", terms, s)
				}
			}
		}
	})
}
