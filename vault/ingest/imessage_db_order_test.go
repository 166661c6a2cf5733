package ingest

import (
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDenseRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []int64
		want int
	}{
		{"one", []int64{7}, 1},
		{"consecutive", []int64{1, 2, 3, 4}, 4},
		{"every other row", []int64{1, 3, 5, 7, 9}, 5},
		{"half the rows between", []int64{1, 4, 7}, 2},
		{"sparser than half", []int64{1, 5, 9}, 1},
		{"stops going down", []int64{5, 6, 7, 3, 4}, 3},
		{"stops at a repeat", []int64{5, 6, 6}, 2},
		{"a gap the run pays for", []int64{1, 2, 3, 4, 5, 6, 7, 8, 14, 15}, 10},
		{"a gap too wide", []int64{1, 2, 3, 4, 5, 6, 7, 8, 30}, 8},
		{"far apart, no overflow", []int64{math.MinInt64, -1, math.MaxInt64}, 1},
		{"negative ROWIDs", []int64{-3, -2, -1, 0, 1}, 5},
	} {
		if got := denseRun(tc.ids); got != tc.want {
			t.Errorf("%s: denseRun(%v) = %d, want %d", tc.name, tc.ids, got, tc.want)
		}
	}
}

// TestCompareSQLite holds compareSQLite to SQLite's own ORDER BY.
func TestCompareSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values := []string{"NULL", "0", "-1", "1", "0.5", "-0.5", "1.0", "9223372036854775807", "-9223372036854775808",
		"9.3e18", "-9.3e18", "9223372036854775807.0", "'a'", "'b'", "''", "'10'", "x''", "x'00'", "x'61'", "2.5", "2", "3"}
	rows, err := db.Query("SELECT column1, column2 FROM (VALUES " + valuesList(values) + ") ORDER BY column2, column1")
	if err != nil {
		t.Fatal(err)
	}
	type kv struct {
		i int
		v any
	}
	var want []kv
	for rows.Next() {
		var x kv
		if err := rows.Scan(&x.i, &x.v); err != nil {
			t.Fatal(err)
		}
		want = append(want, x)
	}
	rows.Close()
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortStableFunc(got, func(a, b kv) int {
		if c := compareSQLite(a.v, b.v); c != 0 {
			return c
		}
		return a.i - b.i
	})
	order := func(kvs []kv) (is []int) {
		for _, x := range kvs {
			is = append(is, x.i)
		}
		return is
	}
	if !slices.Equal(order(got), order(want)) {
		t.Fatalf("order\n got %v\nwant %v", got, want)
	}
}

func valuesList(values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d, %s)", i, v)
	}
	return b.String()
}

// TestChatDBRowsOutOfOrder reads a database whose rows are stored partly
// in date order, partly not (a run read with a range query, rows read
// by ROWID, tapbacks between them), and finds every message once, oldest
// first, with its reactions.
func TestChatDBRowsOutOfOrder(t *testing.T) {
	spec := fakeChatDB{handles: []string{"+447700900001"}, services: []string{"iMessage"},
		chats: []fakeChat{{guid: "iMessage;-;+447700900001", ident: "+447700900001", members: []int{1}}}}
	const n = 400
	date := func(i int) int64 {
		switch {
		case i >= 150 && i < 200: // stored backwards
			return ns(1, 0, 0) + int64(350-i)*60e9
		case i%37 == 0: // stored far from its time
			return ns(1, 0, 0) + int64((i*7919)%n)*60e9 + 30e9
		}
		return ns(1, 0, 0) + int64(i)*60e9
	}
	messages := 0
	for i := range n {
		m := fakeMessage{guid: "G" + strconv.Itoa(i), chat: 1, handle: 1, date: date(i), text: "message " + strconv.Itoa(i)}
		if i%10 == 9 {
			m.text, m.assocGUID, m.assocType = "", "p:0/G"+strconv.Itoa(i-1), 2001
		} else {
			messages++
		}
		spec.messages = append(spec.messages, m)
	}
	p := filepath.Join(t.TempDir(), "chat.db")
	writeChatDB(t, p, spec)
	ms := collect(t, IMessage, p, Options{})
	if len(ms) != messages {
		t.Fatalf("%d messages, want %d", len(ms), messages)
	}
	seen := map[string]bool{}
	for i, m := range ms {
		checkEmitted(t, m)
		if i > 0 && m.Time.Before(ms[i-1].Time) {
			t.Errorf("message %d (%s) is older than the one before", i, m.Provenance.OriginalID)
		}
		g := m.Provenance.OriginalID
		if seen[g] {
			t.Errorf("%s read twice", g)
		}
		seen[g] = true
		row, _ := strconv.Atoi(strings.TrimPrefix(g, "G"))
		if wantReaction := row%10 == 8; wantReaction != (len(m.Reactions) == 1) {
			t.Errorf("%s: reactions %v", g, m.Reactions)
		}
	}
}
