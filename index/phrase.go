package index

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"coffer/vault"
)

// Phrases are checked against the message text, not against positions
// stored in the index. Term vectors (a position and two offsets per word
// occurrence) were 47% of an index segment, 304 of 649 bytes a message,
// while the text they describe is in memory anyway. So the index finds
// the documents holding every word of a phrase (and every common-word
// pair of it, pairs.go, which makes phrases of common words exact), and
// each candidate is then checked here: first a byte scan that can only
// say "no" (ASCII texts), then the analyzer itself, so a phrase matches
// exactly where consecutive analyzer positions hold its words, as the
// term vectors said before.

// phraseChecker checks phrase candidates; one per goroutine, as it owns
// scratch buffers.
type phraseChecker struct {
	an     analysis.Analyzer
	terms  []string
	anchor int // the index of the term windows are searched for
	// anchorASCII: the anchor word is ASCII, so a window whose non-ASCII
	// characters are all inert must hold it as a substring.
	anchorASCII bool
	field       string
	ascii       bool   // every term is ASCII
	orig        []byte // the text
	scratch     []byte // the text, ASCII lower-cased
	region      []byte
	wins        []int
}

// newPhraseChecker checks for terms in field; anchor is the index of the
// rarest term (any will do, the rarest is fastest).
func newPhraseChecker(an analysis.Analyzer, field string, terms []string, anchor int) *phraseChecker {
	c := &phraseChecker{an: an, terms: terms, anchor: anchor, field: field, ascii: true, anchorASCII: !hasNonASCII([]byte(terms[anchor]))}
	for _, t := range terms {
		if hasNonASCII([]byte(t)) {
			c.ascii = false
		}
	}
	return c
}

// count returns how many times the phrase occurs in m's field.
//
// The analyzer costs ~10 µs a message (most of it UAX #29 word
// segmentation), too slow for the thousands of candidates a phrase with
// a common word has at 1M messages. So the text is cut into windows at
// every ASCII space followed by an ASCII letter or digit: in valid UTF-8
// no token, word pair or CJK bigram spans such a cut, segmentation on
// either side does not depend on the other, and every window but the
// first holds a token (FuzzPhraseCount checks this against the
// whole-text analysis). The anchor word can only be in a window that
// holds it as a substring, unless the window has non-ASCII characters
// that may fold into it (an ASCII window never holds a non-ASCII word; see
// inert), and the phrase then lies within the anchor's index
// windows before and the number of words after it, so only those few
// words are analysed.
func (c *phraseChecker) count(m *vault.Message) int {
	// The analyzer may rewrite token bytes in place, and message strings
	// alias the vault's plaintext, so it reads copies of the text as
	// document() indexes it. The scans read another copy, lower-cased:
	// the analyzer's tokens of ASCII text are lower-cased substrings of
	// it. (The analyzer must see the original: bleve's lower-casing of
	// "İa" and "İA" differ.)
	orig := appendText(c.orig[:0], m, c.field)
	c.orig = orig
	b := append(c.scratch[:0], orig...)
	c.scratch = b
	lowerASCII(b)
	ascii := !hasNonASCII(b)
	if ascii && (!c.ascii || !mayHoldPhrase(b, c.terms)) {
		return 0
	}
	if !ascii && !utf8.Valid(b) {
		// The segmenter's tokens can span spaces after invalid bytes:
		// no windows then.
		return countPhrase(c.an.Analyze(append(c.region[:0], orig...)), c.terms)
	}
	wins := c.wins[:0]
	wins = append(wins, 0)
	for i := 1; i < len(b); i++ {
		if isSpaceASCII(b[i-1]) && isAlnumASCII(b[i]) {
			wins = append(wins, i)
		}
	}
	wins = append(wins, len(b))
	c.wins = wins
	last := len(wins) - 1 // windows are wins[w]:wins[w+1], w < last
	anchor := []byte(c.terms[c.anchor])
	n := 0
	for w := range last {
		win := b[wins[w]:wins[w+1]]
		if !bytes.Contains(win, anchor) && (!hasNonASCII(win) || c.anchorASCII && inert(win)) {
			continue
		}
		from, to := wins[max(w-c.anchor, 0)], wins[min(w+len(c.terms)-c.anchor, last)]
		// Analyze rewrites in place: give it its own copy of the region.
		c.region = append(c.region[:0], orig[from:to]...)
		toks := c.an.Analyze(c.region)
		lo, hi := wins[w]-from, wins[w+1]-from
		for i, t := range toks {
			// Each occurrence is counted in its anchor's window.
			if t.Start < lo || t.Start >= hi || string(t.Term) != c.terms[c.anchor] {
				continue
			}
			start := t.Position - c.anchor
			if hasRun(toks[:i], c.terms[:c.anchor], start) && hasRun(toks[i+1:], c.terms[c.anchor+1:], t.Position+1) {
				n++
			}
		}
	}
	return n
}

