package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// smsBoxes names the message boxes of Android's SMS (type) and MMS
// (msg_box) tables; both number them alike.
var smsBoxes = map[string]string{
	"1": "inbox", "2": "sent", "3": "draft", "4": "outbox", "5": "failed", "6": "queued",
}

// smsAddrTypes names the PDU address types of an MMS <addr>.
var smsAddrTypes = map[string]string{"137": "from", "151": "to", "130": "cc", "129": "bcc"}

type smsParser struct {
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
	if f, err = os.Open(path); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	p := &smsParser{name: name, sum: hex.EncodeToString(h.Sum(nil)), opt: opt, emit: emit, now: opt.now(), owner: owner, maxMMS: maxMMSBytes}
	return p.read(f)
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
		err = validate(m)
	}
	if err != nil {
		return p.opt.skip(&Error{File: p.name, Line: line, Err: fmt.Errorf("%s %d: %w", rec.kind, p.n, err)})
	}
	return p.emit(m)
}

// part takes in one MMS <part>: text is the body, SMIL (the slide
// layout) is dropped, anything else is an attachment. Its base64 data
// is decoded here, so only one part's encoded form is held at a time.
func (r *smsRecord) part(attrs []xml.Attr, limit int64) {
	var ct, name, text, data string
	var names [3]string
	for _, a := range attrs {
		switch a.Name.Local {
		case "ct":
			ct = strings.ToLower(smsNull(a.Value))
		case "name":
			names[0] = smsNull(a.Value)
		case "cl":
			names[1] = smsNull(a.Value)
		case "fn":
			names[2] = smsNull(a.Value)
		case "text":
			text = smsNull(a.Value)
		case "data":
			data = a.Value
		}
	}
	name = firstNonEmpty(names[:]...)
	switch {
	case ct == "application/smil":
		return
	case ct == "text/plain" && data == "":
		if text != "" {
			r.body = append(r.body, text)
		}
		return
	}
	att := vault.Attachment{Name: name, Type: ct}
	switch {
	case data != "":
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			// Some writers wrap the base64 in lines.
			b, err = base64.StdEncoding.DecodeString(strings.Map(dropSpace, data))
		}
		switch {
		case err != nil:
			att.Missing = true
			r.bad = append(r.bad, firstNonEmpty(name, ct))
		case r.size+int64(len(b)) > limit:
			att.Missing, att.Size = true, int64(len(b))
			r.over = append(r.over, firstNonEmpty(name, ct))
		default:
			att.Content = b
			r.size += int64(len(b))
		}
	case text != "":
		att.Content = []byte(text) // a vCard or other text part
	default:
		att.Missing = true // the backup was made without media
	}
	if att.Name == "" {
		att.Name = "part" + strconv.Itoa(len(r.atts)+1)
	}
	r.atts = append(r.atts, att)
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
		return -1
	}
	return r
}

// smsNull maps the app's "null" (a database NULL) to "".
func smsNull(s string) string {
	if s == "null" {
		return ""
	}
	return s
}

// smsTime reads a date attribute: milliseconds since 1970, or seconds
// (a few writers' MMS dates), told apart by their size.
func smsTime(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || n <= 0:
		return time.Time{}, fmt.Errorf("bad date %q", s)
	case n < 1e11: // before 1973 in milliseconds: seconds
		return time.Unix(n, 0).UTC(), nil
	case n > 1e14: // after 5138 in milliseconds
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return time.UnixMilli(n).UTC(), nil
}

// smsNumber normalises a phone number for comparing: its digits and a
// leading "+". An address without digits (an e-mail, an RCS group id)
// is kept as it is, lower-cased.
func smsNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, c := range s {
		switch {
		case '0' <= c && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c == '@' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
			return strings.ToLower(s)
		}
	}
	if b.Len() == 0 || b.String() == "+" {
		return strings.ToLower(s)
	}
	return b.String()
}

