package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// The fast path (email_fast.go) must give what enmime gives: every mail
// sample, the fuzz seed corpus and a generated benchmark mailbox are
// imported both ways and compared message by message, and every message
// the fast path takes has its envelope compared with enmime's.

// mailFastInputs returns every mail sample: the shared samples, the
// package's testdata, the fuzz seed corpus and a small benchmark
// mailbox. Each is an input to both the EML and the mbox parsers.
func mailFastInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	var files []string
	for _, dir := range []string{sharedSamples(t, "eml"), sharedSamples(t, "mbox"), filepath.Join("testdata", "email")} {
		fs, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	for _, p := range files {
		if strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".zip") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in[p] = b
	}
	for _, target := range []string{"FuzzEML", "FuzzMbox", "FuzzMaildir", "FuzzMailFastPath"} {
		fs, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		for _, p := range fs {
			for i, b := range readFuzzCorpusBytes(t, p) {
				in[fmt.Sprintf("%s#%d", p, i)] = b
			}
		}
	}
	for name, m := range mailFastSynthetic {
		in[name] = []byte(m)
		in[name+" crlf"] = []byte(strings.ReplaceAll(m, "\n", "\r\n"))
	}
	mbox := filepath.Join(t.TempDir(), "bench.mbox")
	writeBenchMbox(t, mbox, 300)
	b, err := os.ReadFile(mbox)
	if err != nil {
		t.Fatal(err)
	}
	in["bench.mbox"] = b
	return in
}

// mailFastSynthetic are messages of the shapes the fast path takes
// that the samples have few of; each is also tried with CRLF line ends.
var mailFastSynthetic = map[string]string{
	"qp": "From: a@example.com\nSubject: qp\nContent-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: quoted-printable\n\nZ=C3=BCrich =3D soft=\nbreak, trailing  \n=E6=9D=B1=E4=BA=AC\n",
	"qp bad escape": "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: quoted-printable\n\n100% =ZZ off=\n",
	"alternative qp": "From: a@example.com\nContent-Type: multipart/alternative; boundary=\"x\"\n\npreamble\n--x\n" +
		"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\nhell=C3=B6 =\nworld\n\n--x\n" +
		"Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n<p>hell=C3=B6</p>\n--x--\nepilogue\n",
	"nested": "From: a@example.com\nContent-Type: multipart/mixed; boundary=m\n\n--m\n" +
		"Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain; charset=us-ascii\n\nhi\n--a\n" +
		"Content-Type: text/html; charset=us-ascii\n\n<b>hi</b>\n--a--\n\n--m\nContent-Type: image/png; name=\"p.png\"\n" +
		"Content-Disposition: inline; filename=\"p.png\"\nContent-ID: <p%40x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n" +
		"--m\nContent-Type: text/plain; charset=utf-8\nContent-Disposition: attachment; filename=notes.txt\n\nnotes\n--m--\n",
	"cr before crlf": "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nx\r\n--b--\n",
}

