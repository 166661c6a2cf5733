package index

import (
	"strings"
	"testing"

	"coffer/vault"
)

// TestTextsKeepWhatTheIndexReads: vault.Texts keeps only the first
// MaxIndexedText bytes or so of a message, and the index reads the same
// text from them as from the whole message, for both fields, whatever
// the sizes of subject and body and wherever a character straddles the
// cut.
func TestTextsKeepWhatTheIndexReads(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n/2) + strings.Repeat("x", n%2) }
	sizes := []int{0, 1, 100, maxFieldBytes - 1, maxFieldBytes, maxFieldBytes + 1, maxFieldBytes + 2, 3 * maxFieldBytes}
	var msgs []*vault.Message
	for _, s := range sizes {
		for _, b := range sizes {
			msgs = append(msgs, &vault.Message{Subject: long(s), Body: long(b) + " tail"})
		}
	}
	texts := vault.TextsOf(msgs)
	ix := &Index{texts: texts}
	for i, m := range msgs {
		s, b := texts.At(i)
		if len(s)+len(b) > maxFieldBytes+1 {
			t.Fatalf("message %d: Texts keeps %d bytes", i, len(s)+len(b))
		}
		for _, field := range []string{bleveText, bleveSubject} {
			want := appendText(nil, m, field)
			if got := ix.appendTextOf(nil, uint32(i), field); string(got) != string(want) {
				t.Fatalf("message %d (subject %d, body %d bytes), field %s: %d bytes from Texts, %d from the message",
					i, len(m.Subject), len(m.Body), field, len(got), len(want))
			}
		}
	}
}
