package index_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/index"
	"coffer/vault"
)

// testNow is the fixed clock of the data-driven cases (date:7d.., today).
var testNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

type queryCase struct {
	Q          string             `json:"q"`
	Sort       string             `json:"sort"`
	Offset     int                `json:"offset"`
	Limit      int                `json:"limit"`
	Want       []string           `json:"want"`    // ids in any order
	Ordered    []string           `json:"ordered"` // ids in this order
	Total      *int               `json:"total"`
	ErrCol     int                `json:"err_col"`
	Err        string             `json:"err"`        // in the error's message`
	Highlights map[string][][]any `json:"highlights"` // id -> [field, start, end]...
}

func loadMessages(t testing.TB, path string) []*vault.Message {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []*vault.Message
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var m vault.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		msgs = append(msgs, &m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func loadJSON(t testing.TB, path string, v any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return true
}

// buildCase builds the index of testdata/<name> with small batches and two
// shards, so that every case runs across several segments and shards.
func buildCase(t testing.TB, name string) (*index.Index, []*vault.Message) {
	return buildCaseMode(t, name, "build")
}

// buildCaseMode builds the index of a test case in one of three ways:
// "build" indexes everything at Start; "prebuilt" opens two segments made
// by BuildSegment (as an importer would), with an overlap; "mixed" opens
// one segment and indexes the rest at Start.
func buildCaseMode(t testing.TB, name, mode string) (*index.Index, []*vault.Message) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	msgs := loadMessages(t, filepath.Join(dir, "messages.jsonl"))
	var tags map[string][]string
	loadJSON(t, filepath.Join(dir, "tags.json"), &tags)
	opt := index.Options{Shards: 2, BatchSize: 4, Now: func() time.Time { return testNow }}
	var segs []vault.IndexSegment
	if mode != "build" {
		common := index.CommonWords(vault.TextsOf(msgs))
		half := len(msgs) / 2
		parts := [][]*vault.Message{msgs[:half+1]}
		if mode == "prebuilt" {
			parts = append(parts, msgs[half:])
		}
		for _, p := range parts {
			seg, err := index.BuildSegment(vault.TextsOf(p), common)
			if err != nil {
				t.Fatal(err)
			}
			segs = append(segs, vault.IndexSegment{Name: mode, Data: seg, Messages: p})
		}
	}
	ix, err := index.Open(msgs, tags, segs, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix, msgs
}

// build indexes msgs the way unlock does, New then Start, and waits for
// the text.
func build(msgs []*vault.Message, tags map[string][]string, opt index.Options) (*index.Index, error) {
	ix, err := index.New(msgs, tags, opt)
	if err != nil {
		return nil, err
	}
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

var sorts = map[string]index.Sort{"": index.Relevance, "relevance": index.Relevance, "newest": index.Newest, "oldest": index.Oldest}

func TestQueries(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/queries.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no test cases found (%v)", err)
	}
	for _, qpath := range cases {
		name := filepath.Base(filepath.Dir(qpath))
		for _, mode := range []string{"build", "prebuilt", "mixed"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				ix, _ := buildCaseMode(t, name, mode)
				var qs []queryCase
				loadJSON(t, qpath, &qs)
				for _, qc := range qs {
					t.Run(qc.Q, func(t *testing.T) { runQueryCase(t, ix, qc) })
				}
			})
		}
	}
}

func runQueryCase(t *testing.T, ix *index.Index, qc queryCase) {
	s, ok := sorts[qc.Sort]
	if !ok {
		t.Fatalf("bad sort %q", qc.Sort)
	}
	limit := qc.Limit
	if limit == 0 {
		limit = 1000
	}
	res, err := ix.Search(context.Background(), qc.Q, index.Request{Sort: s, Offset: qc.Offset, Limit: limit})
	if qc.ErrCol != 0 {
		var qe *index.QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("got error %v, want a *QueryError at column %d", err, qc.ErrCol)
		}
		if qe.Col != qc.ErrCol {
			t.Fatalf("got column %d (%s), want %d", qe.Col, qe.Msg, qc.ErrCol)
		}
		if !strings.Contains(qe.Msg, qc.Err) || strings.HasPrefix(qe.Error(), "index:") {
			t.Fatalf("got error %q, want one saying %q (and no package prefix)", qe.Error(), qc.Err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.ID)
	}
	if qc.Want != nil {
		g := slices.Clone(got)
		slices.Sort(g)
		w := slices.Clone(qc.Want)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("got %v, want %v", g, w)
		}
		if res.Total != len(qc.Want) {
			t.Errorf("got total %d, want %d", res.Total, len(qc.Want))
		}
	}
	if qc.Ordered != nil && !slices.Equal(got, qc.Ordered) && (len(got) != 0 || len(qc.Ordered) != 0) {
		t.Errorf("got %v, want in order %v", got, qc.Ordered)
	}
	if qc.Total != nil && res.Total != *qc.Total {
		t.Errorf("got total %d, want %d", res.Total, *qc.Total)
	}
	for id, want := range qc.Highlights {
		var hit *index.Hit
		for i := range res.Hits {
			if res.Hits[i].ID == id {
				hit = &res.Hits[i]
			}
		}
		if hit == nil {
			t.Errorf("%s: not among the hits %v", id, got)
			continue
		}
		var gs [][]any
		for _, sp := range hit.Highlights {
			gs = append(gs, []any{sp.Field, float64(sp.Start), float64(sp.End)})
		}
		gj, _ := json.Marshal(gs)
		wj, _ := json.Marshal(want)
		if len(want) == 0 {
			wj = []byte("null")
		}
		if string(gj) != string(wj) {
			t.Errorf("%s: got highlights %s, want %s", id, gj, wj)
		}
	}
}
