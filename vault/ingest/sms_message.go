package ingest

// How one <sms> or <mms> of an SMS Backup & Restore file becomes a message.

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// smsBoxes names the message boxes of Android's SMS (type) and MMS
// (msg_box) tables; both number them alike.
var smsBoxes = map[string]string{
	"1": "inbox", "2": "sent", "3": "draft", "4": "outbox", "5": "failed", "6": "queued",
}

// smsUnknown stands for the party of a message without an address.
const smsUnknown = "unknown"

// smsAddrTypes names the PDU address types of an MMS <addr>.
var smsAddrTypes = map[string]string{"137": "from", "151": "to", "130": "cc", "129": "bcc"}

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
		// No address (a hidden sender, a broken row): the MMS's own
		// addresses other than the owner's, or a conversation of its own.
		for _, ad := range r.addrs {
			if ad[0] != "" && smsNumber(ad[0]) != p.owner && !slices.Contains(others, ad[0]) {
				others = append(others, ad[0])
			}
		}
		if len(others) == 0 {
			others = []string{smsUnknown}
		}
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
		if others[0] == smsUnknown {
			m.SenderID = ""
		}
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
	}
	// To then Cc, in the backup's order: To is the message's, so its
	// order must not depend on a map's.
	m.To = append(byType["to"], byType["cc"]...)
	if m.Sender == "" {
		m.Sender = firstNonEmpty(m.SenderID, smsUnknown)
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
