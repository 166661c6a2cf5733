package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/corpus"
)

// show renders a query AST compactly, for the parse tests.
func show(n node) string {
	switch n := n.(type) {
	case *textNode:
		f := ""
		if n.field == fieldSubject {
			f = "subject:"
		}
		switch n.kind {
		case textPhrase:
			return f + fmt.Sprintf("%q", n.value)
		case textSloppy:
			return f + fmt.Sprintf("%q~%d", n.value, n.slop)
		case textPrefix:
			return f + n.value + "*"
		case textFuzzy:
			return f + fmt.Sprintf("%s~%d", n.value, n.fuzz)
		}
		return f + n.value
	case *nearNode:
		s := "(" + show(n.ops[0])
		for i, d := range n.dists {
			s += fmt.Sprintf(" NEAR/%d %s", d, show(n.ops[i+1]))
		}
		return s + ")"
	case *andNode, *orNode:
		op, kids := "AND", []node(nil)
		if o, ok := n.(*orNode); ok {
			op, kids = "OR", o.kids
		} else {
			kids = n.(*andNode).kids
		}
		var parts []string
		for _, k := range kids {
			parts = append(parts, show(k))
		}
		return "[" + op + " " + strings.Join(parts, " ") + "]"
	case *notNode:
		return "-" + show(n.kid)
	}
	return fmt.Sprintf("%T", n)
}

func TestParseNear(t *testing.T) {
	dc := &queryContext{now: time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC), loc: time.UTC}
	for _, tc := range []struct {
		in, want string
		col      int
		err      string
	}{
		{in: "a NEAR b", want: "(a NEAR/10 b)"},
		{in: "a NEAR/0 b", want: "(a NEAR/0 b)"},
		{in: "a NEAR/100 b", want: "(a NEAR/100 b)"},
		{in: "a NEAR/3 b NEAR/2 c", want: "(a NEAR/3 b NEAR/2 c)"},
		{in: `(insider OR "non-public") NEAR/5 (trade OR buy)`, want: `([OR insider "non-public"] NEAR/5 [OR trade buy])`},
		{in: "trad* NEAR/2 desk~1", want: "(trad* NEAR/2 desk~1)"},
		{in: "a NEAR/2 b OR c", want: "[OR (a NEAR/2 b) c]"},
		{in: "x a NEAR/2 b", want: "[AND x (a NEAR/2 b)]"},
		{in: "a NEAR/2 b AND c", want: "[AND (a NEAR/2 b) c]"},
		{in: "-a NEAR b", want: "-(a NEAR/10 b)"},
		{in: "NOT a NEAR b", want: "-(a NEAR/10 b)"},
		{in: "subject:a NEAR subject:b", want: "(subject:a NEAR/10 subject:b)"},
		{in: "body:a NEAR b", want: "(a NEAR/10 b)"}, // body: is the text, as everywhere
		{in: `"a b"~3`, want: `"a b"~3`},
		{in: `"a b"~0`, want: `"a b"`},
		{in: `"a b"~007`, want: `"a b"~7`},
		{in: `subject:"a b"~2 c`, want: `[AND subject:"a b"~2 c]`},
		{in: `"a b" NEAR/1 c`, want: `("a b" NEAR/1 c)`},
		{in: "near far", want: "[AND near far]"}, // only the upper-case operator
		{in: "Near/2", want: "Near/2"},

		{in: "a NEAR/x b", col: 8, err: `NEAR/ takes a number of words from 0 to 100, not "x"`},
		{in: "a NEAR/ b", col: 8, err: `not ""`},
		{in: "a NEAR/101 b", col: 8, err: "from 0 to 100"},
		{in: "a NEAR/-1 b", col: 8, err: "from 0 to 100"},
		{in: "NEAR b", col: 1, err: "NEAR needs a term before it"},
		{in: "a OR NEAR/2 b", col: 6, err: "NEAR/2 needs a term before it"},
		{in: "a NEAR", col: 3, err: "NEAR needs a term after it"},
		{in: "a NEAR/2 NEAR b", col: 3, err: "NEAR/2 needs a term after it"},
		{in: "(a NEAR) b", col: 4, err: "needs a term after it"},
		{in: "a NEAR OR b", col: 3, err: "needs a term after it"},
		{in: "a NEAR -b", col: 8, err: "NOT cannot be inside a NEAR operand"},
		{in: "a NEAR NOT b", col: 8, err: "NOT cannot be inside a NEAR operand"},
		{in: "(NOT a) NEAR b", col: 2, err: "NOT cannot be inside a NEAR operand"},
		{in: "NOT NEAR b", col: 1, err: "nothing to exclude"},
		{in: "a NEAR (b c)", col: 9, err: "not an AND"},
		{in: "a NEAR (b OR (c d))", col: 15, err: "not an AND"},
		{in: "a NEAR from:bob", col: 8, err: "from: cannot be a NEAR operand"},
		{in: "tag:x NEAR a", col: 1, err: "tag: cannot be a NEAR operand"},
		{in: "a NEAR date:2024", col: 8, err: "a date cannot be a NEAR operand"},
		{in: "* NEAR a", col: 1, err: `"*" cannot be a NEAR operand`},
		{in: "subject:a NEAR b", col: 16, err: "NEAR operands must all be subject: or none of them"},
		{in: "a NEAR (subject:b OR c)", col: 9, err: "must all be subject:"},
		{in: "(a NEAR b) NEAR c", col: 2, err: "a NEAR cannot be a NEAR operand"},
		{in: `"a b"~3 NEAR c`, col: 1, err: "a phrase with ~ cannot be a NEAR operand"},
		{in: `"a b"~x`, col: 6, err: `~ after a phrase takes a number of words from 0 to 100, not "x"`},
		{in: `"a b"~`, col: 6, err: `not ""`},
		{in: `"a b"~101`, col: 6, err: "from 0 to 100"},
		{in: `x subject:"a b"~-2`, col: 16, err: "from 0 to 100"},
	} {
		n, err := parseQuery(tc.in, dc)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.in, err)
			} else if got := show(n); got != tc.want {
				t.Errorf("%s: parsed as %s, want %s", tc.in, got, tc.want)
			}
			continue
		}
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: got %v, want a *QueryError", tc.in, err)
			continue
		}
		if qe.Col != tc.col || !strings.Contains(qe.Msg, tc.err) {
			t.Errorf("%s: got column %d %q, want column %d %q", tc.in, qe.Col, qe.Msg, tc.col, tc.err)
		}
	}
}

