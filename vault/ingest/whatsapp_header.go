package ingest

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// waHeader is what the start of a WhatsApp message line says, before the
// file's date order is known: three date components as written, the clock
// time, and where the sender and the text begin.
//
// Exports differ by platform, language, region and calendar:
//
//	20/06/2019, 15:58 - Loris: text          Android
//	[20.06.19, 15:58:47] Loris: text         iOS
//	<LRM>[3/27/22, 21:41:55] Dmitry S: <LRM>image omitted   iOS media
//	[١٨<RLM>/٣<RLM>/٢٠٢٢، ٢:٥٦:٠٠ م] Name: text       iOS Arabic (RLM, Arabic-Indic digits)
//	[3/18/2565 BE, 14:56:01] Name: text      iOS Buddhist calendar
//	[3/27/R4, 21:41:35] Name: text           iOS Japanese calendar
//	7/19/22, 11:32 PM - Name: text           Android US, U+202F before PM
//	2022. 3. 27. 오후 9:41 - 이름: text        Android Korean, AM/PM word first
//	[21:41:35, 3/27/22] Name: text           iOS Vietnamese, time first
//	[12.3.2022 klo 14.08.18] Name: text      iOS Finnish, a word and dots
//	27.03.22 г., 21:41 ч. - Name: text       Android Bulgarian
//
// so the scanner works on the raw bytes, skipping directional marks
// between tokens, reading any decimal digit script and the AM/PM words
// and connectors of every language in the locale data (waTables).
type waHeader struct {
	d    [3]int // date components in written order
	dlen [3]int // digits in each component
	sep  byte   // '/', '.' or '-'
	// spaced is the Korean and Hungarian layout, "2019. 06. 20.": dots
	// with spaces after them and after the last component.
	spaced bool
	// cal is the calendar of the date; eraStart the first year of the
	// Japanese era whose year is component eraAt (1-based, 0 for none).
	cal      waCalendar
	eraStart int
	eraAt    int
	zero     rune // the zero of the date's digit script
	hour     int
	min      int
	sec      int
	ampm     byte // 0, 'a', 'p' or 'n' (night: evening or small hours)
	system   bool // no "Name:" part
	// sender is rest[:senderEnd] and the text starts at textStart, both
	// offsets into the line; for a system line textStart is where the
	// system text starts.
	senderStart int
	senderEnd   int
	textStart   int
	bracket     bool
	seconds     bool
	timeFirst   bool
}

// yearFirst and yearLast report where the year can only be: a component
// of three or more digits, or one with an era.
func (h *waHeader) yearFirst() bool { return h.dlen[0] >= 3 || h.eraAt == 1 }
func (h *waHeader) yearLast() bool  { return h.dlen[2] >= 3 || h.eraAt == 3 }

// shape is the key under which date-order evidence is pooled: the
// separator, which components must be the year, and the calendar. A file
// that switches layout mid-way (6/30/23 then 30/6/2023) has two shapes,
// each with its own order.
func (h *waHeader) shape() int {
	s := 0
	switch {
	case h.spaced:
		s = 3
	case h.sep == '.':
		s = 1
	case h.sep == '-':
		s = 2
	}
	s *= 4
	if h.yearFirst() {
		s |= 1
	}
	if h.yearLast() {
		s |= 2
	}
	return s + waLayouts*int(h.cal)
}

// waLayouts is the number of shapes per calendar.
const (
	waLayouts = 16
	waShapes  = waLayouts * int(waCalendars)
)

