package index

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"

	"coffer/vault"
)

// Phrases, prefixes and fuzzy words are evaluated segment by segment,
// straight from zap term dictionaries and postings into a bitset, with
// both cores pulling segments from one queue. bleve's searchers merge the
// expansions of a prefix through a scoring disjunction across every
// segment and build a location map per phrase candidate: at 100k
// messages cha* took 260 ms and "the the" 300 ms that way. Hits score by
// tf-idf, computed per segment (see drain).

// levBuilders are the Levenshtein automaton builders for distances 1 and
// 2 (with transpositions, as bleve's own). They are immutable once built,
// and building them takes a while, so they are made once, on first use.
var levBuilders = sync.OnceValues(func() ([2]*levenshtein.LevenshteinAutomatonBuilder, error) {
	var b [2]*levenshtein.LevenshteinAutomatonBuilder
	var err error
	for d := range b {
		if b[d], err = levenshtein.NewLevenshteinAutomatonBuilder(uint8(d+1), true); err != nil {
			return b, err
		}
	}
	return b, nil
})

type segWork struct {
	seg    segment.Segment
	ords   []uint32        // local document number -> ordinal
	common map[string]bool // the common words its pairs were built with
}

// perSegment runs f on every segment of every shard, on as many
// goroutines as there are shards, each OR-ing into its own bitset.
// Segments hold disjoint ordinals, so scores never collide.
func (e *evaluator) perSegment(f func(w segWork, out bitset, scores []float32) error) (bitset, error) {
	var work []segWork
	for _, v := range e.views {
		for i, s := range v.segs {
			work = append(work, segWork{s, v.segOrds[i], v.common[i]})
		}
	}
	workers := max(1, min(len(e.ix.shards), len(work)))
	parts := make([]bitset, workers)
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wi := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[wi] = e.ix.getBitset()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(work) {
					return
				}
				if err := e.ctx.Err(); err != nil {
					errs[wi] = err
					return
				}
				if err := f(work[i], parts[wi], e.scores); err != nil {
					errs[wi] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out.or(p)
		e.ix.putBitset(p)
	}
	return out, nil
}

// customLeaf evaluates a phrase (or a word the analyzer splits), a prefix
// or a fuzzy word.
func (e *evaluator) customLeaf(n *textNode) (bitset, error) {
	field := bleveText
	if n.field == fieldSubject {
		field = bleveSubject
	}
	terms := e.ix.analyze(n.value)
	if len(terms) == 0 {
		return nil, &leafError{n, errNoTerms}
	}
	if (n.kind == textPrefix || n.kind == textFuzzy) && len(terms) != 1 {
		return nil, &leafError{n, errors.New("prefix and fuzzy searches take a single word")}
	}
	switch {
	case n.kind == textPrefix:
		start := []byte(terms[0])
		end := prefixEnd(start)
		return e.perSegment(func(w segWork, out bitset, scores []float32) error {
			return expand(w, field, &vellum.AlwaysMatch{}, start, end, nil, out, scores)
		})
	case n.kind == textFuzzy && n.fuzz > 0:
		lbs, err := levBuilders()
		if err != nil {
			return nil, err
		}
		dfa, err := lbs[n.fuzz-1].BuildDfa(terms[0], uint8(n.fuzz))
		if err != nil {
			return nil, err
		}
		return e.perSegment(func(w segWork, out bitset, scores []float32) error {
			return expand(w, field, dfa, nil, nil, nil, out, scores)
		})
	case len(terms) == 1:
		return e.termPostings(field, terms[0])
	}
	return e.perSegment(func(w segWork, out bitset, scores []float32) error {
		var pairs []string
		if field == bleveText {
			pairs = phrasePairs(w.common, terms)
		}
		if len(terms) == 2 && len(pairs) == 1 {
			// Two common words: the pair's postings are the answer.
			return postingsInto(w, bleveText, []byte(pairs[0]), out, scores)
		}
		// Otherwise documents holding every pair are the only candidates.
		var mask bitset // by local document number
		for _, p := range pairs {
			b, err := localPostings(w, []byte(p))
			if err != nil {
				return err
			}
			if mask == nil {
				mask = b
			} else {
				mask.and(b)
			}
		}
		return phraseSeg(w, e.ix.analyzer, field, terms, e.ix.withMsg, mask, e.within, out, scores)
	})
}

