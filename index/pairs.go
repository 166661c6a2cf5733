package index

import (
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Phrases of common words ("and that", "the the") are the slow case of a
// positional index: nearly every message holds both words, so a phrase
// search decodes the positions of most of the index (20-30 ms at 100k
// messages, ten times that at a million). The standard remedy, as in
// Lucene's CommonGrams, is to index each adjacent pair of common words as
// one extra term of the text field (at the first word's position, never
// seen by the highlighter): "and that" is then one posting list read, and
// longer phrases use the pairs to skip most candidates before checking
// positions. Only words in 5% of messages or more count as common: pairs
// of rarer words cost build time without saving much query time (the
// leapfrog join skips most of their postings anyway).
//
// Common words are the most frequent terms of a sample of the messages
// being indexed, so this adapts to any language without a stop list.

const (
	pairSample     = 5000 // messages sampled to find the common words
	pairMaxCommon  = 100  // at most this many common words
	pairMinPercent = 5    // a common word is in at least 5% of sampled messages
	pairSep        = "\x00"
)

// commonWords returns the terms of the sample that occur in at least
// pairMinPercent of its messages, most frequent first.
func (ix *Index) commonWords() map[string]bool {
	df, sampled := ix.sampleDF()
	if df == nil {
		return nil
	}
	var terms []string
	for t, c := range df {
		if c*100 >= sampled*pairMinPercent && c >= 3 {
			terms = append(terms, t)
		}
	}
	sortByDF(terms, df)
	if len(terms) > pairMaxCommon {
		terms = terms[:pairMaxCommon]
	}
	common := make(map[string]bool, len(terms))
	for _, t := range terms {
		common[t] = true
	}
	return common
}

// sampleDF counts, for each term of a sample of about pairSample
// messages spread over the index, the sampled messages holding it.
func (ix *Index) sampleDF() (df map[string]int, sampled int) {
	n := ix.numTexts()
	if n == 0 {
		return nil, 0
	}
	step := max(1, n/pairSample)
	df = map[string]int{}
	seen := map[string]bool{}
	var text []byte // the analyzer rewrites it in place
	for o := 0; o < n; o += step {
		text = ix.appendTextOf(text[:0], uint32(o), bleveText)
		clear(seen)
		for _, t := range ix.analyzer.Analyze(text) {
			seen[string(t.Term)] = true
		}
		for t := range seen {
			df[t]++
		}
		sampled++
	}
	return df, sampled
}

// sortByDF sorts terms by descending df, ties in byte order, so that a
// cut at a count keeps the same words on every run.
func sortByDF(terms []string, df map[string]int) {
	slices.SortFunc(terms, func(a, b string) int {
		if df[a] != df[b] {
			return df[b] - df[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
}

// pairFilter appends to a token stream one token per pair of adjacent
// common words.
type pairFilter struct{ common map[string]bool }

func (f pairFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in
	for i := 1; i < len(in); i++ {
		a, b := in[i-1], in[i]
		if b.Position == a.Position+1 && f.common[string(a.Term)] && f.common[string(b.Term)] {
			term := make([]byte, 0, len(a.Term)+1+len(b.Term))
			term = append(append(append(term, a.Term...), pairSep...), b.Term...)
			out = append(out, &analysis.Token{Term: term, Start: a.Start, End: b.End, Position: a.Position, Type: analysis.Shingle})
		}
	}
	return out
}

// newPairAnalyzer is the analyzer the text field is indexed with: the
// text analyzer plus common-word pairs.
func newPairAnalyzer(common map[string]bool) analysis.Analyzer {
	a := newAnalyzer().(*analysis.DefaultAnalyzer)
	return &analysis.DefaultAnalyzer{
		Tokenizer:    a.Tokenizer,
		TokenFilters: append(slices.Clone(a.TokenFilters), pairFilter{common}),
	}
}

// phrasePairs returns the pair terms of adjacent common words in terms.
func phrasePairs(common map[string]bool, terms []string) []string {
	var out []string
	for i := 1; i < len(terms); i++ {
		if common[terms[i-1]] && common[terms[i]] {
			out = append(out, terms[i-1]+pairSep+terms[i])
		}
	}
	return out
}
