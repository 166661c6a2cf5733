package index_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"coffer/index"
)

// BenchmarkPolicies applies 50 policies of 100 rules each to the corpus
// as `coffer policy run` does (vault/access.RunPolicies): one call of
// Rules with a group per policy, for every rule's count and the messages
// each policy flags, each rule evaluated once and each word or prefix
// the rules share read once. With -bench.twopass (the default) it then
// times the way before Rules, 5,050 searches: each rule alone, then the
// OR of each policy's rules, and checks that the counts agree;
// -bench.classes times a call per policy and each class of rule alone.
// Rules are lexicon-like: words, two-word phrases, prefixes and pairs of
// words in one message, drawn from the corpus's own text so that they
// match. Issue 13's target is under 60 s at 1M messages on 2 cores.
func BenchmarkPolicies(b *testing.B) {
	ix, msgs := benchIndex(b)
	r := rand.New(rand.NewPCG(13, 50))
	word := func() string {
		for {
			ws := strings.Fields(msgs[r.IntN(len(msgs))].Body)
			if w := strings.Trim(ws[r.IntN(len(ws))], `.,!?"'()*:~-`); len(w) > 3 {
				return strings.ToLower(w)
			}
		}
	}
	policies := make([][]string, 50)
	for p := range policies {
		for i := range 100 {
			var q string
			switch i % 4 {
			case 0:
				q = word()
			case 1:
				q = fmt.Sprintf("%q", word()+" "+word())
			case 2:
				w := word()
				for !isLetters(w) {
					w = word()
				}
				q = w[:4] + "*"
			default:
				q = word() + " " + word()
			}
			policies[p] = append(policies[p], q)
		}
	}
	ctx := context.Background()
	req := index.Request{Limit: -1, NoHighlights: true}
	count := func(q string) int {
		res, err := ix.Search(ctx, q, req)
		if err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return res.Total
	}
	var all []string
	groups := make([]int, len(policies))
	for p, rules := range policies {
		all = append(all, rules...)
		groups[p] = len(rules)
	}
	for b.Loop() {
		start, cpu0 := time.Now(), cpuTime()
		set, err := ix.Rules(ctx, all, index.RuleRequest{Groups: groups})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s/run")
		flagged := 0
		for _, g := range set.Groups {
			flagged += g.Union
		}
		b.ReportMetric(float64(flagged)/50, "flagged/policy")
		if *classes {
			// A Rules call per policy, which shares nothing between
			// policies; then each class of rule alone, in a call for
			// all policies: which class the time goes to.
			cpu0 := cpuTime()
			for _, rules := range policies {
				if _, err := ix.Rules(ctx, rules, index.RuleRequest{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime() - cpu0).Seconds(), "perpolicy-cpu-s/run")
			for c, name := range []string{"word", "phrase", "prefix", "and"} {
				cpu0 := cpuTime()
				var some []string
				for _, rules := range policies {
					for i := c; i < len(rules); i += 4 {
						some = append(some, rules[i])
					}
				}
				if _, err := ix.Rules(ctx, some, index.RuleRequest{}); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric((cpuTime() - cpu0).Seconds(), name+"-cpu-s/run")
			}
		}
		if !*twoPass {
			continue
		}
		// The way before Rules, for comparison: a search per rule, then
		// one of the OR of the policy's rules; the counts must agree.
		start, cpu0 = time.Now(), cpuTime()
		at := 0
		for p, rules := range policies {
			any := make([]string, len(rules))
			for i, q := range rules {
				if n := count(q); n != set.Totals[at+i] {
					b.Fatalf("%s: Rules %d, Search %d", q, set.Totals[at+i], n)
				}
				any[i] = "(" + q + ")"
			}
			at += len(rules)
			if n := count(strings.Join(any, " OR ")); n != set.Groups[p].Union {
				b.Fatalf("policy %d: Rules' union %d, Search of the OR %d", p, set.Groups[p].Union, n)
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "twopass-s/run")
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "twopass-cpu-s/run")
	}
}

var (
	twoPass = flag.Bool("bench.twopass", true, "BenchmarkPolicies also times the search per rule and of their OR, as before Rules")
	classes = flag.Bool("bench.classes", false, "BenchmarkPolicies also times a Rules call per policy, and each class of rule (word, phrase, prefix, two words) alone")
)

func isLetters(w string) bool {
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
