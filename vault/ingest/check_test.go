package ingest

import (
	"testing"
	"unicode/utf8"

	"coffer/vault"
)

// checkEmitted holds what must be true of any message any format emits,
// whatever its input: it validates to the ID it carries, its body was
// truncated, its attachments' sizes are right, and every string in it is
// UTF-8 (the vault's JSON export could not hold it otherwise, and its ID
// would change on the way back).
func checkEmitted(t *testing.T, m *vaultMessage) {
	t.Helper()
	c := *m
	c.ID = ""
	if err := vault.Validate(&c); err != nil || c.ID != m.ID {
		t.Fatalf("emitted message does not validate (%v, id %q -> %q): %+v", err, m.ID, c.ID, m)
	}
	if len(m.Body) > MaxMessageBodySize+200 {
		t.Fatalf("body of %d bytes escaped truncation", len(m.Body))
	}
	for _, a := range m.Attachments {
		if a.Content != nil && a.Size != int64(len(a.Content)) {
			t.Fatalf("attachment %q: size %d for %d bytes", a.Name, a.Size, len(a.Content))
		}
	}
	c = *m
	eachText(&c, func(s string) string {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in %q", s)
		}
		return s
	})
}
