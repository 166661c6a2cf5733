package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"golang.org/x/text/unicode/norm"

	"coffer/vault"
)

// Phrases are checked against the message text, not against positions
// stored in the index. Term vectors (a position and two offsets per word
// occurrence) were 47% of an index segment, 304 of 649 bytes a message,
// while the text they describe is in memory anyway. So the index finds
// the documents holding every word of a phrase (and every common-word
// pair of it, pairs.go, which makes phrases of common words exact), and
// each candidate is checked here, so that a phrase matches exactly where
// consecutive analyzer positions hold its words, as the term vectors
// said before.
//
// Analysing a whole message costs ~10 µs (most of it UAX #29 word
// segmentation), too slow for the tens of thousands of candidates a
// phrase with a stop word has at 1M messages. So the check works on
// windows: the text is cut at every ASCII space followed by an ASCII
// letter or digit, or by a letter of a spaceless script (spaceless.go).
// In valid UTF-8 no token, word pair or bigram spans such a cut,
// segmentation on either side does not depend on the other, and every
// window but the first holds a token. The phrase's rarest word (its
// anchor) can only be in a window that holds it as a substring, ignoring
// ASCII case, or that has characters which may fold into it; in ASCII
// text its neighbours must also be there as substrings, separated by
// anything but letters and digits. A spaceless anchor is not folded: in
// text without format characters it is a plain substring. Only the windows that pass are
// analysed, with the few windows around them the phrase can reach.
// FuzzPhraseCount checks all of this against the analysis of the whole
// text.

// phraseChecker checks phrase candidates; one per goroutine, as it owns
// scratch buffers.
type phraseChecker struct {
	an     analysis.Analyzer
	terms  []string
	anchor int // the index of the rarest term
	field  string
	ascii  bool // every term is ASCII
	// anchorASCII: the anchor word is ASCII, so a window whose non-ASCII
	// characters are all inert must hold it as a substring.
	anchorASCII bool
	// anchorSpaceless: the anchor is a token of a spaceless script
	// (spaceless.go), which no filter folds.
	anchorSpaceless bool
	// long: a term may be the cut start of a longer word (maxTermBytes),
	// which chainAround's substring test does not know.
	long   bool
	text   []byte // subject and body, for the text field of an email
	region []byte // what the analyzer reads (it rewrites in place)
	wins   []int  // starts of windows to analyse
}

// newPhraseChecker checks for terms in field; anchor is the index of the
// rarest term (any will do, the rarest is fastest).
func newPhraseChecker(an analysis.Analyzer, field string, terms []string, anchor int) *phraseChecker {
	c := &phraseChecker{an: an, terms: terms, anchor: anchor, field: field, ascii: true,
		anchorASCII: isASCII(terms[anchor])}
	r, _ := utf8.DecodeRuneInString(terms[anchor])
	c.anchorSpaceless = clusterStart(r)
	for _, t := range terms {
		c.ascii = c.ascii && isASCII(t)
		c.long = c.long || len(t) >= maxTermBytes
	}
	return c
}

// count returns how many times the phrase occurs in m's field.
func (c *phraseChecker) count(m *vault.Message) int {
	// Message strings alias the vault's plaintext and are only read here;
	// the analyzer gets copies of the regions it looks at.
	text := m.Body
	switch {
	case c.field == bleveSubject:
		text = m.Subject
	case m.Subject != "":
		c.text = appendText(c.text[:0], m, c.field)
		text = string(c.text)
	}
	text = text[:indexedLen(text)] // what was indexed
	ascii := isASCII(text)
	if ascii && !c.ascii {
		return 0 // ASCII text has no non-ASCII word
	}
	if !ascii && !utf8.ValidString(text) {
		// The segmenter's tokens can span spaces after invalid bytes:
		// no windows then.
		c.region = append(c.region[:0], text...)
		return countPhrase(c.an.Analyze(c.region), c.terms)
	}
	wins := c.wins[:0]
	// Windows with characters that may fold into the anchor (any
	// non-ASCII character, when the anchor is not ASCII itself).
	plain := true // every non-ASCII character is inert
	switch {
	case !ascii && c.anchorSpaceless && !hasFormat(text):
		// A spaceless token is its text, less format characters: the
		// anchor is in a window that holds it as a substring.
		anchor := c.terms[c.anchor]
		for at := 0; ; at++ {
			i := strings.Index(text[at:], anchor)
			if i < 0 {
				break
			}
			at += i
			wins = append(wins, winStart(text, at))
		}
	case !ascii:
		for i, r := range text {
			if r >= utf8.RuneSelf && !inert(r) {
				plain = false
			}
			if r >= utf8.RuneSelf && (!c.anchorASCII || !inert(r)) {
				wins = append(wins, winStart(text, i))
			}
		}
	}
	if c.anchorASCII {
		anchor := c.terms[c.anchor]
		for at := 0; ; at++ {
			i := indexFold(text[at:], anchor)
			if i < 0 {
				break
			}
			at += i
			// Where nothing folds, ASCII words are substrings: the
			// anchor's neighbours must be there too.
			if !plain || !c.ascii || c.long || c.chainAround(text, at) {
				wins = append(wins, winStart(text, at))
			}
		}
	}
	slices.Sort(wins)
	wins = slices.Compact(wins)
	c.wins = wins
	n := 0
	for _, w := range wins {
		n += c.countFrom(text, w)
	}
	return n
}

