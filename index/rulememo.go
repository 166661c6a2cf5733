package index

// The rules of a policy run repeat words and prefixes from policy to
// policy (a lexicon's "guarantee" in three policies, a "that" in many
// rules of a generated one). A word's or a prefix's messages do not
// depend on the rest of the rule, nor on the scope (only phrase checks
// read evaluator.within), so Rules evaluates each such leaf once and
// keeps its bitset while rules yet to come use it, within a budget.

// ruleMemoBytes bounds the bitsets a memo keeps at once: 256 of them at
// a million messages (1% of such an index). Leaves beyond it are
// evaluated again, as without a memo. A variable for tests.
var ruleMemoBytes = 32 << 20

// leafKey names what a text leaf reads from the index: a word, a prefix
// or a fuzzy word, in a field.
type leafKey struct {
	field string
	kind  textKind // textWord (a word or a one-word phrase), textPrefix or textFuzzy
	term  string
	fuzz  int
}

type memoEntry struct {
	uses int    // evaluations of the leaf still to come
	b    bitset // nil until evaluated, or when over budget
}

// leafMemo holds the leaves of a set of rules that occur more than once.
type leafMemo struct {
	ix      *Index
	leaves  map[leafKey]*memoEntry
	kept    int // bitsets held
	maxKept int
}

// newLeafMemo counts the leaves of roots, keeping those used twice or
// more.
func newLeafMemo(ix *Index, roots []node) *leafMemo {
	m := &leafMemo{ix: ix, leaves: map[leafKey]*memoEntry{}, maxKept: ruleMemoBytes / (8 * ((ix.n+63)/64 + 1))}
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *textNode:
			if k, ok := ix.leafKeyOf(n); ok {
				if m.leaves[k] == nil {
					m.leaves[k] = &memoEntry{}
				}
				m.leaves[k].uses++
			}
		case *andNode:
			for _, k := range n.kids {
				walk(k)
			}
		case *orNode:
			for _, k := range n.kids {
				walk(k)
			}
		case *notNode:
			walk(n.kid)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	for k, e := range m.leaves {
		if e.uses < 2 {
			delete(m.leaves, k)
		}
	}
	return m
}

// leafKeyOf says what the leaf n reads, when it reads one term or one
// expansion only; phrases of several words and sloppy phrases are not
// kept (their checks depend on the candidates).
func (ix *Index) leafKeyOf(n *textNode) (leafKey, bool) {
	k := leafKey{field: bleveText, kind: n.kind, fuzz: n.fuzz}
	if n.field == fieldSubject {
		k.field = bleveSubject
	}
	terms := ix.analyze(n.value)
	if len(terms) != 1 {
		return k, false
	}
	k.term = terms[0]
	switch {
	case n.kind == textPhrase || n.kind == textFuzzy && n.fuzz == 0:
		k.kind, k.fuzz = textWord, 0
	case n.kind == textSloppy:
		return k, false
	}
	return k, true
}

// leaf evaluates n, through the memo when n is kept there. The caller
// owns the bitset returned, as eval's.
func (m *leafMemo) leaf(e *evaluator, n *textNode) (bitset, error) {
	k, ok := m.ix.leafKeyOf(n)
	ent := m.leaves[k]
	if !ok || ent == nil {
		return e.customLeaf(n)
	}
	ent.uses--
	if ent.b == nil {
		b, err := e.customLeaf(n)
		if err != nil || ent.uses == 0 || m.kept >= m.maxKept {
			return b, err
		}
		ent.b = m.ix.getBitset()
		copy(ent.b, b)
		m.kept++
		return b, nil
	}
	b := ent.b
	if ent.uses == 0 {
		ent.b = nil
		m.kept--
		return b, nil
	}
	out := m.ix.getBitset()
	copy(out, b)
	return out, nil
}

// release returns the bitsets still held (of leaves whose later uses an
// AND of words answered without them).
func (m *leafMemo) release() {
	for _, ent := range m.leaves {
		if ent.b != nil {
			m.ix.putBitset(ent.b)
			ent.b = nil
		}
	}
	m.kept = 0
}
