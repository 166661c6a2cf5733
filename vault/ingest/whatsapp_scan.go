package ingest

import "unicode/utf8"

// The byte-level scanning a WhatsApp header is read with: directional
// marks and spaces between tokens, and decimal digits in every script a
// phone writes dates in (see waHeader).

// markLen returns the byte length of a directional or invisible mark at
// line[i] (LRM, RLM, ALM, LRE..RLO, LRI..PDI, BOM), or 0.
func markLen(line []byte, i int) int {
	if i >= len(line) {
		return 0
	}
	switch line[i] {
	case 0xE2:
		if i+2 < len(line) {
			b1, b2 := line[i+1], line[i+2]
			if b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE)) {
				return 3
			}
			if b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9 {
				return 3
			}
		}
	case 0xD8:
		if i+1 < len(line) && line[i+1] == 0x9C { // U+061C ARABIC LETTER MARK
			return 2
		}
	case 0xEF:
		if i+2 < len(line) && line[i+1] == 0xBB && line[i+2] == 0xBF {
			return 3
		}
	}
	return 0
}

// spaceLen returns the byte length of a space at line[i]: ASCII space,
// NBSP, narrow NBSP (iOS 17 puts it before AM/PM) or thin space.
func spaceLen(line []byte, i int) int {
	if i >= len(line) {
		return 0
	}
	switch line[i] {
	case ' ', '\t':
		return 1
	case 0xC2:
		if i+1 < len(line) && line[i+1] == 0xA0 {
			return 2
		}
	case 0xE2:
		if i+2 < len(line) && line[i+1] == 0x80 && (line[i+2] == 0xAF || line[i+2] == 0x89) {
			return 3
		}
	}
	return 0
}

// waDigitZeros are the zeros of the decimal digit scripts a phone may
// write dates in: Arabic-Indic, Persian, N'Ko, the Indic scripts, Thai,
// Lao, Tibetan, Myanmar, Khmer, Mongolian and full-width digits.
var waDigitZeros = [...]rune{0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
	0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10}

// digitAt returns the value and byte length of a decimal digit at line[i]
// in ASCII or one of waDigitZeros' scripts.
func digitAt(line []byte, i int) (int, int) {
	v, n, _ := digitZeroAt(line, i)
	return v, n
}

// digitZeroAt is digitAt that also returns the digit's zero ('0' for
// ASCII).
func digitZeroAt(line []byte, i int) (int, int, rune) {
	if i >= len(line) {
		return 0, 0, 0
	}
	c := line[i]
	if c >= '0' && c <= '9' {
		return int(c - '0'), 1, '0'
	}
	if c < 0xD9 || i+1 >= len(line) { // every script above starts at U+0660
		return 0, 0, 0
	}
	r, n := utf8.DecodeRune(line[i:])
	for _, z := range waDigitZeros {
		if r >= z && r <= z+9 {
			return int(r - z), n, z
		}
	}
	return 0, 0, 0
}

// skipMarks skips directional marks at i. It is small enough to inline:
// the header scanner calls it between every two tokens, and nearly always
// finds ASCII there.
func skipMarks(line []byte, i int) int {
	if i >= len(line) || line[i] < 0x80 {
		return i
	}
	return skipMarksAt(line, i)
}

// skipMarksAt is skipMarks past its ASCII test, kept out of line so
// that skipMarks stays small enough to inline.
//
//go:noinline
func skipMarksAt(line []byte, i int) int {
	for {
		n := markLen(line, i)
		if n == 0 {
			return i
		}
		i += n
	}
}

// skipBlank skips spaces and marks at i. Like skipMarks it inlines its
// common case, a single ASCII space or none.
func skipBlank(line []byte, i int) int {
	if i < len(line) && line[i] == ' ' {
		i++
	}
	if i >= len(line) || line[i] < 0x80 && line[i] != ' ' {
		return i
	}
	return skipBlankAt(line, i)
}

// skipBlankAt is skipBlank past its common case.
//
//go:noinline
func skipBlankAt(line []byte, i int) int {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i < len(line) && line[i] < 0x80 {
		return i
	}
	for {
		n := markLen(line, i)
		if n == 0 {
			n = spaceLen(line, i)
		}
		if n == 0 {
			return i
		}
		i += n
	}
}

// number reads up to max digits at i, skipping marks before them.
func number(line []byte, i, max int) (val, digits, next int) {
	val, digits, next, _ = numberZero(line, i, max)
	return val, digits, next
}

// numberZero is number that also returns the zero of the digits' script.
func numberZero(line []byte, i, max int) (val, digits, next int, zero rune) {
	i = skipMarks(line, i)
	for digits < max && i < len(line) && line[i]-'0' <= 9 { // ASCII digits, the usual case
		val = val*10 + int(line[i]-'0')
		zero = '0'
		digits++
		i++
	}
	if i >= len(line) || line[i] < 0x80 { // no digit of another script follows
		return val, digits, i, zero
	}
	for digits < max {
		v, n, z := digitZeroAt(line, i)
		if n == 0 {
			break
		}
		val = val*10 + v
		zero = z
		digits++
		i += n
	}
	return val, digits, i, zero
}
