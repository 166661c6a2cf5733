package index

import (
	"context"
	"errors"
	"fmt"

	"coffer/vault/access"
)

// Supervision rules (issue 13) come by the hundred: a policy run counts
// what each rule matches and what any of them does, and a review queue
// needs which rules fired on each message. Searching each rule, then the
// OR of all of them, evaluated every rule twice and scored every hit for
// a ranking nobody reads; Rules evaluates each rule once, unscored, into
// a bitset, and ORs the bitsets.
type (
	RuleRequest = access.RuleRequest
	RuleSet     = access.RuleSet
	RuleGroup   = access.RuleGroup
	RuleMatch   = access.RuleMatch
	RuleError   = access.RuleError
)

// Rules evaluates every query of rules once, within the messages
// req.Within matches when it is not empty, and returns each rule's count,
// the count of messages any rule matched and, with req.Matches, those
// messages with the rules each fired. The counts are Search's: rule i's
// is the Total of Search("(within) (rule i)"), the union's that of the
// OR of every rule, and the set is Partial as Search would mark it while
// the text is being indexed (every rule sees the same indexed text).
// With req.Groups, each group of rules is also counted as a RuleSet of
// its rules alone would be; words and prefixes that several rules hold
// are read from the index once (rulememo.go).
//
// An error in a rule (it does not parse, or a word has no searchable
// characters) is a *RuleError naming it, its *QueryError column within
// the rule; one in req.Within is returned as Search would.
func (ix *Index) Rules(ctx context.Context, rules []string, req RuleRequest) (*RuleSet, error) {
	dc := &queryContext{now: ix.opt.Now(), loc: ix.opt.Location, policies: ix.opt.Policies}
	var scope node
	if req.Within != "" {
		var err error
		if scope, err = parseQuery(req.Within, dc); err != nil {
			return nil, err
		}
	}
	// ends holds where each group ends: the number of rules up to its last.
	ends := make([]int, len(req.Groups))
	n := 0
	for i, g := range req.Groups {
		if g < 0 {
			return nil, fmt.Errorf("index: a rule group of %d rules", g)
		}
		n += g
		ends[i] = n
	}
	if len(ends) > 0 && n != len(rules) {
		return nil, fmt.Errorf("index: rule groups of %d rules in all, for %d rules", n, len(rules))
	}
	roots := make([]node, len(rules))
	texts := make([]bool, len(rules)) // the rule, or the scope, reads text
	text := false
	for i, q := range rules {
		root, err := parseQuery(q, dc)
		if err != nil {
			return nil, &RuleError{Rule: i, Err: err}
		}
		roots[i] = root
		texts[i] = hasText(root) || scope != nil && hasText(scope)
		text = text || texts[i]
	}
	e := &evaluator{ix: ix, ctx: ctx}
	set := &RuleSet{Totals: make([]int, len(rules))}
	if text {
		select {
		case <-ix.done:
			if ix.err != nil {
				return nil, ix.err
			}
		default:
			set.Partial = true
		}
		// One set of views for every rule, so that the union counts the
		// same text the rules did.
		e.views = append(e.views, ix.static...)
		for _, s := range ix.shards {
			if v := s.cur.Load(); v != nil {
				e.views = append(e.views, v)
			}
		}
	}
	var in bitset
	if scope != nil {
		var err error
		if in, err = e.eval(scope); err != nil {
			return nil, leafErr(req.Within, err)
		}
		defer ix.putBitset(in)
	}
	union := ix.getBitset()
	defer ix.putBitset(union)
	var group bitset // the union of the current group's rules so far
	groupText := false
	if len(ends) > 0 {
		group = ix.getBitset()
		defer ix.putBitset(group)
		set.Groups = make([]RuleGroup, 0, len(ends))
	}
	// endGroups counts the groups that end once done rules are evaluated.
	endGroups := func(done int) {
		for len(set.Groups) < len(ends) && ends[len(set.Groups)] == done {
			set.Groups = append(set.Groups, RuleGroup{Union: group.count(), Partial: set.Partial && groupText})
			clear(group)
			groupText = false
		}
	}
	endGroups(0)
	if len(roots) > 1 {
		e.memo = newLeafMemo(ix, roots)
		defer e.memo.release()
	}
	var hits []bitset // by rule, kept only for Matches
	if req.Matches {
		hits = make([]bitset, len(rules))
		defer func() {
			for _, b := range hits {
				ix.putBitset(b)
			}
		}()
	}
	for i, root := range roots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Phrases then check only the candidates within allows, as they
		// would under the AND of Search("(within) (rule)").
		e.within = in
		b, err := e.eval(root)
		if err != nil {
			return nil, &RuleError{Rule: i, Err: leafErr(rules[i], err)}
		}
		if b == nil {
			b = ix.getBitset()
		}
		if in != nil {
			b.and(in)
		}
		set.Totals[i] = b.count()
		union.or(b)
		if group != nil {
			group.or(b)
			groupText = groupText || texts[i]
			endGroups(i + 1)
		}
		if hits != nil {
			hits[i] = b
		} else {
			ix.putBitset(b)
		}
	}
	set.Union = union.count()
	if req.Matches {
		set.Matches = make([]RuleMatch, 0, set.Union)
		for o := range union.each {
			m := RuleMatch{ID: ix.id(o), Pos: int(o)}
			for i, b := range hits {
				if b.has(o) {
					m.Rules = append(m.Rules, i)
				}
			}
			set.Matches = append(set.Matches, m)
		}
	}
	if err := ix.lazyError(); err != nil {
		return nil, err
	}
	return set, nil
}

// leafErr gives an evaluation error the column of the leaf that failed
// within q, as Search does.
func leafErr(q string, err error) error {
	var le *leafError
	if errors.As(err, &le) {
		return queryErr(q, le.n.c, le.err)
	}
	return err
}
