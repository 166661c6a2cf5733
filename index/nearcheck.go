package index

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"coffer/vault"
)

// A proximity candidate is checked against the tokens of its whole
// field. Phrase checks (phrase.go) analyse only windows around the rarest
// word, which works because a phrase is short; a NEAR/100 or a ~100 can
// reach across most of a chat message, so windows around an anchor would
// save little. Instead the analyzer sees only the windows that hold
// non-ASCII characters: in ASCII text its tokens are the UAX #29 words
// asciiWords finds, lower-cased (FuzzPhraseCount checks that
// equivalence), several times faster to find than by the analyzer's
// segmentation, which was two thirds of the checking time when messages
// with an emoji or an accent went to it whole. FuzzNearCheck checks the
// result against the analysis of the whole text.

// nearAlt is one alternative of a NEAR operand: a run of terms at
// consecutive positions (a word, a phrase, a word the analyzer splits),
// or a prefix, a fuzzy word, or a single cluster of a spaceless script
// (which the index holds only inside bigrams).
type nearAlt struct {
	kind    textKind // textPhrase (a run), textPrefix or textFuzzy
	terms   []string
	fuzz    int
	cluster bool
}

// proximity is a compiled proximity query: a NEAR chain (ops, dists) or
// a sloppy phrase (terms, slop).
type proximity struct {
	field string // bleveText or bleveSubject
	ops   [][]nearAlt
	dists []int
	terms []string
	slop  int
}

// ptok is a token of the checked text: its term, position and byte span.
type ptok struct {
	term       []byte
	pos        int
	start, end int
}

// span is an occurrence of an operand: the tokens toks[first..last].
type span struct{ first, last int }

// proxChecker checks candidates of one proximity query; one per
// goroutine, as it owns scratch buffers.
type proxChecker struct {
	q      *proximity
	an     analysis.Analyzer
	text   []byte
	lower  []byte
	region []byte
	words  [][2]int
	toks   []ptok
	occ    [][]span
	reach  [][]bool
	count  map[string]int
}

func newProxChecker(an analysis.Analyzer, q *proximity) *proxChecker {
	return &proxChecker{q: q, an: an}
}

// match reports whether the message's field satisfies the query.
func (c *proxChecker) match(m *vault.Message) bool {
	c.tokenizeField(m)
	return c.check(nil)
}

// tokenizeField fills c.toks with the tokens of the query's field of m.
func (c *proxChecker) tokenizeField(m *vault.Message) {
	text := m.Body
	switch {
	case c.q.field == bleveSubject:
		text = m.Subject
	case m.Subject != "":
		c.text = appendText(c.text[:0], m, c.q.field)
		text = string(c.text)
	}
	text = text[:indexedLen(text)]
	c.tokenize(text)
}

// tokenize fills c.toks with the tokens of text, as the analyzer makes
// them. Only the windows (phrase.go) that hold non-ASCII characters go
// through the analyzer; in the rest, tokens are the ASCII words. A
// window's tokens do not depend on its neighbours, and positions count
// tokens, so the parts' tokens follow each other.
func (c *proxChecker) tokenize(text string) {
	c.toks = c.toks[:0]
	c.region = c.region[:0]
	c.lower = c.lower[:0]
	for i := 0; i < len(text); i++ {
		c.lower = append(c.lower, lowerByte(text[i]))
	}
	if !utf8.ValidString(text) {
		// The segmenter's tokens can span spaces after invalid bytes:
		// no windows then.
		c.analyse(text, 0, len(text), 1)
		return
	}
	pos := 1
	for at := 0; at < len(text); {
		i := at
		for i < len(text) && text[i] < utf8.RuneSelf {
			i++
		}
		if i == len(text) {
			c.asciiTokens(text, at, len(text), pos)
			return
		}
		// at is a window start, so the window of i starts at or after it.
		from := winStart(text, i)
		pos = c.asciiTokens(text, at, from, pos)
		to := winEnd(text, i)
		for to < len(text) {
			next := winEnd(text, to)
			if isASCII(text[to:next]) {
				break
			}
			to = next
		}
		pos = c.analyse(text, from, to, pos)
		at = to
	}
}

