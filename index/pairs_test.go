package index

import (
	"testing"

	"coffer/vault/corpus"
)

// TestPairsUsed checks that the basic test corpus has common words, so the
// common-pair path of phrase search is exercised by the data-driven tests.
func TestPairsUsed(t *testing.T) {
	ix, err := New(corpus.Generate(1000, 3), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.Start(t.Context())
	if err := ix.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !ix.common["the"] || !ix.common["and"] || ix.common["zzz"] {
		t.Fatalf("common words of the generated corpus: %d, the=%v and=%v", len(ix.common), ix.common["the"], ix.common["and"])
	}
	if got := phrasePairs(ix.common, []string{"the", "and", "zzz", "the"}); len(got) != 1 || got[0] != "the\x00and" {
		t.Errorf("phrasePairs = %q", got)
	}
}
