package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPlaintextOnDisk imports messages carrying canary strings in every
// field, with TMPDIR pointed at an empty folder, then scans every file
// under the vault, the state folder and TMPDIR for the canaries, as
// written and lowercased.
func TestNoPlaintextOnDisk(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	state := t.TempDir()
	t.Setenv("COFFER_STATE_DIR", state)
	canaries := []string{"CanaryBody7731", "CanarySender4410", "CanaryTitle9902", "CanaryAttachName", "CanaryAttachContent", "CanaryHeader5512", "CanarySubject3381"}
	f := newFixture(t)
	v := f.open(t, f.passKey())
	msgs := testMessages(20, "conv-CanaryConvID")
	for _, m := range msgs {
		m.Body += " CanaryBody7731"
		m.Sender = "CanarySender4410"
		m.Conversation.Title = "CanaryTitle9902"
		m.Subject = "CanarySubject3381"
		m.Headers = map[string]string{"X-Canary": "CanaryHeader5512"}
		m.Attachments = []Attachment{{Name: "CanaryAttachName.txt", Content: []byte(strings.Repeat("CanaryAttachContent ", 50))}}
	}
	canaries = append(canaries, "CanaryConvID")
	importMessages(t, v, msgs)
	if n := len(v.Messages()); n != 20 {
		t.Fatalf("%d messages", n)
	}
	// The reviewers' own words: a tag, a saved search's name and query.
	if err := v.ApplyTag(true, "CanaryTag6620", []string{v.Messages()[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := v.AddSaved("CanarySavedName", "CanarySavedQuery0417 from:x"); err != nil {
		t.Fatal(err)
	}
	canaries = append(canaries, "CanaryTag6620", "CanarySavedName", "CanarySavedQuery0417")
	v.Close()
	rawWalk(t, f.dir, func(p string, data []byte) {
		lower := bytes.ToLower(data)
		for _, c := range canaries {
			if bytes.Contains(data, []byte(c)) || bytes.Contains(lower, []byte(strings.ToLower(c))) {
				t.Errorf("%s holds canary %q in plaintext", p, c)
			}
		}
	})
	for _, root := range []string{state, tmp} {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			lower := bytes.ToLower(data)
			for _, c := range canaries {
				if bytes.Contains(data, []byte(c)) || bytes.Contains(lower, []byte(strings.ToLower(c))) {
					t.Errorf("%s holds canary %q in plaintext", p, c)
				}
			}
			return nil
		})
	}
}
