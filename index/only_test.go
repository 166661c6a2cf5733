package index_test

import (
	"context"
	"slices"
	"testing"

	"coffer/index"
)

// TestSearchOnly: Request.Only keeps the hits among the messages named,
// with their highlights, and no other; an unknown id is no hit.
func TestSearchOnly(t *testing.T) {
	ix, _ := buildCase(t, "basic")
	all, err := ix.IDs(context.Background(), "lunch")
	if err != nil || len(all) < 2 {
		t.Fatalf("lunch: %v %v", all, err)
	}
	for _, c := range []struct {
		name string
		only []string
		want []string
	}{
		{"one of the hits", all[1:2], all[1:2]},
		{"a hit and a message without the word", []string{all[0], "m03"}, all[:1]},
		{"unknown", []string{"no such id"}, nil},
		{"empty: nothing", []string{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), "lunch", index.Request{Sort: index.Oldest, Limit: 100, Only: c.only})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
				if len(h.Highlights) == 0 {
					t.Errorf("%s: no highlights", h.ID)
				}
			}
			if !slices.Equal(got, c.want) || res.Total != len(c.want) {
				t.Errorf("hits %v (total %d), want %v", got, res.Total, c.want)
			}
		})
	}
}
