package index

import (
	"slices"

	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Two words in one message (`cash deposit`) are a lexicon's commonest
// rule after a word. Evaluated as an AND of two leaves, every posting of
// both words is read, and one of them is often frequent: at 1M messages a
// word like "that" has hundreds of thousands. Unscored (a count, a rule,
// a date order), the AND of plain words is a leapfrog join per segment
// instead, as phraseSeg's: the rarest word's postings are read, the
// others only advanced to them.

// andWords answers n when every operand is one plain word and nothing is
// scored, with ok set; otherwise it returns ok false and eval does the
// AND its usual way (which also reports a word's errors).
func (e *evaluator) andWords(n *andNode) (b bitset, ok bool, err error) {
	if e.scores != nil || len(n.kids) < 2 {
		return nil, false, nil
	}
	type word struct{ field, term string }
	words := make([]word, len(n.kids))
	for i, k := range n.kids {
		t, isText := k.(*textNode)
		if !isText || t.kind != textWord && t.kind != textPhrase {
			return nil, false, nil
		}
		terms := e.ix.analyze(t.value)
		if len(terms) != 1 || isCluster(terms[0]) {
			return nil, false, nil
		}
		words[i] = word{bleveText, terms[0]}
		if t.field == fieldSubject {
			words[i].field = bleveSubject
		}
	}
	b, err = e.perSegment(func(w segWork, out bitset, _ []float32) error {
		pls := make([]segment.PostingsList, len(words))
		for i, wd := range words {
			dict, err := w.seg.Dictionary(wd.field)
			if err != nil || dict == nil {
				return err
			}
			pl, err := dict.PostingsList([]byte(wd.term), nil, nil)
			if err != nil || pl == nil || pl.Count() == 0 {
				return err // a word absent from this segment: no match here
			}
			pls[i] = pl
		}
		slices.SortFunc(pls, func(a, b segment.PostingsList) int { return int(a.Count()) - int(b.Count()) })
		return leapfrog(pls, func(d uint64) {
			if o := w.ords[d]; o != noOrd {
				out.set(o)
			}
		})
	})
	return b, true, err
}

// leapfrog calls f with every document number in all of pls, ascending,
// reading the first list (the shortest, for speed) and advancing the
// others.
func leapfrog(pls []segment.PostingsList, f func(uint64)) error {
	its := make([]segment.PostingsIterator, len(pls))
	for i, pl := range pls {
		its[i] = pl.Iterator(false, false, false, nil)
	}
	cur := make([]segment.Posting, len(its))
	var err error
	if cur[0], err = its[0].Next(); err != nil || cur[0] == nil {
		return err
	}
	target := cur[0].Number()
	for {
		agreed := true
		for i := 1; i < len(its); i++ {
			if cur[i] != nil && cur[i].Number() >= target {
				if cur[i].Number() > target {
					target, agreed = cur[i].Number(), false
					break
				}
				continue
			}
			if cur[i], err = its[i].Advance(target); err != nil || cur[i] == nil {
				return err
			}
			if n := cur[i].Number(); n != target {
				target, agreed = n, false
				break
			}
		}
		if agreed {
			f(target)
			target++
		}
		if cur[0].Number() < target {
			if cur[0], err = its[0].Advance(target); err != nil || cur[0] == nil {
				return err
			}
		}
		target = cur[0].Number()
	}
}
