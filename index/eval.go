package index

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// evaluator turns an AST into the set of matching ordinals. Full-text
// parts go to bleve, as few searches as possible (a run of words becomes
// one conjunction, which bleve evaluates by skipping through postings);
// everything else is answered from the in-memory tables.
type evaluator struct {
	ix     *Index
	ctx    context.Context
	scores []float32 // by ordinal; nil when the caller sorts by date
	views  []*view   // one per shard with documents, fixed for the search
}

var errNoTerms = errors.New("no searchable characters")

// queryErr attaches a column to an error found while compiling a leaf.
func queryErr(src string, off int, err error) error {
	var qe *QueryError
	if errors.As(err, &qe) {
		return err
	}
	p := parser{src: src}
	return p.errAt(off, err.Error())
}

func (e *evaluator) universe() bitset {
	b := newBitset(len(e.ix.msgs))
	b.fill(len(e.ix.msgs))
	return b
}

func (e *evaluator) eval(n node) (bitset, error) {
	if q, err := e.textQuery(n); err != nil || q != nil {
		if err != nil {
			return nil, err
		}
		return e.bleve(q, e.scores != nil)
	}
	switch n := n.(type) {
	case *textNode:
		return e.customLeaf(n)
	case *allNode:
		return e.universe(), nil
	case *notNode:
		b := e.universe()
		k, err := e.evalNeg(n.kid)
		if err != nil {
			return nil, err
		}
		b.andNot(k)
		return b, nil
	case *andNode:
		return e.evalAnd(n)
	case *orNode:
		var texts []query.Query
		var out bitset
		for _, k := range n.kids {
			q, err := e.textQuery(k)
			if err != nil {
				return nil, err
			}
			if q != nil {
				texts = append(texts, q)
				continue
			}
			b, err := e.eval(k)
			if err != nil {
				return nil, err
			}
			out = orInto(out, b)
		}
		if len(texts) > 0 {
			b, err := e.bleve(query.NewDisjunctionQuery(texts), e.scores != nil)
			if err != nil {
				return nil, err
			}
			out = orInto(out, b)
		}
		return out, nil
	case *fieldNode:
		return e.ix.evalField(n), nil
	case *dateNode:
		b := newBitset(len(e.ix.msgs))
		lo := sort.Search(len(e.ix.unix), func(i int) bool { return e.ix.unix[i] >= n.from })
		hi := sort.Search(len(e.ix.unix), func(i int) bool { return e.ix.unix[i] >= n.to })
		b.setRange(lo, hi)
		return b, nil
	}
	panic("index: unknown query node") // unreachable: the parser makes only the nodes above
}

// evalNeg evaluates the operand of a NOT, without scoring it.
func (e *evaluator) evalNeg(n node) (bitset, error) {
	saved := e.scores
	e.scores = nil
	defer func() { e.scores = saved }()
	return e.eval(n)
}

func orInto(acc, b bitset) bitset {
	if acc == nil {
		return b
	}
	acc.or(b)
	return acc
}

func (e *evaluator) evalAnd(n *andNode) (bitset, error) {
	var pos, neg []query.Query
	var others []node
	for _, k := range n.kids {
		inner, negated := k, false
		if nn, ok := k.(*notNode); ok {
			inner, negated = nn.kid, true
		}
		q, err := e.textQuery(inner)
		if err != nil {
			return nil, err
		}
		switch {
		case q != nil && negated:
			neg = append(neg, q)
		case q != nil:
			pos = append(pos, q)
		default:
			others = append(others, k)
		}
	}
	var out bitset
	if len(pos) > 0 {
		var q query.Query
		if len(pos) == 1 && len(neg) == 0 {
			q = pos[0]
		} else {
			q = query.NewBooleanQuery(pos, nil, neg)
		}
		b, err := e.bleve(q, e.scores != nil)
		if err != nil {
			return nil, err
		}
		out = b
	} else if len(neg) > 0 {
		b, err := e.bleve(query.NewDisjunctionQuery(neg), false)
		if err != nil {
			return nil, err
		}
		out = e.universe()
		out.andNot(b)
	}
	// Positive metadata filters first, then exclusions.
	for _, k := range others {
		if _, ok := k.(*notNode); ok {
			continue
		}
		b, err := e.eval(k)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = b
		} else {
			out.and(b)
		}
	}
	for _, k := range others {
		nn, ok := k.(*notNode)
		if !ok {
			continue
		}
		if out == nil {
			out = e.universe()
		}
		b, err := e.evalNeg(nn.kid)
		if err != nil {
			return nil, err
		}
		out.andNot(b)
	}
	return out, nil
}

