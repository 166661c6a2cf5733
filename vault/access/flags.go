package access

import (
	"context"
	"slices"
	"strings"
)

// Flag is a rule of a supervision policy that matched a message.
type Flag struct {
	Policy  string `json:"policy"`
	Version int    `json:"version"`
	Rule    string `json:"rule"`
}

// Flags are the current version of every policy applied to every
// message: which rules matched which messages. They are held in memory
// only, made again from the policies and the index at each session, so
// a policy's new version flags anew and nothing flagged reaches disk.
type Flags struct {
	byID    map[string][]Flag
	queries map[Flag]string // each rule's query
	// Partial is set when the text index was still being built.
	Partial bool
}

// Of returns the rules that flagged message id, by policy then rule.
func (f *Flags) Of(id string) []Flag {
	if f == nil {
		return nil
	}
	return f.byID[id]
}

// IDs lists the messages flagged, in no particular order.
func (f *Flags) IDs() []string {
	if f == nil {
		return nil
	}
	ids := make([]string, 0, len(f.byID))
	for id := range f.byID {
		ids = append(ids, id)
	}
	return ids
}

// Rules lists every rule of the policies applied, matched or not.
func (f *Flags) Rules() []Flag {
	if f == nil {
		return nil
	}
	out := make([]Flag, 0, len(f.queries))
	for fl := range f.queries {
		out = append(out, fl)
	}
	return out
}

// Len is the number of messages flagged.
func (f *Flags) Len() int {
	if f == nil {
		return 0
	}
	return len(f.byID)
}

// ApplyPolicies flags every message that a rule of the current version of
// a policy matches. Each policy's run is recorded (policy-run: the
// version, Results the messages flagged, Detail each rule's count, as
// RunPolicies records it) before the flags are returned; a vault without
// policies records nothing.
func (s *Session) ApplyPolicies(ctx context.Context) (*Flags, error) {
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	ps, err := s.v.Policies()
	if err != nil {
		return nil, err
	}
	f := &Flags{byID: map[string][]Flag{}, queries: map[Flag]string{}}
	var of []Flag // every rule of every policy, in order
	for _, p := range ps {
		for _, r := range p.Rules {
			fl := Flag{Policy: p.Name, Version: p.Version, Rule: r.Name}
			of = append(of, fl)
			f.queries[fl] = r.Query
		}
	}
	runs, found, err := s.runRules(ctx, ix, ps, "", true)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		f.Partial = f.Partial || r.Partial
	}
	for _, m := range found {
		fs := make([]Flag, len(m.Rules))
		for i, r := range m.Rules {
			fs[i] = of[r]
		}
		// One message's flags in rule order, whichever call found them.
		f.byID[m.ID] = append(f.byID[m.ID], fs...)
	}
	return f, nil
}

// FlagSpans returns where the rules that flagged each of ids match in
// its subject and body, for the messages of ids that f flags (the others
// are left out): the highlights of a flagged message being shown. It
// records nothing of its own: the flags were recorded when they were
// made, and showing the message is recorded where it is shown.
func (s *Session) FlagSpans(ctx context.Context, f *Flags, ids []string) (map[string][]Span, error) {
	// One query per distinct set of rules, over the messages it flagged.
	groups := map[string][]string{}
	for _, id := range ids {
		fs := f.Of(id)
		if len(fs) == 0 {
			continue
		}
		var qs []string
		for _, fl := range fs {
			if q, ok := f.queries[fl]; ok && !slices.Contains(qs, q) {
				qs = append(qs, q)
			}
		}
		if len(qs) == 0 {
			continue
		}
		key := "(" + strings.Join(qs, ") OR (") + ")"
		groups[key] = append(groups[key], id)
	}
	if len(groups) == 0 {
		return nil, nil
	}
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	out := map[string][]Span{}
	for q, only := range groups {
		res, err := ix.Search(ctx, q, Request{Sort: Oldest, Limit: len(only), Only: only})
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			out[h.ID] = h.Highlights
		}
	}
	return out, nil
}
