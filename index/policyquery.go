package index

import (
	"fmt"
	"slices"
	"strings"

	"coffer/vault"
)

// policy: finds what a supervision policy flags: policy:NAME is the OR
// of the rules of the policy's current version, policy:NAME/RULE one of
// them. A rule is read as a query of its own, so that its words are
// highlighted as the policy's hits are; an error in it (or a policy: in
// it, which matches nothing) is reported at the policy: term, since the
// rule's text is not in the query typed. Investigators can then tag,
// save, produce or narrow what a policy flags like any search.

func (p *parser) policy(t token, v string) (node, error) {
	name, rule, one := strings.Cut(v, "/")
	if name == "" || one && rule == "" {
		return nil, p.errAt(t.valOff, "policy: wants NAME or NAME/RULE")
	}
	if p.opt.policies == nil {
		return &fieldNode{field: "policy", value: v, c: t.off}, nil
	}
	ps, err := p.opt.policies()
	if err != nil {
		return nil, p.errAt(t.off, "policies not read: "+err.Error())
	}
	i := slices.IndexFunc(ps, func(q vault.Policy) bool { return q.Name == name })
	if i < 0 {
		return nil, p.errAt(t.valOff, fmt.Sprintf("no policy %q", name))
	}
	pol := ps[i]
	sub := &queryContext{now: p.opt.now, loc: p.opt.loc} // no policy: within a rule
	or := &orNode{c: t.off}
	for _, r := range pol.Rules {
		if one && r.Name != rule {
			continue
		}
		n, err := parseQuery(r.Query, sub)
		if err != nil {
			msg := err.Error()
			if qe, ok := err.(*QueryError); ok {
				msg = qe.Msg
			}
			return nil, p.errAt(t.off, fmt.Sprintf("policy %s v%d, rule %s: %s", pol.Name, pol.Version, r.Name, msg))
		}
		setCol(n, t.off)
		or.kids = append(or.kids, n)
	}
	switch len(or.kids) {
	case 0:
		return nil, p.errAt(t.valOff, fmt.Sprintf("policy %s has no rule %q", name, rule))
	case 1:
		return or.kids[0], nil
	}
	return or, nil
}

// setCol places every node of a rule's tree at column c of the query
// that named its policy, for errors found while evaluating it.
func setCol(n node, c int) {
	switch n := n.(type) {
	case *andNode:
		n.c = c
		for _, k := range n.kids {
			setCol(k, c)
		}
	case *orNode:
		n.c = c
		for _, k := range n.kids {
			setCol(k, c)
		}
	case *notNode:
		n.c = c
		setCol(n.kid, c)
	case *nearNode:
		n.c = c
		for _, k := range n.ops {
			setCol(k, c)
		}
	case *allNode:
		n.c = c
	case *textNode:
		n.c, n.end = c, c
	case *fieldNode:
		n.c = c
	case *dateNode:
		n.c = c
	}
}
