package ingest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// Part content on the mail fast path (email_fast.go): transfer decoding
// and the charsets enmime leaves as they are.

// mailFastContent decodes body into p.Content as enmime's decodeContent
// does, for the encodings and charsets that leave the bytes as they are
// (and need no charset detection: see mailNeedsDetection).
func mailFastContent(p *enmime.Part, body []byte) bool {
	var content []byte
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "", "7bit", "8bit", "binary":
		content = bytes.Clone(body)
		if content == nil {
			content = []byte{}
		}
	case "quoted-printable":
		// enmime's QPCleaner passes clean text through unchanged,
		// then the standard decoder reads it.
		if !mailFastCleanQP(body) {
			return false
		}
		var err error
		if content, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return false
		}
	case "base64":
		var ok bool
		if content, ok = mailFastBase64(body); !ok || len(content) == 0 {
			return false // an empty one may be a body glued to its headers
		}
	default:
		return false
	}
	if strings.HasPrefix(p.ContentType, "text/") {
		switch strings.ToLower(p.Charset) {
		case "utf-8", "utf8":
			if !utf8.Valid(content) {
				return false
			}
		case "us-ascii", "ascii":
			// enmime decodes these as Windows-1252, which leaves
			// ASCII as it is.
			if !mailIsASCII(content) {
				return false
			}
		default:
			return false
		}
	}
	p.Content = content
	return true
}

// mailFastCleanQP reports whether enmime's QPCleaner leaves body as it
// is: printable ASCII, tabs and line ends only, every "=" followed by two
// hex digits or a line end, and lines well short of its 1024-byte limit
// (where it inserts soft line breaks).
func mailFastCleanQP(body []byte) bool {
	line := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\r' || c == '\n':
			line = 0
			continue
		case c == '=':
			rest := body[i+1:]
			if !(len(rest) > 0 && rest[0] == '\n' || len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' ||
				len(rest) > 1 && mailHex(rest[0]) && mailHex(rest[1])) {
				return false
			}
		case c == '\t':
		case c < ' ' || c > '~':
			return false
		}
		if line++; line >= 1000 {
			return false
		}
	}
	return true
}

// mailFastB64 marks the bytes of the base64 alphabet.
var mailFastB64 = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()

// mailFastBase64 decodes body as enmime does (its Base64Cleaner drops
// white space and '=' everywhere, then the rest is decoded unpadded),
// when body holds nothing the cleaner would warn about.
func mailFastBase64(body []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(body))
	for len(body) > 0 {
		i := 0
		for i < len(body) && mailFastB64[body[i]] {
			i++
		}
		clean = append(clean, body[:i]...)
		if i == len(body) {
			break
		}
		switch body[i] {
		case '\t', '\n', '\r', ' ', '=':
		default:
			return nil, false
		}
		body = body[i+1:]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}
