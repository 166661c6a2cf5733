package index

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Proximity queries: `a NEAR/n b` and `"a b"~n`, for lexicon rules such
// as `(insider OR "non-public") NEAR/5 (trade OR buy)` (issue 13).
//
// Like phrases (phrase.go) they are answered without positions stored in
// the index: the index finds the messages holding every operand, and each
// candidate is checked against its text, analysed as the index analyses
// it (nearcheck.go), or, when every word of the query is a frequent one,
// against the positions of the frequent words, kept in memory once a
// query needs them (nearpos.go). The rules are in doc.go.

const (
	// defaultNear is the distance of a bare NEAR, as in most eDiscovery
	// tools.
	defaultNear = 10
	// maxSlop bounds NEAR/n and ~n: beyond it a rule is no longer about
	// words being near each other, and the window check would approach
	// a check of every pair of occurrences.
	maxSlop = 100
)

// nearNode is ops[0] NEAR/dists[0] ops[1] NEAR/dists[1] ops[2]…: each
// operand a text leaf (word, prefix, fuzzy word or phrase) or an OR of
// them, all in one field.
type nearNode struct {
	ops   []node
	dists []int
	field string // fieldText or fieldSubject
	c     int
}

func (n *nearNode) col() int { return n.c }

// slop reads the ~n that may follow a closing quote at end, into t, and
// returns the offset just past what it read.
func (p *parser) slop(t *token, end int) (int, error) {
	s := p.src
	if end >= len(s) || s[end] != '~' {
		return end, nil
	}
	i := end + 1
	for i < len(s) && s[i] != '(' && s[i] != ')' && s[i] != '"' && !isSpace(rune(s[i])) {
		i++
	}
	n, ok := slopValue(s[end+1 : i])
	if !ok {
		return 0, p.errAt(end, fmt.Sprintf("~ after a phrase takes a number of words from 0 to %d, not %q", maxSlop, s[end+1:i]))
	}
	t.slop, t.sloppy = n, true
	return i, nil
}

// nearToken reads the distance of a NEAR or NEAR/n token into t.
func (p *parser) nearToken(t *token) error {
	t.kind, t.slop = tNear, defaultNear
	d, ok := strings.CutPrefix(t.text, "NEAR/")
	if !ok {
		return nil
	}
	n, ok := slopValue(d)
	if !ok {
		return p.errAt(t.off+len("NEAR/"), fmt.Sprintf("NEAR/ takes a number of words from 0 to %d, not %q", maxSlop, d))
	}
	t.slop = n
	return nil
}

// slopValue parses a distance: decimal digits only (no sign, no spaces),
// at most maxSlop.
func slopValue(s string) (int, bool) {
	if s == "" || len(s) > 3 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= maxSlop
}

// parseNear parses a primary and, if NEAR follows, the chain of NEARs it
// starts. NEAR binds tighter than NOT, AND and OR.
func (p *parser) parseNear() (node, error) {
	first, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tNear {
		return first, nil
	}
	n := &nearNode{ops: []node{first}, field: fieldText}
	if err := p.nearOperand(n, first, true); err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		near := p.next()
		switch t := p.peek(); t.kind {
		case tEOF, tRParen, tOr, tAnd, tNear:
			return nil, p.errAt(near.off, near.text+" needs a term after it")
		case tNot:
			return nil, p.errAt(t.off, "NOT cannot be inside a NEAR operand")
		}
		op, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if err := p.nearOperand(n, op, false); err != nil {
			return nil, err
		}
		n.ops = append(n.ops, op)
		n.dists = append(n.dists, near.slop)
	}
	n.c = first.col()
	return n, nil
}

// nearOperand checks that op can be an operand of a NEAR (text, in the
// NEAR's one field) and sets the NEAR's field from the first.
func (p *parser) nearOperand(n *nearNode, op node, first bool) error {
	var leaves []*textNode
	var walk func(node) error
	walk = func(op node) error {
		c := op.col()
		switch op := op.(type) {
		case *textNode:
			if op.kind == textSloppy {
				return p.errAt(c, "a phrase with ~ cannot be a NEAR operand: use NEAR between its words")
			}
			leaves = append(leaves, op)
			return nil
		case *orNode:
			for _, k := range op.kids {
				if err := walk(k); err != nil {
					return err
				}
			}
			return nil
		case *notNode:
			return p.errAt(c, "NOT cannot be inside a NEAR operand")
		case *andNode:
			return p.errAt(c, "a NEAR operand is a word, prefix, phrase or an OR of them, not an AND")
		case *nearNode:
			return p.errAt(c, "a NEAR cannot be a NEAR operand: chain them (a NEAR b NEAR c)")
		case *allNode:
			return p.errAt(c, `"*" cannot be a NEAR operand`)
		case *dateNode:
			return p.errAt(c, "a date cannot be a NEAR operand")
		case *fieldNode:
			return p.errAt(c, op.field+": cannot be a NEAR operand: NEAR takes words of the text, subject: or body:")
		}
		return p.errAt(c, "not a NEAR operand")
	}
	if err := walk(op); err != nil {
		return err
	}
	for i, l := range leaves {
		if first && i == 0 {
			n.field = l.field
			continue
		}
		if l.field != n.field {
			return p.errAt(l.c, "NEAR operands must all be subject: or none of them")
		}
	}
	return nil
}

