package vault

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestComputeIDLongFields checks that fields hashed in place (past
// idInlineField) give the ID FORMAT.md specifies: SHA-256 over the
// length-prefixed fields, as one buffer.
func TestComputeIDLongFields(t *testing.T) {
	want := func(m *Message) string {
		var b []byte
		put := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
		for _, s := range []string{"coffer message id v1", m.Source, m.Conversation.ID, m.Sender, m.SenderID,
			m.Time.UTC().Format(time.RFC3339Nano), m.Subject, m.Body, m.Provenance.OriginalID, strconv.Itoa(m.Seq)} {
			put(s)
		}
		for _, a := range m.Attachments {
			put(a.Name)
			put(a.SHA256)
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:16])
	}
	for _, n := range []int{0, 10, idInlineField, idInlineField + 1, 3*idInlineField + 7} {
		m := &Message{Source: "s", Conversation: Conversation{ID: "c"}, Sender: "ann", Time: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
			Subject: strings.Repeat("s", n/2), Body: strings.Repeat("b", n), Seq: 2,
			Attachments: []Attachment{{Name: strings.Repeat("n", n), SHA256: "00"}}}
		if got, w := ComputeID(m), want(m); got != w {
			t.Errorf("fields of %d bytes: %s, want %s", n, got, w)
		}
	}
}
