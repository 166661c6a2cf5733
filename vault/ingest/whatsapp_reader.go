package ingest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"time"

	"coffer/vault"
)

// waReader holds one chat file's state across both passes.
type waReader struct {
	opt   Options
	file  string // for errors and provenance: "x.txt" or "x.zip!_chat.txt"
	sum   string
	zip   *Zip
	files map[string]*zip.File // the archive's other members, by base name

	orders       dateOrders
	names        map[string]*waName     // senders by their bytes as written
	recent       [waRecentNames]*waName // the last senders looked up (see lookup)
	pass         int                    // 1 for survey, 2 for parse
	listed       map[string]bool        // participants, by name
	participants []string
	subject      string // the group's name from "X created group "Name""
	// notifier is who iOS shows as sending the end-to-end encryption
	// notice: the contact in a one-to-one chat, the group in a group.
	notifier string

	conv    vault.Conversation
	now     time.Time
	loc     *time.Location
	seqSeed maphash.Seed
	// noSenderHash is nextSeq's hash of a message without a sender.
	noSenderHash uint64
	seq          waSeqTable
	lines        *lineReader
	body         textBuf
	check        textCheck
	arena        waArena
	layouts      waHeaderLayouts
}

// waName is a sender as written (the key of waReader.names) made into a
// name and, for phone numbers, an id; interned so that a million messages
// from a few people do not clean the same bytes a million times. seen is
// the last pass that saw the sender.
type waName struct {
	raw      string // the key in waReader.names
	name, id string
	// bare is the name as written without marks and outer spaces, as
	// waNotice compares it with a message's text.
	bare []byte
	// seqHash is the name's hash for nextSeq, made once.
	seqHash uint64
	seen    int
}

func newWAReader(file string, opt Options) *waReader {
	w := &waReader{opt: opt, file: file, now: opt.now(), loc: opt.location(), seqSeed: maphash.MakeSeed()}
	w.noSenderHash = maphash.String(w.seqSeed, "")
	return w
}

// run makes both passes over the chat text that open returns. hash says
// whether the first pass computes FileSHA256 (a .txt) or it is already
// set (the archive's hash). chat is the chat's name from the file name.
// Without it the chat is named, in order, by the group's creation line,
// by whom the encryption notice is attributed to, or by fallback (the
// file's name), so that re-exports of one chat land in one conversation.
func (w *waReader) run(open func() (io.ReadCloser, error), hash bool, chat, fallback string, emit Emit) error {
	rc, err := open()
	if err != nil {
		return err
	}
	var r io.Reader = rc
	h := sha256.New()
	if hash {
		r = io.TeeReader(rc, h)
	}
	err = w.survey(r)
	rc.Close()
	if err != nil {
		return err
	}
	if hash {
		w.sum = hex.EncodeToString(h.Sum(nil))
	}
	w.orders.decide()
	switch {
	case chat != "":
	case w.subject != "":
		chat = w.subject
	case w.notifier != "":
		chat = w.notifier
	default:
		chat = fallback
	}
	w.conv = vault.Conversation{ID: "whatsapp:" + chat, Title: chat, Participants: w.participants}
	rc, err = open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return w.parse(rc, emit)
}

// known reports whether raw is a sender already seen in this pass. Both
// passes see the same senders in the same order, so they split lines
// alike.
func (w *waReader) known(raw []byte) bool {
	n, ok := w.lookup(raw)
	return ok && n.seen == w.pass
}

// lookup returns the sender kept for raw, if there is one. The last
// senders looked up are remembered by their length and end bytes, which
// decide most lookups with one comparison instead of the map's hashing:
// a chat's few senders are looked up once or twice a line.
func (w *waReader) lookup(raw []byte) (*waName, bool) {
	slot := &w.recent[waRecentSlot(raw)]
	if n := *slot; n != nil && n.raw == string(raw) {
		return n, true
	}
	n, ok := w.names[string(raw)]
	if ok {
		*slot = n
	}
	return n, ok
}

// waRecentNames is how many senders lookup remembers.
const waRecentNames = 16

// waRecentSlot is raw's place in waReader.recent.
func waRecentSlot(raw []byte) int {
	if len(raw) == 0 {
		return 0
	}
	return int(uint(len(raw))*31+uint(raw[0])+uint(raw[len(raw)-1])*7) % waRecentNames
}

// name returns the sender written as raw. Past waMaxParticipants
// distinct spellings new ones are not kept, so never count as known.
func (w *waReader) name(raw []byte) *waName {
	if n, ok := w.lookup(raw); ok {
		return n
	}
	n := &waName{raw: string(raw), name: cleanName(raw), bare: bytes.Clone(bytes.TrimSpace(stripMarks(raw)))}
	n.seqHash = maphash.String(w.seqSeed, n.name)
	n.id = waPhone(n.name)
	if len(w.names) < waMaxParticipants {
		w.names[string(raw)] = n
	}
	return n
}

// addSender records a sender and returns it; the first pass lists it
// among the participants.
func (w *waReader) addSender(raw []byte) *waName {
	return w.add(w.name(raw))
}

