package main

import (
	"strings"
	"unicode/utf8"
)

// suggest returns the candidate the user most likely meant by word (a
// mistyped command, flag, subcommand or value), or "" when none is close:
// within one edit for short words and two for longer ones (a swap of two
// neighbours is one edit: serach → search), or the only candidate that
// starts with word.
func suggest(word string, candidates []string) string {
	if word == "" {
		return ""
	}
	lw := strings.ToLower(word)
	limit := 1
	if utf8.RuneCountInString(word) >= 6 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := editDistance(lw, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	if utf8.RuneCountInString(word) < 3 {
		return ""
	}
	var prefixed []string
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), lw) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the optimal string alignment distance between a and
// b, in runes: insertions, deletions, substitutions and swaps of two
// adjacent runes each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: the one before the previous is needed for swaps.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// quote writes a suggested value as it is typed: 'search'.
func quote(s string) string { return "'" + s + "'" }

// didYouMean is the hint for a mistyped word, or "" when there is no
// likely candidate. quote formats the candidate as the user would type it.
func didYouMean(word string, candidates []string, quote func(string) string) string {
	s := suggest(word, candidates)
	if s == "" {
		return ""
	}
	return "did you mean " + quote(s) + "?"
}