// hasRun reports whether terms[k] is a token at position pos+k among
// toks for every k.
func hasRun(toks analysis.TokenStream, terms []string, pos int) bool {
	for k, term := range terms {
		found := false
		for _, t := range toks {
			if t.Position == pos+k && string(t.Term) == term {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// inert reports whether every non-ASCII character of valid UTF-8 b is one
// the analyzer can neither turn into nor drop from an ASCII word: CJK,
// kana, hangul, emoji and the like (from U+2E80 on), but not the
// fullwidth forms (folded to ASCII) nor combining marks or variation
// selectors (removed by accent folding). Latin letters with accents,
// and everything else below U+2E80, are not inert.
func inert(b []byte) bool {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r < 0x2E80 || 0xFF00 <= r && r <= 0xFFEF || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			return false
		}
		b = b[n:]
	}
	return true
}

func isSpaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// countPhrase counts the positions p such that terms[k] is a token at
// position p+k for every k. Tokens come in position order.
func countPhrase(toks analysis.TokenStream, terms []string) int {
	n := 0
	for i, t := range toks {
		if string(t.Term) != terms[0] {
			continue
		}
		if followsAt(toks[i+1:], terms[1:], t.Position+1) {
			n++
		}
	}
	return n
}

// followsAt reports whether terms[0] is a token at position pos among
// toks (which start at or after it), terms[1] at pos+1, and so on.
func followsAt(toks analysis.TokenStream, terms []string, pos int) bool {
	if len(terms) == 0 {
		return true
	}
	for i, t := range toks {
		if t.Position > pos {
			return false
		}
		if t.Position == pos && string(t.Term) == terms[0] && followsAt(toks[i+1:], terms[1:], pos+1) {
			return true
		}
	}
	return false
}

// mayHoldPhrase is false only when the lower-cased ASCII text s cannot
// hold the phrase: the analyzer's tokens of ASCII text are lower-cased
// substrings of it, and between two consecutive tokens lie only bytes
// that are no letter or digit. It is a necessary condition, nothing
// more: "the cat" passes on "bathe cats".
func mayHoldPhrase(s []byte, terms []string) bool {
	first := []byte(terms[0])
	for at := 0; ; at++ {
		i := bytes.Index(s[at:], first)
		if i < 0 {
			return false
		}
		at += i
		if chainAt(s, terms, at) {
			return true
		}
	}
}

// chainAt reports whether terms[0] starts at s[at:] and the rest of the
// terms follow, each after a run (possibly empty) of bytes that are no
// letter or digit.
func chainAt(s []byte, terms []string, at int) bool {
	if !bytes.HasPrefix(s[at:], []byte(terms[0])) {
		return false
	}
	if len(terms) == 1 {
		return true
	}
	for p := at + len(terms[0]); ; p++ {
		if chainAt(s, terms[1:], p) {
			return true
		}
		if p >= len(s) || isAlnumASCII(s[p]) {
			return false
		}
	}
}

func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}