// build turns a record into a message.
func (p *smsParser) build(r *smsRecord) (*vault.Message, error) {
	a := r.attrs
	t, err := smsTime(a["date"])
	if err != nil {
		return nil, err
	}
	box := a["type"]
	if r.kind == "mms" {
		box = a["msg_box"]
	}
	label := smsBoxes[box]
	if label == "" {
		label = "box " + box
	}
	incoming := box == "1"
	// The conversation is the other party, or the parties of a group
	// ("+1555~+1666"), with the names the phone's contacts gave them
	// ("Ann, Bob") when the app recorded them.
	var others []string
	for n := range strings.SplitSeq(smsNull(a["address"]), "~") {
		if n = strings.TrimSpace(n); n != "" {
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return nil, errors.New(`no "address"`)
	}
	contact := smsNull(a["contact_name"])
	if contact == "(Unknown)" {
		contact = ""
	}
	var names []string
	if contact != "" {
		names = strings.Split(contact, ", ")
		if len(names) != len(others) {
			names = nil
		}
	}
	nameOf := map[string]string{}
	for i, n := range others {
		if names != nil && names[i] != "" {
			nameOf[smsNumber(n)] = names[i]
		}
	}
	ids := make([]string, len(others))
	for i, n := range others {
		ids[i] = smsNumber(n)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	conv := vault.Conversation{ID: "sms:" + strings.Join(ids, "~"), Title: contact}
	for _, n := range others {
		// The name alone, as the sender is shown: the conversation list
		// joins both, and "Ann, Ann (+1555...)" says nothing more.
		conv.Participants = append(conv.Participants, firstNonEmpty(nameOf[smsNumber(n)], n))
	}
	if conv.Title == "" {
		conv.Title = strings.Join(others, ", ")
	}
	m := &vault.Message{Source: "sms", Conversation: conv, Time: t, Subject: smsNull(a["subject"])}
	setHeader(m, "box", label)
	if r.kind == "mms" {
		m.Subject = smsNull(a["sub"])
		setHeader(m, "message_type", "mms")
	}
	if !incoming {
		m.Sender = smsMe
	} else if len(others) == 1 {
		m.Sender, m.SenderID = firstNonEmpty(contact, others[0]), others[0]
	}
	// An MMS names its addresses; the sender is its "from" (137).
	byType := map[string][]string{}
	for _, ad := range r.addrs {
		if ad[0] == "" {
			continue
		}
		typ := smsAddrTypes[ad[1]]
		if typ == "" {
			typ = "addr " + ad[1]
		}
		num := smsNumber(ad[0])
		who := smsWho(nameOf[num], ad[0])
		if num == p.owner && p.owner != "" {
			who = smsWho(smsMe, ad[0])
		}
		if typ == "from" {
			m.SenderID = ad[0]
			if incoming {
				m.Sender = firstNonEmpty(nameOf[num], ad[0])
			}
		}
		if !slices.Contains(byType[typ], who) {
			byType[typ] = append(byType[typ], who)
		}
	}
	for typ, who := range byType {
		setHeader(m, typ, strings.Join(who, ", "))
		if typ == "to" || typ == "cc" {
			m.To = append(m.To, who...)
		}
	}
	if m.Sender == "" {
		m.Sender = firstNonEmpty(m.SenderID, "unknown")
	}
	if r.kind == "sms" {
		m.Body = a["body"] // "null" is a real text here; an absent body is ""
	} else {
		m.Body = strings.Join(r.body, "\n")
	}
	m.Attachments = r.atts
	if len(r.bad) > 0 {
		setHeader(m, "undecodable_parts", strings.Join(r.bad, ", "))
	}
	if len(r.over) > 0 {
		setHeader(m, "parts_not_kept", fmt.Sprintf("%s (over %s in one MMS)", strings.Join(r.over, ", "), sizeText(uint64(p.maxMMS))))
	}
	truncateBody(m)
	return m, nil
}

// smsWho shows a party as "Name (+number)", or the number alone.
func smsWho(name, number string) string {
	if name == "" || name == number {
		return number
	}
	return name + " (" + number + ")"
}

// smsSurvey finds the owner's number in a first pass over r: the one
// address every MMS with addresses lists (the owner is party to each)
// and no received MMS has as its sender, preferring, among several, the
// sender of a sent MMS. It looks only at
// <mms and <addr tags, found by their '<', so the pass costs little more
// than the hash it shares; a malformed file yields "" and the second
// pass reports it.
func smsSurvey(r io.Reader) string {
	br := bufio.NewReaderSize(r, 256<<10)
	count := map[string]int{}
	sentFrom, receivedFrom := map[string]bool{}, map[string]bool{}
	mms, inMMS, sent := 0, false, false
	seen := map[string]bool{}
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			break
		}
		b, _ := br.Peek(5)
		switch {
		case bytes.HasPrefix(b, []byte("mms")) && len(b) > 3 && (b[3] == ' ' || b[3] == '\t' || b[3] == '\n' || b[3] == '\r' || b[3] == '>'):
			inMMS, sent = true, false
			clear(seen)
			if tag, ok := smsTag(br); ok {
				sent = tag["msg_box"] != "1"
			}
		case bytes.HasPrefix(b, []byte("/mms")):
			inMMS = false
		case inMMS && bytes.HasPrefix(b, []byte("addr ")):
			tag, ok := smsTag(br)
			if !ok {
				continue
			}
			n := smsNumber(smsNull(tag["address"]))
			if n == "" {
				continue
			}
			if len(seen) == 0 {
				mms++
			}
			if !seen[n] {
				seen[n] = true
				count[n]++
			}
			if tag["type"] == "137" {
				if sent {
					sentFrom[n] = true
				} else {
					receivedFrom[n] = true
				}
			}
		}
	}
	var all []string
	for n, c := range count {
		if c == mms && !receivedFrom[n] {
			all = append(all, n)
		}
	}
	if len(all) == 1 {
		return all[0]
	}
	var from []string
	for _, n := range all {
		if sentFrom[n] {
			from = append(from, n)
		}
	}
	if len(from) == 1 {
		return from[0]
	}
	return ""
}

// smsTag reads the rest of a start tag whose '<' was consumed (up to a
// bounded length) and returns its attributes.
func smsTag(br *bufio.Reader) (map[string]string, bool) {
	b, err := br.ReadSlice('>')
	if err != nil {
		return nil, false
	}
	tag := append([]byte("<"), b...)
	if !bytes.HasSuffix(tag, []byte("/>")) {
		tag = append(tag[:len(tag)-1], "/>"...)
	}
	if fixed, _, err := transform.Bytes(charRefFixer{}, tag); err == nil {
		tag = fixed // a contact name's emoji written as UTF-16 halves
	}
	t, err := xml.NewDecoder(bytes.NewReader(tag)).RawToken()
	if err != nil {
		return nil, false
	}
	se, ok := t.(xml.StartElement)
	if !ok {
		return nil, false
	}
	return attrMap(se.Attr), true
}
