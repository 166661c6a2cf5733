package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"

	"coffer/vault"
)

// SMS reads the XML backup of the Android app SMS Backup & Restore
// (sms-20240721123456.xml): <sms> and <mms> elements under <smses>. Its
// calls-*.xml call logs are refused with a message saying so.
//
// The file is read a token at a time with encoding/xml, never whole:
// backups of several GB (MMS photos are base64 in the data attribute)
// are common, and only one message's parts are held at once. Messages
// are counted as the elements are read; the root's count attribute is
// not trusted (the samples show it wrong both ways). A file cut short
// stops at the message it ends in: a strict import fails naming it, a
// lenient one imports the complete messages before it and reports it.
//
// Each number (or group of numbers) is a conversation. Outgoing messages
// (sent, draft, outbox, failed, queued) are the owner's, "me"; the box
// is kept in the header "box". An MMS keeps its addresses by type (from
// 137, to 151, cc 130, bcc 129), its text parts as the body and its
// other parts as attachments with their content. The owner's own number,
// which every MMS lists among its addresses, is found in a first pass
// (the one that hashes the file) and shown as "me" among them.
var SMS = Format{
	Name:   "sms",
	Detect: detectSMS,
	Parse:  parseSMS,
}

// smsMe is the sender of the owner's own messages.
const smsMe = "me"

// maxMMSBytes bounds the attachment content of one MMS, which is held in
// memory until the message is stored: carriers cap an MMS at a few MB,
// so only a corrupt or hostile backup comes near it. Parts past it are
// kept as Missing attachments, named in the header parts_not_kept.
const maxMMSBytes = 256 << 20

