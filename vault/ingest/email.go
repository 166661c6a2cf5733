package ingest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

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
const MaxEmailBytes = 128 << 20

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
// UTF-8): mail from current clients is parsed once, cheaply.
//
// Detection reads whole parts (about 5 MB/s), so it is skipped for
// messages over mailMaxDetectBytes, with a warning: a 50 MB message
// would otherwise take seconds.
func mailReadEnvelope(raw []byte) (*enmime.Envelope, string, error) {
	env, err := mailFastParser.ReadEnvelope(bytes.NewReader(raw))
	if err == nil && !mailNeedsDetection(env.Root) {
		return env, "", nil
	}
	if err == nil && len(raw) > mailMaxDetectBytes {
		return env, "message too large for charset detection: declared charsets trusted", nil
	}
	env, err = mailMIMEParser.ReadEnvelope(bytes.NewReader(raw))
	return env, "", err
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
			need = !mailIsASCII(string(p.Content))
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
	// envelope is the mbox "From " line, whose date is the last resort
	// for the message's time.
	envelope string
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
	var warn []string
	env, note, err := mailReadEnvelope(raw)
	if err != nil {
		// The structure is beyond repair (a multipart without a usable
		// boundary): keep the headers and show the body as plain text.
		env, note, err = mailReadEnvelope(mailAsPlainText(raw))
		if err != nil {
			return nil, fmt.Errorf("unreadable message: %v", err)
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
	if len(from) == 0 {
		if s, _ := mailAddresses(env, "Sender"); len(s) > 0 {
			from = s
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

	t, zoneless, how, err := mailTime(env, src.envelope, loc)
	if err != nil {
		return nil, err
	}
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
	m.Body = mailTruncateBody(m.Body)
	if src.size > 0 {
		m.Body += fmt.Sprintf("\n\n[coffer: message truncated: only the first %d of %d bytes were imported]", len(raw), src.size)
	}

	for _, e := range env.Errors {
		warn = append(warn, mailClip(mailText(e.Error()), 200))
	}
	if len(warn) > 0 {
		if len(warn) > 20 {
			warn = append(warn[:20], fmt.Sprintf("and %d more", len(warn)-20))
		}
		m.Headers[mailWarningsHeader] = strings.Join(warn, "; ")
	}
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	if err := vault.Validate(m); err != nil {
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
	vs := env.Root.Header.Values(key)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = mailDecodeHeader(v)
	}
	return out
}

// mailDecodeHeader decodes RFC 2047 encoded words and makes the result
// valid UTF-8 (raw 8-bit header bytes are read as Windows-1252, raw UTF-8
// per RFC 6532 is kept).
func mailDecodeHeader(raw string) string {
	return mailText(enmime.DecodeRFC2047(mailFix8bitWords(raw)))
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

func mailIsASCII(s string) bool {
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
	raw := strings.Join(env.Root.Header.Values(key), ", ")
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	list, err := enmime.ParseAddressList(mailFix8bitWords(raw))
	var warn []string
	if err != nil || len(list) == 0 {
		warn = append(warn, fmt.Sprintf("malformed %s header", key))
		list = mailSalvageAddresses(mailDecodeHeader(raw))
	}
	out := list[:0]
	for _, a := range list {
		a.Address = strings.ToLower(mailText(strings.TrimSpace(a.Address)))
		a.Name = strings.TrimSpace(mailText(a.Name))
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

// attachments collects every non-body part. An attached message/rfc822
// is kept whole as an attachment and its own text is appended to body,
// so a search finds a forwarded mail's words.
func mailAttachments(env *enmime.Envelope, body *strings.Builder, depth int, warn []string) ([]vault.Attachment, []string) {
	var out []vault.Attachment
	seen := map[*enmime.Part]bool{}
	if depth == 0 && env.Root != nil {
		// The HTML the recipient saw is kept as sent: the body holds a
		// text version (the text/plain alternative, or a rendering),
		// which need not say the same. Attached messages keep theirs
		// inside their .eml.
		if h := env.Root.DepthMatchFirst(func(p *enmime.Part) bool {
			return p.ContentType == "text/html" && p.Disposition != "attachment"
		}); h != nil && len(h.Content) > 0 {
			seen[h] = true
			content, w := mailAttachmentBytes(h)
			if w != "" {
				warn = append(warn, w)
			}
			out = append(out, vault.Attachment{Name: "body.html", Type: "text/html", Content: content})
		}
	}
	var all []*enmime.Part
	all = append(all, env.Attachments...)
	all = append(all, env.Inlines...)
	all = append(all, env.OtherParts...)
	for _, p := range all {
		if seen[p] {
			continue
		}
		seen[p] = true
		isBody := (p.ContentType == "text/plain" || p.ContentType == "text/html") &&
			p.FileName == "" && p.Disposition != "attachment"
		if isBody || (len(p.Content) == 0 && p.FileName == "" && p.ContentType == "") {
			continue
		}
		if p.ContentType == "" && p.FileName == "" && p.Disposition != "attachment" {
			// RFC 2045 defaults a part without Content-Type to text/plain:
			// it is body text (often the signed part of multipart/signed).
			body.WriteString("\n")
			body.WriteString(mailText(string(p.Content)))
			continue
		}
		recovered := mailRecoverGluedBody(p)
		if recovered {
			warn = append(warn, fmt.Sprintf("part %s: body glued to its headers, recovered", p.PartID))
		}
		content, w := mailAttachmentBytes(p)
		if w != "" {
			warn = append(warn, w)
		}
		a := vault.Attachment{
			Name:    mailFileName(p),
			Type:    mailText(p.ContentType),
			Content: content,
		}
		if a.Content == nil {
			a.Content = []byte{}
		}
		if p.ContentType == "message/rfc822" || p.ContentType == "message/global" {
			if depth < mailMaxNested {
				nested, note, err := mailReadEnvelope(p.Content)
				if note != "" {
					warn = append(warn, note)
				}
				if err != nil {
					warn = append(warn, fmt.Sprintf("attached message %s unreadable: %v", p.PartID, err))
				} else {
					subj := strings.TrimSpace(mailHeader(nested, "Subject"))
					if a.Name == "" {
						a.Name = mailAttachedName(subj)
					}
					fmt.Fprintf(body, "\n\n---------- attached message ----------\nFrom: %s\nDate: %s\nSubject: %s\n\n%s",
						mailHeader(nested, "From"), mailHeader(nested, "Date"), subj, mailText(nested.Text))
					var inner []vault.Attachment
					inner, warn = mailAttachments(nested, body, depth+1, warn)
					out = append(out, inner...)
				}
			} else {
				warn = append(warn, "attached messages nested too deep: text not extracted")
			}
		}
		if a.Name == "" {
			a.Name = "part-" + p.PartID + mailExtension(p.ContentType)
		}
		out = append(out, a)
	}
	return out, warn
}

// mailRecoverGluedBody repairs a base64 part whose header block is not
// ended by a blank line (MimeKit issue 1189 shows one from a Gmail
// export): the parser takes the body as a continuation of the last
// header and leaves the part empty. The base64 run is moved back from
// the header into Content, and the header is cut before it so the file
// name is clean again.
func mailRecoverGluedBody(p *enmime.Part) bool {
	if len(p.Content) > 0 || !strings.EqualFold(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")), "base64") {
		return false
	}
	keys := make([]string, 0, len(p.Header))
	for k := range p.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := p.Header[k]
		for j, v := range vs {
			f := strings.Fields(v)
			i := len(f)
			for i > 0 && mailBase64Token(f[i-1]) {
				i--
			}
			data := strings.Join(f[i:], "")
			if i == 0 || len(data) < 16 {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(data, "=")); err != nil {
					continue
				}
			}
			p.Content = b
			vs[j] = strings.Join(f[:i], " ")
			if p.FileName != "" {
				if n := p.ContentTypeParams["name"]; n != "" {
					p.FileName = n
				} else {
					p.FileName = strings.Trim(strings.Fields(p.FileName)[0], `"`)
				}
			}
			return true
		}
	}
	return false
}

func mailBase64Token(s string) bool {
	if len(s) < 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// mailAttachmentBytes returns an attachment's bytes as sent. enmime
// converts every text part to UTF-8, which would change a text file (and
// the SHA-256 a reviewer compares with the original); the conversion is
// undone with the charset it used.
func mailAttachmentBytes(p *enmime.Part) ([]byte, string) {
	cs := strings.ToLower(strings.TrimSpace(p.Charset))
	if !strings.HasPrefix(p.ContentType, "text/") || cs == "" || cs == "utf-8" || cs == "utf8" ||
		mailIsASCII(string(p.Content)) {
		return p.Content, ""
	}
	for _, e := range p.Errors {
		if e.Name == enmime.ErrorCharsetConversion {
			return p.Content, "" // not converted: the bytes are the original
		}
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(cs)
	}
	if err == nil && enc != nil {
		if b, err := enc.NewEncoder().Bytes(p.Content); err == nil {
			return b, ""
		}
	}
	return p.Content, fmt.Sprintf("attachment %q: original %s bytes lost, kept as UTF-8", mailText(p.FileName), cs)
}

// mailFileName returns the part's file name. enmime decodes RFC 2231 and
// 2047 names; when it gave up (a name* parameter whose bytes do not match
// its declared charset), the raw parameter is percent-decoded here.
func mailFileName(p *enmime.Part) string {
	if p.FileName != "" {
		return mailText(p.FileName)
	}
	for _, h := range []string{"Content-Disposition", "Content-Type"} {
		v := p.Header.Get(h)
		for _, key := range []string{"filename*=", "name*=", "filename*0*=", "name*0*="} {
			i := strings.Index(strings.ToLower(v), key)
			if i < 0 || (i > 0 && key[0] == 'n' && v[i-1] != ' ' && v[i-1] != ';' && v[i-1] != '\t') {
				continue
			}
			val := strings.Trim(strings.SplitN(v[i+len(key):], ";", 2)[0], " \t\"")
			if k := strings.LastIndexByte(val, '\''); k >= 0 {
				val = val[k+1:]
			}
			if dec, err := url.PathUnescape(val); err == nil && dec != "" {
				return mailText(dec)
			}
		}
	}
	return ""
}

func mailAttachedName(subject string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, subject)
	if len(name) > 80 {
		name = strings.ToValidUTF8(name[:80], "")
	}
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}

func mailExtension(ctype string) string {
	switch ctype {
	case "message/rfc822":
		return ".eml"
	case "text/plain":
		return ".txt"
	}
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// mailTruncateBody cuts a body over MaxMessageBodySize on a character
// boundary and says so in the body, so the reviewer knows text is missing.
func mailTruncateBody(s string) string {
	if len(s) <= MaxMessageBodySize {
		return s
	}
	cut := MaxMessageBodySize
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n\n[coffer: body truncated at %d of %d bytes]", cut, len(s))
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

// mailTime returns the Date header's time; when it is missing or
// unparseable, the time of the earliest Received hop (the last Received
// header), with a note saying so.
func mailTime(env *enmime.Envelope, envelope string, loc *time.Location) (t time.Time, zoneless bool, how string, err error) {
	date := strings.TrimSpace(mailHeader(env, "Date"))
	if t, zl, err := parseMailDate(date, loc); err == nil {
		return t, zl, "", nil
	}
	rcv := mailHeaderValues(env, "Received")
	for i := len(rcv) - 1; i >= 0; i-- {
		j := strings.LastIndexByte(rcv[i], ';')
		if j < 0 {
			continue
		}
		if t, zl, err := parseMailDate(rcv[i][j+1:], loc); err == nil {
			if date == "" {
				return t, zl, "no Date header: time taken from the Received header", nil
			}
			return t, zl, fmt.Sprintf("unparseable Date %q: time taken from the Received header", mailClip(date, 80)), nil
		}
	}
	if t, zl, ok := mailEnvelopeTime(envelope, loc); ok {
		return t, zl, "no usable Date or Received header: time taken from the mbox From line", nil
	}
	if date == "" {
		return time.Time{}, false, "", fmt.Errorf("no Date header and no dated Received header")
	}
	return time.Time{}, false, "", fmt.Errorf("unparseable Date header %q and no dated Received header", mailClip(date, 80))
}

// mailEnvelopeTime reads the asctime date of an mbox "From " line
// ("From sender Sun Aug  7 11:40:37 2022", optionally with a zone or
// trailing words). A date without a zone is read in loc (MDAs write
// their local time).
func mailEnvelopeTime(line string, loc *time.Location) (time.Time, bool, bool) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return time.Time{}, false, false
	}
	f = f[2:]
	for _, n := range []int{6, 5} {
		if len(f) < n {
			continue
		}
		v := strings.Join(f[:n], " ")
		for _, l := range []string{"Mon Jan 2 15:04:05 -0700 2006", "Mon Jan 2 15:04:05 2006 -0700"} {
			if t, err := time.Parse(l, v); err == nil {
				return t, false, true
			}
		}
		if t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", v, loc); err == nil {
			return t, true, true
		}
	}
	return time.Time{}, false, false
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

// mailObsZones are RFC 5322's obsolete zone names (section 4.3), which Go's
// time package would otherwise read as UTC.
var mailObsZones = map[string]string{
	"UT": "+0000", "GMT": "+0000", "Z": "+0000", "UTC": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900",
}

var mailDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"Mon, Jan 2 2006 15:04:05 -0700",
}

// mailZonelessLayouts are dates written without a zone: they are read in
// Options.Location, which the message's provenance records.
var mailZonelessLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
}

// parseMailDate reads RFC 5322 dates and the common deviations found in
// old mail: comments, named zones, a missing zone (read as UTC), a
// missing or doubled weekday, single-digit hours, commas in odd places.
//
// zoneless reports that s had no zone and was read in loc.
func parseMailDate(s string, loc *time.Location) (t time.Time, zoneless bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, fmt.Errorf("empty date")
	}
	// The form nearly every mailer writes, before net/mail's loop over
	// a dozen layouts (each failure allocates an error).
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", s); err == nil {
		return t, false, nil
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t, false, nil
	}
	// Drop comments such as "(PDT)".
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	f := strings.Fields(strings.ReplaceAll(b.String(), ",", ", "))
	for i := range f {
		if z, ok := mailObsZones[strings.ToUpper(f[i])]; ok && i >= 3 {
			f[i] = z
		}
		if strings.HasSuffix(f[i], ",") && i > 0 {
			if _, err := time.Parse("Mon,", f[i]); err != nil {
				f[i] = strings.TrimSuffix(f[i], ",")
			}
		}
	}
	// A zone abbreviation left after a numeric zone adds nothing.
	if n := len(f); n > 1 && mailNumericZone(f[n-2]) && !mailNumericZone(f[n-1]) && !strings.ContainsAny(f[n-1], "0123456789") {
		f = f[:n-1]
	}
	norm := strings.Join(f, " ")
	for _, l := range mailDateLayouts {
		if t, err := time.Parse(l, norm); err == nil {
			if t.Year() < 100 {
				t = t.AddDate(1900, 0, 0)
			}
			return t, false, nil
		}
	}
	for _, l := range mailZonelessLayouts {
		if t, err := time.ParseInLocation(l, norm, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("unparseable date %q", s)
}

func mailNumericZone(s string) bool {
	return len(s) == 5 && (s[0] == '+' || s[0] == '-') && strings.Trim(s[1:], "0123456789") == ""
}

// mailFirstID returns the first message id in a Message-ID, In-Reply-To or
// References value, without its angle brackets. Ids written without
// brackets (seen in spam and old mailers) are taken as the first token
// with an @.
func mailFirstID(s string) string {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '>')
		if j < 0 {
			break
		}
		// Folding can leave white space inside an id ("<1@ ebony >").
		if id := strings.Join(strings.Fields(s[i+1:i+1+j]), ""); id != "" && !strings.Contains(id, "<") {
			return id
		}
		s = s[i+1+j+1:]
	}
	for _, f := range strings.Fields(s) {
		f = strings.Trim(f, "<>,;")
		if strings.Contains(f, "@") {
			return f
		}
	}
	return ""
}

// mailThreadID names a message's thread the same way in every import, with
// no state carried between files: the thread root (first References
// entry), else the parent (In-Reply-To), else the message itself, else the
// normalised subject.
func mailThreadID(h map[string]string, msgID, title string) string {
	if id := mailFirstID(h["References"]); id != "" {
		return "<" + id + ">"
	}
	if id := mailFirstID(h["In-Reply-To"]); id != "" {
		return "<" + id + ">"
	}
	if msgID != "" {
		return "<" + msgID + ">"
	}
	return "subject:" + strings.ToLower(title)
}

// mailReplyPrefixes are the "reply" and "forward" markers mailers put before a
// subject, in the languages seen in practice.
var mailReplyPrefixes = []string{
	"re", "fw", "fwd", "aw", "sv", "vs", "wg", "antw", "antwort", "odp", "tr",
	"rif", "r", "ref", "res", "enc", "fs", "atb", "vl", "ynt", "doorst", "转发", "回复", "答复",
}

// NormalizeSubject strips reply/forward prefixes ("Re: ", "Fwd: ",
// "AW: ", "Re[2]: ") and collapses white space, giving the thread title.
func NormalizeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		stripped := false
		colon := strings.IndexAny(s, ":：")
		if colon > 0 && colon <= 12 {
			head := strings.ToLower(strings.TrimSpace(s[:colon]))
			if k := strings.IndexAny(head, "[("); k > 0 && strings.Trim(head[k:], "[]()0123456789") == "" {
				head = head[:k]
			}
			for _, p := range mailReplyPrefixes {
				if head == p {
					_, size := utf8.DecodeRuneInString(s[colon:])
					s = strings.TrimSpace(s[colon+size:])
					stripped = true
					break
				}
			}
		}
		if !stripped {
			return s
		}
	}
}
