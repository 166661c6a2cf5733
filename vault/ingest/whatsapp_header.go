package ingest

import (
	"bytes"
	"unicode/utf8"
)

// waHeader is what the start of a WhatsApp message line says, before the
// file's date order is known: three date components as written, the clock
// time, and where the sender and the text begin.
//
// Exports differ by platform and locale:
//
//	20/06/2019, 15:58 - Loris: text          Android
//	[20.06.19, 15:58:47] Loris: text         iOS
//	<LRM>[3/27/22, 21:41:55] Dmitry S: <LRM>image omitted   iOS media
//	[١٨<RLM>/٣<RLM>/٢٠٢٢، ٢:٥٦:٠٠ م] Name: text       iOS Arabic (RLM, Arabic-Indic digits)
//	[3/18/2565 BE, 14:56:01] Name: text      iOS Buddhist calendar
//	7/19/22, 11:32 PM - Name: text           Android US, U+202F before PM
//
// so the scanner works on the raw bytes, skipping directional marks
// between tokens and reading any decimal digit script WhatsApp uses.
type waHeader struct {
	d      [3]int // date components in written order
	dlen   [3]int // digits in each component
	sep    byte   // '/', '.' or '-'
	be     bool   // Buddhist Era year (" BE")
	hour   int
	min    int
	sec    int
	ampm   byte // 0, 'a' or 'p'
	system bool // no "Name:" part
	// sender is rest[:senderEnd] and the text starts at textStart, both
	// offsets into the line; for a system line textStart is where the
	// system text starts.
	senderStart int
	senderEnd   int
	textStart   int
	bracket     bool
	seconds     bool
}

// shape is the key under which date-order evidence is pooled: the
// separator and which components have 3+ digits. A file that switches
// layout mid-way (6/30/23 then 30/6/2023) has two shapes, each with its own
// order.
func (h *waHeader) shape() int {
	s := 0
	switch h.sep {
	case '.':
		s = 1
	case '-':
		s = 2
	}
	s *= 4
	if h.dlen[0] >= 3 {
		s |= 1
	}
	if h.dlen[2] >= 3 {
		s |= 2
	}
	return s
}

const waShapes = 12

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

// digitAt returns the value and byte length of a decimal digit at line[i]
// in ASCII, Arabic-Indic, Extended Arabic-Indic (Persian) or Devanagari.
func digitAt(line []byte, i int) (int, int) {
	if i >= len(line) {
		return 0, 0
	}
	c := line[i]
	if c >= '0' && c <= '9' {
		return int(c - '0'), 1
	}
	if c < 0x80 || i+1 >= len(line) {
		return 0, 0
	}
	switch {
	case c == 0xD9 && line[i+1] >= 0xA0 && line[i+1] <= 0xA9: // U+0660..0669
		return int(line[i+1] - 0xA0), 2
	case c == 0xDB && line[i+1] >= 0xB0 && line[i+1] <= 0xB9: // U+06F0..06F9
		return int(line[i+1] - 0xB0), 2
	case c == 0xE0 && i+2 < len(line) && line[i+1] == 0xA5 && line[i+2] >= 0xA6 && line[i+2] <= 0xAF: // U+0966..096F
		return int(line[i+2] - 0xA6), 3
	}
	return 0, 0
}

// skipMarks skips directional marks at i.
func skipMarks(line []byte, i int) int {
	if i < len(line) && line[i] < 0x80 {
		return i
	}
	for {
		n := markLen(line, i)
		if n == 0 {
			return i
		}
		i += n
	}
}

// skipBlank skips spaces and marks at i.
func skipBlank(line []byte, i int) int {
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
	i = skipMarks(line, i)
	for digits < max {
		v, n := digitAt(line, i)
		if n == 0 {
			break
		}
		val = val*10 + v
		digits++
		i += n
	}
	return val, digits, i
}

