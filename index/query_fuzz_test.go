package index

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"
	"unicode/utf8"
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
	dc := &dateContext{now: time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC), loc: time.UTC}
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
