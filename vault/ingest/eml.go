package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"coffer/vault"
)

// EML is a single RFC 5322 message in its own file (.eml, .raw, a
// maildir file), as mail clients save or drag out a message.
var EML = Format{
	Name:   "eml",
	Detect: detectEML,
	Parse:  parseEMLFile,
}

// mailDetectSize is how much of a file the email detectors look at.
const mailDetectSize = 8 << 10

// mailHead returns the first mailDetectSize bytes of path without a UTF-8
// BOM, or nil for folders and unreadable files.
func mailHead(path string) []byte { return readHead(path, mailDetectSize) }

// mailKnownHeaders are headers nearly every stored message has; seeing two
// of them in a leading header block is what makes a file look like mail.
var mailKnownHeaders = map[string]bool{
	"from": true, "to": true, "date": true, "subject": true, "message-id": true,
	"received": true, "return-path": true, "mime-version": true, "delivered-to": true,
	"content-type": true, "cc": true, "reply-to": true, "x-mailer": true, "sender": true,
	"content-transfer-encoding": true, "in-reply-to": true, "references": true,
}

// mailLooksLikeHeaders reports whether b starts with an RFC 5322 header block
// naming at least two well-known mail headers.
func mailLooksLikeHeaders(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, len(b)+1), len(b)+1)
	known, lines := 0, 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			// A complete header block of nothing but well-formed fields
			// is a message even with a single known name (a bare MIME
			// entity: Content-Type and a body).
			return known >= 1
		}
		lines++
		if line[0] == ' ' || line[0] == '\t' {
			if lines == 1 {
				return false
			}
			continue
		}
		i := strings.IndexByte(line, ':')
		name := ""
		if i > 0 {
			name = line[:i]
		}
		for _, r := range name {
			if r <= ' ' || r > '~' {
				name = ""
				break
			}
		}
		if name == "" {
			// A broken line after real headers (an unfolded
			// continuation) does not unmake a message.
			return lines > 1 && known >= 2
		}
		if mailKnownHeaders[strings.ToLower(name)] {
			known++
		}
	}
	return known >= 2
}

// detectEML also accepts a message saved with its mbox envelope line;
// Mbox detects such a file too, and whichever is asked first imports it
// the same way.
func detectEML(path string) bool {
	b := mailHead(path)
	if l := mailFirstLine(b); mboxIsFromLine(l) {
		b = b[len(l):]
	}
	return len(b) > 0 && mailLooksLikeHeaders(b)
}

func mailFirstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return b
}

func parseEMLFile(path string, opt Options, emit Emit) error {
	f, name, sum, err := openHashed(path, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, size, err := mailReadCapped(f, MaxEmailBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	src := emailSource{format: "eml", file: name, fileSHA256: sum, position: "message 1"}
	if size > int64(len(raw)) {
		src.size = size
	}
	return emitEmail(raw, src, opt, emit)
}

// emitEmail converts one message and emits it, or reports it as a bad
// record (skipped in lenient mode).
func emitEmail(raw []byte, src emailSource, opt Options, emit Emit) error {
	m, err := mailConvert(raw, src, opt.now(), opt.location())
	if err != nil {
		return opt.skip(mailError(src, err))
	}
	return emit(m)
}

// mailConvert is parseEmail for a message that may start with the
// "From " envelope line it was saved with.
func mailConvert(raw []byte, src emailSource, now time.Time, loc *time.Location) (*vault.Message, error) {
	if l := mailFirstLine(raw); mboxIsFromLine(l) {
		raw = raw[len(l):]
	}
	return parseEmail(raw, src, now, loc)
}

// mailError locates a bad message for the one-line error.
func mailError(src emailSource, err error) *Error {
	return &Error{File: src.file, Line: src.line, Pos: src.position, Err: err}
}

// mailReadCapped reads r up to limit bytes and returns them with the total
// length of r, reading (not keeping) the rest.
func mailReadCapped(r io.Reader, limit int64) ([]byte, int64, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit))
	if err != nil {
		return nil, 0, err
	}
	rest, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), n + rest, nil
}
