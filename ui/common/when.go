package common

import "time"

// When formats t in loc with layout, or, for the zero time of a message
// kept without any date (mail with no Date, Received or From line), says
// so: "--:--" in a clock's place, "date unknown" elsewhere, never the
// year 1 the zero time would print.
func When(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		if layout == "15:04" {
			return "--:--"
		}
		return "date unknown"
	}
	return t.In(loc).Format(layout)
}

// WhenUnix is When for a time in Unix seconds, as conversation listings
// keep them.
func WhenUnix(sec int64, loc *time.Location, layout string) string {
	return When(time.Unix(sec, 0), loc, layout)
}
