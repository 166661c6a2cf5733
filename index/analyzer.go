package index

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/segment"
	"golang.org/x/text/unicode/norm"

	"coffer/vault"
)

// analyzerName is the analyzer of every full-text field. It is language
// neutral on purpose: archives mix languages within one conversation, and
// a stemmer for one language mangles the others.
//
//   - Unicode word segmentation (UAX #29), keeping emoji as tokens (bleve's
//     own unicode tokenizer drops them, and reviewers search for 🎉);
//   - CJK width folding, lower-casing, then accent folding of alphabetic
//     words (cafe finds café) that leaves kana and hangul alone;
//   - CJK bigrams, so 東京タワー is findable by 東京 without a dictionary,
//     and bigrams of grapheme clusters for Thai, Lao, Khmer, Myanmar and
//     the other scripts written without spaces (spaceless.go);
//   - bounds: it reads the first maxFieldBytes of a text (256 KiB), and
//     keeps the first maxTermBytes (256) of a longer word.
//
// Token offsets always refer to the original text: highlights are byte
// ranges into the message, computed with this same analyzer.
const analyzerName = "coffer_text"

// The analyzer's bounds keep indexing a hostile message cheap. Without
// them, indexing one 50 MiB message that is a single word peaked at
// 6.6 GB (a 50 MiB term becomes ~50M nodes of vellum's dictionary
// builder), and three 50 MiB messages of short words at 12.8 GB (a token
// and its pointer per word, two per CJK character: per byte of text,
// analysis holds up to ~80 bytes). Both bounds apply to indexing and
// querying alike, so a query names what was indexed.
const (
	// maxTermBytes: a longer word is indexed by its first maxTermBytes
	// bytes (cut on a character boundary, after lower-casing and
	// folding), and so is a longer query word: searching for the whole
	// word finds it, as does any word sharing those bytes. Lucene's
	// default is 255 characters; nothing a reviewer types is longer.
	maxTermBytes = 256
	// maxFieldBytes: the index reads the first maxFieldBytes of a field
	// (the subject and the body, or the subject alone; a name), cut on a
	// character boundary; words past it are not found. The message is
	// stored and shown whole. Chat messages hold a few KiB at most. At
	// 1 MiB, importing three 50 MiB messages of two-letter words peaked
	// at 657 MB, at 256 KiB at 417 MB (BenchmarkImportRSS). The vault
	// keeps no more of a message for the index it builds at import
	// (vault.Texts).
	maxFieldBytes = vault.MaxIndexedText
)

// indexedLen is how much of a field's text the analyzer reads (see
// maxFieldBytes).
func indexedLen[T string | []byte](s T) int {
	if len(s) <= maxFieldBytes {
		return len(s)
	}
	n := maxFieldBytes
	for n > maxFieldBytes-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// registerAnalyzer puts the analyzer in bleve's registry, which is how
// bleve finds it by name from a mapping. The registry is bleve's (process
// wide), so this happens once; its error (a name already taken) is
// returned to New rather than panicking at init.
var registerAnalyzer = sync.OnceValue(func() error {
	return registry.RegisterAnalyzer(analyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return newAnalyzer(), nil
	})
})

func newAnalyzer() analysis.Analyzer {
	return &analysis.DefaultAnalyzer{
		Tokenizer: tokenizer{},
		TokenFilters: []analysis.TokenFilter{
			widthFilter{cjk.NewCJKWidthFilter()},
			lowerFilter{},
			foldFilter{},
			cjk.NewCJKBigramFilter(false),
			termCut{},
		},
	}
}

// tokenizer is bleve's unicode tokenizer plus emoji: segments the word
// breaker classes as "none" are kept when they hold a pictographic symbol.
type tokenizer struct{}

func (tokenizer) Tokenize(input []byte) analysis.TokenStream {
	input = input[:indexedLen(input)]
	seg := segment.NewWordSegmenterDirect(input)
	// One backing array for all tokens of the text: indexing allocates
	// per message, so this matters at a million messages.
	toks := make([]analysis.Token, 0, len(input)/5+1)
	start, pos := 0, 1
	skip := 0 // the end of the last spaceless run: segments before it are tokenized
	for seg.Segment() {
		b := seg.Bytes()
		end := start + len(b)
		if start < skip {
			start = end
			continue
		}
		typ, keep := analysis.AlphaNumeric, true
		switch seg.Type() {
		case segment.Ideo, segment.Kana:
			typ = analysis.Ideographic
		case segment.Number:
			typ = analysis.Numeric
		case segment.None:
			if b[0] >= utf8.RuneSelf {
				if r, _ := utf8.DecodeRune(b); clusterStart(r) {
					toks, skip, pos = appendSpaceless(toks, input, start, pos)
					start = end
					continue
				}
			}
			typ, keep = analysis.Single, isEmoji(b)
		}
		if keep {
			toks = append(toks, analysis.Token{Term: b, Start: start, End: end, Position: pos, Type: typ})
			pos++
		}
		start = end
	}
	rv := make(analysis.TokenStream, len(toks))
	for i := range toks {
		rv[i] = &toks[i]
	}
	return rv
}

func isEmoji(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if unicode.Is(unicode.So, r) || (r >= 0x1F000 && r <= 0x1FAFF) {
			return true
		}
	}
	return false
}

// widthFilter applies bleve's CJK width folding to tokens that need it:
// bleve's filter converts every token to runes and back, which cost 7% of
// the allocations of a build, for ASCII words it cannot change.
type widthFilter struct{ f analysis.TokenFilter }