// add is addSender for a sender already looked up.
func (w *waReader) add(n *waName) *waName {
	if n.seen != w.pass {
		n.seen = w.pass
		if w.pass == 1 && !w.listed[n.name] && len(w.participants) < waMaxParticipants {
			w.listed[n.name] = true
			w.participants = append(w.participants, n.name)
		}
	}
	return n
}

// survey is the first pass: date evidence, participants, group name.
func (w *waReader) survey(r io.Reader) error {
	w.lines = newLineReader(r, w.file)
	w.pass = 1
	w.names = map[string]*waName{}
	w.recent = [waRecentNames]*waName{}
	w.listed = map[string]bool{}
	var h waHeader
	for {
		line, more, err := w.lines.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if w.layouts.header(line, w.known, &h) {
			w.orders.add(&h)
			switch {
			case h.system:
				if w.subject == "" {
					w.subject = waGroupSubject(line[h.textStart:])
				}
			default:
				w.surveySender(line[h.textStart:], line[h.senderStart:h.senderEnd])
			}
		}
		if err := w.lines.skip(more); err != nil {
			return err
		}
	}
}

// surveySender lists the sender of a message line with text, unless the
// line is a service notice attributed to it; the encryption notice's
// sender names the chat (notifier).
func (w *waReader) surveySender(text, raw []byte) {
	// Only a sender this pass has seen is looked up without being
	// added: the first-seen one is added as before, so that the names
	// kept (at most waMaxParticipants) are the same.
	if n, ok := w.lookup(raw); ok && n.seen == w.pass {
		// add would change nothing: only the notifier is left to
		// find, and that needs the encryption notice.
		if w.notifier == "" && waE2ENotice(text) && waAttributedSystem(text, raw, n.bare) {
			w.notifier = n.name
		}
		return
	}
	switch {
	case !waAttributedSystem(text, raw, bytes.TrimSpace(stripMarks(raw))):
		w.addSender(raw)
	case w.notifier == "" && waE2ENotice(text):
		w.notifier = w.name(raw).name
	}
}

// waMessage is the message being read in the second pass: its header line
// and where it starts; the text accumulates in waReader.body.
type waMessage struct {
	active  bool
	h       waHeader
	line    int
	sender  *waName
	info    waBody // what the first line of the text stands for
	t       time.Time
	guessed bool
	order   dateOrder
}

// parse is the second pass: it emits every message.
func (w *waReader) parse(r io.Reader, emit Emit) error {
	w.lines = newLineReader(r, w.file)
	w.pass = 2
	w.seq.reset()
	var cur waMessage
	var h waHeader
	skipping := false // inside a record skipped in lenient mode
	for {
		line, more, err := w.lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if w.layouts.header(line, w.known, &h) {
			if err := w.flush(&cur, emit); err != nil {
				return err
			}
			cur = waMessage{}
			skipping = false
			s := h.shape()
			y, mo, d, valid := h.date(w.orders.order[s])
			if !valid {
				skipping = true
				e := &Error{File: w.file, Line: w.lines.n, Err: fmt.Errorf("date %q does not fit the %s order of the file's other dates",
					bytes.TrimSpace(line[:h.senderStart]), w.orders.order[s])}
				if err := w.opt.skip(e); err != nil {
					return err
				}
			} else {
				hh, mm, ss := h.clock()
				cur = waMessage{active: true, h: h, line: w.lines.n, order: w.orders.order[s], guessed: w.orders.guessed[s],
					t: time.Date(y, time.Month(mo), d, hh, mm, ss, 0, w.loc)}
				if !h.system {
					raw := line[h.senderStart:h.senderEnd]
					n := w.name(raw)
					cur.info = classifyBody(line[h.textStart:], raw, n.bare)
					if cur.info.system {
						cur.sender = n
					} else {
						cur.sender = w.add(n)
					}
				}
				w.body.reset()
				w.body.write(line[h.textStart:])
			}
		} else {
			switch {
			case skipping:
			case cur.active:
				w.body.write([]byte{'\n'})
				w.body.write(line)
			case len(bytes.TrimSpace(line)) == 0 && !more:
			default:
				e := &Error{File: w.file, Line: w.lines.n, Err: fmt.Errorf("not a WhatsApp message line: %q", waExcerpt(line))}
				if err := w.opt.skip(e); err != nil {
					return err
				}
				skipping = true
			}
		}
		if cur.active && !skipping {
			err = w.body.line(w.lines, more)
		} else {
			err = w.lines.skip(more)
		}
		if err != nil {
			return err
		}
	}
	return w.flush(&cur, emit)
}

func waExcerpt(b []byte) []byte {
	if len(b) > 60 {
		b = b[:60]
	}
	return b
}

