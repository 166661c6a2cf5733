package ingest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLineReader(t *testing.T) {
	full := strings.Repeat("x", lineBuffer)
	for _, c := range []struct {
		name, in string
		want     []string // lines, each as its chunks joined by "|"
	}{
		{"short", "a\r\nb\n\nc", []string{"a", "b", "", "c"}},
		{"BOM", "\xef\xbb\xbfa\n", []string{"a"}},
		{"long", full + "yz\n", []string{full + "|yz"}},
		{"a full buffer, then the end", "a\n" + full, []string{"a", full + "|"}},
		{"CRLF across chunks", full[1:] + "\r\nb\n", []string{full[1:] + "\r|", "b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newLineReader(strings.NewReader(c.in), "f")
			var got []string
			for {
				b, more, err := r.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				chunks := []string{string(b)}
				for more {
					if b, more, err = r.chunk(); err != nil {
						t.Fatal(err)
					}
					chunks = append(chunks, string(b))
				}
				got = append(got, strings.Join(chunks, "|"))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") || len(got) != len(c.want) {
				t.Errorf("got %d lines %.80q, want %d %.80q", len(got), got, len(c.want), c.want)
			}
		})
	}
}

func TestTextBuf(t *testing.T) {
	for _, tt := range []struct {
		text string
		room int
		want string
	}{
		{"aé", 3, "aé"}, // the cut falls after a whole character
		{"aé", 2, "a"},  // through one
		{"a😀", 4, "a"},
		{"a😀", 5, "a😀"},
	} {
		b := textBuf{b: make([]byte, MaxMessageBodySize-tt.room, MaxMessageBodySize)}
		b.write([]byte(tt.text))
		if got := string(b.b[MaxMessageBodySize-tt.room:]); got != tt.want || b.size != int64(len(tt.text)) {
			t.Errorf("%q in %d bytes: %q, size %d", tt.text, tt.room, got, b.size)
		}
	}
	// A CRLF split by the buffer ends the line; a CR within one is text.
	for _, c := range []struct{ in, want string }{
		{strings.Repeat("x", lineBuffer-1) + "\r\nb\n", strings.Repeat("x", lineBuffer-1)},
		{strings.Repeat("x", lineBuffer-1) + "\rb\n", strings.Repeat("x", lineBuffer-1) + "\rb"},
	} {
		r := newLineReader(strings.NewReader(c.in), "f")
		var b textBuf
		first, more, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		b.write(first)
		if err := b.line(r, more); err != nil {
			t.Fatal(err)
		}
		if string(b.b) != c.want || b.size != int64(len(c.want)) {
			t.Errorf("%.20q...: got %d bytes (size %d), want %d", c.in[lineBuffer-4:], len(b.b), b.size, len(c.want))
		}
	}
}

// TestLongLinesTruncated checks that the line-oriented formats keep a
// message of any length, truncated with a note, whether it is one line
// or many; and that a line ending the file exactly at a full buffer is
// read.
func TestLongLinesTruncated(t *testing.T) {
	big := MaxMessageBodySize + 1<<20
	longLine := strings.Repeat("w", big)
	manyLines := strings.Repeat(strings.Repeat("l", 1023)+"\n", big/1024)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name   string
		format Format
		path   string
		n      int // messages
		header string
	}{
		{"whatsapp line", WhatsApp, write("wa1.txt", "1/2/24, 10:00 - Ann: "+longLine+"\n1/2/24, 10:01 - Bob: ok\n"), 2, "original_size"},
		{"whatsapp lines", WhatsApp, write("wa2.txt", "1/2/24, 10:00 - Ann: start\n"+manyLines+"1/2/24, 10:01 - Bob: ok\n"), 2, "original_size"},
		{"signal line", Signal, write("s1.md", "[2024-01-02 10:00] Bob: "+longLine+"\n[2024-01-02 10:01] Ann: ok\n"), 2, "truncated_from"},
		{"signal lines", Signal, write("s2.md", "[2024-01-02 10:00] Bob: start\n"+manyLines+"[2024-01-02 10:01] Ann: ok\n"), 2, "truncated_from"},
		{"signal, a full buffer at the end", Signal, write("s3.md", "[2024-01-02 10:00] Bob: "+strings.Repeat("e", lineBuffer-24)), 1, ""},
		{"whatsapp, a full buffer at the end", WhatsApp, write("wa3.txt", "1/2/24, 10:00 - Ann: "+strings.Repeat("e", lineBuffer-21)), 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			msgs := collect(t, c.format, c.path, Options{})
			if len(msgs) != c.n {
				t.Fatalf("%d messages, want %d", len(msgs), c.n)
			}
			m := msgs[0]
			if c.header == "" {
				if len(m.Body) < lineBuffer-30 || m.Headers["truncated_from"] != "" || m.Headers["truncated"] != "" {
					t.Errorf("body of %d bytes, headers %v", len(m.Body), m.Headers)
				}
				return
			}
			if m.Headers[c.header] == "" || !strings.Contains(m.Body, "[coffer: message truncated") || len(m.Body) > MaxMessageBodySize+100 {
				t.Errorf("body of %d bytes ending %q, headers %v", len(m.Body), m.Body[max(0, len(m.Body)-80):], m.Headers)
			}
			if msgs[1].Body != "ok" {
				t.Errorf("next message %.40q", msgs[1].Body)
			}
		})
	}
}