// asciiTokens appends the tokens of ASCII text[from:to] from position
// pos, and returns the position after them: the UAX #29 words holding a
// letter or digit, their terms the first maxTermBytes lower-cased.
func (c *proxChecker) asciiTokens(text string, from, to, pos int) int {
	c.words = asciiWords(text[from:to], c.words[:0])
	for _, w := range c.words {
		s, e := from+w[0], from+w[1]
		c.toks = append(c.toks, ptok{term: c.lower[s:min(e, s+maxTermBytes)], pos: pos, start: s, end: e})
		pos++
	}
	return pos
}

// analyse appends the analyzer's tokens of text[from:to] from position
// pos, and returns the position after them.
func (c *proxChecker) analyse(text string, from, to, pos int) int {
	r := len(c.region)
	c.region = append(c.region, text[from:to]...)
	// Earlier regions' terms alias c.region: the analyzer, which
	// rewrites in place, gets no capacity past this one.
	toks := c.an.Analyze(c.region[r:len(c.region):len(c.region)])
	if len(toks) == 0 {
		return pos
	}
	first := toks[0].Position
	for _, t := range toks {
		c.toks = append(c.toks, ptok{term: t.Term, pos: pos + t.Position - first, start: from + t.Start, end: from + t.End})
	}
	return pos + toks[len(toks)-1].Position - first + 1
}

// check reports whether c.toks satisfy the query; with hl not nil, it
// also appends the byte spans of the tokens that take part in a match.
func (c *proxChecker) check(hl *[][2]int) bool {
	if c.q.ops != nil {
		return c.checkNear(hl)
	}
	return c.checkSloppy(hl)
}

// checkNear finds each operand's occurrences, then keeps those of
// operand i that are within dists[i-1] of a kept occurrence of operand
// i-1: the chain matches when some occurrence of the last operand is
// kept.
func (c *proxChecker) checkNear(hl *[][2]int) bool {
	ops := c.q.ops
	c.occ = slices.Grow(c.occ[:0], len(ops))[:len(ops)]
	for i, alts := range ops {
		c.occ[i] = c.occurrences(c.occ[i][:0], alts)
		if len(c.occ[i]) == 0 {
			return false
		}
	}
	c.reach = slices.Grow(c.reach[:0], len(ops))[:len(ops)]
	for i := range ops {
		c.reach[i] = slices.Grow(c.reach[i][:0], len(c.occ[i]))[:len(c.occ[i])]
	}
	// Forward: reach[i][j] = occurrence j of operand i ends a chain from
	// operand 0.
	for j := range c.reach[0] {
		c.reach[0][j] = true
	}
	for i := 1; i < len(ops); i++ {
		some, long := false, c.longest(c.occ[i-1])
		for j, o := range c.occ[i] {
			c.reach[i][j] = c.nearAny(o, c.occ[i-1], c.reach[i-1], c.q.dists[i-1], long)
			some = some || c.reach[i][j]
		}
		if !some {
			return false
		}
	}
	if hl == nil {
		return true
	}
	// Backward, for highlights: keep the occurrences that also start a
	// chain to the last operand.
	back := make([][]bool, len(ops))
	back[len(ops)-1] = c.reach[len(ops)-1]
	for i := len(ops) - 2; i >= 0; i-- {
		back[i] = make([]bool, len(c.occ[i]))
		long := c.longest(c.occ[i+1])
		for j, o := range c.occ[i] {
			back[i][j] = c.reach[i][j] && c.nearAny(o, c.occ[i+1], back[i+1], c.q.dists[i], long)
		}
	}
	for i := range ops {
		for j, o := range c.occ[i] {
			if back[i][j] {
				*hl = append(*hl, [2]int{c.toks[o.first].start, c.toks[o.last].end})
			}
		}
	}
	return true
}

