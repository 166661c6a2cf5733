package ingest

import "time"

// imTextDateLine reads a date line as imTextDate and time.ParseInLocation
// with imTextDateLayout would, without either: the two were most of the
// text parser's time (issue 17), for a line whose shape is fixed. It
// accepts exactly what they accept (imessage_text_date_test.go holds it
// to them): "Mmm d, yyyy h:mm:ss AM", one or two spaces after the month
// and the year, a day and an hour of one or two digits (ParseInLocation
// then checks the day against the month, the hour against 12 and minutes
// and seconds against 59), and optionally a space and more words, which
// it returns in rest.
func imTextDateLine(line string, loc *time.Location) (t time.Time, rest string, ok bool) {
	s := line
	if len(s) < 3 || !isUpper(s[0]) || !isLower(s[1]) || !isLower(s[2]) {
		return t, "", false
	}
	month := imTextMonth(s[:3])
	s = skipSpaces(s[3:], 2)
	day, s, okDay := imTextNum(s, 1, 2)
	if !okDay || len(s) < 2 || s[0] != ',' || s[1] != ' ' {
		return t, "", false
	}
	year, s, okYear := imTextNum(s[2:], 4, 4)
	if !okYear {
		return t, "", false
	}
	s = skipSpaces(s, 2)
	hour, s, okHour := imTextNum(s, 1, 2)
	if !okHour || len(s) < 1 || s[0] != ':' {
		return t, "", false
	}
	minute, s, okMin := imTextNum(s[1:], 2, 2)
	if !okMin || len(s) < 1 || s[0] != ':' {
		return t, "", false
	}
	sec, s, okSec := imTextNum(s[1:], 2, 2)
	if !okSec || len(s) < 3 || s[0] != ' ' || s[1] != 'A' && s[1] != 'P' || s[2] != 'M' {
		return t, "", false
	}
	pm := s[1] == 'P'
	s = s[3:]
	switch {
	case s == "":
	case s[0] == ' ':
		rest = s[1:]
		for i := range len(rest) {
			if rest[i] == '\n' { // "." in the regexp stops at a newline
				return t, "", false
			}
		}
	default:
		return t, "", false
	}
	// What ParseInLocation refuses once the regexp has matched.
	if month == 0 || day < 1 || day > imTextDaysIn(month, year) || hour > 12 || minute > 59 || sec > 59 {
		return t, "", false
	}
	if pm && hour < 12 {
		hour += 12
	} else if !pm && hour == 12 {
		hour = 0
	}
	return time.Date(year, month, day, hour, minute, sec, 0, loc), rest, true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// skipSpaces drops one to max spaces from the front of s; with none,
// it returns "" so that the next read fails.
func skipSpaces(s string, max int) string {
	n := 0
	for n < max && n < len(s) && s[n] == ' ' {
		n++
	}
	if n == 0 {
		return ""
	}
	return s[n:]
}

// imTextNum reads min to max decimal digits from the front of s.
func imTextNum(s string, min, max int) (v int, rest string, ok bool) {
	n := 0
	for n < max && n < len(s) && '0' <= s[n] && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, s[n:], n >= min
}

var imTextMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// imTextMonth returns the month a three-letter name stands for, 0 for none.
func imTextMonth(name string) time.Month {
	for i, m := range imTextMonths {
		if m == name {
			return time.Month(i + 1)
		}
	}
	return 0
}

// imTextDaysIn returns the days in month of year (proleptic Gregorian,
// as time.Parse counts them).
func imTextDaysIn(month time.Month, year int) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