func (w widthFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var some analysis.TokenStream
	for _, t := range in {
		if !isASCII(t.Term) && t.Type != analysis.Double {
			some = append(some, t)
		}
	}
	if len(some) > 0 {
		w.f.Filter(some) // rewrites the tokens in place
	}
	return in
}

// lowerFilter lower-cases terms in place, as bleve's lowercase filter
// does (Σ ending a word becomes ς), but moves the rest of the word when a
// capital's lower case is shorter: bleve's filter turned "İstanbul" into
// "i\xb0stanbu", so neither istanbul nor İstanbul found it. Spaceless
// bigrams (type Double) have no case, and overlap in the input, so they
// are left alone.
type lowerFilter struct{}

func (lowerFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if t.Type != analysis.Double {
			t.Term = toLower(t.Term)
		}
	}
	return in
}

// toLower lower-cases s, in place unless a lower case is longer than its
// capital (Ⱥ, Ⱦ), where the rest is copied.
func toLower(s []byte) []byte {
	j := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			s[j] = c
			i++
			j++
			continue
		}
		r, wid := utf8.DecodeRune(s[i:])
		l := unicode.ToLower(r)
		if l == r { // lower case already, or invalid UTF-8
			j += copy(s[j:], s[i:i+wid])
			i += wid
			continue
		}
		if l == 'σ' && i+wid == len(s) {
			l = 'ς'
		}
		if utf8.RuneLen(l) > wid {
			rest := bytes.ToLower(s[i:])
			out := make([]byte, j+len(rest))
			copy(out, s[:j])
			copy(out[j:], rest)
			return out
		}
		j += utf8.EncodeRune(s[j:], l)
		i += wid
	}
	return s[:j]
}

// foldFilter removes accents from alphabetic tokens and emoji presentation
// and skin-tone modifiers from symbol tokens, so that a query typed without
// them still matches.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if isASCII(t.Term) {
			continue
		}
		switch t.Type {
		case analysis.AlphaNumeric:
			t.Term = foldAccents(t.Term)
		case analysis.Single:
			t.Term = stripEmojiModifiers(t.Term)
		}
	}
	return in
}

// termCut keeps the first maxTermBytes of every term, cut on a character
// boundary. It runs after the case and accent folding, so that the cut
// falls alike in a word however it is capitalised. Offsets still span the
// whole word, which a highlight marks.
type termCut struct{}

func (termCut) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if len(t.Term) > maxTermBytes {
			n := maxTermBytes
			for n > maxTermBytes-utf8.UTFMax && !utf8.RuneStart(t.Term[n]) {
				n--
			}
			t.Term = t.Term[:n]
		}
	}
	return in
}

// isASCII reports whether s holds only ASCII bytes: the analyzer's
// filters skip such tokens, and phrase checks take shortcuts on such text.
func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldAccents decomposes, drops the combining marks readers omit
// (foldedMark) and recomposes, so hangul syllables survive while é
// becomes e.
func foldAccents(term []byte) []byte {
	d := norm.NFD.Bytes(term)
	out := d[:0]
	for len(d) > 0 {
		r, n := utf8.DecodeRune(d)
		if !foldedMark(r) {
			out = append(out, d[:n]...)
		}
		d = d[n:]
	}
	return norm.NFC.Bytes(out)
}

// foldedMark reports whether accent folding drops r: a nonspacing mark
// that readers leave out when they type, the diacritics of the alphabets
// (café, οδός, ёлка, phở), Hebrew points, Arabic harakat and hamza,
// Syriac vowels, and the nukta of Indic scripts (ज़ typed as ज). Other
// marks are spelling: Indic vowel signs and viramas (कुल is not कल),
// Thaana vowels, and the like.
func foldedMark(r rune) bool {
	if r < 0x0300 || !unicode.Is(unicode.Mn, r) {
		return false
	}
	switch {
	case r <= 0x036F, // Combining Diacritical Marks
		0x0483 <= r && r <= 0x0487,              // Cyrillic titlo
		0x0591 <= r && r <= 0x05C7,              // Hebrew points and accents
		0x0610 <= r && r <= 0x061A,              // Arabic honorifics
		0x064B <= r && r <= 0x065F, r == 0x0670, // Arabic harakat, hamza, superscript alef
		0x06D6 <= r && r <= 0x06ED,            // Quranic marks
		0x0730 <= r && r <= 0x074A,            // Syriac points
		0x08D3 <= r && r <= 0x08FF,            // Arabic Extended-A marks
		r == 0x093C, r == 0x09BC, r == 0x0A3C, // nukta: Devanagari, Bengali, Gurmukhi
		r == 0x0ABC, r == 0x0B3C, r == 0x0CBC, // Gujarati, Oriya, Kannada
		0x1AB0 <= r && r <= 0x1AFF, // Combining Diacritical Marks Extended
		0x1DC0 <= r && r <= 0x1DFF, // Combining Diacritical Marks Supplement
		0x20D0 <= r && r <= 0x20FF, // for symbols
		0xFE20 <= r && r <= 0xFE2F: // half marks
		return true
	}
	return false
}

// stripEmojiModifiers keeps a lone modifier as it is, so that searching
// for 🏽 itself still works.
func stripEmojiModifiers(term []byte) []byte {
	out := make([]byte, 0, len(term))
	for rest := term; len(rest) > 0; {
		r, n := utf8.DecodeRune(rest)
		if r != 0xFE0E && r != 0xFE0F && (r < 0x1F3FB || r > 0x1F3FF) {
			out = append(out, rest[:n]...)
		}
		rest = rest[n:]
	}
	if len(out) == 0 {
		return term
	}
	return out
}
