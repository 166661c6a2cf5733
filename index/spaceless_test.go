package index

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokens renders the analysis of s as "term[start:end]" in position order.
func tokens(s string) string {
	var out []string
	for _, t := range newAnalyzer().Analyze([]byte(s)) {
		out = append(out, fmt.Sprintf("%s[%d:%d]", t.Term, t.Start, t.End))
	}
	return strings.Join(out, " ")
}

func TestSpacelessTokens(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"thai", "กินข้าว", "กิน[0:9] นข้[6:15] ข้า[9:18] าว[15:21]"},
		{"one cluster", "ดี", "ดี[0:6]"},
		{"runs split at spaces", "ไป ดี", "ไป[0:6] ดี[7:13]"},
		{"latin between", "okไทยok", "ok[0:2] ไท[2:8] ทย[5:11] ok[11:13]"},
		{"zero width space ignored", "ไป\u200bดี", "ไป[0:6] ปดี[3:15]"},
		{"joiner inside a cluster ignored", "ก\u200dั ข", "กั[0:9] ข[10:13]"},
		{"trailing joiner", "ไป\u200d x", "ไป[0:6] x[10:11]"},
		{"thai punctuation ends the run", "ไป๏ดี", "ไป[0:6] ดี[9:15]"},
		{"thai digits are a number", "ไป๑๒ดี", "ไป[0:6] ๑๒[6:12] ดี[12:18]"},
		{"khmer coeng stacks", "ស្តី", "ស្តី[0:12]"},
		{"khmer", "ភ្នំពេញ", "ភ្នំពេ[0:18] ពេញ[12:21]"},
		{"khmer khan ends the run", "ខ្ញុំ។", "ខ្ញុំ[0:15]"},
		{"myanmar virama stacks", "မင်္ဂလာ", "မင်္ဂ[0:15] င်္ဂလာ[3:21]"},
		{"myanmar section mark", "ပါ။ နေ", "ပါ[0:6] နေ[10:16]"},
		{"lao", "ສະບາຍດີ", "ສະ[0:6] ະບ[3:9] ບາ[6:12] າຍ[9:15] ຍດີ[12:21]"},
		{"foreign mark joins", "ก\u0301ข", "ก\u0301ข[0:8]"},
		{"emoji after", "ดี👍", "ดี[0:6] 👍[6:10]"},
		{"cjk unchanged", "東京タワー", "東京[0:6] 京タ[3:9] タワ[6:12] ワー[9:15]"},
	} {
		if got := tokens(tc.in); got != tc.want {
			t.Errorf("%s: %q: got %s, want %s", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestHoldsCluster(t *testing.T) {
	for _, tc := range []struct {
		term, c string
		want    bool
	}{
		{"ดี", "ดี", true},
		{"ศดี", "ดี", true},
		{"ดีม", "ดี", true},
		{"ที่ย", "ที", false}, // ที่ is another cluster
		{"เที", "ที", true},
		{"ที่ย", "ที่", true},
		{"ស្តី", "ស", false},  // the coeng stacks ត under ស
		{"ស្តី", "តី", false}, // nor is តី a cluster of it
		{"សួស្តី", "សួ", true},
		{"សួស្តី", "ស្តី", true},
		{"ab", "a", false},
	} {
		if got := holdsCluster(tc.term, tc.c) && isCluster(tc.c); got != tc.want {
			t.Errorf("holdsCluster(%q, %q) = %v, want %v", tc.term, tc.c, got, tc.want)
		}
	}
}

// FuzzSpaceless checks the analyzer's tokens on any valid text: inside the
// text, in position order, and every cluster of a spaceless bigram is
// found by holdsCluster.
func FuzzSpaceless(f *testing.F) {
	for _, s := range []string{"สวัสดีครับ วันนี้อากาศดี", "ก\u200bข\u200dั x", "សួស្តី ពិភពលោក", "မင်္ဂလာပါ။ ok",
		"ໄປ\u0301ດີ", "ไป\xffดี", "ﾀﾜｰ ไทย", "ស្\u200dតី", "္ကက"} {
		f.Add(s)
	}
	an := newAnalyzer()
	f.Fuzz(func(t *testing.T, s string) {
		toks := an.Analyze([]byte(s))
		if !utf8.ValidString(s) {
			// The CJK filters count an invalid byte as the three of
			// U+FFFD in offsets; the segmenter may stop at one.
			return
		}
		n := indexedLen(s)
		for i, tk := range toks {
			if tk.Start < 0 || tk.Start >= tk.End || tk.End > n || len(tk.Term) == 0 {
				t.Fatalf("%q: token %q at [%d:%d]", s, tk.Term, tk.Start, tk.End)
			}
			if i > 0 && tk.Position != toks[i-1].Position+1 {
				t.Fatalf("%q: token %q at position %d after %d", s, tk.Term, tk.Position, toks[i-1].Position)
			}
			r, _ := utf8.DecodeRune(tk.Term)
			if !clusterStart(r) || len(tk.Term) >= maxTermBytes {
				continue
			}
			term := string(tk.Term)
			first := term[:clusterEnd(term, utf8.RuneLen(r))]
			if !isCluster(first) || !holdsCluster(term, first) {
				t.Fatalf("%q: %q does not hold its first cluster %q", s, term, first)
			}
			if rest := term[len(first):]; rest != "" && (!isCluster(rest) || !holdsCluster(term, rest)) {
				t.Fatalf("%q: %q does not hold its second cluster %q", s, term, rest)
			}
		}
	})
}
