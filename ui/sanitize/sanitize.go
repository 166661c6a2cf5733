// Package sanitize makes untrusted text safe to write to a terminal.
//
// Every string that came from an export (message text, names, titles,
// file names, headers) passes through here before it is drawn or printed.
// It filters characters, not sequences: a matcher for escape sequences
// can be slipped past with a truncated or unusual one, a character filter
// cannot. What it removes it shows as a visible placeholder, so a
// reviewer sees that something was there:
//
//   - C0 controls other than tab and newline, and DEL, become the Unicode
//     control pictures (ESC is shown as ␛, CR as ␍, BEL as ␇);
//   - C1 controls (U+0080–U+009F, including the 8-bit CSI U+009B and OSC
//     U+009D), bidirectional overrides, embeddings and isolates (the
//     Trojan Source characters) and prepended concatenation marks (which
//     merge with the next character and break width counts) become ␦
//     (Neutralised, the picture of ASCII's SUB, "a character replaced");
//   - invalid UTF-8 becomes U+FFFD (Replacement).
//
// Two placeholders, so that a reviewer (and a test) can tell text that was
// defused from text that was garbled: � on a screen means bytes that could
// not be decoded, ␦ a character that was valid but unsafe to show.
//   - zero-width and invisible formatting characters are dropped, except
//     the zero-width joiner between two emoji, which emoji sequences need.
//
// Storage and exports keep the original bytes; only display is changed.
package sanitize

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Replacement is shown in place of bytes that are not UTF-8.
const Replacement = '\uFFFD'

// Neutralised is shown in place of a valid character that is unsafe to
// draw: C1 controls, bidi formatting, prepended concatenation marks.
const Neutralised = '\u2426'

// Text returns s with every unsafe character neutralised. Newlines and
// tabs are kept.
func Text(s string) string { return clean(s, false) }

// Line returns s as a single line: like Text, and newlines and tabs become
// spaces (a run of them one space), for lists, tables and titles.
func Line(s string) string { return clean(s, true) }

// safe reports whether s needs no change, so the common case allocates
// nothing.
func safe(s string, oneLine bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // decide rune by rune
		}
		if c < 0x20 || c == 0x7f {
			if oneLine || (c != '\n' && c != '\t') {
				return false
			}
		}
	}
	return true
}

func clean(s string, oneLine bool) string {
	if safe(s, oneLine) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	space := false
	for i, w := 0, 0; i < len(s); i += w {
		r, width := utf8.DecodeRuneInString(s[i:])
		w = width
		if r == utf8.RuneError && width <= 1 {
			b.WriteRune(Replacement)
			space = false
			continue
		}
		if oneLine && (r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029') {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r) // control pictures: ␀ … ␟
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case r < 0x7f:
			b.WriteByte(byte(r))
		case r <= 0x9f:
			b.WriteRune(Neutralised) // C1 controls
		case bidi(r), prepend(r):
			b.WriteRune(Neutralised)
		case r == '\u200D':
			// Kept only inside an emoji sequence. A dangling joiner makes
			// a terminal (tmux) merge whatever is drawn next into its
			// cell, even on another row, and the frame shifts.
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(s[i+w:])
			if pictographic(prev) && pictographic(next) {
				b.WriteRune(r)
			}
		case invisible(r):
			// dropped
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bidi reports the explicit directional formatting characters: marks,
// embeddings, overrides and isolates.
func bidi(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// invisible reports zero-width and format characters that render as
// nothing and can hide text; the zero-width joiner (U+200D) is kept for
// emoji sequences, variation selectors for emoji presentation.
func invisible(r rune) bool {
	switch {
	case r == '\u00AD', r == '\u034F', r == '\u180E':
		return true
	case r == '\u200B', r == '\u200C':
		return true
	case r >= '\u2060' && r <= '\u2064':
		return true
	case r >= '\u206A' && r <= '\u206F':
		return true
	case r == '\uFEFF':
		return true
	case r >= '\uFFF9' && r <= '\uFFFB':
		return true
	case r >= 0xE0000 && r <= 0xE007F: // tag characters ("ASCII smuggling")
		return true
	}
	return false
}

// Unsafe reports whether Text would replace or drop r (newline and tab
// count as safe).
func Unsafe(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x7f:
		return false
	case r <= 0x9f || r == utf8.RuneError:
		return true
	}
	return bidi(r) || invisible(r) || prepend(r) || r == '\u2028' || r == '\u2029'
}

// JSON makes encoding/json output safe for a terminal without changing
// what it means: every rune Text would neutralise or drop is written as a
// \u escape (encoding/json already escapes C0), and so is every
// zero-width joiner (Text keeps it only between emoji). Tools reading the
// JSON get the original text back. b must be encoding/json output, where
// such runes can only occur inside strings.
func JSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, jsonEscaped) {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + 16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			out.WriteString(`\ufffd`) // invalid UTF-8: encoding/json never emits it
		case jsonEscaped(r) && r <= 0xffff:
			fmt.Fprintf(&out, `\u%04x`, r)
		case jsonEscaped(r):
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.Bytes()
}

func jsonEscaped(r rune) bool { return r >= 0x7f && (Unsafe(r) || r == '\u200D') }

// prepend reports the prepended concatenation marks (Arabic number sign
// and the like): format characters that join the character after them
// into one grapheme, so a terminal and a width count disagree about the
// cells a line takes and the layout shifts.
func prepend(r rune) bool {
	switch {
	case r >= '\u0600' && r <= '\u0605', r == '\u06DD', r == '\u070F', r == '\u0890', r == '\u0891', r == '\u08E2':
		return true
	case r == 0x110BD, r == 0x110CD:
		return true
	}
	return false
}

// pictographic reports characters that take part in emoji sequences:
// emoji and symbols, skin-tone modifiers and the emoji variation
// selector.
func pictographic(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2190 && r <= 0x21FF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	case r == '\uFE0F', r == '\u20E3', r == '\u00A9', r == '\u00AE', r == '\u2122', r == '\u203C', r == '\u2049':
		return true
	}
	return false
}
