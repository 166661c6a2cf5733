package ingest

import (
	"bytes"
	"strconv"
	"unicode/utf16"

	"golang.org/x/text/transform"
)

// charRefFixer rewrites the numeric character references that XML
// forbids but Android backup apps write, so that encoding/xml (which
// stops at them) reads the file. SMS Backup & Restore escapes each UTF-16
// unit of an emoji on its own ("&#55357;&#56832;" for 😀): the pair
// becomes one reference to the character it encodes. A lone surrogate or
// a control character (a NUL in a body, "&#0;") becomes U+FFFD, the
// character Go itself substitutes for an invalid rune. Everything else,
// including malformed references, passes unchanged for the decoder to
// judge. The rewrite never adds or removes a newline, so the decoder's
// line numbers stay those of the file.
type charRefFixer struct{ transform.NopResetter }

// maxCharRef is the longest numeric reference read: "&#x" or "&#", up to
// eight digits, ";". A longer one is passed on for the decoder to refuse.
const maxCharRef = 12

var charRefStart = []byte("&#")

func (charRefFixer) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		i := bytes.Index(src[nSrc:], charRefStart)
		end := len(src)
		if i >= 0 {
			end = nSrc + i
		} else if !atEOF && src[end-1] == '&' {
			end-- // may start a reference the next call completes
		}
		n := copy(dst[nDst:], src[nSrc:end])
		nDst += n
		nSrc += n
		if nSrc < end {
			return nDst, nSrc, transform.ErrShortDst
		}
		if i < 0 {
			if nSrc < len(src) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			return nDst, nSrc, nil
		}
		r, size, state := readCharRef(src[nSrc:], atEOF)
		if state == refShort {
			return nDst, nSrc, transform.ErrShortSrc
		}
		out := src[nSrc : nSrc+size]
		if state == refOther {
			out, size = src[nSrc:nSrc+2], 2 // "&#", for the decoder to judge
		} else if 0xD800 <= r && r <= 0xDBFF {
			r2, size2, state2 := readCharRef(src[nSrc+size:], atEOF)
			switch {
			case state2 == refShort:
				return nDst, nSrc, transform.ErrShortSrc
			case state2 == refOK && 0xDC00 <= r2 && r2 <= 0xDFFF:
				r = utf16.DecodeRune(r, r2)
				size += size2
			default:
				r = 0xFFFD
			}
			out = strconv.AppendInt([]byte("&#"), int64(r), 10)
			out = append(out, ';')
		} else if !xmlChar(r) {
			out = []byte("&#65533;")
		}
		if len(dst)-nDst < len(out) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], out)
		nSrc += size
	}
	return nDst, nSrc, nil
}

type refState int

const (
	refOK    refState = iota
	refShort          // the input ends before the reference does
	refOther          // not a numeric reference
)

// readCharRef reads a numeric character reference at the start of b.
func readCharRef(b []byte, atEOF bool) (rune, int, refState) {
	if len(b) < 2 {
		if !atEOF && (len(b) == 0 || b[0] == '&') {
			return 0, 0, refShort
		}
		return 0, 0, refOther
	}
	if b[0] != '&' || b[1] != '#' {
		return 0, 0, refOther
	}
	i, base := 2, 10
	if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
		i, base = 3, 16
	}
	start := i
	for i < len(b) && i < maxCharRef && isDigitIn(b[i], base) {
		i++
	}
	switch {
	case i == len(b) && !atEOF && i < maxCharRef:
		return 0, 0, refShort
	case i == start || i >= len(b) || b[i] != ';':
		return 0, 0, refOther
	}
	n, err := strconv.ParseUint(string(b[start:i]), base, 32)
	if err != nil || n > 0x10FFFF {
		return 0, 0, refOther
	}
	return rune(n), i + 1, refOK
}

func isDigitIn(c byte, base int) bool {
	return '0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')
}

// xmlChar reports whether XML 1.0 allows r (its Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		0x20 <= r && r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF
}
