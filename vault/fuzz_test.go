package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// The seed corpora are real files written by the tests' fixture vault and
// committed under testdata/ (regenerate with go test -run TestWriteSeeds
// -seeds).

func seedFiles(f *testing.F, pattern string) [][]byte {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(names) == 0 {
		f.Fatalf("no seed files match testdata/%s", pattern)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzManifest(f *testing.F) {
	for _, s := range seedFiles(f, "manifest/*") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			var te *TamperError
			if !errors.As(err, &te) {
				t.Fatalf("error is not a *TamperError: %v", err)
			}
			return
		}
		// Whatever parses must be a chain the reader accepts again.
		if m.Seq() < 0 || m.Head() == "" || m.VaultID == "" {
			t.Fatalf("accepted manifest without a genesis: %+v", m)
		}
	})
}

// FuzzSegmentBody fuzzes the message decoder on decrypted segment bodies:
// the part of a segment an attacker controls once they hold the vault
// recipient (segments are authenticated by the manifest, but a decoder
// must still never panic or loop).
func FuzzSegmentBody(f *testing.F) {
	for _, s := range seedFiles(f, "segment-body/*") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := decoder{buf: body}
		if d.tables() != nil {
			return
		}
		for range 1000 {
			var m Message
			if d.message(&m) != nil || d.off >= len(d.buf) {
				return
			}
		}
	})
}

// FuzzSegmentFile fuzzes openSegment, which unlock runs on every segment
// whose hash checks, on whole age files encrypted to a fixed test identity.
func FuzzSegmentFile(f *testing.F) {
	key, err := os.ReadFile("testdata/segment-identity.txt")
	if err != nil {
		f.Fatal(err)
	}
	id, err := age.ParseHybridIdentity(string(bytes.TrimSpace(key)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seedFiles(f, "segment/*") {
		f.Add(s)
	}
	e := &FileEntry{Name: "segments/000001-0000.age", Epoch: 1}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := openSegment(data, e, "seedvault", []age.Identity{id})
		if err == nil && len(s.messages) != s.header.Count {
			t.Fatalf("count mismatch")
		}
	})
}