// readFuzzCorpusBytes returns the []byte values of a "go test fuzz v1"
// file.
func readFuzzCorpusBytes(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, line := range strings.Split(string(b), "\n")[1:] {
		v, ok := strings.CutPrefix(line, "[]byte(")
		if !ok {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// mailFastRun imports b as an EML and as an mbox, with the fast path on
// or off, and returns the messages and errors in order.
func mailFastRun(b []byte, fast bool) []any {
	defer func(old bool) { mailFastPath = old }(mailFastPath)
	mailFastPath = fast
	var out []any
	opt := Options{Lenient: true, Now: time.Unix(1e9, 0), Location: time.UTC}
	opt.Skip = func(e *Error) { out = append(out, e.Error()) }
	keep := func(m *vaultMessage) error { out = append(out, m); return nil }
	src := emailSource{format: "eml", file: "x.eml", position: "message 1"}
	if err := emitEmail(b, src, opt, keep); err != nil {
		out = append(out, "eml: "+err.Error())
	}
	if err := ReadMbox(bytes.NewReader(b), "x.mbox", "", opt, keep); err != nil {
		out = append(out, "mbox: "+err.Error())
	}
	return out
}

func TestMailFastPathMatchesEnmime(t *testing.T) {
	fastMessages := 0
	for name, b := range mailFastInputs(t) {
		got, want := mailFastRun(b, true), mailFastRun(b, false)
		if len(got) != len(want) {
			t.Errorf("%s: %d results with the fast path, %d without", name, len(got), len(want))
			continue
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: result %d differs:\nfast:   %+v\nenmime: %+v", name, i, got[i], want[i])
			}
		}
		fastMessages += mailFastCheckEnvelopes(t, name, b)
	}
	// A fast path taken by nothing proves nothing.
	if fastMessages < 300 {
		t.Errorf("the fast path took only %d messages", fastMessages)
	}
	t.Logf("fast path taken by %d messages", fastMessages)
}

// mailFastCheckEnvelopes compares the fast envelope of every message in
// b (read as an mbox, or as one message) with enmime's, and returns how
// many took the fast path.
func mailFastCheckEnvelopes(t *testing.T, name string, b []byte) int {
	// The messages of b read as an mbox (none when it is not one),
	// then b as one message.
	var raws [][]byte
	mr := &mboxReader{br: bufio.NewReader(bytes.NewReader(b)), line: 1, atStart: true}
	var env *mboxFragment
	for env == nil {
		fr, err := mr.next()
		if err != nil {
			break
		}
		if fr.start && mboxIsFromLine(fr.b) {
			env = &fr
		}
	}
	for env != nil {
		raw, _, next, err := mr.read(*env, nil, "x.mbox", "")
		if err != nil {
			break
		}
		raws = append(raws, bytes.Clone(raw))
		env = next
	}
	raws = append(raws, b)
	n := 0
	for i, raw := range raws {
		fast, ok := mailFastEnvelope(raw)
		if !ok {
			continue
		}
		n++
		slow, err := mailRead(mailFastParser, raw)
		if err != nil {
			t.Errorf("%s: message %d: fast path took what enmime fails: %v", name, i, err)
			continue
		}
		if d := mailFastDiff(fast, slow); d != "" {
			t.Errorf("%s: message %d: envelope differs: %s", name, i, d)
		}
	}
	return n
}

// mailFastDiff describes how two envelopes differ in what coffer reads.
func mailFastDiff(a, b *enmime.Envelope) string {
	if a.Text != b.Text || a.HTML != b.HTML {
		return fmt.Sprintf("text %q/%q, html %q/%q", a.Text, b.Text, a.HTML, b.HTML)
	}
	if len(b.Errors) > 0 {
		return fmt.Sprintf("enmime noted %v", b.Errors)
	}
	for _, l := range [][2][]*enmime.Part{{a.Attachments, b.Attachments}, {a.Inlines, b.Inlines}, {a.OtherParts, b.OtherParts}} {
		if len(l[0]) != len(l[1]) {
			return fmt.Sprintf("%d parts listed, enmime %d", len(l[0]), len(l[1]))
		}
		for i := range l[0] {
			if l[0][i].PartID != l[1][i].PartID {
				return fmt.Sprintf("part %s listed, enmime %s", l[0][i].PartID, l[1][i].PartID)
			}
		}
	}
	return mailFastPartDiff(a.Root, b.Root)
}

func mailFastPartDiff(a, b *enmime.Part) string {
	if (a == nil) != (b == nil) {
		return fmt.Sprintf("part %v vs %v", a, b)
	}
	if a == nil {
		return ""
	}
	type fields struct {
		ID, Boundary, ContentID, ContentType, Disposition, FileName, Charset, OrigCharset string
		Header                                                                            map[string][]string
		Mod                                                                               time.Time
		Content, Epilogue                                                                 []byte
		Errors                                                                            int
		HasParent                                                                         bool
	}
	f := func(p *enmime.Part) fields {
		return fields{p.PartID, p.Boundary, p.ContentID, p.ContentType, p.Disposition, p.FileName, p.Charset, p.OrigCharset,
			p.Header, p.FileModDate, p.Content, p.Epilogue, len(p.Errors), p.Parent != nil}
	}
	fa, fb := f(a), f(b)
	if len(fa.Content) == 0 && len(fb.Content) == 0 {
		fa.Content, fb.Content = nil, nil
	}
	if len(fa.Epilogue) == 0 && len(fb.Epilogue) == 0 {
		fa.Epilogue, fb.Epilogue = nil, nil
	}
	if !reflect.DeepEqual(fa, fb) {
		return fmt.Sprintf("part %s:\nfast:   %+v\nenmime: %+v", a.PartID, fa, fb)
	}
	if d := mailFastPartDiff(a.FirstChild, b.FirstChild); d != "" {
		return d
	}
	return mailFastPartDiff(a.NextSibling, b.NextSibling)
}

// FuzzMailFastPath checks that whatever the fast path takes, it reads as
// enmime does.
func FuzzMailFastPath(f *testing.F) {
	mailSeeds(f, "*.eml", "*.raw", "*.mbox*")
	for _, m := range mailFastSynthetic {
		f.Add([]byte(m))
	}
	f.Add([]byte("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nhi\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>hi</p>\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"a.bin\"\nContent-Transfer-Encoding: base64\n\nAAEC\n--b--\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := mailFastEnvelope(b)
		if !ok {
			return
		}
		slow, err := mailRead(mailFastParser, b)
		if err != nil {
			t.Fatalf("fast path took what enmime fails: %v", err)
		}
		if d := mailFastDiff(fast, slow); d != "" {
			t.Fatal(d)
		}
	})
}

// FuzzMailFastAddressList checks that whatever list the fast reader
// takes, it reads as enmime does.
func FuzzMailFastAddressList(f *testing.F) {
	for _, s := range []string{"User 5 <user5@example.com>", "desk3@example.com, Team <team@example.com>",
		"<a.b@c-d.example>", "a@b, c@d", "x-y+z@host", "A  B <a@b>", "a@b.", "a@-b", "Ann <a@b>, , b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := mailFastAddressList(s)
		if !ok {
			return
		}
		slow, err := enmime.ParseAddressList(s)
		if err != nil {
			t.Fatalf("%q: fast path took what enmime fails: %v", s, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %v, enmime %v", s, fast, slow)
		}
	})
}
