package ingest

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"coffer/vault"
)

// When a mail was sent: Date, Received and envelope lines, as found in the
// wild.

// mailTime returns when the mail was sent and where that came from
// (vault.Provenance.TimeSource), in the order the sources deserve trust:
// the Date header; the newest dated Received header (the topmost, added
// by the last server, whose clock is the receiving side's); the mbox
// From line; the archiver manifest's time of the drop. A message with none of them is kept with an unknown (zero)
// time: drafts, bounces and Outlook exports lack a Date all the time,
// and refusing them would hide them from review. how is a note for
// X-Coffer-Warnings when the Date header was not used.
func mailTime(env *enmime.Envelope, src emailSource, loc *time.Location) (t time.Time, zoneless bool, source, how string) {
	date := strings.TrimSpace(mailHeader(env, "Date"))
	if t, zl, err := parseMailDate(date, loc); err == nil {
		return t, zl, vault.TimeFromDate, ""
	}
	why := "no Date header"
	if date != "" {
		why = fmt.Sprintf("unparseable Date %q", mailClip(date, 80))
	}
	for _, r := range mailHeaderValues(env, "Received") {
		j := strings.LastIndexByte(r, ';')
		if j < 0 {
			continue
		}
		if t, zl, err := parseMailDate(r[j+1:], loc); err == nil {
			return t, zl, vault.TimeFromReceived, why + ": time taken from the Received header"
		}
	}
	if t, zl, ok := mailEnvelopeTime(src.envelope, loc); ok {
		return t, zl, vault.TimeFromFromLine, why + " and no dated Received header: time taken from the mbox From line"
	}
	if !src.manifestTime.IsZero() {
		return src.manifestTime, false, vault.TimeFromManifest,
			why + " and no dated Received header: time taken from the archive manifest (when the drop was made, not when the mail was sent)"
	}
	return time.Time{}, false, vault.TimeUnknown, why + " and no dated Received header: date unknown"
}

// mailEnvelopeTime reads the asctime date of an mbox "From " line
// ("From sender Sun Aug  7 11:40:37 2022", optionally with a zone or
// trailing words). A date without a zone is read in loc (MDAs write
// their local time).
func mailEnvelopeTime(line string, loc *time.Location) (time.Time, bool, bool) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return time.Time{}, false, false
	}
	f = f[2:]
	for _, n := range []int{6, 5} {
		if len(f) < n {
			continue
		}
		v := strings.Join(f[:n], " ")
		for _, l := range []string{"Mon Jan 2 15:04:05 -0700 2006", "Mon Jan 2 15:04:05 2006 -0700"} {
			if t, err := time.Parse(l, v); err == nil {
				return t, false, true
			}
		}
		if t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", v, loc); err == nil {
			return t, true, true
		}
	}
	return time.Time{}, false, false
}

// mailObsZones are RFC 5322's obsolete zone names (section 4.3), which Go's
// time package would otherwise read as UTC.
var mailObsZones = map[string]string{
	"UT": "+0000", "GMT": "+0000", "Z": "+0000", "UTC": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900",
}

var mailDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"Mon, Jan 2 2006 15:04:05 -0700",
}

// mailZonelessLayouts are dates written without a zone: they are read in
// Options.Location, which the message's provenance records.
var mailZonelessLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
}

