package corpus_test

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"coffer/vault"
	"coffer/vault/corpus"
)

func TestGenerateDeterministic(t *testing.T) {
	a := corpus.Generate(500, 7)
	b := corpus.Generate(500, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different messages")
	}
	c := corpus.Generate(500, 8)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds gave the same messages")
	}
}

func TestGenerateValid(t *testing.T) {
	msgs := corpus.Generate(2000, 1)
	ids := map[string]bool{}
	sources := map[string]bool{}
	for i, m := range msgs {
		if ids[m.ID] {
			t.Fatalf("message %d: duplicate id %s", i, m.ID)
		}
		ids[m.ID] = true
		sources[m.Source] = true
		if n := len(m.Body); n < 10 || n > 400 || !utf8.ValidString(m.Body) {
			t.Fatalf("message %d: body of %d bytes (valid UTF-8: %v)", i, n, utf8.ValidString(m.Body))
		}
		if i > 0 && m.Time.Before(msgs[i-1].Time) {
			t.Fatalf("message %d: out of time order", i)
		}
		id := m.ID
		if err := vault.Validate(m); err != nil || m.ID != id {
			t.Fatalf("message %d: Validate: %v", i, err)
		}
	}
	if len(sources) != 5 {
		t.Errorf("got sources %v, want all five", sources)
	}
}
