package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"coffer/vault"
	"coffer/vault/audit"
)

// Supervision policies (vault/policy.go) are the firm's own words, as
// saved searches are, not the archive's content: reading them records
// nothing. Every change is recorded before the vault changes, with the
// version it makes and its diff, so that an auditor can tell which rules
// were in force when, and who changed them (issue 13).

// Policies lists the current version of every policy.
func (s *Session) Policies() ([]vault.Policy, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.v.Policies()
}

// PolicyVersions lists every version of the policy name, oldest first.
func (s *Session) PolicyVersions(name string) ([]vault.Policy, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.v.PolicyVersions(name)
}

// PutPolicy writes p as the next version of its policy; base is the
// version the change starts from (0 for a new policy), as
// vault.PutPolicy has it. Every rule's query must parse; the change is
// recorded (policy-add or policy-edit, with the diff), then written.
func (s *Session) PutPolicy(p vault.Policy, base int) (vault.Policy, error) {
	if err := vault.CheckPolicy(&p); err != nil {
		return vault.Policy{}, err
	}
	if err := s.CheckRules(p.Rules); err != nil {
		return vault.Policy{}, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	done, err := s.writing()
	if err != nil {
		return vault.Policy{}, err
	}
	defer done()
	var old vault.Policy
	action := audit.ActionPolicyAdd
	if base != 0 {
		if old, err = s.v.Policy(p.Name); err != nil {
			return vault.Policy{}, err
		}
		action = audit.ActionPolicyEdit
	}
	ev := audit.Event{Action: action, Target: p.Name, Count: base + 1, Detail: PolicyDiff(&old, &p)}
	if base == 0 {
		// A policy added again after a removal continues its numbering.
		if vs, err := s.v.PolicyVersions(p.Name); err == nil {
			ev.Count = vs[len(vs)-1].Version + 1
		}
	}
	var out vault.Policy
	err = s.change(ev, func() error {
		var err error
		out, err = s.v.PutPolicy(p, base)
		return err
	})
	return out, err
}

// RemovePolicy withdraws the policy name at version base: recorded, with
// the rules it held, then written.
func (s *Session) RemovePolicy(name string, base int) error {
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	old, err := s.v.Policy(name)
	if err != nil {
		return err
	}
	ev := audit.Event{Action: audit.ActionPolicyRemove, Target: name, Count: base + 1, Detail: PolicyDiff(&old, &vault.Policy{Name: name})}
	return s.change(ev, func() error {
		_, err := s.v.RemovePolicy(name, base)
		return err
	})
}

// CheckRules reports the first rule whose query does not parse, naming it.
func (s *Session) CheckRules(rules []vault.Rule) error {
	if s.engine == nil {
		return errors.New("access: no search engine")
	}
	for _, r := range rules {
		if err := s.engine.Check(r.Query); err != nil {
			return fmt.Errorf("rule %s: %w", r.Name, err)
		}
	}
	return nil
}

// PolicyDiff describes the change from old to new, a line per rule
// added ("+ name: query"), removed ("- name: query") or changed (both),
// and one for the description, in new's rule order then old's.
func PolicyDiff(old, new *vault.Policy) string {
	var b strings.Builder
	line := func(sign byte, what, text string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%c %s: %s", sign, what, text)
	}
	if old.Description != new.Description {
		if old.Description != "" {
			line('-', "description", old.Description)
		}
		if new.Description != "" {
			line('+', "description", new.Description)
		}
	}
	was := make(map[string]string, len(old.Rules))
	for _, r := range old.Rules {
		was[r.Name] = r.Query
	}
	kept := make(map[string]bool, len(new.Rules))
	for _, r := range new.Rules {
		kept[r.Name] = true
		q, ok := was[r.Name]
		switch {
		case !ok:
			line('+', r.Name, r.Query)
		case q != r.Query:
			line('-', r.Name, q)
			line('+', r.Name, r.Query)
		}
	}
	for _, r := range old.Rules {
		if !kept[r.Name] {
			line('-', r.Name, r.Query)
		}
	}
	return b.String()
}

// RuleHits is how many messages one rule of a policy matched.
type RuleHits struct {
	Rule string `json:"rule"`
	Hits int    `json:"hits"`
}

// PolicyRun is a policy applied to the vault: the messages each rule
// matched, and how many messages any rule matched (Flagged).
type PolicyRun struct {
	Policy  string     `json:"policy"`
	Version int        `json:"version"`
	Flagged int        `json:"flagged"`
	Rules   []RuleHits `json:"rules"`
	// Partial is set when the text index was still being built.
	Partial bool `json:"partial,omitempty"`
}

// RunPolicies applies the named policies (every policy when names is
// empty) to the whole vault, or to the messages within matches when it
// is not empty (a date range, a source), and counts what each rule
// matches. Counts only: no message is shown, and one event per policy
// records the run (policy-run: the policy, its version, Results the
// messages flagged, Detail the count of each rule) before they are
// returned.
func (s *Session) RunPolicies(ctx context.Context, names []string, within string) ([]PolicyRun, error) {
	if within != "" {
		// Checked alone, so that an error's column is the user's.
		if s.engine == nil {
			return nil, errors.New("access: no search engine")
		}
		if err := s.engine.Check(within); err != nil {
			return nil, err
		}
	}
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	ps, err := s.v.Policies()
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		var sel []vault.Policy
		for _, n := range names {
			i := slices.IndexFunc(ps, func(p vault.Policy) bool { return p.Name == n })
			if i < 0 {
				return nil, fmt.Errorf("%w: %q", vault.ErrNoPolicy, n)
			}
			sel = append(sel, ps[i])
		}
		ps = sel
	}
	runs, _, err := s.runRules(ctx, ix, ps, within, false)
	return runs, err
}

