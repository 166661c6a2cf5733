package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmailMessageHash checks each message keeps the SHA-256 of its own
// original bytes (issue 17 §2): of the whole file for an EML, of the
// message without its envelope line for each message of an mbox.
func TestEmailMessageHash(t *testing.T) {
	hexSum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	p := filepath.Join("testdata", "email", "talon__gmail.eml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ms := collect(t, EML, p, Options{})
	if len(ms) != 1 || ms[0].Provenance.SHA256 != hexSum(b) {
		t.Fatalf("eml: message hash %q, want the file's %s", ms[0].Provenance.SHA256, hexSum(b))
	}

	one := "From: a@x.org\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nSubject: one\n\nfirst\n"
	two := "From: b@x.org\nDate: Mon, 2 Jan 2006 16:04:05 +0000\nSubject: two\n\nsecond\n"
	var got []string
	err = ReadMbox(strings.NewReader("From a@x.org Mon Jan  2 15:04:05 2006\n"+one+"\nFrom b@x.org Mon Jan  2 16:04:05 2006\n"+two),
		"in.mbox", "", Options{}, func(m *vaultMessage) error {
			got = append(got, m.Provenance.SHA256)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != hexSum([]byte(one)) || got[1] != hexSum([]byte(two)) {
		t.Fatalf("mbox: hashes %q, want %s and %s", got, hexSum([]byte(one)), hexSum([]byte(two)))
	}
}
