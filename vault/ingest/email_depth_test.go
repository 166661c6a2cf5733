package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// nestedMail returns a message whose multipart parts nest levels deep,
// the text at the bottom; ctype is the type of the nested parts.
func nestedMail(levels int, ctype string) []byte {
	var b bytes.Buffer
	b.WriteString("From: Ann <ann@example.com>\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nSubject: deep\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: %s; boundary=\"b%d\"\r\n\r\n", i-1, ctype, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n", levels-1)
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// siblingsMail returns a message of n multipart/alternative parts side
// by side: many boundaries, two levels.
func siblingsMail(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: ann@example.com\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nSubject: wide\r\n" +
		"Content-Type: multipart/mixed; boundary=top\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--top\r\nContent-Type: multipart/alternative; boundary=\"a%d\"\r\n\r\n--a%d\r\nContent-Type: text/plain\r\n\r\npart %d\r\n--a%d--\r\n", i, i, i, i)
	}
	b.WriteString("--top--\r\n")
	return b.Bytes()
}

func TestMIMEDepth(t *testing.T) {
	for _, c := range []struct {
		name string
		raw  []byte
		want int
	}{
		{"plain", []byte("Subject: x\r\n\r\nhello\r\n"), 0},
		{"one level", nestedMail(1, "multipart/mixed"), 1},
		{"three", nestedMail(3, "multipart/related"), 3},
		{"at the limit", nestedMail(mailMaxDepth, "multipart/mixed"), mailMaxDepth},
		{"past it", nestedMail(mailMaxDepth+1, "multipart/mixed"), mailMaxDepth + 1},
		{"any type with a boundary nests", nestedMail(mailMaxDepth+1, "application/x-whatever"), mailMaxDepth + 1},
		{"text with a boundary does not", nestedMail(mailMaxDepth+1, "text/plain"), 1},
		{"wide, not deep", siblingsMail(3 * mailMaxDepth), 2},
		{"LF only", bytes.ReplaceAll(nestedMail(5, "multipart/mixed"), []byte("\r\n"), []byte("\n")), 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := min(mimeDepth(c.raw, mailMaxDepth), mailMaxDepth+1); got != c.want {
				t.Errorf("mimeDepth = %d, want %d", got, c.want)
			}
			root, err := mailFastParser.ReadParts(bytes.NewReader(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := enmimeDepth(root); got != c.want {
				t.Errorf("enmime nests %d levels, the test expects %d", got, c.want)
			}
			wantErr := c.want > mailMaxDepth
			if err := mailCheckDepth(c.raw); (err != nil) != wantErr || err != nil && !errors.Is(err, errMIMEDepth) {
				t.Errorf("mailCheckDepth = %v, want an error: %v", err, wantErr)
			}
		})
	}
}

// enmimeDepth is how deep enmime nested multipart levels in the tree it
// built: the top, if multipart, and every part it parsed as a level of
// its own (one with a boundary that is not text/plain or text/html).
func enmimeDepth(root *enmime.Part) int {
	if !strings.HasPrefix(root.ContentType, "multipart/") {
		return 0
	}
	var level func(p *enmime.Part) int
	level = func(p *enmime.Part) int {
		d := 1
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Boundary != "" && c.ContentType != "text/plain" && c.ContentType != "text/html" {
				d = max(d, 1+level(c))
			}
		}
		return d
	}
	return level(root)
}

// TestMIMEDepthRefused checks that every email container refuses a
// message nested too deep with an error naming the file and the message,
// quickly, and that an attached message nested too deep leaves its
// carrier importable.
func TestMIMEDepthRefused(t *testing.T) {
	deep := nestedMail(20000, "multipart/mixed") // 1.3 MB
	ok := sampleText(t, "talon__gmail.eml")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mbox := "From ann@example.com Mon Jan  2 15:04:05 2006\r\n" + ok + "\r\n" +
		"From ann@example.com Mon Jan  2 15:04:05 2006\r\n" + string(deep)
	maildir := makeMaildir(t, nil)
	if err := os.WriteFile(filepath.Join(maildir, "cur", "1400000000.M1P1.host:2,S"), deep, 0o600); err != nil {
		t.Fatal(err)
	}
	archive := writeZip(t, []zipEntry{{name: "drop.mf", data: "Count: 2\r\n"}, {name: "1.eml", data: ok}, {name: "2.eml", data: string(deep)}})
	for _, c := range []struct {
		format  Format
		path    string
		want    string
		lenient int // messages a lenient import keeps
	}{
		{EML, write("deep.eml", deep), "deep.eml: message 1: MIME nesting deeper than 100 levels", 0},
		{Mbox, write("deep.mbox", []byte(mbox)), fmt.Sprintf("deep.mbox:%d: MIME nesting deeper than 100 levels", strings.Count(ok, "\n")+3), 1},
		{Maildir, maildir, "MIME nesting deeper than 100 levels", 0},
		{MailArchive, archive, "drop.zip!2.eml: message 2: MIME nesting deeper than 100 levels", 1},
	} {
		t.Run(c.format.Name, func(t *testing.T) {
			start := time.Now()
			err := c.format.Parse(c.path, Options{}, func(*vaultMessage) error { return nil })
			var ie *Error
			if !errors.As(err, &ie) || !errors.Is(err, errMIMEDepth) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refusing took %v", d)
			}
			var n int
			if err := c.format.Parse(c.path, Options{Lenient: true}, func(*vaultMessage) error { n++; return nil }); err != nil || n != c.lenient {
				t.Errorf("lenient: %d messages (want %d), %v", n, c.lenient, err)
			}
		})
	}

	// Attached, it is an unreadable attachment, and the carrier stays.
	var carrier bytes.Buffer
	carrier.WriteString("From: bob@example.com\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nSubject: fwd\r\n" +
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--outer\r\nContent-Type: message/rfc822\r\n\r\n")
	carrier.Write(nestedMail(mailMaxDepth+1, "multipart/mixed"))
	carrier.WriteString("\r\n--outer--\r\n")
	msgs := collect(t, EML, write("fwd.eml", carrier.Bytes()), Options{})
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "see attached") {
		t.Fatalf("carrier: %+v", msgs)
	}
	warned(t, msgs[0], "MIME nesting deeper than 100 levels")
}

// FuzzMIMEDepth checks mimeDepth against the tree enmime builds: if the
// walk ever counted fewer levels than enmime nests, a message could pass
// the check and still be parsed as deep as it likes.
func FuzzMIMEDepth(f *testing.F) {
	mailSeeds(f, "*.eml", "*.raw")
	for _, s := range [][]byte{nestedMail(4, "multipart/mixed"), nestedMail(3, "image/png"), siblingsMail(3),
		[]byte("Content-Type: multipart/mixed\r\n\r\n--\r\nContent-Type: multipart/x; boundary=a\r\n\r\n--a\r\n\r\nx\r\n--a--\r\n"),
		[]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=b\n--a\nContent-Type: multipart/mixed; boundary=c\n\n--c\n\nx\n")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := mailFastParser.ReadParts(bytes.NewReader(b))
		if err != nil {
			return
		}
		if got, want := mimeDepth(b, 1<<20), enmimeDepth(root); got != want {
			t.Fatalf("mimeDepth counts %d levels, enmime nests %d in %q", got, want, b)
		}
	})
}