// compileNear turns a NEAR chain into what the checker matches: each
// operand's alternatives as analysed terms.
func (ix *Index) compileNear(n *nearNode) (*proximity, error) {
	q := &proximity{field: bleveText, dists: n.dists}
	if n.field == fieldSubject {
		q.field = bleveSubject
	}
	for _, op := range n.ops {
		var alts []nearAlt
		var walk func(node) error
		walk = func(op node) error {
			if or, ok := op.(*orNode); ok {
				for _, k := range or.kids {
					if err := walk(k); err != nil {
						return err
					}
				}
				return nil
			}
			l := op.(*textNode) // the parser allows nothing else
			terms := ix.analyze(l.value)
			if len(terms) == 0 {
				return &leafError{l, errNoTerms}
			}
			a := nearAlt{kind: textPhrase, terms: terms}
			switch {
			case (l.kind == textPrefix || l.kind == textFuzzy) && len(terms) != 1:
				return &leafError{l, errors.New("prefix and fuzzy searches take a single word")}
			case l.kind == textPrefix:
				a.kind = textPrefix
			case l.kind == textFuzzy && l.fuzz > 0:
				a.kind, a.fuzz = textFuzzy, l.fuzz
			case len(terms) == 1 && isCluster(terms[0]):
				a.cluster = true
			}
			alts = append(alts, a)
			return nil
		}
		if err := walk(op); err != nil {
			return nil, err
		}
		q.ops = append(q.ops, alts)
	}
	return q, nil
}

// evalNear checks the messages that hold every operand (an AND of them,
// as the index answers it) against the text.
func (e *evaluator) evalNear(n *nearNode) (bitset, error) {
	q, err := e.ix.compileNear(n)
	if err != nil {
		return nil, err
	}
	cand, err := e.evalAnd(&andNode{kids: n.ops, c: n.c})
	if err != nil {
		return nil, err
	}
	return e.checkProximity(cand, q)
}

// evalSloppy checks the messages that hold every word of a sloppy phrase.
func (e *evaluator) evalSloppy(n *textNode) (bitset, error) {
	terms := e.ix.analyze(n.value)
	if len(terms) < 2 {
		// One word is near itself: the phrase is that word.
		exact := *n
		exact.kind = textPhrase
		return e.customLeaf(&exact)
	}
	q := &proximity{field: bleveText, terms: terms, slop: n.slop}
	if n.field == fieldSubject {
		q.field = bleveSubject
	}
	var cand bitset
	seen := map[string]bool{}
	for _, t := range terms {
		if seen[t] {
			continue
		}
		seen[t] = true
		b, err := e.termPostings(q.field, t)
		if err != nil {
			return nil, err
		}
		if cand == nil {
			cand = b
		} else {
			cand.and(b)
			e.ix.putBitset(b)
		}
	}
	return e.checkProximity(cand, q)
}

// checkProximity keeps the candidates (within e.within) whose text
// satisfies q, checking them on as many goroutines as there are shards.
// Each goroutine takes runs of the bitset's words and rewrites them in
// place, so checking needs no list of candidates and no bitset per
// goroutine: at 1M messages, common words have ~600k candidates.
func (e *evaluator) checkProximity(cand bitset, q *proximity) (bitset, error) {
	if e.within != nil {
		cand.and(e.within)
	}
	n := cand.count()
	pq := e.ix.positionsFor(q, n)
	const chunk = 16 // words of 64 candidates at most
	workers := max(1, min(len(e.ix.shards), (n+255)/256))
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wi := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newProxChecker(e.ix.analyzer, q)
			var pc *posChecker // candidates come in ascending order, as it needs
			if pq != nil {
				pc = pq.checker()
			}
			for {
				lo := int(next.Add(chunk) - chunk)
				if lo >= len(cand) {
					return
				}
				if err := e.ctx.Err(); err != nil {
					errs[wi] = err
					return
				}
				for i := lo; i < min(lo+chunk, len(cand)); i++ {
					kept := uint64(0)
					for w := cand[i]; w != 0; w &= w - 1 {
						bit := w & -w
						o := uint32(i<<6 + bits.TrailingZeros64(w))
						if pc != nil && pc.match(o) || pc == nil && e.ix.textMatch(o, c.match) {
							kept |= bit
						}
					}
					cand[i] = kept
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.ix.putBitset(cand)
		return nil, err
	}
	return cand, nil
}
