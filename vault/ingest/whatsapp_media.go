package ingest

import (
	"bytes"
	"encoding/binary"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What the text of a WhatsApp message can stand for besides itself: a
// placeholder for media the export left out or names ("<Media omitted>",
// "image omitted", "IMG-1.jpg (file attached)"), a deleted message, a
// missed call, a service notice. The phrases are WhatsApp's own in every
// language of the locale data (whatsapp_locale.go). A placeholder is kept
// as an attachment reference (or a notice), never as the sender's text;
// the phrase as exported goes into the "placeholder" header.

var lrm, rlm = []byte("\u200e"), []byte("\u200f")

// stripMarks returns b without directional marks; b itself when it has
// none.
func stripMarks(b []byte) []byte {
	i := firstMark(b)
	if i < 0 {
		return b
	}
	out := append(make([]byte, 0, len(b)), b[:i]...)
	for i < len(b) {
		if n := markLen(b, i); n > 0 {
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// firstMark returns the offset of the first directional mark in b, or
// -1. Every mark starts with 0xD8, 0xE2 or 0xEF (see markLen), so ASCII
// runs are skipped eight bytes at a time: it runs on every message's
// first line and sender, in both passes.
func firstMark(b []byte) int {
	for i := 0; i < len(b); {
		if i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
			i += 8
			continue
		}
		if c := b[i]; (c == 0xE2 || c == 0xD8 || c == 0xEF) && markLen(b, i) > 0 {
			return i
		}
		i++
	}
	return -1
}

// hasLRMOrRLM reports whether b holds U+200E or U+200F, in one pass.
func hasLRMOrRLM(b []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], 0xE2)
		if j < 0 {
			return false
		}
		j += i
		if j+2 < len(b) && b[j+1] == 0x80 && (b[j+2] == 0x8E || b[j+2] == 0x8F) {
			return true
		}
		i = j + 1
	}
}

// trimFinalDots drops the final punctuation of a notice.
func trimFinalDots(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[len(b)-1] == '.' || b[len(b)-1] == ' ':
			b = b[:len(b)-1]
		case b[len(b)-1] == 0x82 && bytes.HasSuffix(b, []byte("。")): // E3 80 82
			b = b[:len(b)-len("。")]
		default:
			return b
		}
	}
	return b
}

// waE2ENotice reports whether text opens with the end-to-end encryption
// notice that starts a chat, in any language.
func waE2ENotice(text []byte) bool {
	// The first two bytes of what is left once marks and spaces go
	// decide nearly every line without a copy. They are text[i] and
	// text[i+1] when an ASCII byte starts it and no mark follows, or a
	// valid character of two bytes or more does (its bytes after the
	// first start no mark).
	i := skipMarksAndSpaces(text)
	if i+1 >= len(text) {
		return false
	}
	sure := markLen(text, i+1) == 0
	if text[i] >= 0x80 {
		_, n := utf8.DecodeRune(text[i:])
		sure = n > 1
	}
	if sure && !waLang().encryptedStart.has(uint32(text[i])<<8|uint32(text[i+1])) {
		return false
	}
	return waE2ELine(bytes.TrimSpace(stripMarks(text)))
}