// countFrom counts the occurrences whose anchor is in the window that
// starts at w, analysing the windows the phrase can reach from there.
func (c *phraseChecker) countFrom(text string, w int) int {
	from := w
	for range c.anchor {
		from = winStart(text, from-1)
	}
	end := winEnd(text, w)
	to := end
	for range len(c.terms) - 1 - c.anchor {
		to = winEnd(text, to)
	}
	lo, hi := w-from, end-from
	if c.ascii && isASCII(text[from:to]) {
		return countASCII(text[from:to], c.terms, c.anchor, lo, hi)
	}
	c.region = append(c.region[:0], text[from:to]...)
	toks := c.an.Analyze(c.region)
	n := 0
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
	return n
}

// chainAround is false only when the anchor found at text[at:] (ASCII
// text) cannot be part of the phrase: the analyzer's tokens of ASCII text
// are substrings of it (ignoring case), and between consecutive tokens
// lie only bytes that are no letter or digit. "the cat" passes on
// "bathe cats": it is a necessary condition, nothing more.
func (c *phraseChecker) chainAround(text string, at int) bool {
	return chainBack(text, c.terms[:c.anchor], at) && chainOn(text, c.terms[c.anchor+1:], at+len(c.terms[c.anchor]))
}

// chainOn reports whether terms follow from text[at:], each after a run
// (possibly empty) of bytes that are no letter or digit.
func chainOn(text string, terms []string, at int) bool {
	if len(terms) == 0 {
		return true
	}
	for p := at; ; p++ {
		if hasPrefixFold(text[p:], terms[0]) && chainOn(text, terms[1:], p+len(terms[0])) {
			return true
		}
		if p >= len(text) || isAlnumASCII(text[p]) {
			return false
		}
	}
}

// chainBack reports whether terms precede text[:at], the last one ending
// before a run (possibly empty) of bytes that are no letter or digit.
func chainBack(text string, terms []string, at int) bool {
	if len(terms) == 0 {
		return true
	}
	last := terms[len(terms)-1]
	for p := at; ; p-- {
		if p >= len(last) && hasPrefixFold(text[p-len(last):], last) && chainBack(text, terms[:len(terms)-1], p-len(last)) {
			return true
		}
		if p <= 0 || isAlnumASCII(text[p-1]) {
			return false
		}
	}
}

// winStart returns the start of the window holding text[p] (0 for p < 0).
func winStart(text string, p int) int {
	for i := min(p, len(text)-1); i > 0; i-- {
		if isCut(text, i) {
			return i
		}
	}
	return 0
}

// isCut reports whether a window starts at text[i]: after an ASCII space,
// at an ASCII letter or digit, or at a letter of a spaceless script.
func isCut(text string, i int) bool {
	if !isSpaceASCII(text[i-1]) {
		return false
	}
	if text[i] < utf8.RuneSelf {
		return isAlnumASCII(text[i])
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return clusterStart(r)
}

// winEnd returns the end of the window starting at w (len(text) at the
// end).
func winEnd(text string, w int) int {
	for i := w + 1; i < len(text); i++ {
		if isCut(text, i) {
			return i
		}
	}
	return len(text)
}

// countASCII is countFrom for ASCII text, without the analyzer: on ASCII
// the analyzer's tokens are the UAX #29 words holding a letter or digit,
// lower-cased (asciiWords), so the phrase is a run of consecutive ones.
func countASCII(text string, terms []string, anchor, lo, hi int) int {
	var buf [32][2]int
	words := asciiWords(text, buf[:0])
	n := 0
	for i, wd := range words {
		if wd[0] < lo || wd[0] >= hi || i < anchor || i-anchor+len(terms) > len(words) {
			continue
		}
		k := 0
		for k < len(terms) {
			v := words[i-anchor+k]
			// An ASCII word's term is its first maxTermBytes, lower-cased.
			if min(v[1]-v[0], maxTermBytes) != len(terms[k]) || !hasPrefixFold(text[v[0]:], terms[k]) {
				break
			}
			k++
		}
		if k == len(terms) {
			n++
		}
	}
	return n
}

// asciiWords appends to out the [start, end) of each word of ASCII text
// that the analyzer keeps: UAX #29 word segments (rules WB5-WB13b, the
// only ones that join ASCII letters, digits and punctuation) that hold a
// letter, digit or underscore. FuzzPhraseCount checks it against the analyzer.
func asciiWords(s string, out [][2]int) [][2]int {
	start, alnum := 0, false
	prev := wbOther // the class of s[i-1]
	for i := 0; i <= len(s); i++ {
		cur := wbOther
		if i < len(s) {
			cur = wbClass(s[i])
		}
		// Inside a word or a number nothing breaks (WB5, WB8): settled
		// here, without wordBreak's look at the neighbours.
		if i == len(s) || i > 0 && !(cur == prev && (cur == wbLetter || cur == wbNumeric)) && wordBreak(s, i) {
			if alnum {
				out = append(out, [2]int{start, i})
			}
			start, alnum = i, false
		}
		if cur == wbLetter || cur == wbNumeric || cur == wbExtendNumLet {
			alnum = true
		}
		prev = cur
	}
	return out
}

// ASCII word-break classes (UAX #29).
const (
	wbOther = iota
	wbLetter
	wbNumeric
	wbExtendNumLet // _
	wbMidLetter    // :
	wbMidNumLetQ   // . '
	wbMidNum       // , ;
)

// wbClasses is wbClass by byte, so that asciiWords, which looks up four
// classes per byte of every ASCII candidate of a proximity query, reads a
// table instead of running a switch.
var wbClasses = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		t[c] = uint8(wbClassOf(byte(c)))
	}
	return t
}()