// textQuery returns the bleve query of n when n is full text only (words,
// phrases, AND and OR of them with at least one positive part), nil when
// some of it must be evaluated in memory.
func (e *evaluator) textQuery(n node) (query.Query, error) {
	switch n := n.(type) {
	case *textNode:
		if n.kind != textWord && n.kind != textPhrase {
			return nil, nil
		}
		terms := e.ix.analyze(n.value)
		if len(terms) == 0 {
			return nil, &leafError{n, errNoTerms}
		}
		if len(terms) != 1 {
			return nil, nil // a phrase: see customLeaf
		}
		q := query.NewTermQuery(terms[0])
		q.SetField(bleveText)
		if n.field == fieldSubject {
			q.SetField(bleveSubject)
		}
		return q, nil
	case *andNode:
		var pos, neg []query.Query
		for _, k := range n.kids {
			inner, negated := k, false
			if nn, ok := k.(*notNode); ok {
				inner, negated = nn.kid, true
			}
			q, err := e.textQuery(inner)
			if q == nil || err != nil {
				return nil, err
			}
			if negated {
				neg = append(neg, q)
			} else {
				pos = append(pos, q)
			}
		}
		if len(pos) == 0 {
			return nil, nil
		}
		return query.NewBooleanQuery(pos, nil, neg), nil
	case *orNode:
		qs := make([]query.Query, 0, len(n.kids))
		for _, k := range n.kids {
			q, err := e.textQuery(k)
			if q == nil || err != nil {
				return nil, err
			}
			qs = append(qs, q)
		}
		return query.NewDisjunctionQuery(qs), nil
	}
	return nil, nil
}

// analyze returns the terms of s as the index sees them.
func (ix *Index) analyze(s string) []string { return ix.words(s) }

// leafError carries the leaf whose compilation failed, so Search can
// report its column.
type leafError struct {
	n   *textNode
	err error
}

func (e *leafError) Error() string { return e.err.Error() }

// bleve runs q on every shard in parallel and returns the ordinals it
// matches, adding scores into e.scores when score is set.
func (e *evaluator) bleve(q query.Query, score bool) (bitset, error) {
	mode := "none"
	if score {
		mode = "" // bleve's default tf-idf
	}
	return e.perShard(func(v *view, out bitset, scores []float32) error {
		if !score {
			scores = nil
		}
		return e.searchShard(v, q, mode, out, scores)
	})
}

func (e *evaluator) searchShard(v *view, q query.Query, mode string, b bitset, scores []float32) error {
	sr, err := q.Searcher(e.ctx, v.reader, e.ix.mapping, search.SearcherOptions{Score: mode})
	if err != nil {
		return err
	}
	defer sr.Close()
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0),
		IndexReader:       v.reader,
	}
	for i := 0; ; i++ {
		if i&4095 == 0 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := sr.Next(sctx)
		if err != nil || dm == nil {
			return err
		}
		o := v.ords[dm.IndexInternalID.Value()]
		b.set(o)
		if scores != nil {
			// Shards hold disjoint ordinals, so they never write the
			// same element.
			scores[o] += float32(dm.Score)
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

// evalField answers a metadata field from memory.
func (ix *Index) evalField(n *fieldNode) bitset {
	b := newBitset(len(ix.msgs))
	want := ix.analyze(n.value)
	match := func(words []string) bool { return matchWords(words, want, n.prefix) }
	switch n.field {
	case "from":
		ok := make([]bool, len(ix.senders))
		for i, p := range ix.senders {
			ok[i] = match(p.words)
		}
		for o, s := range ix.sender {
			if ok[s] {
				b.set(uint32(o))
			}
		}
	case "to":
		ok := make([]bool, len(ix.convs))
		found := false
		for i, c := range ix.convs {
			for _, w := range c.memWords {
				if match(w) {
					ok[i], found = true, true
					break
				}
			}
		}
		if found {
			for o, c := range ix.conv {
				if ok[c] {
					b.set(uint32(o))
				}
			}
		}
		okAddr := make([]bool, len(ix.addrs))
		for i, a := range ix.addrs {
			okAddr[i] = match(a.words)
		}
		for _, p := range ix.toPairs {
			if okAddr[p.val] {
				b.set(p.ord)
			}
		}
	case "in":
		ok := make([]bool, len(ix.convs))
		for i, c := range ix.convs {
			ok[i] = strings.EqualFold(c.id, n.value) || match(c.words)
		}
		for o, c := range ix.conv {
			if ok[c] {
				b.set(uint32(o))
			}
		}
	case "source":
		v := strings.ToLower(n.value)
		ok := make([]bool, len(ix.sources))
		for i, s := range ix.sources {
			ok[i] = s == v || (n.prefix && strings.HasPrefix(s, v))
		}
		for o, s := range ix.source {
			if ok[s] {
				b.set(uint32(o))
			}
		}
	case "tag":
		v := strings.ToLower(n.value)
		ix.tags.mu.RLock()
		for name, set := range ix.tags.sets {
			l := strings.ToLower(name)
			if l == v || (n.prefix && strings.HasPrefix(l, v)) {
				it := set.Iterator()
				for it.HasNext() {
					b.set(it.Next())
				}
			}
		}
		ix.tags.mu.RUnlock()
	case "has":
		copy(b, ix.attach)
	case "attachment":
		for _, a := range ix.attachNames {
			if strings.EqualFold(a.name, n.value) || match(a.words) {
				b.set(a.ord)
			}
		}
	case "id":
		v := strings.ToLower(n.value)
		if !n.prefix {
			if o, ok := ix.byID[v]; ok {
				b.set(o)
			}
			break
		}
		for o, m := range ix.msgs {
			if strings.HasPrefix(m.ID, v) {
				b.set(uint32(o))
			}
		}
	}
	return b
}

// matchWords reports whether want occurs as a run of whole words in have;
// with prefix, its last word need only begin a word.
func matchWords(have, want []string, prefix bool) bool {
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for j, w := range want {
			h := have[i+j]
			if j == len(want)-1 && prefix {
				ok = strings.HasPrefix(h, w)
			} else {
				ok = h == w
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

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
