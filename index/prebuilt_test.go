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