func wbClass(c byte) int { return int(wbClasses[c&(utf8.RuneSelf-1)]) }

func wbClassOf(c byte) int {
	switch {
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return wbLetter
	case '0' <= c && c <= '9':
		return wbNumeric
	}
	switch c {
	case '_':
		return wbExtendNumLet
	case ':':
		return wbMidLetter
	case '.', '\'':
		return wbMidNumLetQ
	case ',', ';':
		return wbMidNum
	}
	return wbOther
}

// wordBreak reports whether UAX #29 breaks ASCII text s between s[i-1]
// and s[i].
func wordBreak(s string, i int) bool {
	a, b := wbClass(s[i-1]), wbClass(s[i])
	// The common cases first: inside a word or a number, and between
	// spaces or symbols.
	switch {
	case a == b && (a == wbLetter || a == wbNumeric):
		return false
	case a == wbOther && b == wbOther:
		return true
	}
	next, prev := wbOther, wbOther
	if i+1 < len(s) {
		next = wbClass(s[i+1])
	}
	if i >= 2 {
		prev = wbClass(s[i-2])
	}
	midLetter := func(c int) bool { return c == wbMidLetter || c == wbMidNumLetQ }
	midNum := func(c int) bool { return c == wbMidNum || c == wbMidNumLetQ }
	switch {
	case a == wbLetter && b == wbLetter, // WB5
		a == wbLetter && midLetter(b) && next == wbLetter,                               // WB6
		prev == wbLetter && midLetter(a) && b == wbLetter,                               // WB7
		a == wbNumeric && b == wbNumeric,                                                // WB8
		a == wbLetter && b == wbNumeric,                                                 // WB9
		a == wbNumeric && b == wbLetter,                                                 // WB10
		prev == wbNumeric && midNum(a) && b == wbNumeric,                                // WB11
		a == wbNumeric && midNum(b) && next == wbNumeric,                                // WB12
		(a == wbLetter || a == wbNumeric || a == wbExtendNumLet) && b == wbExtendNumLet, // WB13a
		a == wbExtendNumLet && (b == wbLetter || b == wbNumeric):                        // WB13b
		return false
	}
	return true
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

// hasFormat reports whether text holds a format character (U+200B ZERO
// WIDTH SPACE, joiners), which spaceless tokens leave out.
func hasFormat(text string) bool {
	for _, r := range text {
		if r >= utf8.RuneSelf && unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// inert reports whether the analyzer can neither turn r into, nor drop it
// from, an ASCII word: symbols (emoji), punctuation, spaces, and CJK,
// kana, hangul and the like (from U+2E80 on); but not the fullwidth forms
// (folded to ASCII), combining marks, variation selectors or format
// characters (removed by accent folding or joined to a neighbour), nor
// letters and digits below U+2E80 (é folds to e, K (Kelvin) lower-cases
// to k).
//
// Characters with a canonical decomposition are not inert either: accent
// folding decomposes whole words, and U+037E GREEK QUESTION MARK, which
// joins digits like a comma, becomes ";" (FuzzPhraseCount found it).
func inert(r rune) bool {
	if 0xFF00 <= r && r <= 0xFFEF || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return false
	}
	if r < 0x2E80 && !unicode.In(r, unicode.S, unicode.P, unicode.Z) {
		return false
	}
	var b [utf8.UTFMax]byte
	return norm.NFD.Properties(utf8.AppendRune(b[:0], r)).Decomposition() == nil
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

// indexFold is strings.Index ignoring ASCII case; t must be lower case.
func indexFold(s, t string) int {
	if t == "" {
		return 0
	}
	first := t[0]
	for i := 0; i+len(t) <= len(s); i++ {
		if lowerByte(s[i]) == first && hasPrefixFold(s[i:], t) {
			return i
		}
	}
	return -1
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix must be
// lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerByte(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isSpaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