// skipMarksAndSpaces returns where text starts once stripMarks and
// bytes.TrimSpace are done with it.
func skipMarksAndSpaces(text []byte) int {
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf { // no mark is ASCII
			if c != ' ' && (c < '\t' || c > '\r') {
				return i
			}
			i++
			continue
		}
		if n := markLen(text, i); n > 0 {
			i += n
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return i
}

// waE2ELine is waE2ENotice for a line without marks and outer spaces.
func waE2ELine(text []byte) bool {
	if len(text) < waPrefixKey {
		return false
	}
	t := waLang()
	if !t.encryptedStart.has(uint32(text[0])<<8 | uint32(text[1])) {
		return false
	}
	for _, p := range t.encrypted[string(text[:waPrefixKey])] {
		if bytes.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

// waMaxNotice is the longest line matched against the notice templates:
// notices are a sentence with a name or two, and matching is quadratic in
// the line's length.
const waMaxNotice = 1024

// waNotice reports whether a line (without marks) is a service notice
// written as a message: the encryption notice, or an event ("X added Y")
// when iOS marked it as its own text with a leading mark, or when it
// names the one it is attributed to (Android's "X: X updated the message
// timer."). A person's message is never taken for a notice just because
// its words match one. bare is the sender without marks and outer
// spaces (waName.bare), which the reader keeps rather than strip the
// sender of every message again.
func waNotice(line, sender, bare []byte, marked bool) bool {
	if waE2ELine(line) {
		return true
	}
	if len(line) > waMaxNotice {
		return false
	}
	if !marked {
		if len(sender) == 0 || len(line) <= len(sender) {
			return false
		}
		if len(bare) == 0 || len(line) <= len(bare) || line[len(bare)] != ' ' || !bytes.HasPrefix(line, bare) {
			return false
		}
	}
	_, ok := waLang().notices.match(line)
	return ok
}

// waBody is what classifyBody found in a message's text.
type waBody struct {
	system      bool   // a service notice, attributed to a name
	deleted     bool   // "This message was deleted"
	call        bool   // "Missed voice call"
	null        bool   // Android's "null" for content it could not export
	media       string // kind of media: "media", "image", "location", ...
	file        string // attached file named by the export
	missing     bool   // file or media not in the export
	placeholder string // the placeholder as exported, without marks
	// cut is where the message's own text starts in its first line
	// (the caption follows a placeholder), or -1 when all of it is.
	cut int
}

// waFirstLine returns the first line of a message's text as written
// (raw) and without marks and outer spaces (line), whether it has marks,
// and whether it starts with one, as iOS's own texts do.
func waFirstLine(body []byte) (raw, line []byte, hasMark, marked bool) {
	raw = body
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		raw = raw[:i]
	}
	line = bytes.TrimRight(raw, "\r")
	hasMark = hasLRMOrRLM(line)
	if hasMark {
		k := 0
		for k < len(line) && line[k] == ' ' {
			k++
		}
		marked = markLen(line, k) > 0
		line = bytes.TrimSpace(stripMarks(line))
	}
	return raw, line, hasMark, marked
}

// classifyBody looks at the first line of a message's text; sender is
// the name it is attributed to, as written, and bare that name without
// marks and outer spaces.
func classifyBody(body, sender, bare []byte) (r waBody) {
	r.cut = -1
	raw, line, hasMark, marked := waFirstLine(body)
	if len(line) == 0 {
		return r // a line of nothing but marks is empty once they go
	}
	if waNotice(line, sender, bare, marked) {
		r.system = true
		return r
	}
	whole := func() { r.placeholder, r.cut = string(line), len(raw) }
	if len(line) == 4 && string(line) == "null" {
		r.null = true
		whole()
		return r
	}
	t := waLang()
	if k := trimFinalDots(line); len(k) > 0 && len(k) <= t.maxPhrase && t.phraseHints.has(phraseHint(k)) {
		if p, ok := t.phrases[string(k)]; ok {
			switch p.kind {
			case phraseDeleted:
				r.deleted = true
			case phraseCall:
				r.call = true
			default:
				r.media, r.missing = p.media, true
				whole()
			}
			return r
		}
	}
	last := len(line) - 1
	switch {
	case line[0] == '<' && line[last] == '>':
		inner := bytes.TrimSpace(line[1:last])
		if p, ok := t.phrases[string(trimFinalDots(inner))]; ok && p.kind == phraseOmitted {
			r.media, r.missing = p.media, true // iOS 2016, "<audio omitted>"
			whole()
			return r
		}
		if c := bytes.IndexAny(inner, ":："); c > 0 && c < 40 {
			// iOS "<attached: 00000012-PHOTO-2019-06-20-16-00-15.jpg>", or
			// a localised label ("<anexo: ...>", "<Anhang: ...>").
			_, n := utf8.DecodeRune(inner[c:])
			name := strings.TrimSpace(string(inner[c+n:]))
			if isFileName(name) {
				r.file = name
				whole()
				return r
			}
		}
	case line[last] == ')':
		if o := bytes.LastIndex(line, []byte(" (")); o > 0 {
			name := string(line[:o])
			if isFileName(name) && (t.attached[string(line[o+2:last])] || isWAMediaName(name)) {
				r.file = name
				whole()
				return r
			}
		}
	}
	for _, tp := range t.attachedT {
		if !tp.around(line) {
			continue
		}
		if name, ok := tp.match(line); ok && isFileName(string(name)) {
			r.file = string(name)
			whole()
			return r
		}
	}
	if hasMark {
		// iOS writes a document's name, maybe its page count, then a mark
		// and the placeholder: "Template.docx <LRM>document omitted".
		if j := max(bytes.LastIndex(raw, lrm), bytes.LastIndex(raw, rlm)); j > 0 {
			tail := trimFinalDots(bytes.TrimSpace(stripMarks(raw[j:])))
			if p, ok := t.phrases[string(tail)]; ok && p.kind == phraseOmitted {
				r.media, r.missing = p.media, true
				doc := strings.TrimSpace(string(stripMarks(raw[:j])))
				if i := strings.Index(doc, " • "); i >= 0 {
					doc = strings.TrimSpace(doc[:i])
				}
				if isFileName(doc) {
					r.file = doc
				}
				whole()
				return r
			}
		}
	}
	// "location: https://maps.google.com/?q=...": the link is the text.
	if i := waLinkColon(raw); i > 0 && i < 64 {
		if label := bytes.TrimSpace(stripMarks(raw[:i])); t.location[string(label)] {
			r.media = "location"
			r.placeholder = string(label)
			r.cut = i + 2
			return r
		}
	}
	return r
}

// waLinkColon returns where ": http" first starts in the first 64 bytes
// of line, or -1. Most lines have no colon there, which one IndexByte
// finds without bytes.Index's setup.
func waLinkColon(line []byte) int {
	line = line[:min(len(line), 63+len(": http"))]
	for i := 0; ; {
		k := bytes.IndexByte(line[i:], ':')
		if k < 0 {
			return -1
		}
		i += k
		if bytes.HasPrefix(line[i:], []byte(": http")) {
			return i
		}
		i++
	}
}

// waEdited returns body without the "<This message was edited>" marker
// newer exports put at its end, and whether it had one.
func waEdited(body []byte) ([]byte, bool) {
	b := body
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1] // bytes.TrimRight(body, " \r\n"), without building its set each message
	}
	if len(b) == 0 || b[len(b)-1] != '>' {
		return body, false
	}
	i := bytes.LastIndexByte(b, '<')
	if i < 0 || len(b)-i > 128 {
		return body, false
	}
	inner := trimFinalDots(bytes.TrimSpace(stripMarks(b[i+1 : len(b)-1])))
	if !waLang().edited[string(inner)] {
		return body, false
	}
	return bytes.TrimRight(b[:i], " \u00a0\r\n"), true
}