// termPostings returns the messages whose field holds an analysed term.
func (e *evaluator) termPostings(field, term string) (bitset, error) {
	if isCluster(term) {
		// One cluster of a spaceless script: the index holds it only in
		// the bigrams of the runs it is part of.
		keep := func(t string) bool { return holdsCluster(t, term) }
		return e.perSegment(func(w segWork, out bitset, scores []float32) error {
			for _, r := range spacelessTermRanges {
				if err := expand(w, field, &vellum.AlwaysMatch{}, []byte(r[0]), []byte(r[1]), keep, out, scores); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return e.perSegment(func(w segWork, out bitset, scores []float32) error {
		return postingsInto(w, field, []byte(term), out, scores)
	})
}

// localPostings returns the segment's documents containing a text term,
// by local document number.
func localPostings(w segWork, term []byte) (bitset, error) {
	b := newBitset(int(w.seg.Count()))
	dict, err := w.seg.Dictionary(bleveText)
	if err != nil || dict == nil {
		return b, err
	}
	pl, err := dict.PostingsList(term, nil, nil)
	if err != nil || pl == nil {
		return b, err
	}
	it := pl.Iterator(false, false, false, nil)
	for {
		p, err := it.Next()
		if err != nil || p == nil {
			return b, err
		}
		b.set(uint32(p.Number()))
	}
}

// prefixEnd is the smallest key greater than every key starting with p,
// or nil when there is none.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// expand ORs the postings of every term of the segment's dictionary that
// a accepts within [start, end), and keep too if it is not nil.
func expand(w segWork, field string, a segment.Automaton, start, end []byte, keep func(string) bool, out bitset, scores []float32) error {
	dict, err := w.seg.Dictionary(field)
	if err != nil || dict == nil {
		return err
	}
	// zap's plain iterator reads each term's postings to count them, which
	// expand does not use and then reads again: skip that where it can.
	var it segment.DictionaryIterator
	if oc, ok := dict.(interface {
		AutomatonIteratorOmitCount(segment.Automaton, []byte, []byte) segment.DictionaryIterator
	}); ok {
		it = oc.AutomatonIteratorOmitCount(a, start, end)
	} else {
		it = dict.AutomatonIterator(a, start, end)
	}
	// Hits are gathered by local document number first, then mapped to
	// ordinals once each: a prefix's words share documents, and ordinals
	// of one segment are scattered over the whole index (time order), so
	// writing each posting straight to out and scores was a cache miss
	// per posting (most of the time of a 3-letter prefix at 1M).
	sc := getScratch(int(w.seg.Count()))
	defer putScratch(sc)
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	for {
		de, err := it.Next()
		if err != nil || de == nil {
			if errors.Is(err, vellum.ErrIteratorDone) {
				err = nil
			}
			if err != nil {
				return err
			}
			break
		}
		if strings.Contains(de.Term, pairSep) {
			continue // a common-word pair (pairs.go), not a word
		}
		if keep != nil && !keep(de.Term) {
			continue
		}
		if pl, err = dict.PostingsList([]byte(de.Term), nil, pl); err != nil {
			return err
		}
		pi = pl.Iterator(scores != nil, scores != nil, false, pi)
		f := idf(w.seg, pl)
		for {
			p, err := pi.Next()
			if err != nil {
				return err
			}
			if p == nil {
				break
			}
			d := p.Number()
			sc.hit.set(uint32(d))
			if scores != nil {
				sc.score[d] += float32(f * math.Sqrt(float64(p.Frequency())) * p.Norm())
			}
		}
	}
	for d := range sc.hit.each {
		if o := w.ords[d]; o != noOrd {
			out.set(o)
			if scores != nil {
				scores[o] += sc.score[d]
			}
		}
	}
	return nil
}

// scratch is per-segment working space for expand.
type scratch struct {
	hit   bitset
	score []float32
}

var scratchPool sync.Pool

// getScratch returns zeroed space for n documents. Pooled space is all
// zero, up to its capacity.
func getScratch(n int) *scratch {
	sc, _ := scratchPool.Get().(*scratch)
	if sc == nil || cap(sc.score) < n {
		return &scratch{hit: newBitset(n), score: make([]float32, n)}
	}
	sc.hit, sc.score = sc.hit[:(n+63)/64], sc.score[:n]
	return sc
}

func putScratch(sc *scratch) {
	clear(sc.hit)
	clear(sc.score)
	scratchPool.Put(sc)
}

func postingsInto(w segWork, field string, term []byte, out bitset, scores []float32) error {
	dict, err := w.seg.Dictionary(field)
	if err != nil || dict == nil {
		return err
	}
	pl, err := dict.PostingsList(term, nil, nil)
	if err != nil || pl == nil {
		return err
	}
	return drain(pl.Iterator(scores != nil, scores != nil, false, nil), idf(w.seg, pl), w.ords, out, scores)
}

// idf is the inverse document frequency of a posting list within its
// segment. Segments are large samples of the same archive, so a
// segment's idf stands in for the global one without a second pass.
func idf(seg segment.Segment, pl segment.PostingsList) float64 {
	return 1 + math.Log(float64(seg.Count())/float64(pl.Count()+1))
}

// drain adds the documents of a postings iterator to out, scoring them
// like classic tf-idf: idf * sqrt(term frequency) * field-length norm.
func drain(pi segment.PostingsIterator, idf float64, ords []uint32, out bitset, scores []float32) error {
	for {
		p, err := pi.Next()
		if err != nil || p == nil {
			return err
		}
		o := ords[p.Number()]
		if o == noOrd {
			continue
		}
		out.set(o)
		if scores != nil {
			scores[o] += float32(idf * math.Sqrt(float64(p.Frequency())) * p.Norm())
		}
	}
}

// phraseSeg finds the segment's documents that hold every word of the
// phrase (a leapfrog join on document numbers), then checks each against
// the message text (phrase.go).
//
// A non-nil mask holds the only candidates worth checking (documents that
// contain the phrase's common-word pairs), by local document number; a
// non-nil within, the only ordinals the query can still match.
func phraseSeg(w segWork, an analysis.Analyzer, field string, terms []string, withMsg func(uint32, func(*vault.Message)), mask, within, out bitset, scores []float32) error {
	dict, err := w.seg.Dictionary(field)
	if err != nil || dict == nil {
		return err
	}
	pls := make([]segment.PostingsList, len(terms))
	weight, rarest := 0.0, 0 // the idf of the phrase's rarest word, and which
	for i, t := range terms {
		pl, err := dict.PostingsList([]byte(t), nil, nil)
		if err != nil {
			return err
		}
		if pl == nil || pl.Count() == 0 {
			return nil // a term absent from this segment: no phrase here
		}
		pls[i] = pl
		if f := idf(w.seg, pl); f > weight {
			weight, rarest = f, i
		}
	}
	c := newPhraseChecker(an, field, terms, rarest)
	return leapfrog(pls, func(d uint64) {
		if (mask != nil && !mask.has(uint32(d))) || w.ords[d] == noOrd || (within != nil && !within.has(w.ords[d])) {
			return
		}
		o := w.ords[d]
		n := 0
		withMsg(o, func(m *vault.Message) { n = c.count(m) })
		if n > 0 {
			out.set(o)
			if scores != nil {
				scores[o] += float32(weight * math.Sqrt(float64(n)))
			}
		}
	})
}
