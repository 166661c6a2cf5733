package ingest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// A fast path for the message as current mailers write it: a text/plain
// body, or multipart parts (text, HTML, files in base64) in a clean
// structure. It builds the envelope enmime would build,
// without enmime's readers: enmime reads multipart bodies a byte at a
// time and parses every media type several times, which cost three
// quarters of an mbox import (issue 17).
//
// The fast path only takes what it can prove it reads as enmime does;
// anything else (a header enmime warns about, a charset other than
// UTF-8 or ASCII, a part without Content-Type, a boundary string inside
// a part, QP text enmime's cleaner would rewrite, ...) returns ok false
// and goes
// the full way. Headers are still read by enmime.ReadHeader and media
// types by enmime's mediatype, so the values coffer keeps are enmime's
// own. TestMailFastPathMatchesEnmime and FuzzMailFastPath compare both
// ways over every sample.
//
// The envelope holds what coffer reads (see mailAttachments and
// parseEmail): the part tree with headers, types, dispositions, file
// names, charsets, content and part ids, and Text and HTML. Its
// unexported header field is unset, so Envelope.GetHeader must not be
// used on it; Root.Header is.

// mailFastPath is a test hook: the equivalence tests turn it off to get
// enmime's envelope (and its address lists: mailFastAddressList) for the
// same bytes.
var mailFastPath = true

// mailFastMaxDepth bounds the multipart nesting the fast path follows
// (well under mailMaxDepth: deeper mail goes the full way).
const mailFastMaxDepth = 8

// mailFastMaxBoundary bounds boundary lengths (RFC 2046 allows 70):
// enmime's reader peeks the boundary within a 4 KiB buffer.
const mailFastMaxBoundary = 200

// mailFastEnvelope returns enmime's envelope for raw when raw is a
// message the fast path reads exactly as enmime does; ok is false
// otherwise.
func mailFastEnvelope(raw []byte) (env *enmime.Envelope, ok bool) {
	hdr, n, ok := mailFastHeader(raw)
	if !ok {
		return nil, false
	}
	root := &enmime.Part{PartID: "0", Header: hdr}
	ctype := hdr.Get("Content-Type")
	if ctype == "" {
		ctype = `text/plain; charset="us-ascii"` // enmime's default for the root
	}
	params, ok := mailFastSetup(root, ctype)
	if !ok {
		return nil, false
	}
	env = &enmime.Envelope{Root: root}
	if !strings.HasPrefix(root.ContentType, "multipart/") {
		// A single part: the fast path takes a text/plain body only
		// (enmime keeps other types as an attachment).
		if root.ContentType != "text/plain" || root.Disposition == "attachment" {
			return nil, false
		}
		if !mailFastContent(root, raw[n:]) {
			return nil, false
		}
		env.Text = string(root.Content)
		return env, true
	}
	s := mailFastScan{data: raw}
	if !s.level(root, params["boundary"], n, len(raw), 1) {
		return nil, false
	}
	// enmime's parseMultiPartBody.
	if root.ContentType == "multipart/alternative" {
		if p := root.BreadthMatchFirst(func(p *enmime.Part) bool {
			return p.ContentType == "text/plain" && p.Disposition != "attachment"
		}); p != nil {
			env.Text = string(p.Content)
		}
	} else {
		var b strings.Builder
		for i, p := range root.DepthMatchAll(func(p *enmime.Part) bool {
			return p.ContentType == "text/plain" && p.Disposition != "attachment"
		}) {
			if i > 0 {
				b.WriteString("\n--\n")
			}
			b.Write(p.Content)
		}
		env.Text = b.String()
	}
	if p := root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/html" && p.Disposition != "attachment"
	}); p != nil {
		env.HTML = string(p.Content)
	}
	if env.Text == "" && env.HTML != "" {
		return nil, false // enmime renders the HTML to text, with a warning
	}
	env.Attachments = root.BreadthMatchAll(func(p *enmime.Part) bool {
		return p.Disposition == "attachment" || p.ContentType == "application/octet-stream"
	})
	env.Inlines = root.BreadthMatchAll(func(p *enmime.Part) bool {
		return p.Disposition == "inline" && !strings.HasPrefix(p.ContentType, "multipart/")
	})
	env.OtherParts = root.BreadthMatchAll(func(p *enmime.Part) bool {
		if strings.HasPrefix(p.ContentType, "multipart/") || p.Disposition != "" ||
			p.ContentType == "application/octet-stream" {
			return false
		}
		return p.ContentType != "text/plain" && p.ContentType != "text/html"
	})
	return env, true
}

