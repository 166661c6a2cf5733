package sanitize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// hostile is one string of every kind of payload the writer must stop.
const hostile = "wa\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07\x1b]0;pwned\x07\x1b[2J\x1bP+q\x1b\\" +
	"\u009b31m\u009d8;;x\u009c\u202eexe.txt\u2066\x7f\u200b\u0601\xff\r\b"

// unsafeIn reports the first byte offset in out of an ESC, C0 other
// than newline and tab, DEL, C1, bidi control or invalid UTF-8.
func unsafeIn(out string) int {
	for i, r := range out {
		switch {
		case r == 0xfffd && !strings.HasPrefix(out[i:], "\uFFFD"):
			return i // invalid UTF-8
		case r < 0x20 && r != '\n' && r != '\t', r >= 0x7f && r <= 0x9f, bidi(r):
			return i
		}
	}
	return -1
}

func TestWriterText(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		write    func(w *Writer)
		want     string
	}{
		{"plain", false, func(w *Writer) { fmt.Fprintf(w, "%d matches\n", 3) }, "3 matches\n"},
		{"escapes neutralised", false, func(w *Writer) { w.WriteString("a\x1b[2Jb\u009bc\n") }, "a␛[2Jb\u2426c\n"},
		{"split rune joined", false, func(w *Writer) { w.Write([]byte("é")[:1]); w.Write([]byte("é")[1:]) }, "é"},
		{"split rune never finished", false, func(w *Writer) { w.Write([]byte("é")[:1]); w.Flush() }, "\uFFFD"},
		{"emoji joiner across writes", false, func(w *Writer) { w.WriteString("👨"); w.WriteString("\u200D👩") }, "👨\u200D👩"},
		{"dangling joiner across writes", false, func(w *Writer) { w.WriteString("a"); w.WriteString("\u200Db") }, "ab"},
		{"emphasis, not a terminal", false, func(w *Writer) { w.Emphasis("hit\x1b[0m") }, "hit␛[0m"},
		{"emphasis on a terminal", true, func(w *Writer) { w.Emphasis("hit\x1b[0m") }, "\x1b[1;4mhit␛[0m\x1b[m"},
		{"clear line, not a terminal", false, func(w *Writer) { w.ClearLine(); w.WriteString("x") }, "x"},
		{"clear line on a terminal", true, func(w *Writer) { w.ClearLine() }, "\r\x1b[K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, tt.terminal, true)
			tt.write(w)
			if got := b.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWriterHostile writes the hostile payload whole, byte by byte and in
// every split, as text, and requires the same safe output each time.
func TestWriterHostile(t *testing.T) {
	var whole bytes.Buffer
	NewWriter(&whole, true, true).WriteString(hostile)
	if i := unsafeIn(whole.String()); i >= 0 {
		t.Fatalf("unsafe output at %d: %q", i, whole.String())
	}
	for split := 0; split <= len(hostile); split++ {
		var b bytes.Buffer
		w := NewWriter(&b, true, true)
		w.WriteString(hostile[:split])
		w.WriteString(hostile[split:])
		w.Flush()
		if b.String() != whole.String() {
			t.Fatalf("split at %d: %q, want %q", split, b.String(), whole.String())
		}
	}
}

// TestWriterJSON: JSON through the writer is safe on a terminal and means
// exactly what was encoded, however it is split.
func TestWriterJSON(t *testing.T) {
	in := map[string]string{"source": hostile, "emoji": "👨\u200D👩", "zwj": "a\u200Db", "ls": "x\u2028y"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json itself turns invalid UTF-8 into U+FFFD: compare with
	// what the unescaped JSON means.
	var want map[string]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1, 2, 3, 7, len(raw)} {
		var b bytes.Buffer
		w := NewWriter(&b, true, true).JSON()
		for i := 0; i < len(raw); i += chunk {
			w.Write(raw[i:min(i+chunk, len(raw))])
		}
		out := b.String()
		if i := unsafeIn(out); i >= 0 {
			t.Fatalf("chunk %d: unsafe output at %d: %q", chunk, i, out)
		}
		var got map[string]string
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("chunk %d: %v: %s", chunk, err, out)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("chunk %d: %s = %q, want %q", chunk, k, got[k], v)
			}
		}
	}
}

// FuzzJSONIsText: what JSON returns for encoding/json output is left
// alone by Text (so the writer may pass it through) and decodes to the
// same value.
func FuzzJSONIsText(f *testing.F) {
	for _, s := range []string{hostile, "👨\u200D👩", "\u0601", "plain", "\u2028", "a\u00ad"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		out := JSON(raw)
		if Text(string(out)) != string(out) {
			t.Fatalf("Text changes JSON(%q) = %q", s, out)
		}
		var a, b string
		if json.Unmarshal(raw, &a) != nil || json.Unmarshal(out, &b) != nil || a != b {
			t.Fatalf("JSON(%q) is not lossless: %q vs %q", s, a, b)
		}
	})
}
