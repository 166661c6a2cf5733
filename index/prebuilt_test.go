package index_test

import (
	"context"
	"strings"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/corpus"
)

func TestOpenPrebuilt(t *testing.T) {
	ctx := context.Background()
	msgs := loadMessages(t, "testdata/basic/messages.jsonl")
	common := index.CommonWords(msgs)
	// One segment with every message, one with a message the index does
	// not have (a message deleted since the import).
	seg, err := index.BuildSegment(msgs, common)
	if err != nil {
		t.Fatal(err)
	}
	other := corpus.Generate(1, 5)
	other[0].Body = "lunch"
	extra, err := index.BuildSegment(other, common)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(msgs, nil, []vault.IndexSegment{{Name: "extra", Data: extra, Messages: other}, {Name: "all", Data: seg, Messages: msgs}}, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// Fully covered by segments: complete at once, before any Start.
	if p := ix.Progress(); p.Done != len(msgs) || p.Total != len(msgs) {
		t.Errorf("progress %+v, want %d of %d", p, len(msgs), len(msgs))
	}
	res, err := ix.Search(ctx, `lunch "at the"`, index.Request{})
	if err != nil || res.Partial || res.Total != 1 || res.Hits[0].ID != "m01" {
		t.Errorf("got %+v, %v; want m01", res, err)
	}

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a coffer index segment"},
		{"truncated", seg[len(seg)/2:], "checksum"},
		{"short", seg[len(seg)-30:], "truncated"},
		{"flipped", flip(seg, len(seg)/3), "checksum"},
		{"v1", []byte("zap bytes...coffer-index-v1\n"), "older format"},
	} {
		_, err := index.Open(msgs, nil, []vault.IndexSegment{{Name: "seg", Data: tc.data, Messages: msgs}}, index.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}

	// A segment of other messages than those given with it is refused.
	if _, err := index.Open(msgs, nil, []vault.IndexSegment{{Name: "seg", Data: seg, Messages: msgs[1:]}}, index.Options{}); err == nil || !strings.Contains(err.Error(), "documents for") {
		t.Errorf("segment of %d messages opened with %d: %v", len(msgs), len(msgs)-1, err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

// TestPrebuiltInParts: a segment of more messages than BuildSegment
// analyses at once is built in parts and merged (on Linux); it must
// answer every kind of query exactly as the index built from the
// messages does, hits in the same order.
func TestPrebuiltInParts(t *testing.T) {
	ctx := context.Background()
	msgs := corpus.Generate(10_000, 3)
	seg, err := index.BuildSegment(msgs, index.CommonWords(msgs))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := index.Open(msgs, nil, []vault.IndexSegment{{Name: "all", Data: seg, Messages: msgs}}, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pre.Close()
	built, err := index.New(msgs, nil, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	built.Start(ctx)
	if err := built.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(msgs[9_999].Body + " " + msgs[0].Body + " " + msgs[5_000].Body)
	queries := []string{words[0], words[1] + " " + words[2], `"` + words[0] + " " + words[1] + `"`, words[3][:min(3, len(words[3]))] + "*",
		"from:" + strings.Fields(msgs[4_100].Sender)[0], words[0] + " date:2024", "-" + words[0]}
	for _, q := range queries {
		a, err := pre.Search(ctx, q, index.Request{Limit: 10_000, Sort: index.Newest})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		b, err := built.Search(ctx, q, index.Request{Limit: 10_000, Sort: index.Newest})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if a.Total != b.Total || len(a.Hits) != len(b.Hits) {
			t.Errorf("%q: prebuilt %d hits, built %d", q, a.Total, b.Total)
			continue
		}
		if a.Total == 0 {
			t.Errorf("%q finds nothing: not a test", q)
		}
		for i := range a.Hits {
			if a.Hits[i].ID != b.Hits[i].ID {
				t.Errorf("%q: hit %d is %s prebuilt, %s built", q, i, a.Hits[i].ID, b.Hits[i].ID)
				break
			}
		}
	}
}