// parseWAHeader parses the header of a message line. ok is false when the
// line is not a message header (a continuation line). known reports
// whether a name is an already-seen sender, for "Name:text" without a
// space after the colon.
func parseWAHeader(line []byte, known func([]byte) bool) (h waHeader, ok bool) {
	i := skipMarks(line, 0)
	if i < len(line) && line[i] == '[' {
		h.bracket = true
		i++
	}
	// Date: three components with one separator.
	for k := 0; k < 3; k++ {
		v, n, next := number(line, i, 4)
		if n == 0 {
			return h, false
		}
		h.d[k], h.dlen[k], i = v, n, skipMarks(line, next)
		if k == 2 {
			break
		}
		if i >= len(line) {
			return h, false
		}
		c := line[i]
		if k == 0 {
			if c != '/' && c != '.' && c != '-' {
				return h, false
			}
			h.sep = c
		} else if c != h.sep {
			return h, false
		}
		i++
		if c == '.' && i < len(line) && line[i] == ' ' { // "2019. 06. 20."
			i++
		}
	}
	if h.dlen[1] > 2 || (h.dlen[0] > 2 && h.dlen[2] > 2) || (h.dlen[0] == 3 || h.dlen[2] == 3) {
		return h, false
	}
	if i < len(line) && line[i] == '.' && h.sep == '.' {
		i++ // trailing dot of "2019. 06. 20."
	}
	// Optional era, then "," / "،" and/or a space before the time.
	j := skipBlank(line, i)
	if j > i && j+1 < len(line) && line[j] == 'B' && line[j+1] == 'E' {
		h.be = true
		i = j + 2
	}
	i = skipMarks(line, i)
	sepSeen := false
	if i < len(line) && line[i] == ',' {
		i++
		sepSeen = true
	} else if i+1 < len(line) && line[i] == 0xD8 && line[i+1] == 0x8C { // Arabic comma
		i += 2
		sepSeen = true
	}
	j = skipBlank(line, i)
	if j == i && !sepSeen {
		return h, false
	}
	i = j
	// Time: H:MM or H:MM:SS.
	var n int
	if h.hour, n, i = number(line, i, 2); n == 0 {
		return h, false
	}
	i = skipMarks(line, i)
	if i >= len(line) || line[i] != ':' {
		return h, false
	}
	if h.min, n, i = number(line, i+1, 2); n != 2 {
		return h, false
	}
	i = skipMarks(line, i)
	if i < len(line) && line[i] == ':' {
		if h.sec, n, i = number(line, i+1, 2); n != 2 {
			return h, false
		}
		h.seconds = true
	}
	if h.hour > 23 || h.min > 59 || h.sec > 59 {
		return h, false
	}
	// Optional AM/PM marker.
	j = skipBlank(line, i)
	if j < len(line) && line[j] == '_' { // "3:22_AM" seen in the wild
		j++
	}
	if ap, n := ampmAt(line, j); n > 0 {
		h.ampm = ap
		i = j + n
	}
	// End of the header: "] ", " - " or (iOS without brackets) a space.
	j = skipBlank(line, i)
	switch {
	case h.bracket:
		if j >= len(line) || line[j] != ']' {
			return h, false
		}
		i = j + 1
	case j < len(line) && line[j] == '-' && (j+1 == len(line) || spaceLen(line, j+1) > 0):
		i = j + 1
	case j+2 < len(line) && line[j] == 0xE2 && line[j+1] == 0x80 && line[j+2] == 0x93: // en dash
		i = j + 3
	case j > i:
		// "15/12/2025, 10:34:00 AM Charlie: text": only with a sender,
		// so a continuation line that starts with a date stays text.
		i = j
		h.senderStart = i
		if !h.splitSender(line, known) {
			return h, false
		}
		return h, true
	default:
		return h, false
	}
	i = skipBlank(line, i)
	h.senderStart = i
	if !h.splitSender(line, known) {
		h.system = true
		h.textStart = i
	}
	return h, true
}

