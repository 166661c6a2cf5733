package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
)

// Mbox is a Unix mailbox: messages one after another, each introduced by
// a "From " envelope line. It reads mboxo and mboxrd (">From " lines
// unescaped), honours Content-Length headers when they are right (Mozilla
// and Solaris mailers wrote them and did not escape "From " in bodies),
// and accepts a UTF-8 BOM and CRLF line ends.
//
// The file is streamed: one message at a time is held in memory (at most
// MaxEmailBytes of it), so a mailbox of any size imports with flat memory.
var Mbox = Format{
	Name:   "mbox",
	Detect: detectMbox,
	Parse:  parseMboxFile,
}

func detectMbox(path string) bool {
	b := mailHead(path)
	l := mailFirstLine(b)
	if len(l) == 0 || !mboxIsFromLine(l) {
		return false
	}
	return mailLooksLikeHeaders(b[len(l):])
}

// mboxIsFromLine reports whether line is an mbox envelope line. Plain "From "
// is not enough: bodies of mboxo files hold unescaped lines such as "From
// Russia with love". An envelope line has a sender and either nothing
// else (Mozilla's "From -", Gmail's "From 1234@xxx") or an asctime date
// with a clock time and a year.
func mboxIsFromLine(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("From ")) {
		return false
	}
	f := strings.Fields(string(bytes.TrimRight(line[5:], "\r\n")))
	switch {
	case len(f) == 0:
		return false
	case len(f) == 1:
		return f[0] == "-" || strings.Contains(f[0], "@") || f[0] == "MAILER-DAEMON"
	}
	var clock, year bool
	for _, w := range f[1:] {
		switch {
		case mboxClock(w):
			clock = true
		case len(w) == 4 && strings.Trim(w, "0123456789") == "" && (w[0] == '1' || w[0] == '2'):
			year = true
		}
	}
	return clock && year
}

// mboxClock matches h:mm, hh:mm and hh:mm:ss.
func mboxClock(w string) bool {
	p := strings.Split(w, ":")
	if len(p) < 2 || len(p) > 3 || len(p[0]) < 1 || len(p[0]) > 2 {
		return false
	}
	for i, s := range p {
		if (i > 0 && len(s) != 2) || s == "" || strings.Trim(s, "0123456789") != "" {
			return false
		}
	}
	return true
}

func parseMboxFile(path string, opt Options, emit Emit) error {
	f, name, sum, err := openHashed(path, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadMbox(f, name, sum, opt, emit)
}

// mboxReader yields the input in fragments: whole lines, or pieces of a
// line longer than its buffer. Bytes pushed back (when a Content-Length
// header turns out to be wrong) are read again before the input.
type mboxReader struct {
	br      *bufio.Reader
	pending []byte
	off     int64 // offset of the next byte in the file
	line    int   // line number of the next line
	atStart bool  // the next fragment starts a line
	// badLengths counts Content-Length headers proved wrong; past
	// mboxMaxBadLengths they are ignored, so a hostile file cannot make
	// the reader rescan its input again and again.
	badLengths int
}

const mboxMaxBadLengths = 16

// mboxFragment is one piece of input with where it starts.
type mboxFragment struct {
	b     []byte // valid until the next call to next
	start bool   // b begins a line
	off   int64
	line  int
}

func (r *mboxReader) next() (mboxFragment, error) {
	fr := mboxFragment{start: r.atStart, off: r.off, line: r.line}
	if len(r.pending) > 0 {
		i := bytes.IndexByte(r.pending, '\n')
		if i < 0 {
			i = len(r.pending) - 1
		}
		fr.b, r.pending = r.pending[:i+1], r.pending[i+1:]
	} else {
		b, err := r.br.ReadSlice('\n')
		if len(b) == 0 {
			if err == nil || err == bufio.ErrBufferFull {
				err = io.ErrNoProgress
			}
			return fr, err
		}
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return fr, err
		}
		fr.b = b
	}
	r.off += int64(len(fr.b))
	r.atStart = fr.b[len(fr.b)-1] == '\n'
	if r.atStart {
		r.line++
	}
	return fr, nil
}

// unread makes the reader return b (whose first byte was at off, line)
// before anything not yet read.
func (r *mboxReader) unread(a, b []byte, off int64, line int) {
	p := make([]byte, 0, len(a)+len(b)+len(r.pending))
	r.pending = append(append(append(p, a...), b...), r.pending...)
	r.off, r.line, r.atStart = off, line, true
}

func mboxBlank(b []byte) bool { return len(bytes.TrimRight(b, "\r\n")) == 0 }

// ReadMbox parses an mbox from r; name and fileSum fill in provenance.
// Messages are converted on up to GOMAXPROCS goroutines (see
// mbox_pipeline.go) and emitted in file order from the calling goroutine.
func ReadMbox(r io.Reader, name, fileSum string, opt Options, emit Emit) error {
	return readMbox(r, name, fileSum, opt, emit, min(runtime.GOMAXPROCS(0), mboxMaxWorkers))
}

