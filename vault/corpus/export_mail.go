package corpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// MboxName is a file name for WriteMbox's output.
const MboxName = "bench.mbox"

// WriteMbox writes an mbox of plain replies in threads of five, some with
// an escaped ">From " line, and one in ten a multipart with an HTML part
// and a small attachment. It returns the number of messages in it.
func WriteMbox(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	g := newMailGen()
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		g.message(out, n, true)
	}
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: mbox: %w", err)
	}
	return n, nil
}

// WriteMaildir writes the messages of WriteMbox (the same ones, for the
// same Limit) as a maildir in dir, one file per message in cur/: the
// shape notmuch indexes. It returns the number of messages and the bytes
// of their files.
func WriteMaildir(dir string, lim Limit) (int, int64, error) {
	if err := lim.check(); err != nil {
		return 0, 0, err
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return 0, 0, fmt.Errorf("corpus: maildir: %w", err)
		}
	}
	g := newMailGen()
	var (
		size int64
		buf  bytes.Buffer
		n    int
	)
	for ; !lim.reached(n, size); n++ {
		buf.Reset()
		g.message(&buf, n, false)
		p := filepath.Join(dir, "cur", fmt.Sprintf("%09d.bench:2,S", n))
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			return n, size, fmt.Errorf("corpus: maildir: %w", err)
		}
		size += int64(buf.Len())
	}
	return n, size, nil
}

// mailGen generates the messages of WriteMbox and WriteMaildir in order.
type mailGen struct {
	rng   *rand.Rand
	words []string
	att64 string
	t0    time.Time
	body  strings.Builder
}

func newMailGen() *mailGen {
	g := &mailGen{
		rng: rand.New(rand.NewPCG(3, 11)),
		words: strings.Fields("the quarterly numbers look fine but please check the forecast before " +
			"friday meeting contract gas power desk trading schedule review approve send update " +
			"Zürich naïve façade 東京 résumé"),
		t0: time.Date(2001, 5, 14, 9, 0, 0, 0, time.FixedZone("", -7*3600)),
	}
	attach := make([]byte, 2048)
	for i := range attach {
		attach[i] = byte(g.rng.IntN(256))
	}
	g.att64 = base64.StdEncoding.EncodeToString(attach)
	return g
}

// textWriter is what a message is written to: the mbox's buffered
// writer, or a maildir file's buffer.
type textWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

// message writes message i, with its mbox "From " line and a ">From "
// escaped body line if mbox, else without either (a maildir file holds
// the line unescaped).
func (g *mailGen) message(w textWriter, i int, mbox bool) {
	t := g.t0.Add(time.Duration(i) * 97 * time.Second)
	thread := i / 5 * 5
	if mbox {
		fmt.Fprintf(w, "From user%d@example.com %s\n", i%97, t.UTC().Format("Mon Jan _2 15:04:05 2006"))
	}
	fmt.Fprintf(w, "Message-ID: <%d.bench@example.com>\n", i)
	fmt.Fprintf(w, "Date: %s\n", t.Format(time.RFC1123Z))
	fmt.Fprintf(w, "From: User %d <user%d@example.com>\n", i%97, i%97)
	fmt.Fprintf(w, "To: desk%d@example.com, Team <team@example.com>\n", i%13)
	subject := fmt.Sprintf("Forecast %d", thread)
	if i != thread {
		subject = "Re: " + subject
		fmt.Fprintf(w, "In-Reply-To: <%d.bench@example.com>\nReferences: <%d.bench@example.com> <%d.bench@example.com>\n", i-1, thread, i-1)
	}
	fmt.Fprintf(w, "Subject: %s\nMIME-Version: 1.0\n", subject)
	body := &g.body
	body.Reset()
	for l := range 5 + g.rng.IntN(25) {
		for range 6 + g.rng.IntN(8) {
			body.WriteString(g.words[g.rng.IntN(len(g.words))])
			body.WriteByte(' ')
		}
		if l == 3 && i%20 == 0 {
			if mbox {
				body.WriteString("\n>From the desk")
			} else {
				body.WriteString("\nFrom the desk")
			}
		}
		body.WriteByte('\n')
	}
	if i%10 == 9 {
		fmt.Fprintf(w, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n", i)
		fmt.Fprintf(w, "--b%d\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n", i, body.String())
		fmt.Fprintf(w, "--b%d\nContent-Type: text/html; charset=utf-8\n\n<p>%s</p>\n", i, body.String())
		fmt.Fprintf(w, "--b%d\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"data%d.bin\"\nContent-Transfer-Encoding: base64\n\n", i, i)
		for j := 0; j < len(g.att64); j += 76 {
			w.WriteString(g.att64[j:min(j+76, len(g.att64))])
			w.WriteByte('\n')
		}
		fmt.Fprintf(w, "--b%d--\n\n", i)
	} else {
		fmt.Fprintf(w, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n", body.String())
	}
}
