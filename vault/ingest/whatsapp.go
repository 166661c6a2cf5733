package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coffer/vault"
)

// WhatsApp reads WhatsApp's "Export chat" output: the chat .txt alone, or
// the .zip made with "Attach media", whose files are linked to the
// messages that name them.
//
// A .txt is read twice, streaming, so memory stays flat whatever its
// size: the first pass hashes the file and collects what every message
// needs to know about the whole file (the date order, see dateOrders; the
// participants; the group's name), the second emits the messages.
var WhatsApp = Format{
	Name:   "whatsapp",
	Detect: detectWhatsApp,
	Parse:  parseWhatsApp,
}

const (
	// waProbeBytes is how much of a file Detect looks at.
	waProbeBytes = 4 << 10
	// waMaxParticipants bounds the participant list a hostile file can
	// grow; senders past it are still imported, just not listed.
	waMaxParticipants = 10_000
	// waReadBuffer is the line buffer; longer lines are read in chunks.
	waReadBuffer = 64 << 10
	// waMaxSeqEntries bounds the table that numbers identical messages.
	waMaxSeqEntries = 1 << 20
)

func detectWhatsApp(p string) bool {
	if IsZip(p) {
		z, err := OpenZip(p)
		if err != nil {
			return false
		}
		defer z.Close()
		f := waChatMember(&z.Reader)
		if f == nil {
			return false
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return looksLikeWhatsApp(rc)
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return looksLikeWhatsApp(f)
}

// looksLikeWhatsApp reports whether the first non-blank line of r is a
// WhatsApp message header. Signal's text export ("[2019-12-24, 12:23]
// Name: text") has the same shape; WhatsApp never writes bracketed
// ISO dates without seconds, so that one is left to the Signal reader.
func looksLikeWhatsApp(r io.Reader) bool {
	buf := make([]byte, waProbeBytes)
	n, _ := io.ReadFull(r, buf)
	buf = bytes.TrimPrefix(buf[:n], []byte("\xef\xbb\xbf"))
	for len(buf) > 0 {
		line := buf
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			buf = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		h, ok := parseWAHeader(line, nil)
		return ok && !(h.bracket && h.sep == '-' && h.dlen[0] == 4 && !h.seconds)
	}
	return false
}

func parseWhatsApp(p string, opt Options, emit Emit) error {
	if IsZip(p) {
		return parseWhatsAppZip(p, opt, emit)
	}
	name := filepath.Base(p)
	open := func() (io.ReadCloser, error) { return os.Open(p) }
	w := newWAReader(name, opt)
	chat, _ := waChatFromFileName(name)
	if err := w.run(open, true, chat, strings.TrimSuffix(name, path.Ext(name)), emit); err != nil {
		return err
	}
	return nil
}

func parseWhatsAppZip(p string, opt Options, emit Emit) error {
	z, err := OpenZip(p)
	if err != nil {
		return err
	}
	defer z.Close()
	f := waChatMember(&z.Reader)
	if f == nil {
		return fmt.Errorf("%s: no WhatsApp chat .txt in the archive", z.Name)
	}
	sum, err := HashFile(p)
	if err != nil {
		return err
	}
	w := newWAReader(z.Name+"!"+f.Name, opt)
	w.sum = sum
	w.zip = z
	w.files = map[string]*zip.File{}
	for _, e := range z.File {
		if e != f && !waJunk(e) {
			if _, dup := w.files[path.Base(e.Name)]; !dup {
				w.files[path.Base(e.Name)] = e
			}
		}
	}
	open := func() (io.ReadCloser, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
		}
		return &boundedReader{ReadCloser: rc, n: int64(f.UncompressedSize64), name: z.Name + ": " + f.Name}, nil
	}
	chat, ok := waChatFromFileName(path.Base(f.Name))
	if !ok {
		chat, _ = waChatFromFileName(z.Name)
	}
	return w.run(open, false, chat, strings.TrimSuffix(z.Name, path.Ext(z.Name)), emit)
}

// waJunk reports archive members that are not part of the export: macOS
// resource forks and folders.
func waJunk(f *zip.File) bool {
	return strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(path.Base(f.Name), "._") ||
		strings.HasSuffix(f.Name, "/")
}

// waChatMember finds the chat text in an export archive: iOS calls it
// _chat.txt, Android names it after the chat ("WhatsApp Chat with X.txt",
// localised); a lone .txt is taken as the chat too.
func waChatMember(z *zip.Reader) *zip.File {
	var named, any *zip.File
	txt := 0
	for _, f := range z.File {
		if waJunk(f) || !strings.EqualFold(path.Ext(f.Name), ".txt") {
			continue
		}
		base := path.Base(f.Name)
		if base == "_chat.txt" {
			return f
		}
		txt++
		if named == nil && strings.Contains(base, "WhatsApp") {
			named = f
		}
		if any == nil {
			any = f
		}
	}
	if named != nil {
		return named
	}
	if txt == 1 {
		return any
	}
	return nil
}

// boundedReader fails a zip entry that decompresses to more than it
// declared, which OpenZip checked against the limits.
type boundedReader struct {
	io.ReadCloser
	n    int64
	name string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n -= int64(n)
	if b.n < 0 {
		return n, fmt.Errorf("%s: %w (larger than declared)", b.name, ErrZipBomb)
	}
	return n, err
}

// waChatPrefixes start the names WhatsApp gives exports, per locale.
var waChatPrefixes = []string{
	"WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp-Chat mit ", "WhatsApp Chat met ",
	"Chat de WhatsApp con ", "Conversa do WhatsApp com ", "Discussion WhatsApp avec ",
	"Chat WhatsApp con ", "WhatsApp-chat met ", "Чат WhatsApp с ",
}

// waChatFromFileName returns the chat's name from the name WhatsApp gave
// the export ("WhatsApp Chat with Anna.txt" -> "Anna"), ignoring the
// " (1)" a browser adds to a second download, so that every export of one
// chat lands in the same conversation.
func waChatFromFileName(name string) (string, bool) {
	base := strings.TrimSuffix(name, path.Ext(name))
	if i := strings.LastIndex(base, " ("); i > 0 && strings.HasSuffix(base, ")") {
		if _, err := strconv.Atoi(base[i+2 : len(base)-1]); err == nil {
			base = base[:i]
		}
	}
	for _, p := range waChatPrefixes {
		if i := strings.Index(base, p); i >= 0 {
			return strings.TrimSpace(base[i+len(p):]), true
		}
		// Copies that had their spaces replaced (WhatsApp_Chat_with_X).
		if u := strings.ReplaceAll(p, " ", "_"); !strings.Contains(base, " ") {
			if i := strings.Index(base, u); i >= 0 {
				return strings.TrimSpace(strings.ReplaceAll(base[i+len(u):], "_", " ")), true
			}
		}
	}
	return "", false
}

// waReader holds one chat file's state across both passes.
type waReader struct {
	opt   Options
	file  string // for errors and provenance: "x.txt" or "x.zip!_chat.txt"
	sum   string
	zip   *Zip
	files map[string]*zip.File // the archive's other members, by base name

	orders       dateOrders
	senders      map[string]bool // senders seen so far in the current pass
	names        map[string]waName
	participants []string
	subject      string // the group's name from "X created group "Name""

	conv     vault.Conversation
	now      time.Time
	loc      *time.Location
	seqSeed  maphash.Seed
	seq      map[waSeqKey]int
	seqLimit int
	lineNo   int
	br       *bufio.Reader
	body     []byte
	bodySize int64
}

// waName is a sender as written (the key of waReader.names) made into a
// name and, for phone numbers, an id; interned so that a million messages
// from a few people do not clean the same bytes a million times.
type waName struct{ name, id string }

type waSeqKey struct {
	minute int64
	h      uint64
}

func newWAReader(file string, opt Options) *waReader {
	return &waReader{opt: opt, file: file, now: opt.now(), loc: opt.location(), seqSeed: maphash.MakeSeed()}
}

// run makes both passes over the chat text that open returns. hash says
// whether the first pass computes FileSHA256 (a .txt) or it is already
// set (the archive's hash). chat is the chat's name from the file name,
// fallback the name to use when neither it nor a group name is known.
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

// readChunk returns the next piece of the current line: the whole line
// without its end when it fits the buffer, else a buffer-full chunk with
// more set. err is io.EOF only when nothing is left.
func (w *waReader) readChunk() (b []byte, more bool, err error) {
	b, err = w.br.ReadSlice('\n')
	switch {
	case err == nil:
		b = b[:len(b)-1]
	case errors.Is(err, bufio.ErrBufferFull):
		return b, true, nil
	case err == io.EOF:
		if len(b) == 0 {
			return nil, false, io.EOF
		}
	default:
		return nil, false, fmt.Errorf("%s:%d: %w", w.file, w.lineNo, err)
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, false, nil
}

// nextLine returns the first chunk of the next line (see readChunk).
func (w *waReader) nextLine() ([]byte, bool, error) {
	b, more, err := w.readChunk()
	if err != nil {
		return nil, false, err
	}
	w.lineNo++
	if w.lineNo == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	return b, more, nil
}

func (w *waReader) known(raw []byte) bool { return w.senders[w.name(raw).name] }

// name returns the sender written as raw.
func (w *waReader) name(raw []byte) waName {
	if n, ok := w.names[string(raw)]; ok {
		return n
	}
	n := waName{name: cleanName(raw)}
	n.id = waPhone(n.name)
	if len(w.names) < waMaxParticipants {
		w.names[string(raw)] = n
	}
	return n
}

// addSender records a sender and returns it.
func (w *waReader) addSender(raw []byte, list bool) waName {
	n := w.name(raw)
	if !w.senders[n.name] && len(w.senders) < waMaxParticipants {
		w.senders[n.name] = true
		if list {
			w.participants = append(w.participants, n.name)
		}
	}
	return n
}

// survey is the first pass: date evidence, participants, group name.
func (w *waReader) survey(r io.Reader) error {
	w.br = bufio.NewReaderSize(r, waReadBuffer)
	w.senders = map[string]bool{}
	w.names = map[string]waName{}
	w.lineNo = 0
	for {
		line, more, err := w.nextLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h, ok := parseWAHeader(line, w.known); ok {
			w.orders.add(&h)
			switch {
			case h.system:
				if w.subject == "" {
					w.subject = waGroupSubject(line[h.textStart:])
				}
			case !waAttributedSystem(line[h.textStart:]):
				w.addSender(line[h.senderStart:h.senderEnd], true)
			}
		}
		for more {
			if _, more, err = w.readChunk(); err != nil {
				return err
			}
		}
	}
}

// waGroupSubject returns Name from `X created group "Name"` (straight or
// curly quotes), or "".
func waGroupSubject(text []byte) string {
	i := bytes.Index(text, []byte(" created group "))
	if i < 0 {
		return ""
	}
	s := string(bytes.TrimSpace(stripMarks(text[i+len(" created group "):])))
	s = strings.TrimPrefix(strings.TrimPrefix(s, `"`), "“")
	s = strings.TrimSuffix(strings.TrimSuffix(s, `"`), "”")
	if s == "" || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// waAttributedSystem reports a service notice written as if a person sent
// it; such lines are system messages and their "sender" no participant.
func waAttributedSystem(text []byte) bool {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if bytes.Contains(text, lrm) || bytes.Contains(text, rlm) {
		text = bytes.TrimSpace(stripMarks(text))
	}
	return waSystemLine(text)
}

// waMessage is the message being read in the second pass: its header line
// and where it starts; the text accumulates in waReader.body.
type waMessage struct {
	active  bool
	h       waHeader
	line    int
	sender  waName
	info    waBody // what the first line of the text stands for
	t       time.Time
	guessed bool
	order   dateOrder
}

// parse is the second pass: it emits every message.
func (w *waReader) parse(r io.Reader, emit Emit) error {
	w.br = bufio.NewReaderSize(r, waReadBuffer)
	w.senders = map[string]bool{}
	w.seq, w.seqLimit = map[waSeqKey]int{}, 1<<12
	w.lineNo = 0
	var cur waMessage
	skipping := false // inside a record skipped in lenient mode
	for {
		line, more, err := w.nextLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if h, ok := parseWAHeader(line, w.known); ok {
			if err := w.flush(&cur, emit); err != nil {
				return err
			}
			cur = waMessage{}
			skipping = false
			s := h.shape()
			y, mo, d, valid := h.date(w.orders.order[s])
			if !valid {
				skipping = true
				e := &Error{File: w.file, Line: w.lineNo, Err: fmt.Errorf("date %q does not fit the %s order of the file's other dates",
					bytes.TrimSpace(line[:h.senderStart]), w.orders.order[s])}
				if err := w.opt.skip(e); err != nil {
					return err
				}
			} else {
				hh, mm, ss := h.clock()
				cur = waMessage{active: true, h: h, line: w.lineNo, order: w.orders.order[s], guessed: w.orders.guessed[s],
					t: time.Date(y, time.Month(mo), d, hh, mm, ss, 0, w.loc)}
				if !h.system {
					cur.info = classifyBody(line[h.textStart:])
					if cur.info.system {
						cur.sender = w.name(line[h.senderStart:h.senderEnd])
					} else {
						cur.sender = w.addSender(line[h.senderStart:h.senderEnd], false)
					}
				}
				w.body, w.bodySize = w.body[:0], 0
				w.appendBody(line[h.textStart:])
			}
		} else {
			switch {
			case skipping:
			case cur.active:
				w.appendBody([]byte{'\n'})
				w.appendBody(line)
			case len(bytes.TrimSpace(line)) == 0 && !more:
			default:
				e := &Error{File: w.file, Line: w.lineNo, Err: fmt.Errorf("not a WhatsApp message line: %q", waExcerpt(line))}
				if err := w.opt.skip(e); err != nil {
					return err
				}
				skipping = true
			}
		}
		for more {
			var chunk []byte
			if chunk, more, err = w.readChunk(); err != nil {
				return err
			}
			if cur.active && !skipping {
				w.appendBody(chunk)
			}
		}
		if cur.active && !skipping && len(w.body) > 0 && w.body[len(w.body)-1] == '\r' {
			w.body = w.body[:len(w.body)-1] // a CR that ended a full buffer
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

// appendBody adds text to the current message, keeping at most
// MaxMessageBodySize bytes (cut on a character boundary).
func (w *waReader) appendBody(b []byte) {
	w.bodySize += int64(len(b))
	room := MaxMessageBodySize - len(w.body)
	if room <= 0 {
		return
	}
	if len(b) > room {
		b = b[:room]
		for len(b) > 0 && !utf8.RuneStart(b[len(b)-1]) {
			b = b[:len(b)-1]
		}
		if len(b) > 0 {
			if r, _ := utf8.DecodeLastRune(b); r == utf8.RuneError {
				b = b[:len(b)-1]
			}
		}
	}
	w.body = append(w.body, b...)
}

// flush completes and emits the current message.
func (w *waReader) flush(cur *waMessage, emit Emit) error {
	if !cur.active {
		return nil
	}
	cur.active = false
	// WhatsApp trims what is sent, so line ends after the text are the
	// export's separators, not the message's.
	body := w.body
	for len(body) > 0 && (body[len(body)-1] == '\n' || body[len(body)-1] == '\r') {
		body = body[:len(body)-1]
	}
	m := &vault.Message{
		Source:       "whatsapp",
		Conversation: w.conv,
		Time:         cur.t,
		Provenance: vault.Provenance{
			Format:     "whatsapp",
			File:       w.file,
			FileSHA256: w.sum,
			Position:   string(strconv.AppendInt(append(make([]byte, 0, 16), "line "...), int64(cur.line), 10)),
			ImportedAt: w.now,
			Timezone:   w.loc.String(),
		},
	}
	_, m.Offset = cur.t.Zone()
	set := func(k, v string) {
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		m.Headers[k] = v
	}
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
		if info.deleted {
			set("deleted", "true")
		}
		if info.null {
			// Android writes "null" where it could not export the content
			// (view-once media, polls).
			set("null", "true")
		}
		if info.media != "" {
			set("media", info.media)
		}
		if info.file != "" || info.missing {
			a, err := w.attachment(info)
			if err != nil {
				return err
			}
			m.Attachments = []vault.Attachment{a}
		}
	}
	if cur.guessed {
		set("date_order", cur.order.String())
		set("date_order_guessed", "true")
	}
	if w.bodySize > int64(len(w.body)) {
		set("truncated", "true")
		set("original_size", strconv.FormatInt(w.bodySize, 10))
		m.Body = string(body) + fmt.Sprintf("\n[coffer: message truncated: %d of %d bytes kept]", len(body), w.bodySize)
	} else {
		m.Body = string(body)
	}
	m.Seq = w.nextSeq(m)
	if err := vault.Validate(m); err != nil {
		if e := w.opt.skip(&Error{File: w.file, Line: cur.line, Err: err}); e != nil {
			return e
		}
		return nil
	}
	return emit(m)
}

// attachment links a file named by the export to the archive's copy.
func (w *waReader) attachment(info waBody) (vault.Attachment, error) {
	a := vault.Attachment{Name: info.file, Missing: true}
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

// waPhone returns the sender as "+digits" when the name is a phone number
// (WhatsApp shows numbers for people not in the contacts), else "".
func waPhone(s string) string {
	if len(s) < 7 || s[0] != '+' {
		return ""
	}
	out := make([]byte, 0, len(s))
	out = append(out, '+')
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			out = append(out, c)
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return ""
		}
	}
	if len(out) < 7 {
		return ""
	}
	return string(out)
}

// nextSeq numbers identical messages (same sender, minute and text): the
// first gets 0, later copies in the same minute 1, 2, ... Counting within
// the minute keeps the numbers the same when a later, overlapping export
// of the chat is imported. Counts for minutes an hour behind the current
// message are dropped when the table grows, which bounds memory; only a
// flood of over a million distinct messages within one hour empties it.
func (w *waReader) nextSeq(m *vault.Message) int {
	h := maphash.String(w.seqSeed, m.Body)
	h = h*0x9E3779B97F4A7C15 ^ maphash.String(w.seqSeed, m.Sender)
	if m.Kind != "" {
		h = ^h
	}
	minute := m.Time.Unix()
	if minute < 0 {
		minute -= 59
	}
	k := waSeqKey{minute: minute / 60, h: h}
	n := w.seq[k]
	w.seq[k] = n + 1
	if len(w.seq) > w.seqLimit {
		for old := range w.seq {
			if old.minute < k.minute-60 {
				delete(w.seq, old)
			}
		}
		switch {
		case len(w.seq) > waMaxSeqEntries:
			clear(w.seq)
		case len(w.seq) > w.seqLimit/2:
			w.seqLimit *= 2
		}
	}
	return n
}
