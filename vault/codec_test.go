package vault

import (
	"reflect"
	"strings"
	"testing"
)

// TestBigBodiesRoundTrip checks bodies the segment builder refers to
// rather than copies (bigBody and over) between ordinary ones: the
// segments read back hold every message as it was added, and a body so
// referred to is sealed in its own Add (the caller's string is not held
// past it).
func TestBigBodiesRoundTrip(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	msgs := testMessages(6, "wa:big")
	msgs[1].Body = strings.Repeat("a", bigBody-1)
	msgs[2].Body = strings.Repeat("é", bigBody/2) // exactly bigBody bytes
	msgs[4].Body = strings.Repeat("b", 3*bigBody+7)
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
		if a.seg.holdsRefs() {
			t.Fatalf("after message %d the builder still refers to a caller's body", i)
		}
	}
	if _, err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	v = f.open(t, f.passKey())
	defer v.Close()
	got := v.Messages()
	if len(got) != len(msgs) {
		t.Fatalf("%d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		if !reflect.DeepEqual(m, got[i]) {
			t.Errorf("message %d (body %d bytes) differs: got body of %d bytes", i, len(m.Body), len(got[i].Body))
		}
	}
}
