package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"

	"coffer/vault"
)

// This file turns one RFC 5322 message into a vault.Message. It is shared
// by every email container (EML, mbox, maildir, archiver ZIP), which only
// differ in how they find the bytes of each message and what provenance
// they record.
//
// MIME decoding (multipart, quoted-printable, base64, RFC 2047/2231,
// charset conversion and detection, HTML to text) is enmime's; this file
// decides what of the result a reviewer needs and never fails on what
// enmime could read: its warnings are kept in the X-Coffer-Warnings header.

// MaxEmailBytes bounds the raw bytes of one message held in memory. A
// longer message is cut there (its tail, usually a huge attachment, is
// lost) and the cut is noted in the body and in X-Coffer-Warnings.
// Parsing holds a message several times over (the raw bytes, the
// decoded part, the text): at 128 MiB, importing one peaked at 1.07 GB.
// 64 MiB keeps attachments of up to ~47 MiB, beyond what mail services
// send (25-35 MB).
const MaxEmailBytes = 64 << 20

// mailMaxNested bounds how deep attached message/rfc822 parts are
// parsed for their text, so a message nesting itself cannot recurse
// without end.
const mailMaxNested = 4

// Header names added by coffer, never present in the source.
const (
	mailWarningsHeader = "X-Coffer-Warnings"
)

// mailKeptHeaders are copied into vault.Message.Headers: the threading
// headers, the addresses as written, and what a reviewer uses to judge
// where a message came from.
var mailKeptHeaders = []string{
	"Message-ID", "In-Reply-To", "References", "From", "Sender", "Reply-To",
	"To", "Cc", "Bcc", "Date", "Return-Path", "Delivered-To", "List-Id",
	"User-Agent", "X-Mailer", "X-Folder", "X-Original-To",
	// Enron-style exports and Lotus Notes gateways keep the names (and
	// IMCEANOTES- addresses) as the sender's client showed them here.
	"X-From", "X-To", "X-cc", "X-bcc",
}

// mailMIMEParser keeps the text that survives a corrupt base64 text part
// rather than dropping the whole message, and detects the charset of
// every text part (mislabelled parts are common in old mail).
var mailMIMEParser = enmime.NewParser(
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.SkipMalformedParts(true),
)

// mailFastParser trusts declared charsets. Charset detection costs about
// two thirds of the import time, and it can only help a part that is not
// already what it says (valid UTF-8, or plain ASCII): see mailReadEnvelope.
var mailFastParser = enmime.NewParser(
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.SkipMalformedParts(true),
	enmime.DisableCharacterDetection(true),
)

// mailReadEnvelope parses raw trusting its declared charsets, and again
// with charset detection when a text part is not plainly what it
// declares (legacy charsets, 8-bit bytes labelled us-ascii, invalid
// UTF-8): mail from current clients is parsed once, cheaply. Most of
// that mail does not reach enmime's parser at all: mailFastEnvelope
// builds the same envelope for it (email_fast.go).
//
// Detection reads whole parts (about 5 MB/s), so it is skipped for
// messages over mailMaxDetectBytes, with a warning: a 50 MB message
// would otherwise take seconds.
//
// A message nesting multipart parts deeper than mailMaxDepth is refused
// (errMIMEDepth) before enmime reads it.
func mailReadEnvelope(raw []byte) (*enmime.Envelope, string, error) {
	if mailFastPath {
		if env, ok := mailFastEnvelope(raw); ok {
			return env, "", nil
		}
	}
	if err := mailCheckDepth(raw); err != nil {
		return nil, "", err
	}
	env, err := mailRead(mailFastParser, raw)
	if err == nil && !mailNeedsDetection(env.Root) {
		return env, "", nil
	}
	if err == nil && len(raw) > mailMaxDetectBytes {
		return env, "message too large for charset detection: declared charsets trusted", nil
	}
	env, err = mailRead(mailMIMEParser, raw)
	return env, "", err
}

// mailReaders holds the bufio.Readers enmime reads messages through.
// Parser.ReadParts wraps its input in a new 4 KiB bufio.Reader, unless it
// is one already: reusing them saves an allocation larger than the
// average message (issue 17). Their size is bufio's default, so enmime
// reads exactly as it would through its own.
var mailReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, mailReaderSize) }}

const mailReaderSize = 4096

