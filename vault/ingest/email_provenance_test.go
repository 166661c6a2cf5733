package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"coffer/vault"
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

// TestEmailInputQuotedDecoded: text derived from the input (a warning
// quoting an unreadable attached message, an error about a file) is
// decoded and valid UTF-8 (issue 17 §7). The inputs are FuzzEML's and
// FuzzMbox's findings (testdata/fuzz): the warnings used to hold the raw
// bytes, which validate then replaced with U+FFFD, losing them.
func TestEmailInputQuotedDecoded(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		read           func(string, func(*vaultMessage) error) error
	}{
		{"FuzzEML/de51d6eb37b5afc6",
			"Content-TYpe:multipart/;BoundArY=Apple-Mail-13-196941151\nDAte:1 JAn 00 0:00 +00\n\n--Apple-Mail-13-196941151\nContent-TYpe:messAge/rfC822\n\n0\xcb",
			"initial line:  0Ë",
			func(in string, emit func(*vaultMessage) error) error {
				return emitEmail([]byte(in), emailSource{format: "eml", file: "x.eml", position: "message 1"}, Options{}, emit)
			}},
		{"FuzzMbox/21b42cc2ee93e5bd",
			"From -\nDAte:1 Jul 00 0:00 +00\nContent-TYpe:messAge/rfC822\n\n\xb20",
			"initial line:  ²0",
			func(in string, emit func(*vaultMessage) error) error {
				return ReadMbox(strings.NewReader(in), "x.mbox", "", Options{}, emit)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []*vaultMessage
			if err := c.read(c.in, func(m *vaultMessage) error { got = append(got, m); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d messages, want 1", len(got))
			}
			checkEmitted(t, got[0])
			w := got[0].Headers[mailWarningsHeader]
			if !strings.Contains(w, c.want) || strings.ContainsRune(w, '\uFFFD') {
				t.Errorf("warnings %q, want them to quote %q decoded", w, c.want)
			}
		})
	}
	e := &Error{File: "caf\xe9.eml", Pos: "message 1", Err: errors.New("bad \xff byte")}
	if s := e.Error(); !utf8.ValidString(s) {
		t.Errorf("Error() = %q: invalid UTF-8", s)
	}
}

// TestEmailLoneBody: a file holding a MIME body and no header at all,
// named with --format eml, is one message with the file as its body
// (issue 17 §1); it used to fail with "malformed MIME header initial
// line". Detection still refuses it.
func TestEmailLoneBody(t *testing.T) {
	dir := t.TempDir()
	for name, in := range map[string]string{
		"part.txt":   "just a body line\nand another\n",
		"crlf.txt":   "first line\r\nmore\r\n",
		"latin1.txt": "caf\xe9 cr\xe8me\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		if EML.Detect(p) {
			t.Errorf("%s: detected as eml", name)
		}
		ms := collect(t, EML, p, Options{})
		if len(ms) != 1 {
			t.Fatalf("%s: %d messages, want 1", name, len(ms))
		}
		checkEmitted(t, ms[0])
		want := strings.ReplaceAll(strings.TrimSpace(mailText(in)), "\r\n", "\n")
		if got := strings.TrimSpace(strings.ReplaceAll(ms[0].Body, "\r\n", "\n")); got != want {
			t.Errorf("%s: body %q, want %q", name, got, want)
		}
		if ms[0].Provenance.TimeSource != vault.TimeUnknown {
			t.Errorf("%s: time from %q", name, ms[0].Provenance.TimeSource)
		}
	}
}
