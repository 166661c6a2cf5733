package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"coffer/index"
)

// BenchmarkPolicies applies 50 policies of 100 rules each to the corpus
// as `coffer policy run` does (vault/access.RunPolicies): every rule
// counted alone, then the rules of each policy OR'ed for the messages it
// flags; 5,050 counting queries. Rules are lexicon-like: words, two-word
// phrases, prefixes and pairs of words in one message, drawn from the
// corpus's own text so that they match. Issue 13's target is under 60 s
// at 1M messages on 2 cores.
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
	req := index.Request{Limit: -1, NoHighlights: true}
	count := func(q string) int {
		res, err := ix.Search(context.Background(), q, req)
		if err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return res.Total
	}
	for b.Loop() {
		start := time.Now()
		flagged := 0
		for _, rules := range policies {
			any := make([]string, len(rules))
			for i, q := range rules {
				count(q)
				any[i] = "(" + q + ")"
			}
			flagged += count(strings.Join(any, " OR "))
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
		b.ReportMetric(float64(flagged)/50, "flagged/policy")
	}
}

func isLetters(w string) bool {
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