func mailRead(p *enmime.Parser, raw []byte) (*enmime.Envelope, error) {
	br := mailReaders.Get().(*bufio.Reader)
	br.Reset(bytes.NewReader(raw))
	env, err := p.ReadEnvelope(br)
	br.Reset(nil)
	mailReaders.Put(br)
	return env, err
}

const mailMaxDetectBytes = 4 << 20

func mailNeedsDetection(root *enmime.Part) bool {
	need := false
	root.DepthMatchAll(func(p *enmime.Part) bool {
		if need || !strings.HasPrefix(p.ContentType, "text/") {
			return false
		}
		switch strings.ToLower(p.Charset) {
		case "utf-8", "utf8":
			need = !utf8.Valid(p.Content)
		case "", "us-ascii", "ascii":
			need = !mailIsASCII(p.Content)
		default:
			need = true
		}
		return false
	})
	return need
}

// emailSource is where one message's bytes came from.
type emailSource struct {
	format, file, fileSHA256, position string
	// extra headers the container knows (maildir flags, folder).
	extra map[string]string
	// envelope is the mbox "From " line, whose date is a late resort
	// for the message's time.
	envelope string
	// manifestTime is when an archiver's manifest says it made the drop
	// (zero when it does not): the last resort for the message's time.
	manifestTime time.Time
	// line is the 1-based line the message starts on, for formats
	// whose errors are best located by line (mbox), else 0.
	line int
	// size is the message's length in the source when raw was cut at
	// MaxEmailBytes, else 0.
	size int64
}

// parseEmail converts the raw message. Errors are the reasons a record is
// unusable (no time at all, unreadable MIME); the caller wraps them with
// the file and position.
func parseEmail(raw []byte, src emailSource, now time.Time, loc *time.Location) (*vault.Message, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	// The hash of the bytes as received (without an mbox envelope line,
	// which the mailbox added): a production can show the stored message
	// is that one. Of a truncated message, it covers what was kept.
	sum := sha256.Sum256(raw)
	var warn []string
	if !mailStartsWithHeader(raw) {
		// A lone MIME body saved without any header (the user named
		// the file, or it sits in a mailbox): one message, all body.
		raw = append([]byte("\n"), raw...)
		warn = append(warn, "no header block: the whole file is the body")
	}
	env, note, err := mailReadEnvelope(raw)
	if errors.Is(err, errMIMEDepth) {
		return nil, err // as plain text, it would be the raw MIME source
	}
	if err != nil {
		// The structure is beyond repair (a multipart without a usable
		// boundary): keep the headers and show the body as plain text.
		env, note, err = mailReadEnvelope(mailAsPlainText(raw))
		if err != nil {
			return nil, fmt.Errorf("unreadable message: %s", mailText(err.Error()))
		}
		warn = append(warn, "unreadable MIME structure: body kept as plain text")
	}
	if note != "" {
		warn = append(warn, note)
	}
	if src.size > 0 {
		warn = append(warn, fmt.Sprintf("message truncated at %d of %d bytes", len(raw), src.size))
	}

	m := &vault.Message{
		Source:  "email",
		Headers: map[string]string{},
		Provenance: vault.Provenance{
			Format:     src.format,
			File:       mailText(src.file), // a file name may be any bytes
			FileSHA256: src.fileSHA256,
			Position:   src.position,
			ImportedAt: now,
			SHA256:     hex.EncodeToString(sum[:]),
		},
	}
	for _, k := range mailKeptHeaders {
		if vs := mailHeaderValues(env, k); len(vs) > 0 {
			sep := ", "
			if k == "References" || k == "In-Reply-To" {
				sep = " "
			}
			if v := strings.TrimSpace(strings.Join(vs, sep)); v != "" {
				m.Headers[k] = v
			}
		}
	}
	for k, v := range src.extra {
		m.Headers[k] = mailText(v)
	}
	m.Subject = strings.TrimSpace(mailHeader(env, "Subject"))

	from, w := mailAddresses(env, "From")
	warn = append(warn, w...)
	for _, k := range []string{"Sender", "X-From"} {
		if len(from) == 0 {
			from, _ = mailAddresses(env, k)
		}
	}
	if len(from) > 0 {
		m.SenderID = from[0].Address
		m.Sender = from[0].Name
		if m.Sender == "" {
			m.Sender = from[0].Address
		}
	} else if f := m.Headers["From"]; f != "" {
		m.Sender = f
	}
	to, w := mailAddresses(env, "To")
	warn = append(warn, w...)
	cc, w := mailAddresses(env, "Cc")
	warn = append(warn, w...)
	var parts []string
	seen := map[string]bool{}
	for _, a := range from {
		if !seen[a.Address] {
			seen[a.Address] = true
			parts = append(parts, a.Address)
		}
	}
	for _, a := range append(to, cc...) {
		m.To = append(m.To, a.Address)
		if !seen[a.Address] {
			seen[a.Address] = true
			parts = append(parts, a.Address)
		}
	}

	t, zoneless, tsrc, how := mailTime(env, src, loc)
	m.Provenance.TimeSource = tsrc
	if zoneless {
		m.Provenance.Timezone = loc.String()
		warn = append(warn, "date without a zone: read in "+loc.String())
	}
	if how != "" {
		warn = append(warn, how)
	}
	_, m.Offset = t.Zone()
	m.Time = t.UTC()

	msgID := mailFirstID(m.Headers["Message-ID"])
	if msgID != "" {
		m.Provenance.OriginalID = "<" + msgID + ">"
	}
	title := NormalizeSubject(m.Subject)
	m.Conversation = vault.Conversation{
		ID:           mailThreadID(m.Headers, msgID, title),
		Title:        title,
		Participants: parts,
	}
	if r := mailFirstID(m.Headers["In-Reply-To"]); r != "" {
		m.ReplyTo = "email:<" + r + ">"
	}

	// Text found beside the body (attached messages, untyped parts) is
	// collected apart, so the common message copies its body once.
	var more strings.Builder
	m.Attachments, warn = mailAttachments(env, &more, 0, warn)
	if m.Body = mailText(env.Text); more.Len() > 0 {
		m.Body = strings.TrimPrefix(m.Body+"\n"+more.String(), "\n")
	}
	var tail string
	if src.size > 0 {
		tail = fmt.Sprintf("\n\n[coffer: message truncated: only the first %d of %d bytes were imported]", len(raw), src.size)
	}
	m.Body = mailTruncateBody(m.Body, tail)

	for _, e := range env.Errors {
		warn = append(warn, mailClip(mailText(e.Error()), 200))
	}
	if len(warn) > 0 {
		if len(warn) > 20 {
			warn = append(warn[:20], fmt.Sprintf("and %d more", len(warn)-20))
		}
		// Warnings quote the input (enmime's errors echo raw header
		// bytes): decoded here, like the text they come from, rather
		// than left for validate to blot out.
		m.Headers[mailWarningsHeader] = mailText(strings.Join(warn, "; "))
	}
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	if err := validate(m); err != nil {
		return nil, err
	}
	return m, nil
}

