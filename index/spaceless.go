package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Thai, Lao, Khmer, Myanmar and the Tai scripts write words without
// spaces between them, and UAX #29 (Unicode's word segmentation, which
// the tokenizer uses) leaves them to a dictionary it does not have: the
// segmenter returns every character as a segment of its own, of no word
// class, which the tokenizer used to drop. No maintained Go segmenter
// has dictionaries for all four scripts, so they are indexed like CJK
// (cjk.NewCJKBigramFilter): as overlapping bigrams, here of grapheme
// clusters rather than runes, since a vowel sign or tone mark alone means
// nothing. A word typed as a query is analysed the same way and becomes a
// phrase of bigrams, which the phrase checker confirms in the text: สวัสดี
// finds สวัสดีครับ, and highlights cover the word.
//
// A run of one cluster is indexed as that cluster. A query of one cluster
// (ดี, ខ្ញុំ: common words) finds it alone and in the bigrams that hold it
// whole, by scanning the dictionary's spaceless terms (isCluster,
// holdsCluster).
//
// The bigrams are of type analysis.Double, which the accent folding and
// the CJK bigram filter leave alone: marks are part of these scripts'
// spelling (a tone mark changes the word), not accents a reader omits.

// isSpaceless reports whether r belongs to a script written without
// spaces between words (Unicode's line-break class SA, complex context),
// and so is indexed by cluster bigrams.
func isSpaceless(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0EFF: // Thai, Lao
		return true
	case r < 0x1000:
		return false
	case r <= 0x109F: // Myanmar
		return true
	case 0x1780 <= r && r <= 0x17FF: // Khmer
		return true
	case 0x1950 <= r && r <= 0x1AAF: // Tai Le, New Tai Lue, Khmer Symbols, Tai Tham
		return true
	case 0xA9E0 <= r && r <= 0xA9FF: // Myanmar Extended-B
		return true
	case 0xAA60 <= r && r <= 0xAADF: // Myanmar Extended-A, Tai Viet
		return true
	}
	return false
}

// clusterStart reports whether r begins a cluster of a spaceless run: a
// letter of a spaceless script. Digits are numbers to the segmenter, and
// punctuation (๏, ។, ။) ends the run.
func clusterStart(r rune) bool {
	return isSpaceless(r) && unicode.IsLetter(r)
}

// joinsNext reports whether r, the Khmer coeng or the Myanmar virama,
// stacks the letter after it under its cluster (ស្ត is one cluster).
func joinsNext(r rune) bool { return r == 0x17D2 || r == 0x1039 }

// cluster is a grapheme cluster of a spaceless run: input[start:end],
// less any format characters (zero-width space, joiners) when clean is
// false.
type cluster struct {
	start, end int
	clean      bool
}

// appendSpaceless tokenizes the spaceless run of input that starts at
// start, with a cluster start, into cluster bigrams from position pos.
// It returns the tokens, the end of the run (past any format characters
// it holds) and the next position.
//
// A run is clusters, each a letter followed by combining marks (and by
// the letter a coeng or virama stacks), with format characters (U+200B
// ZERO WIDTH SPACE, which some writers put between words, joiners, the
// soft hyphen) ignored between and within them, so that a query typed
// without them still matches.
func appendSpaceless(toks []analysis.Token, input []byte, start, pos int) ([]analysis.Token, int, int) {
	var buf [16]cluster
	cs := buf[:0]
	end := start // the end of the run so far
	cur := -1    // the index of the cluster being extended, if any
	stack := false
	for i := start; i < len(input); {
		r, n := utf8.DecodeRune(input[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			// Invalid UTF-8 ends the run.
		case clusterStart(r) && (cur < 0 || !stack):
			cs = append(cs, cluster{start: i, end: i + n, clean: true})
			cur, stack = len(cs)-1, false
			i += n
			end = i
			continue
		case cur >= 0 && (unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) || stack && clusterStart(r)):
			c := &cs[cur]
			c.clean = c.clean && c.end == i
			c.end = i + n
			stack = joinsNext(r)
			i += n
			end = i
			continue
		case unicode.Is(unicode.Cf, r):
			// Ignored, within the run if a cluster or mark follows.
			i += n
			continue
		}
		break
	}
	// Trailing format characters belong to the run: the segmenter joins
	// joiners to the character before them.
	for end < len(input) {
		r, n := utf8.DecodeRune(input[end:])
		if r == utf8.RuneError || !unicode.Is(unicode.Cf, r) {
			break
		}
		end += n
	}
	if len(cs) == 1 {
		c := cs[0]
		toks = append(toks, analysis.Token{Term: clusterTerm(input, nil, c), Start: c.start, End: c.end, Position: pos, Type: analysis.Double})
		return toks, end, pos + 1
	}
	for k := 1; k < len(cs); k++ {
		a, b := cs[k-1], cs[k]
		var term []byte
		if a.clean && b.clean && a.end == b.start {
			term = input[a.start:b.end]
		} else {
			term = clusterTerm(input, clusterTerm(input, nil, a), b)
		}
		toks = append(toks, analysis.Token{Term: term, Start: a.start, End: b.end, Position: pos, Type: analysis.Double})
		pos++
	}
	return toks, end, pos
}

