package ingest

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// A fast path for the message as current mailers write it: a text/plain
// body, or multipart parts (text, HTML, files in base64) in a clean
// structure. It builds the envelope enmime would build, without
// enmime's readers: enmime reads multipart bodies a byte at a time,
// writes every header block out to parse it again, and parses each
// media type several times, which cost three quarters of an mbox import
// (issue 17).
//
// The fast path only takes what it can show it reads as enmime does;
// anything else (a header enmime warns about, a charset other than
// UTF-8 or ASCII, a part without Content-Type, a boundary string inside
// a part, QP text enmime's cleaner would rewrite, ...) returns ok false
// and goes the full way. Media types are still parsed by enmime's
// mediatype package, and header blocks other than plain ones by
// enmime.ReadHeader. TestMailFastPathMatchesEnmime compares both ways
// over every sample, and FuzzMailFastPath over what the fuzzer makes.
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