// mailFastNotes is an enmime.ErrorCollector remembering whether enmime
// had anything to say: a header it notes goes the full way, whose
// warnings coffer keeps.
type mailFastNotes struct{ noted bool }

func (n *mailFastNotes) AddError(string, string, ...any)   { n.noted = true }
func (n *mailFastNotes) AddWarning(string, string, ...any) { n.noted = true }

// mailFastHeader reads the header block at the start of b with enmime's
// reader, and returns it with its length in b.
func mailFastHeader(b []byte) (textproto.MIMEHeader, int, bool) {
	if h, n, ok := mailFastPlainHeader(b); ok {
		return h, n, true
	}
	var notes mailFastNotes
	r := bytes.NewReader(b)
	br := mailReaders.Get().(*bufio.Reader)
	br.Reset(r)
	h, err := enmime.ReadHeader(br, &notes)
	n := len(b) - r.Len() - br.Buffered()
	br.Reset(nil)
	mailReaders.Put(br)
	if err != nil || notes.noted {
		return nil, 0, false
	}
	return h, n, true
}

// mailFastPlainHeader reads a header block of plain lines as
// enmime.ReadHeader does, without its second pass (it writes the block
// out again and parses that with a textproto reader): "Name: value"
// lines whose names are letters, digits and dashes, continuation lines
// starting with a space or tab, LF line ends. ok is false for anything
// else.
//
// enmime's value is the line trimmed of white space, each continuation
// trimmed and appended after a space, and the result trimmed of spaces
// and tabs after the colon.
func mailFastPlainHeader(b []byte) (_ textproto.MIMEHeader, n int, ok bool) {
	// Sized for the block's lines, as enmime sizes it: one map and one
	// backing array of values rather than one per header.
	lines := len(b)
	if end := bytes.Index(b, []byte("\n\n")); end >= 0 {
		lines = end
	}
	lines = bytes.Count(b[:lines], []byte("\n")) + 1
	h := make(textproto.MIMEHeader, lines)
	strs := make([]string, lines)
	var key string
	var val []byte
	flush := func() {
		if key == "" {
			return
		}
		v := string(bytes.Trim(val, " \t"))
		if vv := h[key]; vv != nil || len(strs) == 0 {
			h[key] = append(vv, v)
		} else {
			strs[0] = v
			h[key], strs = strs[:1:1], strs[1:]
		}
	}
	for pos := 0; ; {
		if pos == len(b) {
			flush()
			return h, pos, true
		}
		line, next := b[pos:], len(b)
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line, next = line[:e], pos+e+1
		}
		// bufio.Reader.ReadLine drops the CR of a CRLF; a CR
		// anywhere else is left to enmime.
		line = bytes.TrimSuffix(line, []byte("\r"))
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, 0, false
		}
		switch {
		case len(line) == 0:
			flush()
			return h, next, true
		case line[0] == ' ' || line[0] == '\t':
			if key == "" {
				return nil, 0, false // enmime fails a first line that continues
			}
			val = append(append(val, ' '), bytes.Trim(line, " \t\r\n")...)
		default:
			flush()
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 {
				return nil, 0, false
			}
			for _, c := range line[:colon] {
				if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
					return nil, 0, false
				}
			}
			if key = mailFastKeys[string(line[:colon])]; key == "" {
				key = textproto.CanonicalMIMEHeaderKey(string(line[:colon]))
			}
			val = append(val[:0], bytes.TrimRight(line[colon+1:], " \t\r\n")...)
		}
		pos = next
	}
}

