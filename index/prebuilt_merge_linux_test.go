package index

import (
	"bytes"
	"testing"

	"coffer/vault/corpus"
)

// TestBuildMerged: on Linux a batch of more than partSize messages is
// built in parts (TestPrebuiltInParts checks the answers are the same).
func TestBuildMerged(t *testing.T) {
	msgs := corpus.Generate(partSize+10, 1)
	ix := &Index{analyzer: newAnalyzer(), pairs: newPairAnalyzer(nil), msgs: msgs}
	var buf bytes.Buffer
	merged, err := buildMerged(ix, &buf)
	if err != nil || !merged || buf.Len() == 0 {
		t.Fatalf("buildMerged: merged %v, %d bytes, %v", merged, buf.Len(), err)
	}
	if merged, _ := buildMerged(&Index{msgs: msgs[:partSize]}, &buf); merged {
		t.Errorf("one part was merged")
	}
}