// parseMailDate reads RFC 5322 dates and the common deviations found in
// old mail: comments, named zones, a missing zone (read as UTC), a
// missing or doubled weekday, single-digit hours, commas in odd places.
//
// zoneless reports that s had no zone and was read in loc.
func parseMailDate(s string, loc *time.Location) (t time.Time, zoneless bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, fmt.Errorf("empty date")
	}
	// The form nearly every mailer writes, before net/mail's loop over
	// a dozen layouts (each failure allocates an error).
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", s); err == nil && t.Year() >= 1900 {
		return t, false, nil
	}
	if t, zl, ok := parseMailDateFields(s, loc); ok {
		return t, zl, nil
	}
	if t, err := mail.ParseDate(s); err == nil && t.Year() >= 1900 {
		return t, false, nil
	}
	// Drop comments such as "(PDT)".
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	f := strings.Fields(strings.ReplaceAll(b.String(), ",", ", "))
	for i := range f {
		if z, ok := mailObsZones[strings.ToUpper(f[i])]; ok && i >= 3 {
			f[i] = z
		}
		if strings.HasSuffix(f[i], ",") && i > 0 {
			if _, err := time.Parse("Mon,", f[i]); err != nil {
				f[i] = strings.TrimSuffix(f[i], ",")
			}
		}
	}
	// A zone abbreviation left after a numeric zone adds nothing.
	if n := len(f); n > 1 && mailNumericZone(f[n-2]) && !mailNumericZone(f[n-1]) && !strings.ContainsAny(f[n-1], "0123456789") {
		f = f[:n-1]
	}
	norm := strings.Join(f, " ")
	for _, l := range mailDateLayouts {
		if t, err := time.Parse(l, norm); err == nil {
			if t.Year() < 100 {
				t = t.AddDate(1900, 0, 0)
			}
			if t.Year() >= 1900 {
				return t, false, nil
			}
		}
	}
	for _, l := range mailZonelessLayouts {
		if t, err := time.ParseInLocation(l, norm, loc); err == nil && t.Year() >= 1900 {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("unparseable date %q", s)
}

func mailNumericZone(s string) bool {
	return len(s) == 5 && (s[0] == '+' || s[0] == '-') && strings.Trim(s[1:], "0123456789") == ""
}

// parseMailDateFields reads a date field by field, in any order mailers
// wrote them: RFC 5322 ("Fri, 21 Nov 1997 09:55:06 -0600") and its
// obsolete forms (RFC 5322 section 4.3: two- and three-digit years,
// named and military zones, comments), asctime ("Fri Nov 21 09:55:06
// 1997"), missing seconds, full day and month names, AM/PM. It wants a
// day, a month name, a year and a clock time, and refuses a field it
// cannot place, so that text that is not a date stays unparsed.
//
// zoneless reports that s had no zone and was read in loc.
func parseMailDateFields(s string, loc *time.Location) (t time.Time, zoneless bool, ok bool) {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth > 0:
		case r == ',':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	var (
		day, year, yearDigits = -1, -1, 0
		month                 time.Month
		hour, min, sec        = -1, 0, 0
		zone                  *time.Location
		pm, am                bool
	)
	// Obsolete syntax allows white space (and comments, gone above)
	// around the colons of the time: "09 :   55  :  06".
	for _, f := range strings.Fields(mailClockSpace.ReplaceAllString(b.String(), ":")) {
		lf := strings.ToLower(strings.TrimSuffix(f, "."))
		switch {
		case mailDigits(f) && len(f) <= 2 && day < 0:
			day, _ = strconv.Atoi(f)
		case mailDigits(f) && len(f) <= 4 && year < 0:
			year, _ = strconv.Atoi(f)
			yearDigits = len(f)
		case strings.Contains(f, ":") && hour < 0:
			h, m, sc, ok := mailClockFields(f)
			if !ok {
				return time.Time{}, false, false
			}
			hour, min, sec = h, m, sc
		case (f[0] == '+' || f[0] == '-') && zone == nil:
			z, ok := mailNumericOffset(f[1:])
			if !ok {
				return time.Time{}, false, false
			}
			if f[0] == '-' {
				z = -z
			}
			zone = time.FixedZone("", z)
		case lf == "am" || lf == "pm":
			am, pm = lf == "am", lf == "pm"
		case len(lf) >= 3 && month == 0 && mailMonth(lf) != 0:
			month = mailMonth(lf)
		case len(lf) >= 3 && mailWeekday(lf):
			// The weekday adds nothing (and is often wrong).
		case zone == nil && mailObsZones[strings.ToUpper(f)] != "":
			z, _ := mailNumericOffset(mailObsZones[strings.ToUpper(f)][1:])
			if mailObsZones[strings.ToUpper(f)][0] == '-' {
				z = -z
			}
			zone = time.FixedZone(strings.ToUpper(f), z)
		case zone == nil && len(f) == 1 && mailLetter(f[0]):
			// RFC 5322 4.3: military zones were used inconsistently and
			// mean -0000, a UTC time with no zone information.
			zone = time.UTC
		case zone == nil && (strings.HasPrefix(lf, "gmt") || strings.HasPrefix(lf, "utc")) && len(lf) > 3:
			// "GMT+0100", "UTC-05:00"
			z, ok := mailNumericOffset(lf[4:])
			if !ok || (lf[3] != '+' && lf[3] != '-') {
				return time.Time{}, false, false
			}
			if lf[3] == '-' {
				z = -z
			}
			zone = time.FixedZone("", z)
		default:
			return time.Time{}, false, false
		}
	}
	if day < 1 || month == 0 || year < 0 || hour < 0 {
		return time.Time{}, false, false
	}
	switch yearDigits {
	case 1, 2:
		if year < 50 {
			year += 2000
		} else {
			year += 1900
		}
	case 3:
		year += 1900
	}
	if pm && hour < 12 {
		hour += 12
	} else if am && hour == 12 {
		hour = 0
	}
	if sec == 60 {
		sec = 59 // a leap second
	}
	if year < 1900 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false, false
	}
	in := zone
	if in == nil {
		in = loc
	}
	t = time.Date(year, month, day, hour, min, sec, 0, in)
	if t.Day() != day {
		return time.Time{}, false, false // 31 Feb
	}
	return t, zone == nil, true
}

var mailClockSpace = regexp.MustCompile(`\s*:\s*`)

func mailDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

func mailLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// mailClockFields reads h:mm, hh:mm:ss and hh:mm:ss.fff.
func mailClockFields(f string) (h, m, s int, ok bool) {
	p := strings.Split(f, ":")
	if len(p) < 2 || len(p) > 3 {
		return 0, 0, 0, false
	}
	if len(p) == 3 {
		p[2], _, _ = strings.Cut(p[2], ".")
	}
	var v [3]int
	for i, x := range p {
		if !mailDigits(x) || len(x) > 2 || (i > 0 && len(x) != 2) {
			return 0, 0, 0, false
		}
		v[i], _ = strconv.Atoi(x)
	}
	return v[0], v[1], v[2], true
}

// mailNumericOffset reads hhmm or hh:mm (after the sign) as seconds.
func mailNumericOffset(s string) (int, bool) {
	s = strings.Replace(s, ":", "", 1)
	if len(s) != 4 || !mailDigits(s) {
		return 0, false
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[2:])
	if h > 14 || m > 59 {
		return 0, false
	}
	return h*3600 + m*60, true
}

// mailMonth reads a month name or its abbreviation (three letters or
// more: "Sept").
func mailMonth(lf string) time.Month {
	for m := time.January; m <= time.December; m++ {
		if n := strings.ToLower(m.String()); strings.HasPrefix(n, lf) {
			return m
		}
	}
	return 0
}

func mailWeekday(lf string) bool {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.HasPrefix(strings.ToLower(d.String()), lf) {
			return true // "Thu", "Thurs", "Thursday"
		}
	}
	return false
}