// clusterTerm appends c's characters, less format characters, to dst
// (c's bytes themselves when dst is nil and c is clean).
func clusterTerm(input, dst []byte, c cluster) []byte {
	if c.clean && dst == nil {
		return input[c.start:c.end]
	}
	for i := c.start; i < c.end; {
		r, n := utf8.DecodeRune(input[i:])
		if !unicode.Is(unicode.Cf, r) {
			dst = append(dst, input[i:i+n]...)
		}
		i += n
	}
	return dst
}

// spacelessTermRanges are the dictionary ranges [from, to) of the terms
// that begin with a character of a spaceless script: the blocks of
// isSpaceless, as UTF-8.
var spacelessTermRanges = [][2]string{
	{"\u0E00", "\u0F00"},
	{"\u1000", "\u10A0"},
	{"\u1780", "\u1800"},
	{"\u1950", "\u1AB0"},
	{"\uA9E0", "\uAA00"},
	{"\uAA60", "\uAAE0"},
}

// isCluster reports whether term is one cluster of a spaceless run, as
// appendSpaceless makes them.
func isCluster(term string) bool {
	r, n := utf8.DecodeRuneInString(term)
	if !clusterStart(r) {
		return false
	}
	return clusterEnd(term, n) == len(term)
}

// clusterEnd returns the end of the cluster of s that starts before i,
// where s[i:] follows its first letter (format characters are not in
// terms).
func clusterEnd(s string, i int) int {
	stack := false
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) && !(stack && clusterStart(r)) {
			break
		}
		stack = joinsNext(r)
		i += n
	}
	return i
}

// holdsCluster reports whether the term holds the cluster c whole: it is
// c, or a bigram whose first or second cluster is c.
func holdsCluster(term, c string) bool {
	if term == c {
		return true
	}
	if strings.HasPrefix(term, c) {
		if _, n := utf8.DecodeRuneInString(term); clusterEnd(term, n) == len(c) {
			return true
		}
	}
	if head, ok := strings.CutSuffix(term, c); ok {
		r, _ := utf8.DecodeLastRuneInString(head)
		return !joinsNext(r)
	}
	return false
}

// clusterSpan returns where in text the token holds the cluster c (the
// whole token when format characters inside it hide the cluster's exact
// bytes), if it does.
func clusterSpan(text string, tok *analysis.Token, c string) ([2]int, bool) {
	term := string(tok.Term)
	if tok.Type != analysis.Double || !holdsCluster(term, c) {
		return [2]int{}, false
	}
	_, n := utf8.DecodeRuneInString(term)
	first := term[:clusterEnd(term, n)]
	at := text[tok.Start:tok.End]
	switch {
	case term == c:
	case first == c && strings.HasPrefix(at, c):
		return [2]int{tok.Start, tok.Start + len(c)}, true
	case term[len(first):] == c && strings.HasSuffix(at, c):
		return [2]int{tok.End - len(c), tok.End}, true
	}
	return [2]int{tok.Start, tok.End}, true
}
