package index

import (
	"errors"
	"math"
	"sync"

	bindex "github.com/blevesearch/bleve_index_api"
)

// Phrases, prefixes and fuzzy words are evaluated here rather than by
// bleve's searchers, straight from term dictionaries and postings into a
// bitset. bleve merges the expansions of a prefix through a scoring
// disjunction and builds a location map per candidate of a phrase; at 100k
// messages that took 260 ms for cha* and 300 ms for "the the", against a
// few milliseconds here. Hits score by occurrences (sqrt of the count),
// which keeps relevance order meaningful without bleve's tf-idf.

// perShard runs f on every shard in parallel, each filling its own bitset
// (shards hold disjoint ordinals, so scores never collide), and ORs them.
func (e *evaluator) perShard(f func(v *view, out bitset, scores []float32) error) (bitset, error) {
	ix := e.ix
	if len(e.views) == 0 { // nothing indexed yet
		return newBitset(len(ix.msgs)), nil
	}
	parts := make([]bitset, len(e.views))
	errs := make([]error, len(e.views))
	var wg sync.WaitGroup
	for si, s := range e.views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[si] = newBitset(len(ix.msgs))
			errs[si] = f(s, parts[si], e.scores)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out.or(p)
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
	switch {
	case n.kind == textPrefix || (n.kind == textFuzzy && n.fuzz > 0):
		if len(terms) != 1 {
			return nil, &leafError{n, errors.New("prefix and fuzzy searches take a single word")}
		}
		return e.perShard(func(s *view, out bitset, scores []float32) error {
			var dict bindex.FieldDict
			var err error
			if n.kind == textPrefix {
				dict, err = s.reader.FieldDictPrefix(field, []byte(terms[0]))
			} else {
				fr, ok := s.reader.(bindex.IndexReaderFuzzy)
				if !ok {
					return errors.New("index: bleve reader cannot do fuzzy matching")
				}
				dict, err = fr.FieldDictFuzzy(field, terms[0], n.fuzz, "")
			}
			if err != nil {
				return err
			}
			defer dict.Close()
			for {
				de, err := dict.Next()
				if err != nil {
					return err
				}
				if de == nil {
					return nil
				}
				if err := e.postings(s, field, de.Term, out, scores); err != nil {
					return err
				}
			}
		})
	case len(terms) == 1 || (n.kind == textFuzzy && n.fuzz == 0):
		return e.perShard(func(s *view, out bitset, scores []float32) error {
			return e.postings(s, field, terms[0], out, scores)
		})
	}
	return e.perShard(func(s *view, out bitset, scores []float32) error {
		return e.phrase(s, field, terms, out, scores)
	})
}

// postings adds every document containing term to out.
func (e *evaluator) postings(s *view, field, term string, out bitset, scores []float32) error {
	r, err := s.reader.TermFieldReader(e.ctx, []byte(term), field, scores != nil, false, false)
	if err != nil {
		return err
	}
	defer r.Close()
	var d bindex.TermFieldDoc
	for i := 0; ; i++ {
		if i&4095 == 4095 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		doc, err := r.Next(&d)
		if err != nil || doc == nil {
			return err
		}
		o := s.ords[doc.ID.Value()]
		out.set(o)
		if scores != nil {
			scores[o] += float32(math.Sqrt(float64(doc.Freq)))
		}
	}
}

// phrase finds documents where terms occur at consecutive positions:
// a leapfrog join on document numbers, then a merge of positions.
func (e *evaluator) phrase(s *view, field string, terms []string, out bitset, scores []float32) error {
	rs := make([]bindex.TermFieldReader, len(terms))
	docs := make([]bindex.TermFieldDoc, len(terms))
	defer func() {
		for _, r := range rs {
			if r != nil {
				r.Close()
			}
		}
	}()
	for i, t := range terms {
		r, err := s.reader.TermFieldReader(e.ctx, []byte(t), field, false, false, true)
		if err != nil {
			return err
		}
		rs[i] = r
	}
	cur := make([]*bindex.TermFieldDoc, len(terms))
	var err error
	if cur[0], err = rs[0].Next(&docs[0]); err != nil || cur[0] == nil {
		return err
	}
	target := cur[0].ID.Value()
	for iter := 0; ; iter++ {
		if iter&4095 == 4095 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		// Bring every reader to the first document >= target.
		agreed := true
		for i := range rs {
			if cur[i] != nil && cur[i].ID.Value() == target {
				continue
			}
			id := bindex.NewIndexInternalID(nil, target)
			if cur[i], err = rs[i].Advance(id, &docs[i]); err != nil || cur[i] == nil {
				return err
			}
			if v := cur[i].ID.Value(); v != target {
				target, agreed = v, false
				break
			}
		}
		if !agreed {
			continue
		}
		if n := phraseCount(cur); n > 0 {
			o := s.ords[target]
			out.set(o)
			if scores != nil {
				scores[o] += float32(math.Sqrt(float64(n)))
			}
		}
		if cur[0], err = rs[0].Next(&docs[0]); err != nil || cur[0] == nil {
			return err
		}
		target = cur[0].ID.Value()
	}
}

// phraseCount counts the positions p of the first term such that term k
// occurs at p+k for every k. Term vectors are in position order.
func phraseCount(cur []*bindex.TermFieldDoc) int {
	n := 0
	idx := make([]int, len(cur))
outer:
	for _, v0 := range cur[0].Vectors {
		p := v0.Pos
		for k := 1; k < len(cur); k++ {
			vs := cur[k].Vectors
			j := idx[k]
			for j < len(vs) && vs[j].Pos < p+uint64(k) {
				j++
			}
			idx[k] = j
			if j == len(vs) {
				break outer
			}
			if vs[j].Pos != p+uint64(k) {
				continue outer
			}
		}
		n++
	}
	return n
}
