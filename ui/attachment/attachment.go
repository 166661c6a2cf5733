// Package attachment turns an attachment's bytes, as the access layer
// released them (recorded), into what the pager shows: readable text for
// the text-like kinds (plain text, CSV, JSON, calendars, contacts, email,
// HTML as text), metadata for the rest (type, size, SHA-256, and an
// image's dimensions, read from its header). Nothing here draws or
// sanitizes: the text is the archive's and goes through ui/sanitize on
// its way to the screen.
package attachment

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig reads the header of each kind registered
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/inbucket/html2text"
)

// maxText bounds the bytes shown as text: a pager of a 200 MB log would
// only hold the session; save or pipe it to read all of it.
const maxText = 4 << 20

// Kind is how an attachment is shown.
type Kind int

const (
	Binary Kind = iota // metadata only
	Text               // shown as it is
	HTML               // shown as text, links kept
	JSON               // indented
	Email              // headers decoded, then the body
)

// textTypes are MIME types (besides text/*) and extensions shown as text.
var (
	textTypes = map[string]Kind{
		"application/json": JSON, "application/ld+json": JSON, "application/csv": Text,
		"application/xml": Text, "application/x-yaml": Text, "application/yaml": Text,
		"application/ics": Text, "application/x-vcard": Text, "application/javascript": Text,
		"message/rfc822": Email, "text/html": HTML, "application/xhtml+xml": HTML,
	}
	textExts = map[string]Kind{
		".txt": Text, ".csv": Text, ".tsv": Text, ".log": Text, ".md": Text, ".ics": Text, ".vcs": Text,
		".vcf": Text, ".xml": Text, ".yaml": Text, ".yml": Text, ".json": JSON, ".eml": Email,
		".html": HTML, ".htm": HTML,
	}
)

// KindOf decides how an attachment named name, of MIME type typ, with
// content b, is shown: by its type, then its name's extension; a type
// that says neither is text only when the bytes are valid UTF-8 without
// NULs (a sniff of the first 8 KB).
func KindOf(name, typ string, b []byte) Kind {
	mt, _, _ := mime.ParseMediaType(typ)
	mt = strings.ToLower(mt)
	if k, ok := textTypes[mt]; ok {
		return k
	}
	if strings.HasPrefix(mt, "text/") {
		return Text
	}
	if k, ok := textExts[strings.ToLower(path.Ext(name))]; ok {
		return k
	}
	if mt != "" && mt != "application/octet-stream" {
		return Binary // an image, a PDF, an archive: its type says so
	}
	head := b[:min(len(b), 8<<10)]
	if len(b) > 0 && utf8.Valid(trimPartialRune(head)) && !bytes.Contains(head, []byte{0}) {
		return Text
	}
	return Binary
}

// trimPartialRune drops an incomplete rune the 8 KB cut may have left.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return b[:len(b)-i]
		}
	}
	return b
}

// Render returns what the pager shows of content b as kind k: the text
// (unsanitized) and a note for the line above it ("" when none), such as
// that it was cut or converted.
func Render(k Kind, b []byte) (string, string) {
	note := ""
	if len(b) > maxText {
		b, note = b[:maxText], fmt.Sprintf("the first %s shown: save (s) or pipe (|) it to read all", Size(maxText))
	}
	join := func(n string) string {
		if note == "" {
			return n
		}
		if n == "" {
			return note
		}
		return n + " · " + note
	}
	switch k {
	case HTML:
		if s, err := html2text.FromString(string(b), html2text.Options{PrettyTables: true}); err == nil {
			return s, join("HTML shown as text")
		}
	case JSON:
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err == nil {
			return out.String(), join("")
		}
	case Email:
		if s, ok := email(b); ok {
			return s, join("")
		}
	}
	return string(b), join("")
}

// email renders a message/rfc822 attachment: its main headers, decoded,
// then its body, decoded when it is one part in quoted-printable or
// base64. A multipart body is shown as it is, parts and all: the reviewer
// sees its structure; saving it gives the whole message to a mail reader.
func email(b []byte) (string, bool) {
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	var dec mime.WordDecoder
	var sb strings.Builder
	for _, h := range []string{"From", "To", "Cc", "Date", "Subject", "Message-Id"} {
		v := msg.Header.Get(h)
		if v == "" {
			continue
		}
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		fmt.Fprintf(&sb, "%s: %s\n", h, v)
	}
	sb.WriteString("\n")
	var body io.Reader = msg.Body
	mt, _, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body) // it skips line breaks
		}
	}
	rest, err := io.ReadAll(io.LimitReader(body, maxText))
	if err != nil {
		rest, _ = io.ReadAll(msg.Body) // undecodable: as it is
	}
	if mt == "text/html" {
		if s, err := html2text.FromString(string(rest)); err == nil {
			rest = []byte(s)
		}
	}
	sb.Write(rest)
	return sb.String(), true
}

// Meta is what the pager shows of any attachment before its text, and
// all it shows of a binary one: "key", "value" pairs.
func Meta(name, typ string, b []byte) [][2]string {
	sum := sha256.Sum256(b)
	t := typ
	if t == "" {
		t = "unknown"
	}
	out := [][2]string{{"Name", name}, {"Type", t}, {"Size", fmt.Sprintf("%s (%d bytes)", Size(int64(len(b))), len(b))},
		{"SHA-256", hex.EncodeToString(sum[:])}}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		out = append(out, [2]string{"Image", fmt.Sprintf("%s, %d × %d pixels", format, cfg.Width, cfg.Height)})
	}
	return out
}

// Size is n bytes for people: "512 B", "14 KB", "2.5 MB".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
