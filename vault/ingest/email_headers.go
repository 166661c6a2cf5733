package ingest

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/htmlindex"
)

// Header text as mailers actually wrote it: encoded words whose charset
// label lies or is unknown, encoded words that decode to encoded words,
// and Lotus Notes addresses wrapped for SMTP.

// mailEncodedWord matches one RFC 2047 encoded word.
var mailEncodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// mailMaxRedecode bounds how often a header is decoded again when its
// decoding holds encoded words (a gateway encoding the already encoded
// text): twice is as deep as seen in practice, and the bound keeps a
// hostile header from looping.
const mailMaxRedecode = 2

// mailDecodeHeader decodes RFC 2047 encoded words and makes the result
// valid UTF-8 (raw 8-bit header bytes are read as Windows-1252, raw UTF-8
// per RFC 6532 is kept). Words whose declared charset does not fit their
// bytes (us-ascii with 8-bit bytes) or is unknown are decoded by what the
// bytes are, not left encoded or blotted out with U+FFFD.
func mailDecodeHeader(raw string) string {
	s := mailDecodeWords(raw)
	// An encoded word starts "=?": most values are not run through
	// the regexp at all.
	for i := 0; i < mailMaxRedecode && strings.Contains(s, "=?") && mailEncodedWord.MatchString(s); i++ {
		t := mailDecodeWords(s)
		if t == s {
			break
		}
		s = t
	}
	if utf8.ValidString(s) {
		return s
	}
	// Raw 8-bit bytes outside encoded words, in no declared charset.
	return mailDecodeBytes("", []byte(s))
}

// mailDecodeWords decodes one level of encoded words: enmime's decoder,
// unless it leaves a word encoded or replaces bytes with U+FFFD, when
// the words are decoded again reading each by its bytes.
func mailDecodeWords(raw string) string {
	if !strings.Contains(raw, "=?") {
		// Nothing to decode; enmime would still turn raw 8-bit bytes
		// into U+FFFD, losing them before they can be read.
		return raw
	}
	fixed := mailFix8bitWords(raw)
	dec := enmime.DecodeRFC2047(fixed)
	lied := strings.ContainsRune(dec, utf8.RuneError) && !strings.ContainsRune(raw, utf8.RuneError)
	if !lied && !mailEncodedWord.MatchString(dec) {
		return dec
	}
	// mime.WordDecoder reads utf-8, iso-8859-1 and us-ascii itself
	// (us-ascii's 8-bit bytes as U+FFFD): a prefix on every label sends
	// each word through mailCharsetReader.
	relabelled := mailEncodedWord.ReplaceAllStringFunc(fixed, func(w string) string { return "=?" + mailRelabel + w[2:] })
	d := mime.WordDecoder{CharsetReader: mailCharsetReader}
	if out, err := d.DecodeHeader(relabelled); err == nil {
		// Words it could not decode keep their label as written.
		return strings.ReplaceAll(out, "=?"+mailRelabel, "=?")
	}
	return dec
}

const mailRelabel = "x-coffer-"

// mailCharsetReader decodes the bytes of one encoded word to UTF-8.
func mailCharsetReader(label string, in io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(mailDecodeBytes(strings.TrimPrefix(label, mailRelabel), b)), nil
}

// mailDecodeBytes reads b in the charset label names when b is valid in
// it, else as what a charset detector says it is; text too short for
// the detector to be sure is UTF-8 when valid, else Windows-1252. The
// detector is trusted at 80% confidence, or at 50% for a multi-byte
// charset (Big5, GB18030, Shift_JIS, EUC-*) that decodes b without a
// single invalid sequence, which single-byte text hardly ever does.
func mailDecodeBytes(label string, b []byte) string {
	if mailIsASCII(b) {
		return string(b)
	}
	l := strings.ToLower(strings.TrimSpace(label))
	if l != "us-ascii" && l != "ascii" {
		if enc, err := htmlindex.Get(l); err == nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil && utf8.Valid(out) && !strings.ContainsRune(string(out), utf8.RuneError) {
				return string(out)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if r, err := chardet.NewTextDetector().DetectBest(b); err == nil && r.Confidence >= 50 {
		if enc, err := htmlindex.Get(strings.ToLower(r.Charset)); err == nil {
			out, err := enc.NewDecoder().Bytes(b)
			clean := err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError)
			if clean && (r.Confidence >= 80 || mailMultiByte[strings.ToLower(r.Charset)]) {
				return string(out)
			}
		}
	}
	return mailText(string(b))
}

// mailMultiByte are the multi-byte charsets the detector names.
var mailMultiByte = map[string]bool{
	"big5": true, "gb18030": true, "shift_jis": true, "euc-jp": true, "euc-kr": true,
	"iso-2022-jp": true, "iso-2022-kr": true, "iso-2022-cn": true,
}

// mailNotesAddress reads an address a gateway wrapped for SMTP: Lotus
// Notes ("IMCEANOTES-Rosalee+20Fleming+2FHOU+2FECT+40ECT@ENRON.com", the
// Notes name "Rosalee Fleming/HOU/ECT@ECT" with +XX escapes) or Exchange
// ("IMCEAEX-_O=ENRON_OU=NA_CN=RECIPIENTS_CN=JSMITH@ENRON.com"). It returns
// the person's name and, when the wrapped address is an Internet one, that
// address; ok is false for any other address.
func mailNotesAddress(addr string) (name, inner string, ok bool) {
	if len(addr) < 6 || !strings.EqualFold(addr[:5], "imcea") {
		return "", "", false
	}
	dash := strings.IndexByte(addr, '-')
	at := strings.LastIndexByte(addr, '@')
	if dash < 0 || at < dash {
		return "", "", false
	}
	var b strings.Builder
	local := addr[dash+1 : at]
	for i := 0; i < len(local); i++ {
		if local[i] == '+' && i+2 < len(local) && mailHex(local[i+1]) && mailHex(local[i+2]) {
			b.WriteByte(mailUnhex(local[i+1])<<4 | mailUnhex(local[i+2]))
			i += 2
			continue
		}
		b.WriteByte(local[i])
	}
	d := mailText(b.String())
	// "\"Jeff Dasovich\" <jeff.dasovich@enron.com>@ENRON": an Internet
	// address behind the gateway's own suffix.
	if gt := strings.LastIndexByte(d, '>'); gt > 0 {
		if a, err := mail.ParseAddress(d[:gt+1]); err == nil {
			return strings.TrimSpace(a.Name), strings.ToLower(a.Address), true
		}
	}
	if i := strings.LastIndex(strings.ToUpper(d), "CN="); i >= 0 {
		return strings.Trim(d[i+3:], "_/ "), "", true
	}
	if i := strings.IndexAny(d, "/@"); i > 0 {
		d = d[:i]
	}
	return strings.TrimSpace(d), "", d != ""
}

func mailHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func mailUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
