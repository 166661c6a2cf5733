package index_test

import (
	"context"
	"encoding/json"
	"testing"

	"coffer/index"
)

func TestFacets(t *testing.T) {
	ix, _ := buildCase(t, "basic")
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"*", `{"Sender":[{"Value":"Alice Smith","Count":3},{"Value":"Bob Jones","Count":2}],` +
			`"Conversation":[{"Value":"wa:family","Label":"Family","Count":4},{"Value":"sig:trip","Label":"Tokyo trip","Count":3}],` +
			`"Source":[{"Value":"whatsapp","Count":4},{"Value":"signal","Count":3}],` +
			`"Tag":[{"Value":"important","Count":2},{"Value":"Finance","Count":1}],` +
			`"Month":[{"Value":"2023-12","Count":1},{"Value":"2024-01","Count":2},{"Value":"2024-02","Count":2},{"Value":"2024-03","Count":2},` +
			`{"Value":"2024-04","Count":2},{"Value":"2024-05","Count":2},{"Value":"2024-06","Count":4}]}`},
		{"report", `{"Sender":[{"Value":"Dave Brown","Count":1},{"Value":"Erin Green","Count":1}],` +
			`"Conversation":[{"Value":"tg:work","Label":"Project Apollo","Count":2}],` +
			`"Source":[{"Value":"telegram","Count":2}],"Tag":[{"Value":"important","Count":1}],"Month":[{"Value":"2024-02","Count":2}]}`},
	} {
		t.Run(tc.q, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tc.q, index.Request{Facets: true, FacetLimit: 2, Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != 0 {
				t.Errorf("Limit -1 returned %d hits", len(res.Hits))
			}
			got, _ := json.Marshal(res.Facets)
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSetTags(t *testing.T) {
	ix, _ := buildCase(t, "basic")
	ctx := context.Background()
	ids := func(q string) []string {
		t.Helper()
		res, err := ix.Search(ctx, q, index.Request{Sort: index.Oldest})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	if err := ix.SetTags("m01", []string{"todo", " todo ", "Lunch"}); err != nil {
		t.Fatal(err)
	}
	if res, err := ix.Search(ctx, "id:m01", index.Request{Facets: true}); err != nil || len(res.Facets.Tag) != 2 ||
		res.Facets.Tag[0] != (index.FacetCount{Value: "Lunch", Count: 1}) || res.Facets.Tag[1] != (index.FacetCount{Value: "todo", Count: 1}) {
		t.Errorf("tag facet of m01 = %+v, %v; want Lunch and todo once each", res.Facets, err)
	}
	if got := ids("tag:todo"); len(got) != 1 || got[0] != "m01" {
		t.Errorf("tag:todo = %v, want [m01]", got)
	}
	if got := ids("tag:lunch lunch"); len(got) != 1 {
		t.Errorf("tag:lunch lunch = %v, want [m01]", got)
	}
	if err := ix.SetTags("m03", nil); err != nil {
		t.Fatal(err)
	}
	if got := ids("tag:important"); len(got) != 1 || got[0] != "m09" {
		t.Errorf("after untagging m03, tag:important = %v, want [m09]", got)
	}
	if got, err := ix.IDs(ctx, "tag:todo OR tag:important"); err != nil || len(got) != 2 || got[0] != "m01" || got[1] != "m09" {
		t.Errorf("IDs = %v, %v; want [m01 m09]", got, err)
	}
	res, err := ix.Search(ctx, "lunch", index.Request{NoHighlights: true})
	if err != nil || res.Total != 2 || res.Hits[0].Highlights != nil {
		t.Errorf("NoHighlights: %+v, %v", res, err)
	}
	if err := ix.SetTags("nope", []string{"x"}); err == nil {
		t.Error("SetTags of an unknown id succeeded")
	}
}

// TestPartialSearch checks that search works before and during the text
// build: metadata completely, text over the newest messages indexed so far.
func TestPartialSearch(t *testing.T) {
	msgs := loadMessages(t, "testdata/basic/messages.jsonl")
	ctx := context.Background()
	ix, err := index.New(msgs, nil, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(ctx, "lunch", index.Request{})
	if err != nil || !res.Partial || res.Total != 0 {
		t.Errorf("text search before Start: got %+v, %v; want no hits, partial", res, err)
	}
	res, err = ix.Search(ctx, "from:alice date:2024", index.Request{})
	if err != nil || res.Partial || res.Total != 3 {
		t.Errorf("metadata search before Start: got %+v, %v; want 3 hits, complete", res, err)
	}

	var ix2 *index.Index
	var first *index.Result
	var last index.Progress
	ix2, err = index.New(msgs, nil, index.Options{Shards: 1, BatchSize: 5, Progress: func(p index.Progress) {
		if first == nil {
			// The newest five messages (m10, m11, m15, m12, m14) are in.
			first, err = ix2.Search(ctx, "thanks OR lunch", index.Request{Sort: index.Newest})
			if err != nil {
				t.Error(err)
			}
		}
		last = p
		if got := ix2.Progress(); got != p { // must not deadlock
			t.Errorf("Progress() in the callback = %+v, want %+v", got, p)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	ix2.Start(ctx)
	if err := ix2.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if first == nil || !first.Partial || first.Total != 2 || first.Hits[0].ID != "m12" || first.Hits[1].ID != "m10" {
		t.Errorf("search during the build: got %+v, want m12, m10, partial", first)
	}
	if last.Done != len(msgs) || last.Total != len(msgs) || ix2.Progress() != last {
		t.Errorf("after Wait: last progress %+v", last)
	}
	res, err = ix2.Search(ctx, "thanks OR lunch", index.Request{})
	if err != nil || res.Partial || res.Total != 4 {
		t.Errorf("after the build: got %+v, %v; want 4 hits, complete", res, err)
	}
}
