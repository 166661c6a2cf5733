package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Line-oriented exports (WhatsApp, signal-export's chat.md) are read
// through a fixed buffer, whatever the length of a line, and a message's
// text is kept up to MaxMessageBodySize: a 1 GiB line costs no more than
// a short one, and the message it belongs to is truncated with a note.

// lineBuffer is the buffer a line is read through: longer lines come in
// chunks of this size.
const lineBuffer = 64 << 10

// lineReader reads text by lines, in chunks of at most lineBuffer bytes.
type lineReader struct {
	br   *bufio.Reader
	file string // for errors
	n    int    // the current line's number, 1-based
}

func newLineReader(r io.Reader, file string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, lineBuffer), file: file}
}

// next returns the first chunk of the next line: the whole line without
// its end (LF or CRLF) when it fits the buffer; else a full buffer, with
// more set, and chunk returns the rest. A UTF-8 BOM starting the text is
// dropped. The chunk is valid until the next call. err is io.EOF only
// when no line is left.
func (r *lineReader) next() (b []byte, more bool, err error) {
	b, more, err = r.chunk()
	if err == nil && b == nil {
		err = io.EOF
	}
	if err != nil {
		return nil, false, err
	}
	r.n++
	if r.n == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	return b, more, nil
}

// chunk returns the next piece of the current line (see next); nil at
// the end of the input.
func (r *lineReader) chunk() (b []byte, more bool, err error) {
	b, err = r.br.ReadSlice('\n')
	switch {
	case err == nil:
		b = b[:len(b)-1]
	case errors.Is(err, bufio.ErrBufferFull):
		return b, true, nil
	case err == io.EOF:
		if len(b) == 0 {
			return nil, false, nil
		}
	default:
		return nil, false, fmt.Errorf("%s:%d: %w", r.file, r.n, err)
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if b == nil {
		b = []byte{} // an empty line, not the end
	}
	return b, false, nil
}

// skip reads the rest of the current line when more is set.
func (r *lineReader) skip(more bool) error {
	for more {
		var err error
		if _, more, err = r.chunk(); err != nil {
			return err
		}
	}
	return nil
}

// textBuf is a message's text as it is read: at most MaxMessageBodySize
// bytes of it, cut on a character boundary, and the size of all of it.
type textBuf struct {
	b    []byte
	size int64
}

func (t *textBuf) reset() { t.b, t.size = t.b[:0], 0 }

// write adds p, or as much of it as fits.
func (t *textBuf) write(p []byte) {
	t.size += int64(len(p))
	room := MaxMessageBodySize - len(t.b)
	if room <= 0 {
		return
	}
	if len(p) > room {
		p = p[:room]
		i := len(p) - 1
		for i > 0 && len(p)-i < utf8.UTFMax && !utf8.RuneStart(p[i]) {
			i--
		}
		if !utf8.FullRune(p[i:]) {
			p = p[:i] // the cut went through a character
		}
	}
	t.b = append(grow(t.b, len(p), MaxMessageBodySize), p...)
}

// grow returns b with room for n more bytes, doubling its capacity (up
// to limit) rather than growing it by append's quarter: filling a large
// buffer a line at a time would otherwise leave garbage of five times
// its size, which the heap grows by before it is collected.
func grow(b []byte, n, limit int) []byte {
	if len(b)+n <= cap(b) {
		return b
	}
	return append(make([]byte, 0, min(max(2*cap(b), len(b)+n), max(limit, len(b)+n))), b...)
}

// line adds the rest of a line whose first chunk was written, when more
// is set. A CRLF split between two chunks is a line end, not text.
func (t *textBuf) line(r *lineReader, more bool) error {
	for more {
		endsCR := len(t.b) > 0 && t.b[len(t.b)-1] == '\r' && t.size == int64(len(t.b))
		b, m, err := r.chunk()
		if err != nil {
			return err
		}
		if more = m; !more && len(b) == 0 && endsCR {
			t.b, t.size = t.b[:len(t.b)-1], t.size-1
		}
		t.write(b)
	}
	return nil
}

// truncated reports whether text was dropped.
func (t *textBuf) truncated() bool { return t.size > int64(len(t.b)) }