// runRules counts what the rules of policies ps match (within, when not
// empty), recording each policy's run (policy-run) before it returns;
// with matches, it also returns the messages matched, each with the
// indexes of its rules among all of ps's rules in order.
//
// One call for every policy, so that a word or prefix several policies
// share is read once. Should it fail, the policies are run one at a
// time, each recorded before the next, until the one that fails, whose
// error names it: what a run records does not depend on how its counts
// were found.
func (s *Session) runRules(ctx context.Context, ix Searcher, ps []vault.Policy, within string, matches bool) ([]PolicyRun, []RuleMatch, error) {
	var all []string
	groups := make([]int, len(ps))
	for i, p := range ps {
		all = append(all, ruleQueries(p.Rules)...)
		groups[i] = len(p.Rules)
	}
	set, err := ix.Rules(ctx, all, RuleRequest{Within: within, Groups: groups, Matches: matches})
	if err != nil {
		set = nil
	}
	var out []PolicyRun
	var found []RuleMatch
	if set != nil {
		found = set.Matches
	}
	at := 0
	for i, p := range ps {
		var totals []int
		run := PolicyRun{Policy: p.Name, Version: p.Version}
		if set != nil {
			totals = set.Totals[at : at+len(p.Rules)]
			run.Flagged, run.Partial = set.Groups[i].Union, set.Groups[i].Partial
		} else {
			one, err := ix.Rules(ctx, ruleQueries(p.Rules), RuleRequest{Within: within, Matches: matches})
			if err != nil {
				return nil, nil, ruleErr(&p, err)
			}
			totals = one.Totals
			run.Flagged, run.Partial = one.Union, one.Partial
			for _, m := range one.Matches {
				for j := range m.Rules {
					m.Rules[j] += at
				}
				found = append(found, m)
			}
		}
		at += len(p.Rules)
		var detail []string
		for i, r := range p.Rules {
			run.Rules = append(run.Rules, RuleHits{Rule: r.Name, Hits: totals[i]})
			detail = append(detail, fmt.Sprintf("%s %d", r.Name, totals[i]))
		}
		ev := audit.Event{Action: audit.ActionPolicyRun, Target: p.Name, Count: p.Version, Results: run.Flagged,
			Query: within, Detail: strings.Join(detail, " · ")}
		if err := s.record(ev); err != nil {
			return nil, nil, err
		}
		out = append(out, run)
	}
	return out, found, nil
}

// ruleQueries lists the queries of rules, in order, for Searcher.Rules.
func ruleQueries(rules []vault.Rule) []string {
	qs := make([]string, len(rules))
	for i, r := range rules {
		qs[i] = r.Query
	}
	return qs
}

// ruleErr names the policy and, when the error is one rule's, the rule.
func ruleErr(p *vault.Policy, err error) error {
	var re *RuleError
	if errors.As(err, &re) && re.Rule >= 0 && re.Rule < len(p.Rules) {
		return fmt.Errorf("policy %s: rule %s: %w", p.Name, p.Rules[re.Rule].Name, re.Err)
	}
	return fmt.Errorf("policy %s: %w", p.Name, err)
}
