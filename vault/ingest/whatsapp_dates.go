package ingest

import "time"

// dateOrder is how a WhatsApp export writes its dates. WhatsApp writes
// them in the phone's locale, and nothing in the file says which: the
// order is inferred from every date in the file (see dateOrders).
type dateOrder uint8

const (
	orderDMY dateOrder = iota
	orderMDY
	orderYMD
)

func (o dateOrder) String() string {
	return [...]string{"DMY", "MDY", "YMD"}[o]
}

// orderEvidence pools what the dates of one shape (see waHeader.shape)
// say about each possible order: how many dates are impossible in it
// (a month of 30) and how often the date would go backwards, which a
// chat rarely does.
type orderEvidence struct {
	seen       int
	invalid    [3]int
	inversions [3]int
	last       [3]int // previous date as yyyymmdd under each order
	// lastDate is the previous date as written, and lastInvalid the
	// orders it did not exist in: a date like the one before adds only
	// its invalid counts, as most do (a day holds many messages), so
	// it is not converted again.
	lastDate    waDateKey
	lastInvalid [3]bool
	twelveHour  bool
	unpadded    bool // a day or month written with one digit
}

// waDateKey is what a date's reading in each order depends on, besides
// its shape (the calendar among it): see waHeader.date.
type waDateKey struct {
	d, dlen         [3]int
	eraStart, eraAt int
}

// dateOrders decides a date order per shape from the whole file.
type dateOrders struct {
	ev      [waShapes]orderEvidence
	order   [waShapes]dateOrder
	guessed [waShapes]bool
	// layouts counts the shapes the file's dates have: more than one
	// means exports of different layouts were put together.
	layouts int
}

// add records the date of one header line (the first pass).
func (d *dateOrders) add(h *waHeader) {
	e := &d.ev[h.shape()]
	if e.seen == 0 {
		d.layouts++
	}
	e.seen++
	if h.ampm != 0 {
		e.twelveHour = true
	}
	if h.dlen[0] == 1 || h.dlen[1] == 1 {
		e.unpadded = true
	}
	key := waDateKey{h.d, h.dlen, h.eraStart, h.eraAt}
	if e.seen > 1 && key == e.lastDate {
		// The same date: the same orders are invalid, and in the others
		// it equals last, so it is no inversion and last stays.
		for o := orderDMY; o <= orderYMD; o++ {
			if e.lastInvalid[o] {
				e.invalid[o]++
			}
		}
		return
	}
	e.lastDate = key
	for o := orderDMY; o <= orderYMD; o++ {
		y, m, day, ok := h.date(o)
		e.lastInvalid[o] = !ok
		if !ok {
			e.invalid[o]++
			continue
		}
		v := y*10000 + m*100 + day
		if v < e.last[o] {
			e.inversions[o]++
		}
		e.last[o] = v
	}
}

// decide picks, for each shape, the order in which the fewest dates are
// impossible, then the one in which time runs backwards least often. When
// every date fits both DMY and MDY (no day above 12 anywhere in the
// file), the choice is a guess and is marked so: MDY for "/" dates with a
// 12-hour clock or in the unpadded M/d/yy form (the US layouts), DMY
// otherwise. Two-digit years come first in a few locales (Korean
// "24. 11. 23.", Basque and Nepali "24/11/23"): YMD wins when fewer dates
// are impossible in it, or as many and time runs backwards less often,
// and for the Korean spaced-dot layout on a tie too.
func (d *dateOrders) decide() {
	for s := range d.ev {
		e := &d.ev[s]
		if e.seen == 0 {
			continue
		}
		layout := s % waLayouts // the shape without the calendar
		if layout&1 != 0 {      // the year is first
			d.order[s] = orderYMD
			continue
		}
		pref := [2]dateOrder{orderDMY, orderMDY}
		if layout/4 == 0 && (e.twelveHour || (e.unpadded && layout&2 == 0)) {
			pref = [2]dateOrder{orderMDY, orderDMY}
		}
		a, b := pref[0], pref[1]
		best := a
		switch {
		case e.invalid[b] < e.invalid[a]:
			best = b
		case e.invalid[b] == e.invalid[a] && e.inversions[b] < e.inversions[a]:
			best = b
		}
		d.guessed[s] = e.invalid[a] == e.invalid[b]
		if layout&2 == 0 {
			y := orderYMD
			korean := layout/4 == 3
			tie := e.invalid[y] == e.invalid[best]
			if e.invalid[y] < e.invalid[best] || tie && (e.inversions[y] < e.inversions[best] ||
				korean && e.inversions[y] == e.inversions[best]) {
				d.guessed[s] = tie && e.inversions[y] == e.inversions[best]
				best = y
			}
		}
		d.order[s] = best
	}
}

// date returns the Gregorian date of h read in order o: two-digit
// years are in 2000-2099, and a date of another calendar (see
// waHeader.calendar) is converted. ok is false when the date does not
// exist in that order.
func (h *waHeader) date(o dateOrder) (y, m, d int, ok bool) {
	var yl, yk int // digits and index of the year component
	switch o {
	case orderDMY:
		d, m, y, yl, yk = h.d[0], h.d[1], h.d[2], h.dlen[2], 2
	case orderMDY:
		m, d, y, yl, yk = h.d[0], h.d[1], h.d[2], h.dlen[2], 2
	default:
		y, m, d, yl, yk = h.d[0], h.d[1], h.d[2], h.dlen[0], 0
	}
	switch {
	case h.cal == calJapanese:
		if h.eraAt != yk+1 || y < 1 {
			return 0, 0, 0, false
		}
		y += h.eraStart - 1
	case yl <= 2:
		y += 2000
	}
	return waGregorian(h.cal, y, m, d)
}

func daysIn(m time.Month, y int) int {
	if m == time.February {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
}

// clock returns the 24-hour time of h.
func (h *waHeader) clock() (hour, min, sec int) {
	hour = h.hour
	switch {
	case h.ampm == 'a' && hour == 12:
		hour = 0
	case h.ampm == 'p' && hour < 12:
		hour += 12
	case h.ampm == 'n' && hour == 12:
		hour = 0
	case h.ampm == 'n' && hour >= 6 && hour < 12:
		hour += 12
	}
	return hour, h.min, h.sec
}
