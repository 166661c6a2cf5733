package ingest

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// When a mail was sent: Date, Received and envelope lines, as found in the
// wild.

// mailTime returns the Date header's time; when it is missing or
// unparseable, the time of the earliest Received hop (the last Received
// header), with a note saying so.
func mailTime(env *enmime.Envelope, envelope string, loc *time.Location) (t time.Time, zoneless bool, how string, err error) {
	date := strings.TrimSpace(mailHeader(env, "Date"))
	if t, zl, err := parseMailDate(date, loc); err == nil {
		return t, zl, "", nil
	}
	rcv := mailHeaderValues(env, "Received")
	for i := len(rcv) - 1; i >= 0; i-- {
		j := strings.LastIndexByte(rcv[i], ';')
		if j < 0 {
			continue
		}
		if t, zl, err := parseMailDate(rcv[i][j+1:], loc); err == nil {
			if date == "" {
				return t, zl, "no Date header: time taken from the Received header", nil
			}
			return t, zl, fmt.Sprintf("unparseable Date %q: time taken from the Received header", mailClip(date, 80)), nil
		}
	}
	if t, zl, ok := mailEnvelopeTime(envelope, loc); ok {
		return t, zl, "no usable Date or Received header: time taken from the mbox From line", nil
	}
	if date == "" {
		return time.Time{}, false, "", fmt.Errorf("no Date header and no dated Received header")
	}
	return time.Time{}, false, "", fmt.Errorf("unparseable Date header %q and no dated Received header", mailClip(date, 80))
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
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", s); err == nil {
		return t, false, nil
	}
	if t, err := mail.ParseDate(s); err == nil {
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
			return t, false, nil
		}
	}
	for _, l := range mailZonelessLayouts {
		if t, err := time.ParseInLocation(l, norm, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("unparseable date %q", s)
}

func mailNumericZone(s string) bool {
	return len(s) == 5 && (s[0] == '+' || s[0] == '-') && strings.Trim(s[1:], "0123456789") == ""
}