// mailFastKeys maps the header names most mail carries, as mailers
// spell them, to their canonical form, saving an allocation per line
// read and per header looked up (mailHeaderKey).
var mailFastKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range append([]string{"Subject", "Received", "MIME-Version", "Mime-Version",
		"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Id",
		"Message-Id", "X-Cc", "X-Bcc", "DKIM-Signature", "Authentication-Results", "X-Received",
		"Received-SPF", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
		"Thread-Topic", "Thread-Index", "Content-Language", "X-Originating-IP", "Importance",
		"Precedence", "List-Unsubscribe", "Auto-Submitted", "X-Spam-Status", "X-Priority",
	}, mailKeptHeaders...) {
		m[k] = textproto.CanonicalMIMEHeaderKey(k)
	}
	return m
}()

// mailFastMediaTypes are mediatype.ParseWithOptions's results for the
// Content-Type and Content-Disposition values most mail carries,
// computed by it once. Their parameter maps are shared: read only.
var mailFastMediaTypes = func() map[string]mailFastMediaType {
	m := map[string]mailFastMediaType{}
	for _, t := range []string{"text/plain", "text/html"} {
		for _, cs := range []string{"", "utf-8", "UTF-8", `"utf-8"`, `"UTF-8"`, "us-ascii", "US-ASCII", `"us-ascii"`, `"US-ASCII"`} {
			for _, more := range []string{"", "; format=flowed", "; format=flowed; delsp=yes", `; format="flowed"`} {
				v := t
				if cs != "" {
					v += "; charset=" + cs
				}
				v += more
				m[v] = mailParseMediaType(v)
			}
		}
	}
	for _, v := range []string{"application/octet-stream", "application/pdf", "image/jpeg", "image/png",
		"message/rfc822", "attachment", "inline"} {
		m[v] = mailParseMediaType(v)
	}
	return m
}()

type mailFastMediaType struct {
	mtype   string
	params  map[string]string
	invalid []string
	err     error
}

func mailParseMediaType(v string) mailFastMediaType {
	mtype, params, invalid, err := mediatype.ParseWithOptions(v, mediatype.ParseOptions{})
	return mailFastMediaType{mtype, params, invalid, err}
}

// mailFastParseMediaType is mediatype.ParseWithOptions (with enmime's
// options), from mailFastMediaTypes when it holds v.
func mailFastParseMediaType(v string) (string, map[string]string, []string, error) {
	r, ok := mailFastMediaTypes[v]
	if !ok {
		r = mailParseMediaType(v)
	}
	return r.mtype, r.params, r.invalid, r.err
}

// mailFastSetup fills in p's type, disposition, file name and charset
// from its header as enmime's setupHeaders does, and returns the media
// type's parameters.
func mailFastSetup(p *enmime.Part, ctype string) (map[string]string, bool) {
	mtype, params, invalid, err := mailFastParseMediaType(ctype)
	if err != nil || len(invalid) > 0 || mtype == "" {
		return nil, false
	}
	p.ContentType = mtype
	if cd := p.Header.Get("Content-Disposition"); cd != "" {
		disp, dparams, dinvalid, err := mailFastParseMediaType(cd)
		if err != nil || len(dinvalid) > 0 {
			return nil, false
		}
		p.Disposition = disp
		p.FileName = dparams["filename"]
	}
	if p.FileName == "" {
		p.FileName = params["name"]
	}
	if p.FileName == "" {
		p.FileName = params["file"]
	}
	if strings.Contains(p.FileName, "=?") {
		return nil, false // enmime decodes RFC 2047 names
	}
	p.Charset = params["charset"]
	if d := params["modification-date"]; d != "" {
		p.FileModDate, _ = time.Parse(time.RFC822, d)
	}
	p.Boundary = params["boundary"]
	// enmime's coding.FromIDHeader.
	if id := p.Header.Get("Content-ID"); id != "" {
		id = strings.TrimRight(strings.TrimLeft(id, "<"), ">")
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		p.ContentID = id
	}
	return params, true
}