// isFileName reports whether s can be the name of a file in an export: a
// base name with an extension, no path.
func isFileName(s string) bool {
	if len(s) == 0 || len(s) > 255 || strings.ContainsAny(s, "/\\\x00<>") || s == "." || s == ".." {
		return false
	}
	ext := path.Ext(s)
	return len(ext) >= 2 && len(ext) <= 9 && !strings.ContainsAny(ext, " ")
}

// isWAMediaName matches Android's media file names, IMG-20230630-WA0000.jpg.
func isWAMediaName(s string) bool {
	if len(s) < 20 || s[3] != '-' || s[12] != '-' || s[13:15] != "WA" {
		return false
	}
	for _, c := range s[4:12] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// waKindType is the type of media a placeholder names without a file:
// a class where the format is not known, the format where WhatsApp
// always uses one (stickers are WebP, GIFs are sent as MP4).
var waKindType = map[string]string{
	"image": "image/*", "video": "video/*", "audio": "audio/*", "sticker": "image/webp",
	"gif": "video/mp4", "contact": "text/vcard",
}

// mediaType guesses a MIME type from a file name, from a fixed table so
// the result does not depend on the machine's mime.types.
func mediaType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".heic":
		return "image/heic"
	case ".mp4":
		return "video/mp4"
	case ".3gp":
		return "video/3gpp"
	case ".mov":
		return "video/quicktime"
	case ".opus", ".ogg":
		return "audio/ogg"
	case ".mp3":
		return "audio/mpeg"
	case ".m4a", ".aac":
		return "audio/mp4"
	case ".amr":
		return "audio/amr"
	case ".wav":
		return "audio/wav"
	case ".pdf":
		return "application/pdf"
	case ".vcf":
		return "text/vcard"
	case ".txt":
		return "text/plain"
	case ".zip":
		return "application/zip"
	case ".doc":
		return "application/msword"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	}
	return "application/octet-stream"
}

// waGroupSubject returns the group's name from the notice that created
// it (`X created group "Name"`, in any language), or "".
func waGroupSubject(text []byte) string {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	// Every layout puts the name in quotes: most lines have none.
	if len(text) > waMaxNotice || !bytes.ContainsAny(text, "\"“”„«»「」『』") {
		return ""
	}
	text = bytes.TrimSpace(stripMarks(text))
	if name, ok := waLang().created.match(text); ok {
		if s := strings.TrimSpace(string(name)); s != "" && utf8.ValidString(s) {
			return s
		}
	}
	return ""
}

// waAttributedSystem reports a service notice written as if a person sent
// it; such lines are system messages and their "sender" no participant.
// bare is as for waNotice.
func waAttributedSystem(text, sender, bare []byte) bool {
	_, line, _, marked := waFirstLine(text)
	return len(line) > 0 && waNotice(line, sender, bare, marked)
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