// timeAt reports whether a clock time ("21:41") starts at i, for layouts
// that write the time before the date. Only a colon makes it one: a
// dotted time cannot be told from a dotted date.
func timeAt(line []byte, i int) bool {
	_, n, j := number(line, i, 2)
	return n > 0 && skipMarks(line, j) < len(line) && line[skipMarks(line, j)] == ':'
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
	i = skipMarks(line, i)
	if i < len(line) && line[i] < 0x80 && (line[i] < '0' || line[i] > '9') && (line[i] < 'A' || line[i] > 'Z') {
		return h, false // a header starts with a digit, or an era before one
	}
	if timeAt(line, i) {
		h.timeFirst = true
		if i, ok = h.parseTime(line, i, false); !ok {
			return h, false
		}
		if i, ok = dateTimeSep(line, i); !ok {
			return h, false
		}
		if i, ok = h.parseDate(line, i); !ok {
			return h, false
		}
	} else {
		if i, ok = h.parseDate(line, i); !ok {
			return h, false
		}
		if i, ok = dateTimeSep(line, i); !ok {
			return h, false
		}
		if i, ok = h.parseTime(line, i, true); !ok {
			return h, false
		}
	}
	// End of the header: "] ", " - " or (iOS without brackets) a space.
	j := skipBlank(line, i)
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
	case j == i && j+1 < len(line) && line[j] == ':' && line[j+1] == ' ': // iOS 2016, "4:56:55 PM: Name: text"
		i = j + 1
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

// parseDate reads three date components with one separator, and what
// may follow them: a trailing dot, a calendar's era marker, "г.".
func (h *waHeader) parseDate(line []byte, i int) (int, bool) {
	for k := 0; k < 3; k++ {
		i = skipMarks(line, i)
		if k != 1 && h.eraAt == 0 {
			if start, n := japaneseEraAt(line, i); n > 0 {
				h.eraAt, h.eraStart = k+1, start
				i += n
			}
		}
		v, n, next, zero := numberZero(line, i, 4)
		if n == 0 {
			return i, false
		}
		if k == 0 {
			h.zero = zero
		}
		h.d[k], h.dlen[k], i = v, n, skipMarks(line, next)
		if k == 2 {
			break
		}
		if i >= len(line) {
			return i, false
		}
		c := line[i]
		if k == 0 {
			if c != '/' && c != '.' && c != '-' {
				return i, false
			}
			h.sep = c
		} else if c != h.sep {
			return i, false
		}
		i++
		if c == '.' && i < len(line) && line[i] == ' ' { // "2019. 06. 20."
			i++
			h.spaced = true
		}
	}
	if h.dlen[1] > 2 || (h.dlen[0] > 2 && h.dlen[2] > 2) || h.dlen[0] == 3 || h.dlen[2] == 3 ||
		(h.eraAt != 0 && h.dlen[h.eraAt-1] > 2) {
		return i, false
	}
	if i < len(line) && line[i] == '.' && h.sep == '.' {
		i++ // trailing dot of "2019. 06. 20."
	} else {
		h.spaced = false // Slovenian "23. 11. 24" is day first
	}
	// An era marker or a date suffix, after a space.
	j := skipBlank(line, i)
	if j > i && j < len(line) && line[j] > '9' {
		for _, e := range waLang().eraMarks {
			if wordAt(line, j, e.mark) {
				h.cal = e.cal
				i = j + len(e.mark)
				break
			}
		}
		if wordAt(line, j, []byte("г.")) {
			i = j + len("г.")
		}
	}
	h.cal = h.calendar()
	return i, true
}

// calendar returns the calendar of the date: the one an era or marker
// names, else the one its year implies. A year past 2400 is Buddhist (no
// WhatsApp message is that late); one between 1300 and 1500 is Persian
// when written first or in Persian digits (Iran's short date is y/M/d)
// and Hijri otherwise (the Arab world writes d/M/y).
func (h *waHeader) calendar() waCalendar {
	switch {
	case h.eraAt != 0:
		return calJapanese
	case h.cal != calGregorian:
		return h.cal
	}
	y := -1
	switch {
	case h.dlen[0] == 4:
		y = h.d[0]
	case h.dlen[2] == 4:
		y = h.d[2]
	}
	switch {
	case y > 2400:
		return calBuddhist
	case y >= 1300 && y <= 1500 && (h.dlen[0] == 4 || h.zero == 0x06F0):
		return calPersian
	case y >= 1300 && y <= 1500:
		return calHijri
	}
	return calGregorian
}

// wordAt reports whether w is at line[i] and not followed by a letter.
func wordAt(line []byte, i int, w []byte) bool {
	if len(line)-i < len(w) || string(line[i:i+len(w)]) != string(w) {
		return false
	}
	j := i + len(w)
	return j == len(line) || !isLetter(line, j)
}

// dateTimeSep skips what separates the date and the time: a comma (also
// the Arabic one) and/or spaces, and a connector word ("klo").
func dateTimeSep(line []byte, i int) (int, bool) {
	i = skipMarks(line, i)
	sepSeen := false
	if i < len(line) && line[i] == ',' {
		i++
		sepSeen = true
	} else if i+1 < len(line) && line[i] == 0xD8 && line[i+1] == 0x8C { // Arabic comma
		i += 2
		sepSeen = true
	}
	j := skipBlank(line, i)
	if j == i && !sepSeen {
		return i, false
	}
	i = j
	if i < len(line) && line[i] > '9' {
		for _, c := range waLang().connectors {
			if wordAt(line, i, c) {
				if k := skipBlank(line, i+len(c)); k > i+len(c) {
					return k, true
				}
			}
		}
	}
	return i, true
}

// parseTime reads H:MM or H:MM:SS (also with dots, "21.41.35", or the
// Canadian French "21 h 41"), with an AM/PM word before or after it and
// Bulgarian's "ч." after. dots allows the dotted form, which only a
// time after the date can have.
func (h *waHeader) parseTime(line []byte, i int, dots bool) (int, bool) {
	if ap, n := ampmAt(line, i); n > 0 {
		h.ampm = ap
		i = skipBlank(line, i+n)
	}
	var n int
	if h.hour, n, i = number(line, i, 2); n == 0 {
		return i, false
	}
	i = skipMarks(line, i)
	sep := byte(':')
	switch {
	case i < len(line) && line[i] == ':':
	case dots && i < len(line) && line[i] == '.':
		sep = '.'
	case dots && i+2 < len(line) && line[i] == ' ' && line[i+1] == 'h' && line[i+2] == ' ':
		sep = 'h'
		i += 2
	default:
		return i, false
	}
	if h.min, n, i = number(line, i+1, 2); n != 2 {
		return i, false
	}
	i = skipMarks(line, i)
	if i < len(line) && line[i] == sep && sep != 'h' {
		sec, n, next := number(line, i+1, 2)
		switch {
		case n == 2:
			h.sec, h.seconds, i = sec, true, next
		case n == 0 && sep == ':' && i+1 < len(line) && line[i+1] == ' ':
			// "10:00: Name: text", the iOS layout of 2016: the colon
			// ends the header.
		default:
			return i, false
		}
	}
	if h.hour > 23 || h.min > 59 || h.sec > 59 {
		return i, false
	}
	if h.ampm == 0 {
		j := skipBlank(line, i)
		if j < len(line) && line[j] == '_' { // "3:22_AM" seen in the wild
			j++
		}
		if ap, n := ampmAt(line, j); n > 0 {
			h.ampm = ap
			i = j + n
		}
	}
	if j := skipBlank(line, i); j > i && wordAt(line, j, []byte("ч.")) {
		i = j + len("ч.")
		if j := skipBlank(line, i); h.ampm == 0 && j > i { // "9:07 ч. pm"
			if ap, n := ampmAt(line, j); n > 0 {
				h.ampm = ap
				i = j + n
			}
		}
	}
	if h.ampm != 0 && h.hour > 12 {
		return i, false
	}
	return i, true
}

// ampmAt matches a 12-hour clock marker at i: AM/PM in any case, with
// or without dots ("a. m.", "p.m."), or a word of the locale data (오후,
// 下午, ص, SA, "in the morning", ...), not followed by a letter.
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
	}
	if line[i] <= '9' {
		return 0, 0
	}
	t := waLang()
	first := line[i]
	for pass := 0; pass < 2; pass++ {
		for _, w := range t.clock[first] {
			if n := clockWordAt(line, i, w.word); n > 0 {
				return w.half, n
			}
		}
		// ASCII words match in either case ("sa" for "SA").
		switch {
		case first >= 'a' && first <= 'z':
			first -= 0x20
		case first >= 'A' && first <= 'Z':
			first += 0x20
		default:
			return 0, 0
		}
	}
	return 0, 0
}