// mailHeader returns the decoded value of header key (the first, when
// repeated).
func mailHeader(env *enmime.Envelope, key string) string {
	if vs := mailHeaderValues(env, key); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// mailHeaderValues returns every value of header key, decoded.
func mailHeaderValues(env *enmime.Envelope, key string) []string {
	vs := env.Root.Header[mailHeaderKey(key)]
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = mailDecodeHeader(v)
	}
	return out
}

// mailHeaderKey is textproto.CanonicalMIMEHeaderKey(key), looked up for
// the names coffer asks for (MIMEHeader.Values allocates anew for each
// name not already canonical, such as "Message-ID").
func mailHeaderKey(key string) string {
	if k, ok := mailFastKeys[key]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

// mailFix8bitWords escapes raw 8-bit bytes inside Q-encoded words
// ("=?iso-8859-1?Q?Fr\xf6sche?=", as Eudora wrote them), which decoders
// otherwise reject, leaving the encoded word on screen.
func mailFix8bitWords(s string) string {
	if !strings.Contains(s, "=?") || mailIsASCII(s) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "=?")
		if i < 0 {
			break
		}
		// =?charset?Q?text?=
		rest := s[i+2:]
		q1 := strings.IndexByte(rest, '?')
		if q1 < 0 || q1+2 >= len(rest) || rest[q1+2] != '?' || (rest[q1+1] != 'Q' && rest[q1+1] != 'q') {
			b.WriteString(s[:i+2])
			s = rest
			continue
		}
		text := rest[q1+3:]
		end := strings.Index(text, "?=")
		if end < 0 {
			break
		}
		b.WriteString(s[:i+2+q1+3])
		for j := 0; j < end; j++ {
			if c := text[j]; c >= 0x80 {
				fmt.Fprintf(&b, "=%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		b.WriteString("?=")
		s = text[end+2:]
	}
	b.WriteString(s)
	return b.String()
}

func mailIsASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// mailAddresses parses an address header, lower-casing the addresses so that
// the same person is one participant however their mailer capitalised
// them. A header enmime cannot parse is salvaged token by token.
func mailAddresses(env *enmime.Envelope, key string) ([]*mail.Address, []string) {
	raw := strings.Join(env.Root.Header[mailHeaderKey(key)], ", ")
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var list []*mail.Address
	var err error
	fast := false
	if mailFastPath {
		list, fast = mailFastAddressList(raw)
	}
	if !fast {
		list, err = enmime.ParseAddressList(mailFix8bitWords(raw))
	}
	var warn []string
	if err != nil || len(list) == 0 {
		warn = append(warn, fmt.Sprintf("malformed %s header", key))
		list = mailSalvageAddresses(mailDecodeHeader(raw))
	}
	out := list[:0]
	for _, a := range list {
		addr := mailText(strings.TrimSpace(a.Address))
		a.Address = strings.ToLower(addr)
		a.Name = strings.TrimSpace(mailText(a.Name))
		if name, inner, ok := mailNotesAddress(addr); ok {
			// A gateway's wrapping: the person behind it is who sent
			// or received; an Internet address inside replaces it.
			if a.Name == "" || a.Name == a.Address {
				a.Name = name
			}
			if inner != "" {
				a.Address = inner
			}
		}
		if a.Address == "" && a.Name == "" {
			continue
		}
		out = append(out, a)
	}
	return out, warn
}

// mailSalvageAddresses finds whatever looks like an address in a header the
// parsers refuse (two addresses without a comma, stray quotes).
func mailSalvageAddresses(s string) []*mail.Address {
	var out []*mail.Address
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == ';' || r == '\t' || r == '<' || r == '>' || r == '"'
	}) {
		if strings.Count(f, "@") == 1 && !strings.HasPrefix(f, "@") && !strings.HasSuffix(f, "@") {
			out = append(out, &mail.Address{Address: f})
		}
	}
	if len(out) == 0 {
		out = append(out, &mail.Address{Name: strings.TrimSpace(s)})
	}
	return out
}

