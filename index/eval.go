package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// evaluator turns an AST into the set of matching ordinals. Full-text
// leaves are read from the zap segments bleve built (segleaf.go);
// everything else is answered from the in-memory tables; AND, OR and NOT
// are bitset operations. bleve's own searchers are not used: they return
// hits one DocumentMatch at a time, with tf-idf and a heap per query, and
// with scorch's segment merging per term; reading postings straight into a
// bitset on both cores was 2-10x faster at a million messages.
type evaluator struct {
	ix     *Index
	ctx    context.Context
	scores []float32 // by ordinal; nil when the caller sorts by date
	views  []*view   // one per shard with documents, fixed for the search
	// within, when not nil, holds every ordinal the query can still
	// match: an AND sets it to what its other operands allow, and phrase
	// leaves check only candidates in it (checking is their cost).
	within bitset
	// memo, when not nil, keeps leaves that several rules share (Rules).
	memo *leafMemo
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
	b := e.ix.getBitset()
	b.fill(e.ix.n)
	return b
}

func (e *evaluator) eval(n node) (bitset, error) {
	switch n := n.(type) {
	case *textNode:
		if n.kind == textSloppy {
			return e.evalSloppy(n)
		}
		if e.memo != nil {
			return e.memo.leaf(e, n)
		}
		return e.customLeaf(n)
	case *nearNode:
		return e.evalNear(n)
	case *allNode:
		return e.universe(), nil
	case *notNode:
		b := e.universe()
		k, err := e.evalNeg(n.kid)
		if err != nil {
			return nil, err
		}
		b.andNot(k)
		e.ix.putBitset(k)
		return b, nil
	case *andNode:
		return e.evalAnd(n)
	case *orNode:
		var out bitset
		for _, k := range n.kids {
			b, err := e.eval(k)
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = b
			} else {
				out.or(b)
				e.ix.putBitset(b)
			}
		}
		return out, nil
	case *fieldNode:
		return e.ix.evalField(n), nil
	case *dateNode:
		b := e.ix.getBitset()
		lo := sort.Search(len(e.ix.unix), func(i int) bool { return e.ix.unix[i] >= n.from })
		hi := sort.Search(len(e.ix.unix), func(i int) bool { return e.ix.unix[i] >= n.to })
		if n.unknown {
			hi = len(e.ix.unix)
		}
		b.setRange(lo, hi)
		return b, nil
	}
	return nil, fmt.Errorf("index: unknown query node %T", n) // the parser makes only the nodes above
}

// evalNeg evaluates the operand of a NOT, without scoring it.
func (e *evaluator) evalNeg(n node) (bitset, error) {
	saved := e.scores
	e.scores = nil
	defer func() { e.scores = saved }()
	return e.eval(n)
}

// evalAnd intersects the positive operands, then removes the negated ones
// (from everything, when there is no positive operand).
//
// Phrases go last, checking only the candidates the other operands leave
// (e.within): `from:ann "ありがとう"` checks Ann's messages, not every
// message holding the phrase's bigrams.
func (e *evaluator) evalAnd(n *andNode) (bitset, error) {
	if b, ok, err := e.andWords(n); ok {
		return b, err
	}
	var out bitset
	outer := e.within
	var mine bitset // the within this AND sets, if any
	defer func() {
		e.within = outer
		if mine != nil {
			e.ix.putBitset(mine)
		}
	}()
	for _, phrases := range []bool{false, true} {
		for _, k := range n.kids {
			if _, neg := k.(*notNode); neg || e.isPhrase(k) != phrases {
				continue
			}
			if phrases && out != nil && mine == nil {
				mine = e.ix.getBitset()
				copy(mine, out)
				if outer != nil {
					mine.and(outer)
				}
				e.within = mine
			}
			b, err := e.eval(k)
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = b
			} else {
				out.and(b)
				e.ix.putBitset(b)
			}
		}
	}
	for _, k := range n.kids {
		nn, neg := k.(*notNode)
		if !neg {
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
		e.ix.putBitset(b)
	}
	return out, nil
}

// isPhrase reports whether n is answered by checking candidates: a
// phrase, a word the analyzer splits, or a proximity query.
func (e *evaluator) isPhrase(n node) bool {
	if _, ok := n.(*nearNode); ok {
		return true
	}
	t, ok := n.(*textNode)
	return ok && (t.kind == textSloppy || (t.kind == textPhrase || t.kind == textWord) && len(e.ix.analyze(t.value)) > 1)
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

// evalField answers a metadata field from memory.
func (ix *Index) evalField(n *fieldNode) bitset {
	ix.wordsOnce.Do(ix.fillWords)
	b := ix.getBitset()
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
			if o, ok := ix.ord(v); ok {
				b.set(o)
			}
			break
		}
		for o := range uint32(ix.n) {
			if strings.HasPrefix(ix.id(o), v) {
				b.set(o)
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
