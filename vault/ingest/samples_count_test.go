package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSamplesImportWhole: every mail sample in ../shared/samples is
// detected and imports strictly, and the importer emits as many messages
// as the file holds, counted here a different way (issue 17: "counted
// independently of the importer"). An EML file holds one message. In an
// mbox, a message starts at a line beginning "From " that is followed by
// a header block (header fields and their continuations up to a blank
// line) naming at least one header every stored mail has: that is what
// tells an envelope line from a body line such as "From Russia with
// love", without the importer's reading of envelope dates or
// Content-Length. Files of other kinds are refused as "unknown export
// format".
func TestSamplesImportWhole(t *testing.T) {
	for _, dir := range []string{"eml", "mbox"} {
		root := sharedSamples(t, dir)
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Fatalf("no samples in %s", root)
		}
		for _, e := range entries {
			p := filepath.Join(root, e.Name())
			t.Run(dir+"/"+e.Name(), func(t *testing.T) {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				want := 1
				if dir == "mbox" {
					want = countMboxMessages(b)
				}
				f, err := Detect(p)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				if err := f.Parse(p, Options{}, func(m *vaultMessage) error { n++; checkEmitted(t, m); return nil }); err != nil {
					t.Fatalf("%s import: %v", f.Name, err)
				}
				if n != want {
					t.Errorf("%s import emitted %d messages; the file holds %d", f.Name, n, want)
				}
			})
		}
	}
	others, _ := filepath.Glob(filepath.Join(sharedSamples(t, "other"), "*"))
	if len(others) == 0 {
		t.Fatal("no samples in other/")
	}
	for _, p := range others {
		if f, err := Detect(p); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "unknown export format") {
			t.Errorf("%s: detected as %q (%v), want unknown export format", filepath.Base(p), f.Name, err)
		}
	}
}

// countMboxMessages counts the messages of an mbox by the rule in
// TestSamplesImportWhole's comment.
func countMboxMessages(b []byte) int {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	known := map[string]bool{"from": true, "to": true, "subject": true, "date": true,
		"message-id": true, "received": true, "return-path": true}
	n := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "From ") {
			continue
		}
		block, hasKnown := true, false
		for _, h := range lines[i+1:] {
			if h == "" {
				break
			}
			if h[0] == ' ' || h[0] == '\t' {
				continue
			}
			name, _, ok := strings.Cut(h, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				block = false
				break
			}
			hasKnown = hasKnown || known[strings.ToLower(name)]
		}
		if block && hasKnown {
			n++
		}
	}
	return n
}
