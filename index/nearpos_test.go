package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

// TestNearPositions checks proximity queries answered from the frequent
// words' positions (nearpos.go) against the same queries checked on the
// text, on a generated corpus of mostly common words: both syntaxes,
// distances 0 to 12, operands that are words, phrases, ORs of them and
// (checked on the text either way) prefixes and rare words.
func TestNearPositions(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 5))
	common := strings.Fields("the to and a of be it is not or that")
	other := strings.Fields("café Zürich don't e.g. 3.14 東京 x_y naïve 👍🏽 TO The")
	word := func() string {
		if r.IntN(8) == 0 {
			return other[r.IntN(len(other))]
		}
		return common[min(r.IntN(len(common)), r.IntN(len(common)))] // skewed to the first
	}
	var msgs []*vault.Message
	for i := range 1500 {
		var b strings.Builder
		for k := range 3 + r.IntN(40) {
			if k > 0 {
				b.WriteString([]string{" ", " ", " ", ", ", " - ", "\n"}[r.IntN(6)])
			}
			if r.IntN(300) == 0 {
				fmt.Fprintf(&b, "rare%d", r.IntN(20)) // in too few messages to be frequent
				continue
			}
			b.WriteString(word())
		}
		m := &vault.Message{ID: fmt.Sprintf("m%04d", i), Body: b.String(), Source: "test", Sender: "s",
			Time: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC), Conversation: vault.Conversation{ID: "c"}}
		if r.IntN(4) == 0 {
			m.Subject = word() + " " + word()
		}
		msgs = append(msgs, m)
	}
	ix, err := New(msgs, nil, Options{Shards: 2, BatchSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}

	operand := func() string {
		switch r.IntN(10) {
		case 0:
			return fmt.Sprintf("%q", word()+" "+word())
		case 1:
			return fmt.Sprintf("(%s OR %q)", word(), word()+" "+word())
		case 2:
			return fmt.Sprintf("(%s OR %s)", word(), word())
		case 3:
			return common[r.IntN(len(common))][:1] + "*"
		case 4:
			return fmt.Sprintf("rare%d", r.IntN(20))
		}
		return fmt.Sprintf("%q", word())
	}
	var queries []string
	for range 400 {
		n := r.IntN(13)
		switch r.IntN(4) {
		case 0:
			queries = append(queries, fmt.Sprintf("%s NEAR/%d %s NEAR/%d %s", operand(), n, operand(), r.IntN(13), operand()))
		case 1:
			k := 2 + r.IntN(3)
			var ws []string
			for range k {
				ws = append(ws, word())
			}
			queries = append(queries, fmt.Sprintf("%q~%d", strings.Join(ws, " "), n))
		default:
			queries = append(queries, fmt.Sprintf("%s NEAR/%d %s", operand(), n, operand()))
		}
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
	// Fewer than freqLazyMin candidates: the text checks them all.
	if ix.frequent(false) != nil {
		t.Fatal("the positions were built by a query of fewer than freqLazyMin candidates")
	}
	want := make([][]string, len(queries))
	for i, q := range queries {
		want[i] = ids(q)
	}
	fp := ix.frequent(true)
	for _, w := range common {
		if fp.lists[w] == nil {
			t.Fatalf("%q has no positions", w)
		}
	}
	fast, hits := 0, 0
	for i, q := range queries {
		if got := ids(q); !slices.Equal(got, want[i]) {
			t.Errorf("%s: %d hits from the positions, %d from the text", q, len(got), len(want[i]))
		}
		hits += len(want[i])
		root, err := parseQuery(q, &queryContext{now: time.Now(), loc: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if ix.positionsFor(compiled(t, ix, root), 0) != nil {
			fast++
		}
	}
	// Both paths were taken, and the queries are not all empty or all
	// full.
	if fast < len(queries)/3 || fast > len(queries)*9/10 || hits < len(queries)*10 || hits > len(queries)*len(msgs)*9/10 {
		t.Errorf("%d of %d queries used the positions, %d hits in all", fast, len(queries), hits)
	}
	// What the positions answer, and what falls back to the text.
	for q, want := range map[string]bool{
		`"to be" NEAR/2 (the OR a)`:   true,
		`the NEAR/0 the NEAR/3 "it"`:  true,
		`"the to and"~4`:              true,
		`"the the"~0`:                 true,
		`t* NEAR/3 the`:               false, // prefix
		`the~1 NEAR/3 the`:            false, // fuzzy
		`rare1 NEAR the`:              false, // not frequent
		`"the rare1"~3`:               false,
		`subject:the NEAR subject:to`: false, // subjects are short
	} {
		root, err := parseQuery(q, &queryContext{now: time.Now(), loc: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if got := ix.positionsFor(compiled(t, ix, root), 0) != nil; got != want {
			t.Errorf("%s: answered from the positions %v, want %v", q, got, want)
		}
	}
}

// compiled returns the proximity of a parsed NEAR or sloppy phrase.
func compiled(t *testing.T, ix *Index, n node) *proximity {
	t.Helper()
	switch n := n.(type) {
	case *nearNode:
		q, err := ix.compileNear(n)
		if err != nil {
			t.Fatal(err)
		}
		return q
	case *textNode:
		q := &proximity{field: bleveText, terms: ix.analyze(n.value), slop: n.slop}
		if n.field == fieldSubject {
			q.field = bleveSubject
		}
		return q
	}
	t.Fatalf("%T is not a proximity query", n)
	return nil
}

// TestPosCursor checks seeking through a list of many blocks, skipping
// blocks and entries, against the positions it was built from.
func TestPosCursor(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var msgs []*vault.Message
	want := map[uint32][]int32{}
	for i := range 5000 {
		// Runs of messages without w, and long messages where it is
		// rare, make ordinal and position deltas that take more than a
		// byte.
		var ws []string
		n, p := 1+r.IntN(30), 3
		switch {
		case i/100%4 == 1:
			p = 0
		case i%7 == 0:
			n, p = 1+r.IntN(600), 150
		}
		for k := range n {
			if p > 0 && r.IntN(p) == 0 {
				ws = append(ws, "w")
				want[uint32(i)] = append(want[uint32(i)], int32(k+1))
			} else {
				ws = append(ws, "z")
			}
		}
		msgs = append(msgs, &vault.Message{ID: fmt.Sprintf("m%04d", i), Body: strings.Join(ws, " "), Source: "t",
			Time: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
	}
	ix, err := New(msgs, nil, Options{Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	l := ix.frequent(true).lists["w"]
	if l == nil || len(l.skips) < 10 {
		t.Fatal("no list of many blocks for w")
	}
	for _, step := range []int{1, 2, 7, 63, 64, 65, 300} {
		c := newPosCursor(l)
		for o := r.IntN(step); o < len(msgs); o += 1 + r.IntN(step) {
			if got := c.seek(uint32(o), nil); !slices.Equal(got, want[uint32(o)]) {
				t.Fatalf("step %d: message %d: positions %v, want %v", step, o, got, want[uint32(o)])
			}
		}
	}
}