// nearMessages are the messages of TestNearSearch, by id.
var nearMessages = []struct{ id, subject, body string }{
	{"n1", "", "alpha one two three beta"},
	{"n2", "", "beta x alpha"},
	{"n3", "", "Alpha BETA"},
	{"n4", "", "alpha one two three four beta"},
	{"n5", "", "A café in Zürich is nice"},
	{"n6", "insider tip", "buy now"},
	{"n7", "", "the insider will trade tomorrow"},
	{"n8", "", "non-public information, we should buy"},
	{"n9", "", "trading desk guarantee a return"},
	{"n10", "", "a1 x b1 x x c1"},
	{"n11", "", "東京 と 大阪"},
	{"n12", "", "สวัสดีครับ วันนี้อากาศดี"},
	{"n13", "", "ok สวัสดี x y z ok"},
	{"n14", "one two", "three alpha"},
}

func buildNear(t *testing.T) *Index {
	t.Helper()
	var msgs []*vault.Message
	for i, m := range nearMessages {
		msgs = append(msgs, &vault.Message{ID: m.id, Subject: m.subject, Body: m.body, Source: "test",
			Sender: "s", Time: time.Date(2024, 1, 1, 0, i, 0, 0, time.UTC), Conversation: vault.Conversation{ID: "c"}})
	}
	ix, err := New(msgs, nil, Options{Shards: 2, BatchSize: 3})
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

func TestNearSearch(t *testing.T) {
	ix := buildNear(t)
	for _, tc := range []struct {
		q    string
		want string // ids, space-separated, sorted
	}{
		// Words strictly between: n1 has 3, n2 1 (reversed), n3 none, n4 4.
		{"alpha NEAR/3 beta", "n1 n2 n3"},
		{"alpha NEAR/2 beta", "n2 n3"},
		{"beta NEAR/3 alpha", "n1 n2 n3"},
		{"alpha NEAR/4 beta", "n1 n2 n3 n4"},
		{"alpha NEAR/0 beta", "n3"},
		{"alpha NEAR beta", "n1 n2 n3 n4"},
		{"alpha NEAR/3 beta one", "n1"},
		{"alpha NEAR/3 beta -x", "n1 n3"},
		{"-(alpha NEAR/2 beta) alpha", "n1 n14 n4"},
		{"alpha NEAR/3 beta OR tip", "n1 n2 n3 n6"},
		// Folding as a word query does.
		{"cafe NEAR/1 zurich", "n5"},
		{"CAFÉ NEAR/1 Zürich", "n5"},
		{"café NEAR/0 zürich", ""},
		// The text is the subject, then the body.
		{"insider NEAR/1 buy", "n6"},
		{"insider NEAR/0 buy", ""},
		{"subject:insider NEAR/1 subject:buy", ""},
		{"subject:insider NEAR/0 subject:tip", "n6"},
		{"subject:tip NEAR/0 subject:insider", "n6"},
		{"two NEAR/0 three", "n1 n14 n4"},
		{"subject:two NEAR/0 subject:three", ""},
		// OR operands, phrases (spans: the nearest end counts), prefixes.
		{`(insider OR "non-public") NEAR/5 (trade OR buy)`, "n6 n7 n8"},
		{`(insider OR "non-public") NEAR/2 (trade OR buy)`, "n6 n7"},
		{`"non-public" NEAR/3 buy`, "n8"},
		{`non-public NEAR/2 buy`, ""},
		{`"public information" NEAR/0 non`, "n8"},
		{`(alpha OR "alpha one two") NEAR/0 three`, "n1 n14 n4"}, // n14: "three alpha"
		{`("alpha one two" OR alpha) NEAR/0 three`, "n1 n14 n4"},
		{`(alpha OR "alpha one") NEAR/0 three`, "n14"},
		{"trad* NEAR/0 desk", "n9"},
		{"trad* NEAR/2 return", ""},
		{"trad* NEAR/3 return", "n9"},
		{"tradin~1 NEAR/0 desk", "n9"},
		// Two occurrences of the same word.
		{"x NEAR/0 x", "n10"},
		{"x NEAR/1 x", "n10"},
		{"beta NEAR/5 beta", ""},
		// Chains: each neighbour pair within its distance.
		{"a1 NEAR/1 b1 NEAR/2 c1", "n10"},
		{"a1 NEAR/1 b1 NEAR/1 c1", ""},
		{"a1 NEAR/0 b1 NEAR/2 c1", ""},
		{"c1 NEAR/2 b1 NEAR/1 a1", "n10"},
		// CJK and spaceless scripts, at analyzer positions.
		{"東京 NEAR/1 大阪", "n11"},
		{"東京 NEAR/0 大阪", ""},
		{"สวัสดี NEAR/0 ok", "n13"},
		{"สวัสดี NEAR/2 ok", "n13"},
		{"สวัสดี NEAR/3 y", "n13"},
		{"สวัสดี NEAR/1 y", "n13"},
		{"สวัสดี NEAR/0 y", ""},
		{"สวัสดี NEAR/0 x", "n13"},
		{"สวัสดี NEAR/20 อากาศ", "n12"},
		// Sloppy phrases: any order, slack ≤ n; ~0 is the phrase.
		{`"alpha beta"~3`, "n1 n2 n3"},
		{`"alpha beta"~1`, "n2 n3"},
		{`"beta alpha"~1`, "n2 n3"},
		{`"alpha beta"~4`, "n1 n2 n3 n4"},
		{`"alpha beta"~0`, "n3"},
		{`"beta alpha"~0`, ""},
		{`"three one two"~1`, "n1 n14 n4"},
		{`"three one two"~0`, ""},
		{`"one three"~1`, "n1 n14 n4"},
		{`"one three"~0`, ""},
		{`"x x"~0`, "n10"},
		{`"x x x"~1`, "n10"},
		{`"x x x"~0`, ""},
		{`"a1 a1"~5`, ""},
		{`"alpha"~3`, "n1 n14 n2 n3 n4"},
		{`subject:"one two"~0`, "n14"},
		{`subject:"two three"~3`, ""},
		{`"two three"~3`, "n1 n14 n4"},
		{`"cafe zurich"~1`, "n5"},
		{`"東京 大阪"~1`, "n11"},
		{`"東京 大阪"~0`, ""},
		{`"alpha beta"~3 -one`, "n2 n3"},
		{`"alpha beta"~3 OR tip`, "n1 n2 n3 n6"},
	} {
		ids, err := ix.IDs(context.Background(), tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		slices.Sort(ids)
		if got := strings.Join(ids, " "); got != tc.want {
			t.Errorf("%s: got [%s], want [%s]", tc.q, got, tc.want)
		}
	}
}

func TestNearHighlights(t *testing.T) {
	ix := buildNear(t)
	for _, tc := range []struct {
		q, id string
		want  string // field[start:end] ...
	}{
		{"alpha NEAR/3 beta", "n1", "body[0:5] body[20:24]"},
		{"alpha NEAR/2 beta", "n2", "body[0:4] body[7:12]"},
		{`"alpha beta"~3`, "n1", "body[0:5] body[20:24]"},
		{"insider NEAR/1 buy", "n6", "subject[0:7] body[0:3]"},
		{"x NEAR/0 x", "n10", "body[8:9] body[10:11]"},
		{"a1 NEAR/1 b1 NEAR/2 c1", "n10", "body[0:2] body[5:7] body[12:14]"},
		{`"non-public" NEAR/3 buy`, "n8", "body[0:10] body[34:37]"},
		{"alpha NEAR/3 beta OR nice", "n5", "body[22:26]"},
		{`"alpha"~3`, "n2", "body[7:12]"},
		{`"東京 大阪"~1`, "n11", "body[0:6] body[11:17]"},
		{`subject:"tip insider"~0 OR "tip insider"~1`, "n6", "subject[0:7] subject[8:11]"},
	} {
		res, err := ix.Search(context.Background(), tc.q, Request{Limit: 100})
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		found := false
		for _, h := range res.Hits {
			if h.ID != tc.id {
				continue
			}
			found = true
			var parts []string
			for _, s := range h.Highlights {
				parts = append(parts, fmt.Sprintf("%s[%d:%d]", s.Field, s.Start, s.End))
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Errorf("%s on %s: highlights %s, want %s", tc.q, tc.id, got, tc.want)
			}
		}
		if !found {
			t.Errorf("%s: %s not among the hits", tc.q, tc.id)
		}
	}
}

// TestNearCorpus checks proximity on generated messages against the plain
// rule (whole-text analysis, every pair of positions) and against the
// phrase: "a b"~0 is the phrase "a b", and for two different words
// "a b"~n is a NEAR/n b.
func TestNearCorpus(t *testing.T) {
	msgs := corpus.Generate(3000, 7)
	ix, err := New(msgs, nil, Options{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := func(q string) []string {
		t.Helper()
		out, err := ix.IDs(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		slices.Sort(out)
		return out
	}
	// The plain rule works on each message's whole analysis, made once.
	type tp struct {
		term string
		pos  int
	}
	analysed := make([][]tp, len(msgs))
	for i, m := range msgs {
		for _, tok := range ix.analyzer.Analyze(appendText(nil, m, bleveText)) {
			analysed[i] = append(analysed[i], tp{string(tok.Term), tok.Position})
		}
	}
	positions := func(i int, a, b string) (pa, pb []int) {
		for _, tok := range analysed[i] {
			switch tok.term {
			case a:
				pa = append(pa, tok.pos)
			case b:
				pb = append(pb, tok.pos)
			}
		}
		return pa, pb
	}
	r := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for checked < 40 {
		m := msgs[r.IntN(len(msgs))]
		terms := ix.analyze(m.Body)
		if len(terms) < 2 {
			continue
		}
		k := r.IntN(len(terms) - 1)
		a, b := terms[k], terms[k+1]
		if strings.ContainsAny(a+b, `"()*~:\`) || a == b || strings.HasPrefix(a, "-") || strings.HasPrefix(b, "-") {
			continue
		}
		checked++
		phrase := ids(fmt.Sprintf("%q", a+" "+b))
		if got := ids(fmt.Sprintf("%q~0", a+" "+b)); !slices.Equal(got, phrase) {
			t.Errorf(`"%s %s"~0: %v, the phrase: %v`, a, b, got, phrase)
		}
		for _, n := range []int{0, 1, 4} {
			var want []string
			for i, m := range msgs {
				pa, pb := positions(i, a, b)
				near := false
				for _, p := range pa {
					for _, q := range pb {
						near = near || p != q && max(p-q, q-p)-1 <= n
					}
				}
				if near {
					want = append(want, m.ID)
				}
			}
			slices.Sort(want)
			q := fmt.Sprintf("%s NEAR/%d %s", a, n, b)
			got := ids(q)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d hits, the analysis of every message says %d", q, len(got), len(want))
			}
			if n > 0 {
				if s := ids(fmt.Sprintf("%q~%d", a+" "+b, n)); !slices.Equal(s, got) {
					t.Errorf(`"%s %s"~%d: %d hits, %s: %d`, a, b, n, len(s), q, len(got))
				}
			}
			for _, id := range phrase {
				if _, ok := slices.BinarySearch(got, id); !ok {
					t.Errorf("%s misses %s, which holds the phrase", q, id)
				}
			}
		}
	}
}

// FuzzNearCheck checks the proximity checker (its ASCII shortcut, its
// chain and window logic) against the plain rules applied to the
// analyzer's tokens of the whole text: NEAR/n when two occurrences at
// different positions have at most n positions between them, ~n when
// distinct tokens holding the words span at most n+k positions.
func FuzzNearCheck(f *testing.F) {
	for _, s := range []string{"alpha one two three beta", "beta x alpha", "a a b a", "x y x y x", "Café in Zürich",
		"東京 と 大阪", "ok สวัสดี x y z ok", "it's e.g. a:b c", "_foo bar_ baz", "3.14 is pi, 2,000 not",
		"non-public information, buy", "a\u0301 b c", "ＡＢＣ def abc", "to the café, to be 東京 or not to be",
		"x 👍🏽 x y naïve x", "e\u0301 e e\u0301", "1.5 ١٢ x", "ok ไทย ok\xff ok ok"} {
		f.Add(s, uint8(0), uint8(1), uint8(2))
	}
	an := newAnalyzer()
	f.Fuzz(func(t *testing.T, s string, i, j, n uint8) {
		toks := an.Analyze([]byte(s[:indexedLen(s)]))
		if len(toks) == 0 {
			return
		}
		a, b := string(toks[int(i)%len(toks)].Term), string(toks[int(j)%len(toks)].Term)
		d := int(n % 6)
		var pa, pb []int
		for _, tk := range toks {
			if string(tk.Term) == a {
				pa = append(pa, tk.Position)
			}
			if string(tk.Term) == b {
				pb = append(pb, tk.Position)
			}
		}
		near := false
		for _, p := range pa {
			for _, q := range pb {
				near = near || p != q && max(p-q, q-p)-1 <= d
			}
		}
		m := &vault.Message{Body: s}
		q := &proximity{field: bleveText, dists: []int{d},
			ops: [][]nearAlt{{{kind: textPhrase, terms: []string{a}}}, {{kind: textPhrase, terms: []string{b}}}}}
		if got := newProxChecker(an, q).match(m); got != near {
			t.Fatalf("%q NEAR/%d %q in %q: %v, the analysis says %v", a, d, b, s, got, near)
		}
		// Sloppy phrase of the two words and a third: distinct tokens.
		c := string(toks[int(n)%len(toks)].Term)
		words := []string{a, b, c}
		sloppy := false
		for x := range toks {
			for y := range toks {
				for z := range toks {
					if x == y || y == z || x == z {
						continue
					}
					tx, ty, tz := toks[x], toks[y], toks[z]
					if string(tx.Term) != a || string(ty.Term) != b || string(tz.Term) != c {
						continue
					}
					lo := min(tx.Position, ty.Position, tz.Position)
					hi := max(tx.Position, ty.Position, tz.Position)
					sloppy = sloppy || hi-lo-2 <= d
				}
			}
		}
		sq := &proximity{field: bleveText, terms: words, slop: d}
		if got := newProxChecker(an, sq).match(m); got != sloppy {
			t.Fatalf("%q~%d in %q: %v, the analysis says %v", words, d, s, got, sloppy)
		}
	})
}
