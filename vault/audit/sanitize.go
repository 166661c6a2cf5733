package audit

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes untrusted text safe to print on a terminal: it replaces
// C0 controls (tab and newline included: a table cell is one line) with
// their visible Control Pictures (U+2400 block), DEL with U+2421, and C1
// controls, bidirectional overrides and isolates, zero-width characters,
// line and paragraph separators and invalid UTF-8 with U+FFFD. It filters
// characters rather than matching escape sequences, so a truncated
// sequence cannot slip through. Events keep the original bytes; only what
// is printed is sanitized.
func Sanitize(s string) string {
	clean := true
	for _, r := range s {
		if suspicious(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				b.WriteRune(utf8.RuneError)
				continue
			}
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case suspicious(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// suspicious reports runes Sanitize replaces (RuneError stands for
// invalid UTF-8, which range yields as RuneError).
func suspicious(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi marks, embeddings, overrides, isolates
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true // zero-width
	case r == 0x2028, r == 0x2029, r == utf8.RuneError:
		return true
	}
	return false
}
