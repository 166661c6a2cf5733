package ingest

// The lines of an export share a layout: "02/01/2021, 08:05 - " starts
// every message of an Android export, with other digits. Scanning it
// token by token (marks, digit scripts, AM/PM words, connectors) was a
// sixth of an import, twice per line. A waHeaderLayout remembers the
// header of a line that parsed, as bytes with its ASCII digits as
// wildcards; a line whose start matches it has the same header with
// the new digits, which is all a match has to read.
//
// A match is the parse's result exactly, because everything the scanner
// decides before the sender is decided by bytes inside the header (the
// sender's first byte aside, which a match checks): the scanner only
// compares bytes there with fixed words or byte classes. The digits'
// values are the exception, and are checked as the scanner checks them
// (a clock past 23:59 is no header; a year past 2400 another calendar).
// Only layouts where that reasoning is simple are learnt: ASCII, ended
// by "]" or " - " (not by the sender, whose name an iOS layout without
// either scans for an AM/PM word), no era or calendar marker.

// waMaxLayouts is how many layouts a reader keeps: an unpadded layout
// ("1/2/21, 8:05 PM") has a few spellings, a file with appended exports
// a few more.
const waMaxLayouts = 8

// waHeaderLayout is the header of one line up to its sender.
type waHeaderLayout struct {
	skel [waMaxLayoutBytes]byte // line[:n], digits included
	n    int
	runs int      // digit runs in skel: the date's three, the clock's two or three
	h    waHeader // the header of the line it was learnt from
}

// waMaxLayoutBytes bounds the header a layout holds.
const waMaxLayoutBytes = 48

// waHeaderLayouts is the layouts a reader has learnt.
type waHeaderLayouts struct {
	l    [waMaxLayouts]waHeaderLayout
	n    int // learnt
	next int // the one to replace when all are taken
	last int // the last one matched, tried first
}

// header is parseWAHeader(line, known), through the layouts learnt. It
// fills in *h, which is set only when it returns true; a header is
// passed by pointer because it is copied at every step otherwise.
func (ls *waHeaderLayouts) header(line []byte, known func([]byte) bool, h *waHeader) bool {
	if ls.n > 0 {
		if ls.l[ls.last].match(line, known, h) {
			return true
		}
		for i := 0; i < ls.n; i++ {
			if i != ls.last && ls.l[i].match(line, known, h) {
				ls.last = i
				return true
			}
		}
	}
	var ok bool
	if *h, ok = parseWAHeader(line, known); ok {
		ls.learn(line, h)
	}
	return ok
}

// learn keeps the layout of line, whose header is h, if it is one a
// match can stand in for (see the comment at the top of this file).
func (ls *waHeaderLayouts) learn(line []byte, h *waHeader) {
	n := h.senderStart
	if n == 0 || n > waMaxLayoutBytes || n >= len(line) || !waLayoutEnd(line, n) ||
		h.cal != calGregorian || h.eraAt != 0 {
		return
	}
	end := n - 1
	for end > 0 && line[end] == ' ' {
		end--
	}
	if h.bracket && line[end] != ']' || !h.bracket && line[end] != '-' {
		return
	}
	var l waHeaderLayout
	in := false
	var v [6]int
	for _, c := range line[:n] {
		if c >= 0x80 {
			return
		}
		if c-'0' <= 9 {
			if !in {
				if l.runs == len(v) {
					return
				}
				l.runs++
			}
			v[l.runs-1] = v[l.runs-1]*10 + int(c-'0')
			in = true
			continue
		}
		in = false
	}
	copy(l.skel[:], line[:n])
	l.n = n
	l.h = *h
	l.h.system, l.h.senderEnd, l.h.textStart = false, 0, 0
	// The digits must be the fields, in the order the scanner read them.
	var got waHeader
	if !l.fields(v, &got) || got.d != h.d || got.hour != h.hour || got.min != h.min || got.sec != h.sec {
		return
	}
	i := ls.n
	if i < waMaxLayouts {
		ls.n++
	} else {
		i = ls.next
		ls.next = (ls.next + 1) % waMaxLayouts
	}
	ls.l[i], ls.last = l, i
}

// waLayoutEnd reports whether a learnt header's n bytes end at line[n]:
// the scanner skips spaces and marks before the sender, so a match needs
// what is neither there (a sender may start with any other character,
// "李雷" too). A tab is no space to skipBlank but is one to " - "
// (spaceLen), which would make the dash's test look past the header: it
// ends no layout either.
func waLayoutEnd(line []byte, n int) bool {
	if c := line[n]; c < 0x80 {
		return c != ' ' && c != '\t'
	}
	return markLen(line, n) == 0 && spaceLen(line, n) == 0
}

// fields sets *h to the layout's header with the digit runs v as its
// date and clock, and reports whether the scanner would accept them.
func (l *waHeaderLayout) fields(v [6]int, h *waHeader) bool {
	*h = l.h
	want := 5
	if h.seconds {
		want = 6
	}
	if l.runs != want {
		return false
	}
	k := 0
	if h.timeFirst {
		k = want - 3
	}
	copy(h.d[:], v[k:k+3])
	c := 3
	if h.timeFirst {
		c = 0
	}
	h.hour, h.min = v[c], v[c+1]
	if h.seconds {
		h.sec = v[c+2]
	}
	if h.hour > 23 || h.min > 59 || h.sec > 59 || h.ampm != 0 && h.hour > 12 {
		return false
	}
	h.cal = calGregorian
	h.cal = h.calendar()
	return true
}

// match sets *h to the header of line if its start has the layout.
func (l *waHeaderLayout) match(line []byte, known func([]byte) bool, h *waHeader) bool {
	n := l.n
	if len(line) <= n || !waLayoutEnd(line, n) {
		return false
	}
	// The digits of a run add up in acc, stored in v when it ends (the
	// header always ends with a byte that is not a digit).
	var v [6]int
	f, acc := 0, 0
	for i, s := range l.skel[:n] {
		c := line[i]
		if s-'0' <= 9 {
			if c-'0' > 9 {
				return false
			}
			acc = acc*10 + int(c-'0')
			continue
		}
		if c != s {
			return false
		}
		if i > 0 && l.skel[i-1]-'0' <= 9 {
			v[f] = acc
			f, acc = f+1, 0
		}
	}
	if !l.fields(v, h) {
		return false
	}
	h.senderStart = n
	if !h.splitSender(line, known) {
		h.system = true
		h.textStart = n
	}
	return true
}
