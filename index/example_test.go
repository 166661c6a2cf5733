package index_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"coffer/index"
	"coffer/vault"
)

func Example() {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	msgs := []*vault.Message{
		{ID: "a1", Source: "signal", Conversation: vault.Conversation{ID: "sig:1", Title: "Family"},
			Sender: "Alice", Time: at("2024-03-01T10:00:00Z"), Body: "Lunch at the café tomorrow?"},
		{ID: "b2", Source: "signal", Conversation: vault.Conversation{ID: "sig:1", Title: "Family"},
			Sender: "Bob", Time: at("2024-03-01T10:05:00Z"), Body: "Yes, lunch at noon!"},
	}
	ctx := context.Background()
	ix, err := index.New(msgs, map[string][]string{"b2": {"todo"}}, index.Options{})
	if err != nil {
		panic(err)
	}
	defer ix.Close()
	ix.Start(ctx) // index the text in the background; metadata queries work already
	if err := ix.Wait(ctx); err != nil {
		panic(err)
	}

	res, _ := ix.Search(ctx, `lunch cafe in:family`, index.Request{Sort: index.Newest, Facets: true})
	for _, h := range res.Hits {
		for _, sp := range h.Highlights {
			// Hits carry positions, not messages: msgs is in time order,
			// so a hit's Pos is its index there.
			fmt.Printf("%s %s %q\n", h.ID, sp.Field, msgs[h.Pos].Body[sp.Start:sp.End])
		}
	}
	fmt.Println("senders:", res.Facets.Sender)

	_, err = ix.Search(ctx, `lunch (noon`, index.Request{})
	var qe *index.QueryError
	if errors.As(err, &qe) {
		fmt.Printf("error at column %d: %s\n", qe.Col, qe.Msg)
	}
	// Output:
	// a1 body "Lunch"
	// a1 body "café"
	// senders: [{Alice  1}]
	// error at column 7: missing ")"
}
