// Package lookalike flags sender names that are not what they seem: a
// name that mixes scripts the way spoofers do (a Cyrillic "о" in a Latin
// name), or one that looks like another participant's name without being
// it. It follows Unicode TS #39 (security mechanisms): the mixed-script
// rule is its "highly restrictive" level, and names look alike when their
// confusable skeletons are equal (github.com/mtibben/confusables, the
// TS #39 confusables table).
package lookalike

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
)

// allowed are the script mixes TS #39's highly restrictive level accepts
// (how Japanese, Chinese and Korean are written, with Latin).
var allowed = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// Scripts returns the scripts of name's letters, sorted, when they mix in
// a way TS #39 would not allow in an identifier; else nil.
func Scripts(name string) []string {
	set := map[string]bool{}
	for _, r := range name {
		if r < 0x80 {
			if unicode.IsLetter(r) {
				set["Latin"] = true
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			continue
		}
		if s := script(r); s != "" && s != "Common" && s != "Inherited" {
			set[s] = true
		}
	}
	if len(set) <= 1 {
		return nil
	}
	var scripts []string
	for s := range set {
		scripts = append(scripts, s)
	}
	slices.Sort(scripts)
	for _, ok := range allowed {
		if !slices.ContainsFunc(scripts, func(s string) bool { return !slices.Contains(ok, s) }) {
			return nil
		}
	}
	return scripts
}

func script(r rune) string {
	for name, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return name
		}
	}
	return ""
}

// Check returns, for each name among names that is suspect, why: mixed
// scripts, or the other name it looks like (both of two lookalikes are
// flagged: the genuine one is being imitated). Names equal but for case
// are not each other's lookalikes.
func Check(names []string) map[string]string {
	out := map[string]string{}
	skel := make(map[string][]string, len(names))
	for _, n := range names {
		k := confusables.Skeleton(n)
		skel[k] = append(skel[k], n)
	}
	for _, n := range names {
		if sc := Scripts(n); sc != nil {
			out[n] = "mixes " + strings.Join(sc, " and ") + " letters"
			continue
		}
		for _, o := range skel[confusables.Skeleton(n)] {
			if !strings.EqualFold(o, n) {
				out[n] = fmt.Sprintf("looks like %q", o)
				break
			}
		}
	}
	return out
}
