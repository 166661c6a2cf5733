package index

import (
	"slices"
	"strings"

	"coffer/vault"
)

// highlighter finds where a query's positive full-text parts occur in a
// message, by re-analysing the message text: the index stores no text or
// offsets (it would double its size), and only a page of hits is shown.
type highlighter struct {
	ix     *Index
	leaves []hlLeaf
	prox   []*proxChecker // proximity queries, highlighted where they match
}

type hlLeaf struct {
	subjectOnly bool
	kind        textKind
	terms       []string
	fuzz        int
}

func newHighlighter(ix *Index, root node) *highlighter {
	h := &highlighter{ix: ix}
	var walk func(node)
	walk = func(n node) {
		switch n := n.(type) {
		case *nearNode:
			if q, err := ix.compileNear(n); err == nil {
				h.prox = append(h.prox, newProxChecker(ix.analyzer, q))
			}
		case *textNode:
			terms := ix.analyze(n.value)
			if n.kind == textSloppy && len(terms) > 1 {
				q := &proximity{field: bleveText, terms: terms, slop: n.slop}
				if n.field == fieldSubject {
					q.field = bleveSubject
				}
				h.prox = append(h.prox, newProxChecker(ix.analyzer, q))
			} else if len(terms) > 0 {
				kind := n.kind
				if kind == textSloppy {
					kind = textPhrase // one term: the word itself
				}
				h.leaves = append(h.leaves, hlLeaf{subjectOnly: n.field == fieldSubject, kind: kind, terms: terms, fuzz: n.fuzz})
			}
		case *andNode:
			for _, k := range n.kids {
				walk(k)
			}
		case *orNode:
			for _, k := range n.kids {
				walk(k)
			}
		}
		// Excluded words are not in the message: nothing under a NOT.
	}
	walk(root)
	return h
}

func (h *highlighter) spans(m *vault.Message) []Span {
	if len(h.leaves) == 0 && len(h.prox) == 0 {
		return nil
	}
	subj, body := h.proxSpans(m)
	var out []Span
	if m.Subject != "" {
		out = h.field(out, "subject", m.Subject, true, subj)
	}
	return h.field(out, "body", m.Body, false, body)
}

// proxSpans returns the words of the proximity matches in the subject and
// in the body. A proximity query over the text spans the subject and the
// body, analysed together as indexed (appendText): the subject, a line
// break, the body.
func (h *highlighter) proxSpans(m *vault.Message) (subj, body []Span) {
	for _, c := range h.prox {
		var hl [][2]int
		if c.q.field == bleveSubject {
			c.tokenize(m.Subject[:indexedLen(m.Subject)])
			c.check(&hl)
			for _, s := range hl {
				subj = append(subj, Span{Field: "subject", Start: s[0], End: s[1]})
			}
			continue
		}
		text := m.Body
		if m.Subject != "" {
			text = string(appendText(nil, m, bleveText))
		}
		c.tokenize(text[:indexedLen(text)])
		c.check(&hl)
		for _, s := range hl {
			switch {
			case m.Subject == "":
				body = append(body, Span{Field: "body", Start: s[0], End: s[1]})
			case s[1] <= len(m.Subject):
				subj = append(subj, Span{Field: "subject", Start: s[0], End: s[1]})
			case s[0] > len(m.Subject):
				body = append(body, Span{Field: "body", Start: s[0] - len(m.Subject) - 1, End: s[1] - len(m.Subject) - 1})
			}
		}
	}
	return subj, body
}

func (h *highlighter) field(out []Span, name, text string, isSubject bool, spans []Span) []Span {
	toks := h.ix.analyzer.Analyze([]byte(text[:indexedLen(text)]))
	for _, l := range h.leaves {
		if l.subjectOnly && !isSubject {
			continue
		}
		cluster := len(l.terms) == 1 && (l.kind == textWord || l.kind == textPhrase) && isCluster(l.terms[0])
		for i := range toks {
			switch {
			case cluster:
				if s, ok := clusterSpan(text, toks[i], l.terms[0]); ok {
					spans = append(spans, Span{Field: name, Start: s[0], End: s[1]})
				}
			case len(l.terms) > 1 || l.kind == textWord || l.kind == textPhrase:
				if i+len(l.terms) > len(toks) {
					continue
				}
				ok := true
				for j, t := range l.terms {
					tok := toks[i+j]
					if string(tok.Term) != t || tok.Position != toks[i].Position+j {
						ok = false
						break
					}
				}
				if ok {
					spans = append(spans, Span{Field: name, Start: toks[i].Start, End: toks[i+len(l.terms)-1].End})
				}
			case l.kind == textPrefix:
				if strings.HasPrefix(string(toks[i].Term), l.terms[0]) {
					spans = append(spans, Span{Field: name, Start: toks[i].Start, End: toks[i].End})
				}
			case l.kind == textFuzzy:
				if withinEdits(string(toks[i].Term), l.terms[0], l.fuzz) {
					spans = append(spans, Span{Field: name, Start: toks[i].Start, End: toks[i].End})
				}
			}
		}
	}
	if len(spans) == 0 {
		return out
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	return append(out, merged...)
}

// withinEdits reports whether a and b are at most k edits apart, counting
// in runes and, like the fuzzy search, a transposition as one edit.
func withinEdits(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	// Optimal string alignment distance over three rows.
	pp := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(rb)] <= k
}
