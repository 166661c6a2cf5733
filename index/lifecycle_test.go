package index_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/corpus"
)

func TestCancel(t *testing.T) {
	msgs := corpus.Generate(5000, 9)
	ctx, cancel := context.WithCancel(context.Background())
	ix, err := index.New(msgs, nil, index.Options{BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	ix.Start(ctx)
	cancel()
	if err := ix.Wait(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel: %v, want context.Canceled", err)
	}
	if _, err := ix.Search(context.Background(), "the", index.Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("text search on a cancelled build: %v, want the build's error", err)
	}
	if err := ix.Close(); err != nil {
		t.Error(err)
	}

	ix, err = build(msgs, nil, index.Options{BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := ix.Search(done, "the OR and", index.Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("search with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestCloseWithoutStart(t *testing.T) {
	ix, err := index.New(corpus.Generate(10, 1), nil, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestNewOrders: in whatever order New gets the messages (the vault's
// time order, which it does not sort again, or any other), ordinals and so
// hits follow time, ties by ID.
func TestNewOrders(t *testing.T) {
	msgs := corpus.Generate(300, 4)
	msgs[1].Time = msgs[0].Time // a tie
	want := slices.Clone(msgs)
	slices.SortStableFunc(want, func(a, b *vault.Message) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	shuffled := slices.Clone(want)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, tc := range []struct {
		name string
		in   []*vault.Message
	}{{"sorted", want}, {"reversed", reversed}, {"shuffled", shuffled}} {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := build(tc.in, nil, index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			res, err := ix.Search(context.Background(), "*", index.Request{Sort: index.Oldest, Limit: len(msgs)})
			if err != nil || len(res.Hits) != len(want) {
				t.Fatalf("%d hits, %v; want %d", len(res.Hits), err, len(want))
			}
			for i, h := range res.Hits {
				if h.ID != want[i].ID {
					t.Fatalf("hit %d is %s, want %s", i, h.ID, want[i].ID)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	msgs := corpus.Generate(3, 1)
	dup := []*vault.Message{msgs[0], msgs[1], msgs[0]}
	if _, err := index.New(dup, nil, index.Options{}); err == nil {
		t.Error("duplicate ids accepted")
	}
	if _, err := index.New([]*vault.Message{msgs[0], nil}, nil, index.Options{}); err == nil {
		t.Error("nil message accepted")
	}
	ix, err := build(nil, nil, index.Options{})
	if err != nil {
		t.Fatalf("empty index: %v", err)
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), "anything OR *", index.Request{Facets: true})
	if err != nil || res.Total != 0 {
		t.Errorf("search of an empty index: %+v, %v", res, err)
	}
}