// smsRoot returns the name of the first element of head, an XML
// document's start, or "" when head is not XML.
func smsRoot(head []byte) string {
	if len(head) == 0 || head[0] != '<' {
		return ""
	}
	d := xml.NewDecoder(bytes.NewReader(head))
	for {
		t, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := t.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

func detectSMS(p string) bool {
	switch smsRoot(readHead(p, detectBytes)) {
	case "smses", "calls":
		return true // calls to be refused by Parse with a reason
	}
	return false
}

type smsParser struct {
	check     textCheck // validate with memory of the file's shared strings
	name, sum string
	opt       Options
	emit      Emit
	now       time.Time
	owner     string // normalised number of the backup's owner, or ""
	dec       *xml.Decoder
	lim       *limitReader
	maxMMS    int64 // attachment content one MMS may hold (maxMMSBytes)
	seq       seqCounter
	n         int // <sms> and <mms> elements read, complete or not
}

func parseSMS(path string, opt Options, emit Emit) error {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	h := sha256.New()
	owner := smsSurvey(io.TeeReader(f, h))
	if _, err := io.Copy(h, f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	f.Close()
	rc, err := opt.open(path) // the pass that stores, counted as progress
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	p := &smsParser{name: name, sum: hex.EncodeToString(h.Sum(nil)), opt: opt, emit: emit, now: opt.now(), owner: owner, maxMMS: maxMMSBytes}
	return p.read(rc)
}

// read parses the backup from r.
func (p *smsParser) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 256<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	p.lim = newLimitReader(bufio.NewReaderSize(transform.NewReader(br, charRefFixer{}), 64<<10))
	p.dec = xml.NewDecoder(p.lim)
	// The app writes UTF-8, but a backup rewritten by another tool may
	// declare a legacy encoding; without this the decoder refuses it.
	p.dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, fmt.Errorf("unknown encoding %q", label)
		}
		return enc.NewDecoder().Reader(in), nil
	}
	root := false
	for {
		t, err := p.token()
		if err == io.EOF {
			if !root {
				return &Error{File: p.name, Line: 1, Err: errors.New("no <smses> element: not an SMS Backup & Restore file")}
			}
			return nil
		}
		if err != nil {
			return p.syntax(err, "", 0)
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		line, _ := p.dec.InputPos()
		switch {
		case root:
			return &Error{File: p.name, Line: line, Err: fmt.Errorf("a second root element <%s>", se.Name.Local)}
		case se.Name.Local == "calls":
			return &Error{File: p.name, Line: line, Err: errors.New("a call log (SMS Backup & Restore calls-*.xml), not messages: import the sms-*.xml backup")}
		case se.Name.Local != "smses":
			return &Error{File: p.name, Line: line, Err: fmt.Errorf("root element <%s>, not <smses>: not an SMS Backup & Restore file", se.Name.Local)}
		}
		root = true
		if err := p.messages(); errors.Is(err, errCutShort) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// messages reads the children of <smses> up to its end.
func (p *smsParser) messages() error {
	for {
		t, err := p.token()
		if err != nil {
			return p.syntax(err, "smses", 0)
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			line, _ := p.dec.InputPos()
			switch t.Name.Local {
			case "sms", "mms":
				p.n++
				if err := p.message(t, line); err != nil {
					return err
				}
			default:
				if err := p.skip(); err != nil {
					return p.syntax(err, t.Name.Local, line)
				}
			}
		}
	}
}

// token reads the next token; no one token (a start tag with an MMS
// part's base64, a comment) may take more than MaxJSONRecordBytes.
func (p *smsParser) token() (xml.Token, error) {
	p.lim.mark(p.dec.InputOffset())
	return p.dec.Token()
}

// skip reads past the element whose start was just read.
func (p *smsParser) skip() error {
	for depth := 1; depth > 0; {
		t, err := p.token()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// errCutShort ends a lenient read of a file cut short, once reported.
var errCutShort = errors.New("backup cut short")

// syntax reports a structural error: the decoder cannot go on from it.
// A file that ends inside an element (in, begun on line start) is cut
// short; in lenient mode that is reported and what came before it
// stands.
func (p *smsParser) syntax(err error, in string, start int) error {
	var se *xml.SyntaxError
	if errors.Is(err, errRecordTooLarge) {
		line, _ := p.dec.InputPos()
		return &Error{File: p.name, Line: line, Err: err}
	}
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	if se.Msg != "unexpected EOF" || in == "" {
		return &Error{File: p.name, Line: se.Line, Err: fmt.Errorf("malformed XML: %s", se.Msg)}
	}
	e := &Error{File: p.name, Line: se.Line, Err: fmt.Errorf("file ends inside <%s>: the backup is cut short", in)}
	switch in {
	case "smses": // between messages, or inside a tag not yet read
		e.Err = fmt.Errorf("file ends before </smses>: the backup is cut short after %s", plural(p.n, "complete message"))
	case "sms", "mms":
		e.Err = fmt.Errorf("file ends inside the <%s> begun on line %d (message %d): the backup is cut short after %s",
			in, start, p.n, plural(p.n-1, "complete message"))
	}
	if err := p.opt.skip(e); err != nil {
		return err
	}
	return errCutShort
}

// smsRecord is what one <sms> or <mms> says, attributes by name.
type smsRecord struct {
	kind  string // "sms" or "mms"
	attrs map[string]string
	body  []string
	atts  []vault.Attachment
	bad   []string // parts whose data could not be decoded
	over  []string // parts left out: the MMS held maxMMS bytes already
	size  int64    // attachment content held
	addrs [][2]string
}

func attrMap(as []xml.Attr) map[string]string {
	m := make(map[string]string, len(as))
	for _, a := range as {
		if a.Name.Space == "" {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}

// message reads one <sms> or <mms> (its start already read, on line)
// through its end element and emits it.
func (p *smsParser) message(start xml.StartElement, line int) error {
	rec := &smsRecord{kind: start.Name.Local, attrs: attrMap(start.Attr)}
	depth := 1
	for depth > 0 {
		t, err := p.token()
		if err != nil {
			return p.syntax(err, rec.kind, line)
		}
		switch t := t.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "part":
				rec.part(t.Attr, p.maxMMS)
			case "addr":
				a := attrMap(t.Attr)
				rec.addrs = append(rec.addrs, [2]string{smsNull(a["address"]), a["type"]})
			}
		}
	}
	m, err := p.build(rec)
	if err == nil {
		m.Provenance = vault.Provenance{
			Format: "sms", File: p.name, FileSHA256: p.sum, ImportedAt: p.now,
			Position: fmt.Sprintf("line %d (%s %d)", line, rec.kind, p.n),
		}
		m.Seq = p.seq.next(m)
		err = p.check.validate(m)
	}
	if err != nil {
		return p.opt.skip(&Error{File: p.name, Line: line, Err: fmt.Errorf("%s %d: %w", rec.kind, p.n, err)})
	}
	return p.emit(m)
}