// mailFastContent decodes body into p.Content as enmime's decodeContent
// does, for the encodings and charsets that leave the bytes as they are
// (and need no charset detection: see mailNeedsDetection).
func mailFastContent(p *enmime.Part, body []byte) bool {
	var content []byte
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "", "7bit", "8bit", "binary":
		content = bytes.Clone(body)
		if content == nil {
			content = []byte{}
		}
	case "quoted-printable":
		// enmime's QPCleaner passes clean text through unchanged,
		// then the standard decoder reads it.
		if !mailFastCleanQP(body) {
			return false
		}
		var err error
		if content, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return false
		}
	case "base64":
		var ok bool
		if content, ok = mailFastBase64(body); !ok || len(content) == 0 {
			return false // an empty one may be a body glued to its headers
		}
	default:
		return false
	}
	if strings.HasPrefix(p.ContentType, "text/") {
		switch strings.ToLower(p.Charset) {
		case "utf-8", "utf8":
			if !utf8.Valid(content) {
				return false
			}
		case "us-ascii", "ascii":
			// enmime decodes these as Windows-1252, which leaves
			// ASCII as it is.
			if !mailIsASCII(content) {
				return false
			}
		default:
			return false
		}
	}
	p.Content = content
	return true
}

// mailFastCleanQP reports whether enmime's QPCleaner leaves body as it
// is: printable ASCII, tabs and line ends only, every "=" followed by two
// hex digits or a line end, and lines well short of its 1024-byte limit
// (where it inserts soft line breaks).
func mailFastCleanQP(body []byte) bool {
	line := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\r' || c == '\n':
			line = 0
			continue
		case c == '=':
			rest := body[i+1:]
			if !(len(rest) > 0 && rest[0] == '\n' || len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' ||
				len(rest) > 1 && mailHex(rest[0]) && mailHex(rest[1])) {
				return false
			}
		case c == '\t':
		case c < ' ' || c > '~':
			return false
		}
		if line++; line >= 1000 {
			return false
		}
	}
	return true
}

// mailFastB64 marks the bytes of the base64 alphabet.
var mailFastB64 = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()