// nearAny reports whether o is within d words of an occurrence in occs
// whose ok is true, not overlapping it. occs are in position order, so
// only those that start near o are looked at: a common word can occur
// thousands of times in a long message.
func (c *proxChecker) nearAny(o span, occs []span, ok []bool, d, long int) bool {
	from := c.toks[o.first].pos - d - 1 - long
	to := c.toks[o.last].pos + d + 1
	j, _ := slices.BinarySearchFunc(occs, from, func(p span, pos int) int { return c.toks[p.first].pos - pos })
	for ; j < len(occs) && c.toks[occs[j].first].pos <= to; j++ {
		if ok[j] && c.gap(o, occs[j]) <= d {
			return true
		}
	}
	return false
}

// longest returns how many positions past its first the longest of occs
// reaches (nearAny's look-behind).
func (c *proxChecker) longest(occs []span) int {
	n := 0
	for _, p := range occs {
		n = max(n, c.toks[p.last].pos-c.toks[p.first].pos)
	}
	return n
}

// gap is the number of positions strictly between two occurrences, or
// more than maxSlop when they overlap (the same words cannot be both
// operands).
func (c *proxChecker) gap(a, b span) int {
	as, ae := c.toks[a.first].pos, c.toks[a.last].pos
	bs, be := c.toks[b.first].pos, c.toks[b.last].pos
	switch {
	case ae < bs:
		return bs - ae - 1
	case be < as:
		return as - be - 1
	}
	return maxSlop + 1
}

// occurrences appends the occurrences of an operand's alternatives, in
// token order. Alternatives that start at one token and end at different
// ones are different occurrences: in (a OR "a b") NEAR/0 c, "a b" is the
// one next to c.
func (c *proxChecker) occurrences(out []span, alts []nearAlt) []span {
	for i, t := range c.toks {
		from := len(out)
		for _, a := range alts {
			if last, ok := c.altAt(a, i, t); ok && !slices.Contains(out[from:], span{i, last}) {
				out = append(out, span{i, last})
			}
		}
	}
	return out
}

// altAt reports whether alternative a occurs from token i, and the index
// of its last token.
func (c *proxChecker) altAt(a nearAlt, i int, t ptok) (int, bool) {
	switch {
	case a.kind == textPrefix:
		return i, strings.HasPrefix(string(t.term), a.terms[0])
	case a.kind == textFuzzy:
		return i, withinEdits(string(t.term), a.terms[0], a.fuzz)
	case a.cluster:
		return i, holdsCluster(string(t.term), a.terms[0])
	}
	if string(t.term) != a.terms[0] {
		return 0, false
	}
	// The rest of the run at consecutive positions, among the tokens
	// that follow (tokens come in position order).
	j := i
	for k := 1; k < len(a.terms); k++ {
		found := false
		for j+1 < len(c.toks) && c.toks[j+1].pos <= t.pos+k {
			j++
			if c.toks[j].pos == t.pos+k && string(c.toks[j].term) == a.terms[k] {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return j, true
}

// checkSloppy slides a window of slop+len(terms) positions over the
// tokens: the phrase matches when some window holds each term as many
// times as the phrase does, in any order.
func (c *proxChecker) checkSloppy(hl *[][2]int) bool {
	terms := c.q.terms
	if c.count == nil {
		c.count = make(map[string]int, len(terms))
	}
	clear(c.count)
	need := 0 // terms still missing from the window, with multiplicity
	for _, t := range terms {
		c.count[t]--
		need++
	}
	width := c.q.slop + len(terms) // positions a window spans
	matched := false
	lo := 0
	var lastHL int // tokens before it are already highlighted
	for hi, t := range c.toks {
		if n, ok := c.count[string(t.term)]; ok {
			if n < 0 {
				need--
			}
			c.count[string(t.term)] = n + 1
		}
		for t.pos-c.toks[lo].pos >= width {
			if n, ok := c.count[string(c.toks[lo].term)]; ok {
				if n <= 0 {
					need++
				}
				c.count[string(c.toks[lo].term)] = n - 1
			}
			lo++
		}
		if need > 0 {
			continue
		}
		matched = true
		if hl == nil {
			return true
		}
		for k := max(lo, lastHL); k <= hi; k++ {
			if _, ok := c.count[string(c.toks[k].term)]; ok {
				*hl = append(*hl, [2]int{c.toks[k].start, c.toks[k].end})
			}
		}
		lastHL = hi + 1
	}
	return matched
}
