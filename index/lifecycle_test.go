package index_test

import (
	"context"
	"errors"
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
