package index_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/index"
	"coffer/vault"
)

// TestBounds checks what the analyzer's bounds (README.md, "Long
// words and long messages") mean for a search: a word is indexed by its
// first 256 bytes, and a message's first 256 KiB of text, in an index built
// at Start and in one built by an importer.
func TestBounds(t *testing.T) {
	long := "Zq" + strings.Repeat("x", 298)               // 300 bytes
	other := long[:256] + strings.Repeat("y", 44)         // shares its first 256 bytes
	filler := strings.Repeat("filler words here ", 1<<16) // past 256 KiB
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]string{}
	msg := func(id, body string) *vault.Message {
		at = at.Add(time.Minute)
		m := &vault.Message{Source: "test", Conversation: vault.Conversation{ID: "c"}, Sender: "ann", Time: at, Body: body}
		if err := vault.Validate(m); err != nil {
			t.Fatal(err)
		}
		ids[id] = m.ID
		return m
	}
	msgs := []*vault.Message{
		msg("long", "start "+long+" end"),
		msg("other", "begin "+other+" end"),
		msg("huge", "inside "+filler+" beyond"),
		msg("short", "start "+long[:100]+" end"),
	}
	for _, mode := range []string{"build", "prebuilt"} {
		t.Run(mode, func(t *testing.T) {
			ix := openBounded(t, msgs, mode)
			for _, c := range []struct {
				q    string
				want []string
			}{
				{long, []string{"long", "other"}},
				{strings.ToUpper(long), []string{"long", "other"}},
				{long[:256], []string{"long", "other"}},
				{long[:255], nil}, // a shorter word is another word
				{long[:100], []string{"short"}},
				{long[:100] + "*", []string{"long", "other", "short"}},
				{long[:280] + "*", []string{"long", "other"}},
				{`"start ` + long + ` end"`, []string{"long"}},
				{`"` + long + ` end"`, []string{"long", "other"}},
				{"inside", []string{"huge"}},
				{"filler", []string{"huge"}},
				{"beyond", nil}, // past the first 256 KiB
			} {
				res, err := ix.Search(context.Background(), c.q, index.Request{Limit: 10})
				if err != nil {
					t.Fatalf("%.40q: %v", c.q, err)
				}
				var got, want []string
				for _, h := range res.Hits {
					got = append(got, h.ID)
				}
				for _, w := range c.want {
					want = append(want, ids[w])
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%.40q...: got %v, want %v (%v)", c.q, got, want, c.want)
				}
			}
			// The highlight marks the whole word, not its indexed start.
			res, err := ix.Search(context.Background(), long, index.Request{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				if h.ID != ids["long"] {
					continue
				}
				if len(h.Highlights) != 1 || h.Highlights[0].Start != 6 || h.Highlights[0].End != 6+len(long) {
					t.Errorf("highlights %+v, want the word at [6, %d)", h.Highlights, 6+len(long))
				}
			}
		})
	}
}

// openBounded indexes msgs at Start ("build") or from a segment built as
// an importer builds it ("prebuilt").
func openBounded(t *testing.T, msgs []*vault.Message, mode string) *index.Index {
	t.Helper()
	var segs []vault.IndexSegment
	if mode == "prebuilt" {
		seg, err := index.Sidecar(vault.TextsOf(msgs))
		if err != nil {
			t.Fatal(err)
		}
		segs = []vault.IndexSegment{{Name: "bounds", Data: seg, Messages: msgs}}
	}
	ix, err := index.Open(msgs, nil, segs, index.Options{Shards: 2, BatchSize: 2})
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
