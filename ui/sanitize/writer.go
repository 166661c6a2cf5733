package sanitize

import (
	"io"
	"unicode/utf8"
)

// Writer is the one way the command line's bytes reach its standard
// output and standard error. Everything written to it is treated as
// untrusted text and neutralised as Text does, whatever its origin (a
// message, a file name, an error quoting a record), so no code path has
// to remember to sanitize; JSON written through JSON is escaped
// losslessly instead. The only escape sequences it emits are its own,
// from Emphasis and ClearLine, and only to a terminal.
//
// A rune split across two writes is held back until the next one; Flush
// writes what is held.
type Writer struct {
	w        io.Writer
	terminal bool // the destination is a terminal
	color    bool // and styling is wanted (NO_COLOR unset)
	pend     []byte
	prev     rune // the last rune written, for the emoji joiner
	json     jsonWriter
	err      error // the first write error: every later write returns it
}

// NewWriter returns a Writer to w. terminal says whether w is a terminal
// (Emphasis and ClearLine do nothing elsewhere); color whether emphasis
// may be styled there.
func NewWriter(w io.Writer, terminal, color bool) *Writer {
	sw := &Writer{w: w, terminal: terminal, color: color}
	sw.json.w = sw
	return sw
}

// Terminal reports whether the destination is a terminal.
func (w *Writer) Terminal() bool { return w.terminal }

// Write writes p as text: tabs and newlines kept, every other control
// character, escape, bidi control and invisible character neutralised
// (see Text). It reports len(p) written unless the destination fails.
func (w *Writer) Write(p []byte) (int, error) {
	if len(w.pend) > 0 {
		p = append(w.pend, p...)
		w.pend = nil
		n, err := w.write(p)
		return max(n-len(w.pend), 0), err
	}
	return w.write(p)
}

// WriteString is Write for a string.
func (w *Writer) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *Writer) write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	// Hold back an incomplete rune at the end: the next write may finish
	// it.
	cut := completeRunes(p)
	s := string(p[:cut])
	w.pend = append(w.pend[:0], p[cut:]...)
	out := s
	if !safe(s, false) {
		out = w.clean(s)
	}
	if out != "" {
		if r, _ := utf8.DecodeLastRuneInString(out); r != utf8.RuneError {
			w.prev = r
		}
	}
	if _, err := io.WriteString(w.w, out); err != nil {
		w.err = err
		return 0, err
	}
	return len(p), nil
}

// Err returns the first error the destination returned (a closed pipe,
// say), or nil. Writes after it do nothing and return it.
func (w *Writer) Err() error { return w.err }

// raw writes our own bytes (escape sequences, escaped JSON).
func (w *Writer) raw(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(b); err != nil {
		w.err = err
	}
	return w.err
}

// clean is Text, with the rune before s taken from the previous write so
// that an emoji joiner at the start of s is judged in context.
func (w *Writer) clean(s string) string {
	if w.prev == 0 || s == "" {
		return Text(s)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], w.prev)
	if !pictographic(w.prev) {
		return Text(s)
	}
	// Clean with the previous emoji in front, then take it off again.
	out := Text(string(buf[:n]) + s)
	return out[n:]
}

// Flush writes a rune held back from an earlier write (as U+FFFD: it was
// never finished).
func (w *Writer) Flush() error {
	if len(w.pend) == 0 {
		return nil
	}
	w.pend = nil
	return w.raw([]byte(string(Replacement)))
}

// Emphasis writes s (untrusted) sanitized as one line, bold and
// underlined on a colour terminal: how coffer marks the words a search
// matched.
func (w *Writer) Emphasis(s string) error {
	if w.terminal && w.color {
		return w.raw([]byte("\x1b[1;4m" + Line(s) + "\x1b[m"))
	}
	_, err := w.WriteString(Line(s))
	return err
}

// ClearLine returns to the start of the line and erases it, on a
// terminal (progress bars); elsewhere it does nothing.
func (w *Writer) ClearLine() error {
	if !w.terminal {
		return nil
	}
	return w.raw([]byte("\r\x1b[K"))
}

// JSON returns a writer for encoding/json output (or JSON lines): every
// rune that Text would change is written as a \u escape, so the JSON
// means exactly what was written and is safe on a terminal.
func (w *Writer) JSON() io.Writer { return &w.json }

type jsonWriter struct {
	w    *Writer
	pend []byte
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(j.pend) > 0 {
		p = append(j.pend, p...)
		j.pend = nil
	}
	cut := completeRunes(p)
	j.pend = append(j.pend, p[cut:]...)
	// After JSON escaping nothing is left that Text would change
	// (FuzzJSONIsText): it goes out as it is.
	if err := j.w.raw(JSON(p[:cut])); err != nil {
		return 0, err
	}
	j.w.prev = 0
	return n, nil
}

// completeRunes returns the length of p without an incomplete UTF-8
// sequence at its end (which a later write may complete).
func completeRunes(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
