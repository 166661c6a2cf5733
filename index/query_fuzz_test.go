package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
	"unicode/utf8"

	"coffer/vault"
)

// FuzzParseQuery checks that the parser never panics and that every error
// is a *QueryError whose column lies within the query. It is seeded from
// every query of the data-driven tests.
func FuzzParseQuery(f *testing.F) {
	files, _ := os.ReadDir("testdata")
	seeds := 0
	for _, d := range files {
		b, err := os.ReadFile("testdata/" + d.Name() + "/queries.json")
		if err != nil {
			continue
		}
		var qs []struct{ Q string }
		if err := json.Unmarshal(b, &qs); err != nil {
			f.Fatal(err)
		}
		for _, q := range qs {
			f.Add(q.Q)
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seed queries found under testdata/")
	}
	dc := &queryContext{now: time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC), loc: time.UTC}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := parseQuery(q, dc)
		if err == nil {
			if n == nil {
				t.Fatal("nil AST without error")
			}
			return
		}
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("error %v is not a *QueryError", err)
		}
		if qe.Col < 1 || qe.Col > utf8.RuneCountInString(q)+1 {
			t.Fatalf("column %d outside query of %d runes", qe.Col, utf8.RuneCountInString(q))
		}
	})
}

// FuzzLoadSegment checks that damaged segment bytes give an error, never a
// panic. The vault authenticates what it decrypts, so this guards against
// bugs rather than attackers. Seeded from a segment of the test messages.
func FuzzLoadSegment(f *testing.F) {
	seg, err := BuildSegment(vault.TextsOf(loadTestMessages(f)), []string{"the", "at"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seg)
	f.Add(seg[len(seg)-60:])
	f.Fuzz(func(t *testing.T, data []byte) {
		loadSegment(data)
	})
}

func loadTestMessages(f *testing.F) []*vault.Message {
	b, err := os.ReadFile("testdata/basic/messages.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	var msgs []*vault.Message
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m vault.Message
		if err := json.Unmarshal(line, &m); err != nil {
			f.Fatal(err)
		}
		msgs = append(msgs, &m)
	}
	if len(msgs) == 0 {
		f.Fatal("no seed messages")
	}
	return msgs
}

// FuzzSearch runs arbitrary queries against the basic test index: no
// query may panic, and every failure is a *QueryError.
func FuzzSearch(f *testing.F) {
	msgs := loadTestMessages(f)
	// Spaceless text, for the one-cluster dictionary scan.
	for i, body := range []string{"สวัสดีครับ วันนี้อากาศดีมาก", "ខ្ញុំចង់ទៅភ្នំពេញ ดี"} {
		m := *msgs[0]
		m.ID, m.Body = fmt.Sprintf("sp%d", i), body
		msgs = append(msgs, &m)
	}
	ix, err := New(msgs, map[string][]string{"m01": {"x"}}, Options{Shards: 2, BatchSize: 4})
	if err != nil {
		f.Fatal(err)
	}
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile("testdata/basic/queries.json")
	if err != nil {
		f.Fatal(err)
	}
	var qs []struct{ Q string }
	if err := json.Unmarshal(b, &qs); err != nil || len(qs) == 0 {
		f.Fatalf("no seed queries (%v)", err)
	}
	for _, q := range qs {
		f.Add(q.Q, 0)
	}
	for _, q := range []string{"ดี", `"อากาศดี"`, "ខ្ញុំ* OR ပါ", "subject:ດີ -ไป", "ที่~"} {
		f.Add(q, 0)
	}
	f.Fuzz(func(t *testing.T, q string, sort int) {
		res, err := ix.Search(context.Background(), q, Request{Sort: Sort(sort & 3), Facets: true, Offset: sort >> 2 & 7})
		var qe *QueryError
		if err != nil && !errors.As(err, &qe) {
			t.Fatalf("%q: error %v is not a *QueryError", q, err)
		}
		if err == nil && res.Total > len(msgs) {
			t.Fatalf("%q: %d hits of %d messages", q, res.Total, len(msgs))
		}
	})
}