// flush completes and emits the current message.
func (w *waReader) flush(cur *waMessage, emit Emit) error {
	if !cur.active {
		return nil
	}
	cur.active = false
	// WhatsApp trims what is sent, so line ends after the text are the
	// export's separators, not the message's.
	body := w.body.b
	for len(body) > 0 && (body[len(body)-1] == '\n' || body[len(body)-1] == '\r') {
		body = body[:len(body)-1]
	}
	// Field by field: the message is zero, and copying a whole one in
	// would go through the collector's bulk write barrier.
	m := w.arena.message()
	m.Source = "whatsapp"
	m.Conversation = w.conv
	m.Time = cur.t
	p := &m.Provenance
	p.Format, p.File, p.FileSHA256 = "whatsapp", w.file, w.sum
	p.Position = w.position(cur.line)
	p.ImportedAt = w.now
	p.Timezone = w.loc.String()
	_, m.Offset = cur.t.Zone()
	set := func(k, v string) {
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		m.Headers[k] = v
	}
	truncated := w.body.truncated()
	if cur.h.system {
		m.Kind = "system"
	} else {
		info := cur.info
		switch {
		case info.system:
			m.Kind = "system"
			set("attributed_to", cur.sender.name)
		default:
			m.Sender = cur.sender.name
			m.SenderID = cur.sender.id
		}
		// A deleted message and a missed call are notices about what
		// the sender did: they keep the sender.
		if info.deleted {
			m.Kind = "system"
			set("deleted", "true")
		}
		if info.call {
			m.Kind = "system"
			set("call", "missed")
		}
		if info.null {
			// Android writes "null" where it could not export the content
			// (view-once media, polls).
			set("null", "true")
		}
		if info.media != "" {
			set("media", info.media)
		}
		if info.placeholder != "" {
			set("placeholder", info.placeholder)
		}
		if info.cut >= 0 {
			// The placeholder is not the sender's text: what follows it
			// (a caption on the next line, a location's link) is.
			body = body[min(info.cut, len(body)):]
			if len(body) > 0 && body[0] == '\r' {
				body = body[1:]
			}
			if len(body) > 0 && body[0] == '\n' {
				body = body[1:]
			}
		}
		if m.Kind == "" && !truncated {
			var edited bool
			if body, edited = waEdited(body); edited {
				set("edited", "true")
			}
		}
		if info.file != "" || (info.missing && info.media != "live_location") {
			a, err := w.attachment(info)
			if err != nil {
				return err
			}
			m.Attachments = []vault.Attachment{a}
		}
	}
	if cur.guessed || w.orders.layouts > 1 {
		// Where the order is a guess, or the file mixes layouts (an
		// export appended to another), each message says which order
		// its date was read in.
		set("date_order", cur.order.String())
	}
	if cur.guessed {
		set("date_order_guessed", "true")
	}
	if cur.h.cal != calGregorian {
		set("calendar", cur.h.cal.String())
	}
	if truncated {
		set("truncated", "true")
		set("original_size", strconv.FormatInt(w.body.size, 10))
		m.Body = string(body) + fmt.Sprintf("\n[coffer: message truncated: %d of %d bytes kept]", len(body), w.body.size)
	} else {
		m.Body = w.arena.string(body)
	}
	senderHash := w.noSenderHash
	if m.Sender != "" {
		senderHash = cur.sender.seqHash // m.Sender is cur.sender.name
	}
	m.Seq = w.nextSeq(m, senderHash)
	if err := w.check.validate(m); err != nil {
		if e := w.opt.skip(&Error{File: w.file, Line: cur.line, Err: err}); e != nil {
			return e
		}
		return nil
	}
	return emit(m)
}

// position returns "line n".
func (w *waReader) position(n int) string {
	var b [32]byte
	return w.arena.string(strconv.AppendInt(append(b[:0], "line "...), int64(n), 10))
}

// attachment links a file named by the export to the archive's copy.
func (w *waReader) attachment(info waBody) (vault.Attachment, error) {
	a := vault.Attachment{Name: info.file, Type: waKindType[info.media], Missing: true}
	if info.file != "" {
		a.Type = mediaType(info.file)
	}
	if info.missing || w.files == nil {
		return a, nil
	}
	f, ok := w.files[info.file]
	if !ok {
		return a, nil
	}
	b, err := w.zip.ReadEntry(f)
	if err != nil {
		return a, err
	}
	a.Content, a.Size, a.Missing = b, int64(len(b)), false
	return a, nil
}

// nextSeq numbers identical messages (same sender, minute and text): the
// first gets 0, later copies in the same minute 1, 2, ... Counting within
// the minute keeps the numbers the same when a later, overlapping export
// of the chat is imported. Counts for minutes an hour behind the current
// message are dropped when the table grows, which bounds memory; only a
// flood of over a million distinct messages within one hour empties it.
// senderHash is maphash.String(w.seqSeed, m.Sender), which the reader
// keeps per sender.
func (w *waReader) nextSeq(m *vault.Message, senderHash uint64) int {
	h := maphash.String(w.seqSeed, m.Body)
	h = h*0x9E3779B97F4A7C15 ^ senderHash
	if m.Kind != "" {
		h = ^h
	}
	minute := m.Time.Unix()
	if minute < 0 {
		minute -= 59
	}
	minute /= 60
	// A 64-bit hash of sender, text and minute as the key: two different
	// messages sharing one would need 2^32 messages in a file to be likely.
	return w.seq.count((h^uint64(minute))*0xBF58476D1CE4E5B9, minute)
}
