package index

import (
	"strings"
	"testing"

	"coffer/vault"
)

func TestPhraseCount(t *testing.T) {
	an := newAnalyzer()
	// Words past maxTermBytes are indexed, and so matched, by their start.
	long, longTerm := strings.Repeat("Lo", maxTermBytes/2+20), strings.Repeat("lo", maxTermBytes/2)
	cyr, cyrTerm := strings.Repeat("ж", maxTermBytes), strings.Repeat("ж", maxTermBytes/2)
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
		{"", "x " + long + " y", bleveText, []string{"x", longTerm, "y"}, 1},
		{"", "x " + long + "ng, y " + longTerm + " y", bleveText, []string{"x", longTerm, "y"}, 1},
		{"", "x " + long + " y x " + longTerm + " y", bleveText, []string{longTerm, "y"}, 2},
		{"", "x " + long[:maxTermBytes-1] + " y", bleveText, []string{"x", longTerm, "y"}, 0},
		{"", "б " + cyr + " д", bleveText, []string{"б", cyrTerm, "д"}, 1},
		{"", strings.Repeat("w ", maxFieldBytes/2) + "x y", bleveText, []string{"x", "y"}, 0}, // past what is indexed
		{"", strings.Repeat("w ", maxFieldBytes/2-2) + "x y", bleveText, []string{"x", "y"}, 1},
	} {
		m := &vault.Message{Subject: c.subject, Body: c.body}
		for anchor := range c.phrase {
			got := newPhraseChecker(an, c.field, c.phrase, anchor).count(m)
			if got != c.want {
				t.Errorf("%q (anchor %d) in %s of %q/%q: %d, want %d", c.phrase, anchor, c.field, c.subject, c.body, got, c.want)
			}
		}
		if m.Body != c.body || m.Subject != c.subject {
			t.Errorf("the check changed the message: %q/%q", m.Subject, m.Body)
		}
	}
}

// FuzzPhraseCount checks the checker's shortcuts (the byte scan, the
// windows) against the plain rule: count the consecutive positions of
// the phrase in the analysis of the whole text. Phrases are runs of the
// text's own tokens, so most of them occur.
func FuzzPhraseCount(f *testing.F) {
	for _, s := range []string{"the cat sat", "_foo bar", "a_ b", "3.14 is pi", "it's e.g. a:b", "x--y", "A1b2 C3",
		"'quoted' words", "tab\tsep\nnew", "東 京 タワー x", "東 .京", "a 🏽 b", "x \u0301y z", "Café au lait, café", "ＡＢＣ ｄｅｆ",
		"🇫🇷 🇫🇷a b", "hi 👋🏽 there", "a\u200db c", "ok👍 fine 東京", "ａｂ ok", "e\u0301 x", "a\ufe0f b", "x\u3099 y", "K to", "a.b c", "1,000.5 x", "a:b:c", "_x_ __", "it's o'clock", "3a_b.c'd", "_ a", "don’t stop", "“quoted” word", "a ❤️ b", "naïve café", "x ;1 2", "1\u037e2 a", "Ⓐ b", "İstanbul is",
		"สวัสดีครับ วันนี้อากาศดี", "ok ไทย ok", "ไป\u200bดี x", "សួស្តី ពិភពលោក", "မင်္ဂလာပါ။ ok", "ສະບາຍດີ ດີ"} {
		f.Add(s)
	}
	long := strings.Repeat("Lo", maxTermBytes/2+20)
	for _, s := range []string{"x " + long + " y", long + " " + long + "ng z", "a " + strings.Repeat("é", maxTermBytes) + " b",
		strings.Repeat("x", maxTermBytes) + " " + strings.Repeat("X", maxTermBytes+1), "_" + long + "_ a"} {
		f.Add(s)
	}
	an := newAnalyzer()
	f.Fuzz(func(t *testing.T, s string) {
		toks := an.Analyze([]byte(s))
		if ix := s[:indexedLen(s)]; isASCII(ix) {
			words := asciiWords(ix, nil)
			same := len(words) == len(toks)
			for i := 0; same && i < len(words); i++ {
				w := strings.ToLower(ix[words[i][0]:words[i][1]])
				same = w[:min(len(w), maxTermBytes)] == string(toks[i].Term)
			}
			if !same {
				var got, want []string
				for _, w := range words {
					got = append(got, s[w[0]:w[1]])
				}
				for _, tk := range toks {
					want = append(want, string(tk.Term))
				}
				t.Fatalf("asciiWords(%q) = %q, the analyzer says %q", s, got, want)
			}
		}
		for i := range toks {
			for j := i + 1; j <= min(i+3, len(toks)); j++ {
				var terms []string
				for _, tk := range toks[i:j] {
					terms = append(terms, string(tk.Term))
				}
				want := countPhrase(an.Analyze([]byte(s)), terms)
				for anchor := range terms {
					if got := newPhraseChecker(an, bleveText, terms, anchor).count(&vault.Message{Body: s}); got != want {
						t.Fatalf("%q (anchor %d) in %q %+q: counted %d, the analyzer says %d", terms, anchor, s, s, got, want)
					}
				}
			}
		}
	})
}