// mailTruncateBody cuts a body over MaxMessageBodySize on a character
// boundary and says so in the body, so the reviewer knows text is missing,
// then appends tail (the note that the message itself was cut, or ""). It
// copies the body once at most: a 50 MiB body held twice more while its
// notes were added took an import past its memory bound.
func mailTruncateBody(s, tail string) string {
	cut, note := len(s), ""
	if len(s) > MaxMessageBodySize {
		cut = MaxMessageBodySize
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		note = fmt.Sprintf("\n\n[coffer: body truncated at %d of %d bytes]", cut, len(s))
	}
	if note == "" && tail == "" {
		return s
	}
	var b strings.Builder
	b.Grow(cut + len(note) + len(tail))
	b.WriteString(s[:cut])
	b.WriteString(note)
	b.WriteString(tail)
	return b.String()
}

// mailText returns s as valid UTF-8. Headers and bodies that are not
// valid UTF-8 after enmime's decoding are raw 8-bit legacy text, which in
// mail is overwhelmingly Windows-1252 / ISO-8859-1.
func mailText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// mailStartsWithHeader reports whether raw begins with a header field
// ("Name: value", RFC 5322 2.2) or with the blank line that ends an
// empty header block.
func mailStartsWithHeader(raw []byte) bool {
	line := bytes.TrimRight(mailFirstLine(raw), "\r\n")
	if len(line) == 0 {
		return true
	}
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// mailAsPlainText rewrites the top-level Content-Type of raw to
// text/plain, so a message whose MIME structure cannot be parsed still
// shows its text.
func mailAsPlainText(raw []byte) []byte {
	end := bytes.Index(raw, []byte("\n\n"))
	if e := bytes.Index(raw, []byte("\r\n\r\n")); e >= 0 && (end < 0 || e < end) {
		end = e
	}
	if end < 0 {
		end = len(raw)
	}
	var out []byte
	skip := false
	for _, line := range bytes.SplitAfter(raw[:end], []byte("\n")) {
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skip {
				out = append(out, line...)
			}
			continue
		}
		skip = len(line) >= 13 && bytes.EqualFold(line[:13], []byte("content-type:"))
		if !skip {
			out = append(out, line...)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, "Content-Type: text/plain; charset=utf-8"...)
	return append(out, raw[end:]...)
}

func mailClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