// mailFastBase64 decodes body as enmime does (its Base64Cleaner drops
// white space and '=' everywhere, then the rest is decoded unpadded),
// when body holds nothing the cleaner would warn about.
func mailFastBase64(body []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(body))
	for len(body) > 0 {
		i := 0
		for i < len(body) && mailFastB64[body[i]] {
			i++
		}
		clean = append(clean, body[:i]...)
		if i == len(body) {
			break
		}
		switch body[i] {
		case '\t', '\n', '\r', ' ', '=':
		default:
			return nil, false
		}
		body = body[i+1:]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// mailFastScan reads the multipart levels of one message.
type mailFastScan struct {
	data []byte
}

// level reads the parts of parent, a multipart level with boundary b
// whose reader sees data[pos:end) (end is where the enclosing level's
// reader stops), at depth d, as enmime's parseParts and boundaryReader
// do; it accepts only the plain structure (whole delimiter lines, no
// boundary string inside a part) and returns false on anything else.
func (s *mailFastScan) level(parent *enmime.Part, b string, pos, end, d int) bool {
	if b == "" || len(b) > mailFastMaxBoundary || d > mailFastMaxDepth {
		return false
	}
	delim := "--" + b
	// The preamble: lines up to the first delimiter line.
	q := pos
	for {
		e := bytes.IndexByte(s.data[q:end], '\n')
		if e < 0 {
			return false // no part: enmime ends the level at EOF
		}
		line := s.data[q : q+e+1]
		q += e + 1
		if mailFastDelimLine(line, delim) {
			break
		}
		if bytes.Contains(line, []byte(delim)) {
			return false
		}
	}
	for index := 1; ; index++ {
		// q starts a part. Its reader stops at the line end before
		// the next "--b", which must be a delimiter or terminator line.
		// enmime looks for the boundary after every line end, and at
		// every byte of the part's first 4 KiB read (not only at line
		// starts): taking the first "--b" in the part, wherever it is,
		// is what makes both agree.
		i := bytes.Index(s.data[q:end], []byte(delim))
		if i < 1 || s.data[q+i-1] != '\n' {
			return false
		}
		// enmime peeks len(delim)+3 bytes at a LF, one more at a CR:
		// short of that, it reads to the end and warns the level is
		// unbounded.
		stop, peek := q+i-1, len(delim)+3
		if i >= 2 && s.data[q+i-2] == '\r' {
			// CRLF: the part stops at the CR. A CR before it would
			// stop it there ("\r\r\n--b"): enmime checks two bytes on.
			if i >= 3 && s.data[q+i-3] == '\r' {
				return false
			}
			stop, peek = q+i-2, len(delim)+4
		}
		if stop+peek > end {
			return false
		}
		p := &enmime.Part{}
		if parent.Parent == nil {
			p.PartID = strconv.Itoa(index)
		} else {
			p.PartID = parent.PartID + "." + strconv.Itoa(index)
		}
		if !s.part(parent, p, q, stop, d) {
			return false
		}
		// enmime's boundaryReader.Next: the line end, then the line.
		q = stop + 1
		if s.data[stop] == '\r' {
			q++
		}
		e := bytes.IndexByte(s.data[q:end], '\n')
		lineEnd := end
		if e >= 0 {
			lineEnd = q + e + 1
		}
		line := s.data[q:lineEnd]
		if bytes.HasPrefix(line, []byte(delim+"--")) {
			parent.Epilogue = bytes.Clone(s.data[lineEnd:end])
			if parent.Epilogue == nil {
				parent.Epilogue = []byte{}
			}
			if parent.Parent != nil {
				parent.PartID += ".0"
			}
			return true
		}
		if !mailFastDelimLine(line, delim) {
			return false
		}
		q = lineEnd
	}
}

// mailFastDelimLine reports whether line is exactly a delimiter line.
func mailFastDelimLine(line []byte, delim string) bool {
	l := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	return len(l) < len(line) && string(l) == delim
}

// part reads one part of parent from data[q:stop) into p and adds it to
// parent.
func (s *mailFastScan) part(parent, p *enmime.Part, q, stop, d int) bool {
	hdr, n, ok := mailFastHeader(s.data[q:stop])
	if !ok {
		return false
	}
	p.Header = hdr
	ctype := hdr.Get("Content-Type")
	if ctype == "" {
		return false // enmime warns
	}
	if _, ok := mailFastSetup(p, ctype); !ok {
		return false
	}
	if p.Boundary != "" {
		if !strings.HasPrefix(p.ContentType, "multipart/") {
			return false
		}
		mailFastAddChild(parent, p)
		return s.level(p, p.Boundary, q+n, stop, d+1)
	}
	if strings.HasPrefix(p.ContentType, "multipart/") {
		return false // a multipart without boundary: enmime reads it as a leaf
	}
	if !mailFastContent(p, s.data[q+n:stop]) {
		return false
	}
	mailFastAddChild(parent, p)
	return true
}

// mailFastAddChild appends child to parent's children (enmime's
// Part.AddChild for a new part).
func mailFastAddChild(parent, child *enmime.Part) {
	child.Parent = parent
	if parent.FirstChild == nil {
		parent.FirstChild = child
		return
	}
	c := parent.FirstChild
	for c.NextSibling != nil {
		c = c.NextSibling
	}
	c.NextSibling = child
}