// clockWordAt returns the length of text at line[i] that is the clock
// word w (ASCII letters in either case, any space for a space), if no
// letter follows it.
func clockWordAt(line []byte, i int, w []byte) int {
	j := i
	for k := 0; k < len(w); k++ {
		if w[k] == ' ' {
			n := spaceLen(line, j)
			if n == 0 {
				return 0
			}
			j += n
			continue
		}
		if j >= len(line) {
			return 0
		}
		a, b := line[j], w[k]
		if a != b && !(a|0x20 == b|0x20 && a|0x20 >= 'a' && a|0x20 <= 'z') {
			return 0
		}
		j++
	}
	if j < len(line) && isLetter(line, j) {
		return 0
	}
	return j - i
}

// isLetter reports whether a letter (or a combining mark, part of a
// letter in Indic and Thai scripts) is at line[i]: a word that one
// follows has not ended.
func isLetter(line []byte, i int) bool {
	c := line[i]
	if c < 0x80 {
		return (c|0x20) >= 'a' && (c|0x20) <= 'z'
	}
	r, _ := utf8.DecodeRune(line[i:])
	return unicode.IsLetter(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

// maxSenderBytes bounds how far the "Name: " colon is looked for, so a
// long system message with a colon late in it is not split.
const maxSenderBytes = 256

// waSenderStop marks the bytes splitSender stops at: the rest of a name
// is skipped a byte at a time without its switch.
var waSenderStop = [256]bool{'"': true, 0xE2: true, 0xC2: true, ':': true}

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
		if !waSenderStop[rest[k]] {
			continue
		}
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
