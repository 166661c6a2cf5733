package index_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/corpus"
)

// TestRulesAsSearch checks Rules against Search on random rule sets of
// every class a lexicon holds (words, phrases, prefixes, pairs of words,
// and metadata, negations, ORs and proximity among them), whole and
// within scopes of each kind: each rule's count is Search's for the rule
// within the scope, the union's that of the OR of the rules, and Matches
// lists the ids Search finds, with the rules that match each.
func TestRulesAsSearch(t *testing.T) {
	msgs := corpus.Generate(3000, 11)
	for _, mode := range []string{"build", "mixed"} {
		t.Run(mode, func(t *testing.T) {
			ix := rulesIndex(t, msgs, mode)
			r := rand.New(rand.NewPCG(13, 7))
			word := func() string {
				for {
					ws := strings.Fields(msgs[r.IntN(len(msgs))].Body)
					if w := strings.Trim(ws[r.IntN(len(ws))], `.,!?"'()*:~-\`); len(w) > 3 && isLetters(strings.ToLower(w)) {
						return strings.ToLower(w)
					}
				}
			}
			rule := func() string {
				switch r.IntN(10) {
				case 0:
					return word()
				case 1:
					return fmt.Sprintf("%q", word()+" "+word())
				case 2:
					// A phrase that occurs, so that checks find some.
					ws := ix.Words(msgs[r.IntN(len(msgs))].Body)
					if len(ws) < 2 {
						return word()
					}
					k := r.IntN(len(ws) - 1)
					return fmt.Sprintf("%q", ws[k]+" "+ws[k+1])
				case 3:
					return word()[:4] + "*"
				case 4:
					// Two words, one of them often a frequent one.
					if r.IntN(2) == 0 {
						return []string{"the", "that", "you", "have"}[r.IntN(4)] + " " + word()
					}
					return word() + " " + word()
				case 5:
					return word() + " -" + word()
				case 6:
					return word() + " OR " + fmt.Sprintf("%q", word()+" "+word())
				case 7:
					return fmt.Sprintf("from:%s %s", strings.Fields(msgs[r.IntN(len(msgs))].Sender)[0], word())
				case 8:
					return fmt.Sprintf("%q~3", word()+" "+word())
				}
				return "-" + word()
			}
			mid := msgs[len(msgs)/2].Time.Format("2006-01-02")
			scopes := []string{"", "date:.." + mid, "source:email", word(), fmt.Sprintf("%q", strings.Join(ix.Words(msgs[7].Body)[:2], " "))}
			for round := range 16 {
				rules := make([]string, 1+r.IntN(40))
				for i := range rules {
					if i > 0 && r.IntN(4) == 0 {
						rules[i] = rules[r.IntN(i)] // rules share words and prefixes
						continue
					}
					rules[i] = rule()
				}
				// Groups of every size, empty ones too, in turn.
				var groups []int
				for n := 0; n < len(rules); {
					g := min(r.IntN(8), len(rules)-n)
					groups = append(groups, g)
					n += g
				}
				if round%3 == 0 {
					groups = nil
				}
				within := scopes[round%len(scopes)]
				if round%2 == 1 {
					// A memo of two bitsets: leaves past it are evaluated
					// again.
					restore := index.SetRuleMemoBytes(2 * 8 * (len(msgs)/64 + 2))
					checkRules(t, ix, rules, groups, within)
					restore()
					continue
				}
				checkRules(t, ix, rules, groups, within)
			}
		})
	}
}

// checkRules compares Rules(rules, within) in groups with Search.
func checkRules(t *testing.T, ix *index.Index, rules []string, groups []int, within string) {
	t.Helper()
	ctx := context.Background()
	scope := func(q string) string {
		if within == "" {
			return q
		}
		return "(" + within + ") (" + q + ")"
	}
	set, err := ix.Rules(ctx, rules, index.RuleRequest{Within: within, Matches: true, Groups: groups})
	if err != nil {
		t.Fatalf("within %q: %v", within, err)
	}
	fired := map[string][]int{}
	for _, m := range set.Matches {
		fired[m.ID] = m.Rules
	}
	want := map[string][]int{}
	any := make([]string, len(rules))
	for i, q := range rules {
		// Sorted by relevance, Search scores every leaf: an evaluation of
		// its own, which unscored ones (Rules, IDs) do not share.
		res, err := ix.Search(ctx, scope(q), index.Request{Limit: 1 << 30, NoHighlights: true})
		if err != nil {
			t.Fatalf("%s: %v", scope(q), err)
		}
		if set.Totals[i] != res.Total {
			t.Errorf("within %q: rule %q: %d, Search %d", within, q, set.Totals[i], res.Total)
		}
		for _, h := range res.Hits {
			want[h.ID] = append(want[h.ID], i)
		}
		any[i] = "(" + q + ")"
	}
	union := func(any []string) int {
		t.Helper()
		if len(any) == 0 {
			return 0
		}
		res, err := ix.Search(ctx, scope(strings.Join(any, " OR ")), index.Request{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := union(any); set.Union != n || len(set.Matches) != set.Union {
		t.Errorf("within %q: union %d (%d matches), Search of the OR %d", within, set.Union, len(set.Matches), n)
	}
	if len(set.Groups) != len(groups) {
		t.Fatalf("%d unions for %d groups", len(set.Groups), len(groups))
	}
	at := 0
	for g, size := range groups {
		if n := union(any[at : at+size]); set.Groups[g].Union != n || set.Groups[g].Partial {
			t.Errorf("within %q: group %d of %q: %+v, Search of the OR %d", within, g, rules[at:at+size], set.Groups[g], n)
		}
		at += size
	}
	for id, rs := range want {
		if !slices.Equal(fired[id], rs) {
			t.Errorf("within %q: %s fired %v, Search finds it for %v", within, id, fired[id], rs)
		}
	}
	if !slices.IsSortedFunc(set.Matches, func(a, b index.RuleMatch) int { return a.Pos - b.Pos }) {
		t.Error("matches are not oldest first")
	}
	if set.Partial {
		t.Error("partial after the build")
	}
}

// rulesIndex indexes msgs at Start ("build") or opens half of them from a
// stored segment and indexes the rest ("mixed").
func rulesIndex(t *testing.T, msgs []*vault.Message, mode string) *index.Index {
	t.Helper()
	var segs []vault.IndexSegment
	if mode == "mixed" {
		half := msgs[:len(msgs)/2]
		seg, err := index.BuildSegment(vault.TextsOf(half), index.CommonWords(vault.TextsOf(msgs)))
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, vault.IndexSegment{Name: mode, Data: seg, Messages: half})
	}
	ix, err := index.Open(msgs, nil, segs, index.Options{Shards: 2, BatchSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestRulesErrors checks that an error names its rule, with the column
// within the rule, and that a scope's error is the scope's.
func TestRulesErrors(t *testing.T) {
	ix := rulesIndex(t, corpus.Generate(200, 3), "build")
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		rules  []string
		within string
		rule   int // -1: not a rule's
		col    int
	}{
		{"parse", []string{"hello", "from:"}, "", 1, 1},
		{"no terms", []string{"hello", "ok", `hi "!!!"`}, "", 2, 4},
		{"no terms within", []string{"hello", `hi "!!!"`}, "date:2020..", 1, 4},
		{"scope parse", []string{"hello"}, "(a", -1, 1},
		{"scope no terms", []string{"hello"}, `x "!!!"`, -1, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ix.Rules(ctx, c.rules, index.RuleRequest{Within: c.within})
			var re *access.RuleError
			var qe *index.QueryError
			switch {
			case err == nil:
				t.Fatal("no error")
			case errors.As(err, &re) != (c.rule >= 0) || re != nil && re.Rule != c.rule:
				t.Errorf("%v: rule %+v, want %d", err, re, c.rule)
			case !errors.As(err, &qe) || qe.Col != c.col:
				t.Errorf("%v: want column %d", err, c.col)
			}
		})
	}
}

// TestRulesPartial checks that rules with text are partial before the
// text is indexed, and rules of metadata only are not.
func TestRulesPartial(t *testing.T) {
	ix, err := index.New(corpus.Generate(200, 3), nil, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	set, err := ix.Rules(ctx, []string{"source:email", "hello"}, index.RuleRequest{})
	if err != nil || !set.Partial {
		t.Errorf("text rule before Start: %+v, %v; want partial", set, err)
	}
	set, err = ix.Rules(ctx, []string{"source:email"}, index.RuleRequest{Within: "date:2020.."})
	if err != nil || set.Partial || set.Totals[0] == 0 {
		t.Errorf("metadata rule before Start: %+v, %v; want complete, with hits", set, err)
	}
	// Groups are partial as their own rules are.
	set, err = ix.Rules(ctx, []string{"source:email", "hello", "from:ann", "has:attachment"}, index.RuleRequest{Groups: []int{1, 2, 0, 1}})
	want := []bool{false, true, false, false}
	if err != nil || len(set.Groups) != len(want) {
		t.Fatalf("groups before Start: %+v, %v", set, err)
	}
	for i, g := range set.Groups {
		if g.Partial != want[i] {
			t.Errorf("group %d before Start: %+v, want partial %v", i, g, want[i])
		}
	}
	// A scope of text makes every group partial.
	set, err = ix.Rules(ctx, []string{"source:email", "from:ann"}, index.RuleRequest{Within: "hello", Groups: []int{1, 1}})
	if err != nil || !set.Partial || !set.Groups[0].Partial || !set.Groups[1].Partial {
		t.Errorf("groups within text before Start: %+v, %v", set, err)
	}
	for _, groups := range [][]int{{1}, {3, -1}, {1, 1, 1}} {
		if _, err := ix.Rules(ctx, []string{"a", "b"}, index.RuleRequest{Groups: groups}); err == nil {
			t.Errorf("groups %v of 2 rules: no error", groups)
		}
	}
}
