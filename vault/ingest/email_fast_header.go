package ingest

import (
	"bufio"
	"bytes"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Headers on the mail fast path (email_fast.go): a message's or part's
// header block, and the type, disposition, file name and charset read
// from it, as enmime reads them.

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
			// bufio.Reader.ReadLine drops the CR of a CRLF, not a CR
			// that ends the input (FuzzMailFastPath found "\r"); a CR
			// anywhere else is left to enmime.
			line, next = bytes.TrimSuffix(line[:e], []byte("\r")), pos+e+1
		}
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
