package ingest

import "time"

// An iPhone set to a non-Gregorian calendar stamps a WhatsApp export with
// that calendar's dates: "[3/27/R4, 21:41:35]" (Japanese era Reiwa 4),
// "[3/27/2565 BE, ...]" (Buddhist), "1401/1/7" (Persian), "8/24/1443 AH"
// (Hijri). The reader converts them to Gregorian dates and records the
// calendar it read in the message's "calendar" header.
type waCalendar uint8

const (
	calGregorian waCalendar = iota
	calBuddhist
	calJapanese
	calPersian
	calHijri
	waCalendars
)

func (c waCalendar) String() string {
	return [...]string{"gregorian", "buddhist", "japanese", "persian", "islamic-civil"}[c]
}

// waEraMark is a calendar's marker written after a date.
type waEraMark struct {
	mark []byte
	cal  waCalendar
}

// waEraMarks are the markers iOS writes after the year: its English ones
// and those of the languages whose calendar it is.
var waEraMarks = []waEraMark{
	{[]byte("BE"), calBuddhist}, {[]byte("B.E."), calBuddhist}, {[]byte("พ.ศ."), calBuddhist},
	{[]byte("AH"), calHijri}, {[]byte("هـ"), calHijri},
	{[]byte("AP"), calPersian}, {[]byte("ه\u200d.ش."), calPersian}, {[]byte("ه.ش."), calPersian},
}

// waJapaneseEras are the eras of the Japanese calendar, by the narrow
// letter iOS writes in English ("R4") and by name ("令和4"), with the
// Gregorian year of their first year.
var waJapaneseEras = []struct {
	prefix []byte
	start  int
}{
	{[]byte("R"), 2019}, {[]byte("H"), 1989}, {[]byte("S"), 1926}, {[]byte("T"), 1912}, {[]byte("M"), 1868},
	{[]byte("令和"), 2019}, {[]byte("平成"), 1989}, {[]byte("昭和"), 1926}, {[]byte("大正"), 1912}, {[]byte("明治"), 1868},
}

// japaneseEraAt returns the first Gregorian year of the era whose prefix
// is at line[i], directly before a digit, and the prefix's length.
func japaneseEraAt(line []byte, i int) (start, n int) {
	if i >= len(line) {
		return 0, 0
	}
	c := line[i]
	if c != 0xE4 && c != 0xE5 && c != 0xE6 && (c < 'A' || c > 'Z') {
		return 0, 0
	}
	for _, e := range waJapaneseEras {
		if len(line)-i > len(e.prefix) && string(line[i:i+len(e.prefix)]) == string(e.prefix) {
			if _, d := digitAt(line, i+len(e.prefix)); d > 0 {
				return e.start, len(e.prefix)
			}
		}
	}
	return 0, 0
}

// waGregorian converts a date of calendar c to the Gregorian calendar,
// reporting whether the date exists in c.
func waGregorian(c waCalendar, y, m, d int) (gy, gm, gd int, ok bool) {
	switch c {
	case calPersian:
		return persianToGregorian(y, m, d)
	case calHijri:
		return hijriToGregorian(y, m, d)
	case calBuddhist:
		y -= 543
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// persianToGregorian converts a Solar Hijri date, the calendar of Iran
// and Afghanistan, with its 33-year leap cycles (Borkowski's algorithm,
// exact for years 1 to 3177).
func persianToGregorian(jy, jm, jd int) (int, int, int, bool) {
	leap, gy, march, ok := persianYear(jy)
	if !ok || jm < 1 || jm > 12 || jd < 1 {
		return 0, 0, 0, false
	}
	days := 31
	switch {
	case jm > 6 && jm < 12:
		days = 30
	case jm == 12:
		days = 29
		if leap == 0 {
			days = 30
		}
	}
	if jd > days {
		return 0, 0, 0, false
	}
	// Day of the year, counted from Nowruz, which falls on March `march`.
	doy := (jm-1)*31 + jd - 1
	if jm > 7 {
		doy = 6*31 + (jm-7)*30 + jd - 1
	}
	t := time.Date(gy, time.March, march+doy, 0, 0, 0, 0, time.UTC)
	return t.Year(), int(t.Month()), t.Day(), true
}

// persianYear returns, for Solar Hijri year jy, its place in the leap
// cycle (0 for a leap year), the Gregorian year in which it starts and
// the day of March on which it does.
func persianYear(jy int) (leap, gy, march int, ok bool) {
	breaks := [...]int{-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178}
	if jy < breaks[0] || jy >= breaks[len(breaks)-1] {
		return 0, 0, 0, false
	}
	gy = jy + 621
	leapJ := -14
	jp := breaks[0]
	jump := 0
	for _, jm := range breaks[1:] {
		jump = jm - jp
		if jy < jm {
			break
		}
		leapJ += jump/33*8 + jump%33/4
		jp = jm
	}
	n := jy - jp
	leapJ += n/33*8 + (n%33+3)/4
	if jump%33 == 4 && jump-n == 4 {
		leapJ++
	}
	leapG := gy/4 - (gy/100+1)*3/4 - 150
	march = 20 + leapJ - leapG
	if jump-n < 6 {
		n = n - jump + (jump+4)/33*33
	}
	leap = ((n+1)%33 - 1) % 4
	if leap == -1 {
		leap = 4
	}
	return leap, gy, march, true
}

// hijriToGregorian converts a date of the tabular ("civil") Islamic
// calendar. iOS may use the Umm al-Qura calendar instead, which is
// observed rather than computed and can differ by a day; the header
// "calendar: islamic-civil" says which was assumed.
func hijriToGregorian(y, m, d int) (int, int, int, bool) {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return 0, 0, 0, false
	}
	days := 30 - (m+1)%2 // odd months have 30 days, even 29
	if m == 12 && (11*y+14)%30 < 11 {
		days = 30 // leap year
	}
	if d > days {
		return 0, 0, 0, false
	}
	// Julian day number of the date; 1 Muharram 1 AH is JDN 1948440.
	jdn := d + (59*(m-1)+1)/2 + (y-1)*354 + (3+11*y)/30 + 1948440 - 1
	t := time.Unix(int64(jdn-2440588)*86400, 0).UTC()
	return t.Year(), int(t.Month()), t.Day(), true
}