// ampmAt matches a 12-hour clock marker at i: AM/PM in any case, with
// or without dots ("a. m.", "p.m."), or the Arabic ص/م.
func ampmAt(line []byte, i int) (byte, int) {
	if i >= len(line) {
		return 0, 0
	}
	c := line[i] | 0x20
	if c == 'a' || c == 'p' {
		j := i + 1
		if j < len(line) && line[j] == '.' {
			j++
			j += spaceLen(line, j) // "a. m." or "a.\u00a0m."
		}
		if j < len(line) && line[j]|0x20 == 'm' {
			j++
			if j < len(line) && line[j] == '.' {
				j++
			}
			if j == len(line) || !isLetter(line, j) {
				return c, j - i
			}
		}
		return 0, 0
	}
	if i+1 < len(line) && (line[i] == 0xD8 && line[i+1] == 0xB5) && (i+2 == len(line) || !isLetter(line, i+2)) {
		return 'a', 2 // ص
	}
	if i+1 < len(line) && (line[i] == 0xD9 && line[i+1] == 0x85) && (i+2 == len(line) || !isLetter(line, i+2)) {
		return 'p', 2 // م
	}
	return 0, 0
}

func isLetter(line []byte, i int) bool {
	c := line[i]
	if c < 0x80 {
		return (c|0x20) >= 'a' && (c|0x20) <= 'z'
	}
	return markLen(line, i) == 0 && spaceLen(line, i) == 0
}

// maxSenderBytes bounds how far the "Name: " colon is looked for, so a
// long system message with a colon late in it is not split.
const maxSenderBytes = 256

// splitSender finds "Name: text" after senderStart. A colon ends the name
// when a space or the line end follows it, or when the name is a sender
// already seen ("John Doe:." in the chat-miner samples). Names never hold
// quotes, which keeps `X changed the subject to "A: B"` a system line.
func (h *waHeader) splitSender(line []byte, known func([]byte) bool) bool {
	rest := line[h.senderStart:]
	if len(rest) > maxSenderBytes {
		rest = rest[:maxSenderBytes]
	}
	for k := 0; k < len(rest); k++ {
		switch rest[k] {
		case '"':
			return false
		case 0xE2: // “ ” „ « » are E2 80 9C/9D/9E; guillemets are C2 AB/BB
			if k+2 < len(rest) && rest[k+1] == 0x80 && rest[k+2] >= 0x9C && rest[k+2] <= 0x9E {
				return false
			}
		case 0xC2:
			if k+1 < len(rest) && (rest[k+1] == 0xAB || rest[k+1] == 0xBB) {
				return false
			}
		case ':':
			if k == 0 {
				return false
			}
			end := h.senderStart + k
			next := h.senderStart + k + 1
			if next == len(line) || line[next] == ' ' {
				h.senderEnd = end
				h.textStart = min(next+1, len(line))
				return true
			}
			if known != nil && known(line[h.senderStart:end]) {
				h.senderEnd = end
				h.textStart = next
				return true
			}
			return false
		}
	}
	return false
}

// cleanName returns a sender name without directional marks, with
// NBSP-like spaces made plain and WhatsApp's "~ " prefix for people who
// are not in the exporter's contacts removed, so the same person gets the
// same name in every export.
func cleanName(b []byte) string {
	simple := true
	for _, c := range b {
		if c >= 0x80 || c == '~' {
			simple = false
			break
		}
	}
	if simple {
		return string(bytes.TrimSpace(b))
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n := markLen(b, i); n > 0 {
			i += n
			continue
		}
		if n := spaceLen(b, i); n > 0 {
			out = append(out, ' ')
			i += n
			continue
		}
		_, n := utf8.DecodeRune(b[i:])
		out = append(out, b[i:i+n]...)
		i += n
	}
	out = bytes.TrimSpace(out)
	if len(out) > 1 && out[0] == '~' {
		out = bytes.TrimSpace(out[1:])
	}
	return string(out)
}