func readMbox(r io.Reader, name, fileSum string, opt Options, emit Emit, workers int) error {
	opt = opt.resolved()
	mr := &mboxReader{br: bufio.NewReaderSize(r, 64<<10), line: 1, atStart: true}
	if b, _ := mr.br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		mr.br.Discard(3)
		mr.off = 3
	}
	// Find the first envelope line; blank lines before it are harmless,
	// anything else means the file is not what it was taken for.
	var env mboxFragment
	for {
		fr, err := mr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if fr.start && mboxIsFromLine(fr.b) {
			env = fr
			break
		}
		if fr.start && !mboxBlank(fr.b) {
			e := &Error{File: name, Line: fr.line, Err: errors.New(`not an mbox: text before the first "From " line`)}
			if err := opt.skip(e); err != nil {
				return err
			}
			// Lenient: ignore everything up to the next envelope line.
			for {
				fr, err = mr.next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if fr.start && mboxIsFromLine(fr.b) {
					break
				}
			}
			env = fr
			break
		}
	}
	if workers > 1 {
		return mr.pipeline(env, name, fileSum, opt, emit, workers)
	}
	var raw []byte
	for {
		var src emailSource
		var next *mboxFragment
		var err error
		raw, src, next, err = mr.read(env, raw, name, fileSum)
		if err != nil {
			return err
		}
		if err := emitEmail(raw, src, opt, emit); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		env = *next
	}
}

// read reads the message introduced by the envelope line env into buf
// (reused) and returns it unescaped, with its provenance and the next
// envelope line (nil at the end).
func (r *mboxReader) read(env mboxFragment, buf []byte, name, fileSum string) ([]byte, emailSource, *mboxFragment, error) {
	msgLine := env.line
	// env.b is only valid until the reader moves on.
	envelope := string(bytes.TrimRight(env.b, "\r\n"))
	raw, next, size, err := r.message(buf[:0])
	if err != nil {
		return buf, emailSource{}, nil, fmt.Errorf("%s:%d: %w", name, msgLine, err)
	}
	src := emailSource{format: "mbox", file: name, fileSHA256: fileSum,
		position: fmt.Sprintf("line %d", msgLine), line: msgLine, size: size, envelope: envelope}
	return mboxUnescape(raw), src, next, nil
}

// message reads one message after its envelope line, up to the next
// envelope line (returned as next; nil at the end of the input). raw is
// the reused buffer the message is appended to; size is the message's
// length when it was cut at MaxEmailBytes, else 0.
//
// A Content-Length header is trusted only if the body it measures is
// followed (after at most one blank line) by an envelope line or the end
// of the file. Until that is known, envelope lines inside the measured
// body are remembered; if the header proves wrong, the message ends at
// the first of them and the rest is read again.
func (r *mboxReader) message(raw []byte) (_ []byte, next *mboxFragment, size int64, _ error) {
	type candidate struct {
		idx  int // in raw
		off  int64
		line int
	}
	var (
		total     int64
		inHeader  = true
		cl        = int64(-1)
		bodyStart = int64(-1)
		cands     []candidate
	)
	for {
		fr, err := r.next()
		if err == io.EOF {
			// A Content-Length reaching past the end of the file was
			// wrong too: split at the envelope lines it covered.
			if cl >= 0 && bodyStart >= 0 && total-bodyStart < cl && len(cands) > 0 {
				r.badLengths++
				c := cands[0]
				r.unread(raw[c.idx:], nil, c.off, c.line)
				total -= int64(len(raw) - c.idx)
				raw = raw[:c.idx]
				env, err := r.next()
				if err != nil {
					return nil, nil, 0, err
				}
				next = &env
			}
			break
		}
		if err != nil {
			return nil, nil, 0, err
		}
		if fr.start {
			b := int64(-1)
			if cl >= 0 && bodyStart >= 0 {
				b = total - bodyStart
			}
			if mboxIsFromLine(fr.b) {
				if b < 0 || b >= cl {
					// A copy: taking fr's address would move every
					// line's fragment to the heap.
					env := fr
					next = &env
					break
				}
				cands = append(cands, candidate{len(raw), fr.off, fr.line})
			} else if b >= 0 && (b > cl || (b == cl && !mboxBlank(fr.b))) {
				cl = -1
				r.badLengths++
				if len(cands) > 0 {
					c := cands[0]
					r.unread(raw[c.idx:], fr.b, c.off, c.line)
					total -= int64(len(raw) - c.idx)
					raw = raw[:c.idx]
					env, err := r.next()
					if err != nil {
						return nil, nil, 0, err
					}
					next = &env
					break
				}
			}
			if inHeader {
				if mboxBlank(fr.b) {
					inHeader = false
					bodyStart = total + int64(len(fr.b))
					if cl >= 0 && bodyStart+cl > MaxEmailBytes {
						cl = -1
					}
				} else if len(fr.b) > 15 && bytes.EqualFold(fr.b[:15], []byte("content-length:")) {
					if v, err := strconv.ParseInt(string(bytes.TrimSpace(fr.b[15:])), 10, 64); err == nil && v >= 0 && r.badLengths < mboxMaxBadLengths {
						cl = v
					}
				}
			}
		}
		total += int64(len(fr.b))
		if room := MaxEmailBytes - len(raw); room > 0 {
			b := fr.b[:min(len(fr.b), room)]
			raw = append(grow(raw, len(b), MaxEmailBytes), b...)
		}
	}
	if total > MaxEmailBytes {
		size = total
	}
	// The blank line before an envelope line separates messages.
	if next != nil {
		if bytes.HasSuffix(raw, []byte("\r\n\r\n")) {
			raw = raw[:len(raw)-2]
		} else if bytes.HasSuffix(raw, []byte("\n\n")) {
			raw = raw[:len(raw)-1]
		}
	}
	return raw, next, size, nil
}

// mboxUnescape undoes mboxrd/mboxo quoting in place: a line ">From ",
// ">>From ", ... loses one ">".
func mboxUnescape(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(">From ")) {
		return raw
	}
	out := raw[:0]
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		line := raw
		if i >= 0 {
			line = raw[:i+1]
		}
		raw = raw[len(line):]
		if t := bytes.TrimLeft(line, ">"); len(t) < len(line) && bytes.HasPrefix(t, []byte("From ")) {
			line = line[1:]
		}
		out = append(out, line...)
	}
	return out
}
