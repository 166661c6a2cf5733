package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// waLayoutFormat writes t with a CLDR date or time pattern ("d.MM.yy",
// "a h:mm") in the locale's digits: what a phone set to that locale
// stamps a message with.
func waLayoutFormat(pattern string, t time.Time, l *waLocale, pm bool) string {
	digits := []rune(l.Digits)
	num := func(v, width int) string {
		s := fmt.Sprintf("%0*d", width, v)
		var b strings.Builder
		for _, c := range s {
			b.WriteRune(digits[c-'0'])
		}
		return b.String()
	}
	var out strings.Builder
	rs := []rune(pattern)
	for i := 0; i < len(rs); {
		c := rs[i]
		n := 1
		for i+n < len(rs) && rs[i+n] == c {
			n++
		}
		switch c {
		case '\'': // a quoted literal; '' is a quote
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				out.WriteRune(rs[j])
				j++
			}
			i = j + 1
			continue
		case 'y':
			switch n {
			case 2:
				out.WriteString(num(t.Year()%100, 2))
			default:
				out.WriteString(num(t.Year(), n))
			}
		case 'M':
			out.WriteString(num(int(t.Month()), n))
		case 'd':
			out.WriteString(num(t.Day(), n))
		case 'H':
			out.WriteString(num(t.Hour(), n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			out.WriteString(num(h, n))
		case 'K':
			out.WriteString(num(t.Hour()%12, n))
		case 'm':
			out.WriteString(num(t.Minute(), n))
		case 's':
			out.WriteString(num(t.Second(), n))
		case 'a', 'b', 'B':
			if pm {
				out.WriteString(l.Clock.PM[0])
			} else {
				out.WriteString(l.Clock.AM[0])
			}
		case 'G', 'E', 'z', 'v':
			// eras, weekdays and zones are not in WhatsApp's short layouts
		default:
			out.WriteString(strings.Repeat(string(c), n))
		}
		i += n
	}
	return out.String()
}

// waWithSeconds adds seconds to a time pattern, as iOS writes it.
func waWithSeconds(p string) string {
	for _, sep := range []string{"mm", "m"} {
		if i := strings.LastIndex(p, sep); i >= 0 {
			colon := ":"
			if strings.Contains(p, ".mm") {
				colon = "."
			}
			if strings.Contains(p, "'h'") {
				return p // "HH 'h' mm" has no seconds form
			}
			return p[:i+len(sep)] + colon + "ss" + p[i+len(sep):]
		}
	}
	return p
}

// waStamp joins a date and a time with the locale's pattern ("{1}, {0}").
func waStamp(dateTime, date, clock string) string {
	if dateTime == "" {
		dateTime = "{1} {0}"
	}
	dateTime = strings.ReplaceAll(dateTime, "'", "")
	return strings.NewReplacer("{1}", date, "{0}", clock).Replace(dateTime)
}

// waLocaleCase is one message of a generated export and what it must
// import as.
type waLocaleCase struct {
	line    string
	time    time.Time
	sender  string
	kind    string
	body    string
	headers map[string]string
	attach  string // "" none, else the attachment's name or "-" for an unnamed one
}

// waLocaleExport writes an export in locale l's language and layout,
// with placeholders and notices taken from its data: Android lines when
// ios is false, iOS lines (brackets, seconds, marks) when it is. twelve
// uses the locale's 12-hour clock.
func waLocaleExport(t testing.TB, l *waLocale, layout int, ios, twelve bool) (string, []waLocaleCase) {
	t.Helper()
	lay := l.Layouts[layout]
	timePat := lay.Time
	if twelve {
		timePat = lay.Time12
	}
	if ios {
		timePat = waWithSeconds(timePat)
	}
	// The first day is past the 12th, so the date order is evidence, not
	// a guess; the last is in the next year, so time runs forward only
	// in the right order.
	start := time.Date(2024, 11, 23, 21, 7, 9, 0, time.UTC)
	var cases []waLocaleCase
	at := func(k int) time.Time {
		t := start.Add(time.Duration(k) * time.Minute)
		if !strings.Contains(timePat, "s") {
			t = t.Truncate(time.Minute)
		}
		return t
	}
	stamp := func(t time.Time) string {
		s := waStamp(lay.DateTime, waLayoutFormat(lay.Date, t, l, t.Hour() >= 12), waLayoutFormat(timePat, t, l, t.Hour() >= 12))
		if ios {
			return "[" + s + "]"
		}
		return s + " -"
	}
	add := func(c waLocaleCase, sender, text string) {
		c.time = at(len(cases))
		if len(cases) == 6 {
			c.time = time.Date(2025, 1, 2, 9, 3, 0, 0, time.UTC)
			if strings.Contains(timePat, "s") {
				c.time = c.time.Add(4 * time.Second)
			}
		}
		switch {
		case sender == "":
			c.line = stamp(c.time) + " " + text
		case ios && strings.HasPrefix(text, "\u200e"):
			c.line = "\u200e" + stamp(c.time) + " " + sender + ": " + text
		default:
			c.line = stamp(c.time) + " " + sender + ": " + text
		}
		cases = append(cases, c)
	}
	add(waLocaleCase{sender: "Ana Lima", body: "olá 123"}, "Ana Lima", "olá 123")
	// A placeholder: an attachment reference and the caption, never text.
	if ios && len(l.Omitted["image"]) > 0 {
		add(waLocaleCase{sender: "Ana Lima", body: "", attach: "-", headers: map[string]string{"media": "image"}},
			"Ana Lima", "\u200e"+l.Omitted["image"][0])
	} else if len(l.MediaOmitted) > 0 {
		add(waLocaleCase{sender: "Ana Lima", body: "a caption", attach: "-", headers: map[string]string{"media": "media"}},
			"Ana Lima", "<"+l.MediaOmitted[0]+">\na caption")
	} else {
		for kind, ss := range l.Omitted {
			add(waLocaleCase{sender: "Ana Lima", body: "", attach: "-", headers: map[string]string{"media": kind}},
				"Ana Lima", "\u200e"+ss[0])
			break
		}
	}
	if len(l.FileAttached) > 0 {
		name := "IMG-20241123-WA0001.jpg"
		add(waLocaleCase{sender: "+44 7700 900123", body: "", attach: name},
			"+44 7700 900123", strings.Replace(l.FileAttached[0], "%s", name, 1))
	} else {
		add(waLocaleCase{sender: "+44 7700 900123", body: "", attach: "00000012-PHOTO-2024-11-23-21-09-09.jpg"},
			"+44 7700 900123", "<attached: 00000012-PHOTO-2024-11-23-21-09-09.jpg>")
	}
	// A deleted message: a notice that keeps its sender.
	if len(l.Deleted) > 0 {
		text := l.Deleted[0]
		if ios {
			text = "\u200e" + text + "."
		}
		add(waLocaleCase{sender: "Ana Lima", kind: "system", body: text, headers: map[string]string{"deleted": "true"}}, "Ana Lima", text)
	}
	// A group event: a line of its own on Android, attributed to the group
	// and marked on iOS.
	notice := ""
	for _, n := range l.Notices {
		if strings.Contains(n, "%s") && !strings.ContainsAny(n, "\n") {
			notice = strings.ReplaceAll(n, "%s", "Ben")
			break
		}
	}
	if notice != "" {
		if ios {
			add(waLocaleCase{kind: "system", body: "\u200e" + notice, headers: map[string]string{"attributed_to": "Club"}}, "Club", "\u200e"+notice)
		} else {
			add(waLocaleCase{kind: "system", body: notice}, "", notice)
		}
	}
	if len(l.Encrypted) > 0 {
		text := l.Encrypted[0] + "."
		add(waLocaleCase{kind: "system", body: text, headers: map[string]string{"attributed_to": "Club"}}, "Club", text)
	}
	for len(cases) < 6 {
		add(waLocaleCase{sender: "Ben", body: "ok"}, "Ben", "ok")
	}
	add(waLocaleCase{sender: "Ben", body: "👍\nsecond line"}, "Ben", "👍\nsecond line")
	var b strings.Builder
	for _, c := range cases {
		b.WriteString(c.line + "\n")
	}
	return b.String(), cases
}

// TestWhatsAppLocales writes, for every language of the locale data, an
// export in each of its layouts (Android and iOS, 24- and 12-hour, in its
// digits) holding messages, a placeholder, an attached file, a deleted
// message and notices in that language, and checks every message's
// sender, time, kind, text and attachment.
func TestWhatsAppLocales(t *testing.T) {
	locs, err := readWALocales()
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) < 30 {
		t.Fatalf("%d languages, want at least 30", len(locs))
	}
	for _, l := range locs {
		t.Run(l.Language, func(t *testing.T) {
			for layout := range l.Layouts {
				for _, ios := range []bool{false, true} {
					for _, twelve := range []bool{false, true} {
						if twelve && l.Layouts[layout].Time12 == "" {
							continue
						}
						name := fmt.Sprintf("layout%d-ios=%v-12h=%v", layout, ios, twelve)
						t.Run(name, func(t *testing.T) {
							text, cases := waLocaleExport(t, l, layout, ios, twelve)
							msgs, err := waParse(t, "WhatsApp Chat with Ana.txt", text, Options{})
							if err != nil {
								t.Fatalf("%v\n%s", err, text)
							}
							if len(msgs) != len(cases) {
								t.Fatalf("%d messages, want %d\n%s", len(msgs), len(cases), text)
							}
							for i, c := range cases {
								checkWALocaleCase(t, msgs[i], c)
							}
						})
					}
				}
			}
		})
	}
}

func checkWALocaleCase(t *testing.T, m *vaultMessage, c waLocaleCase) {
	t.Helper()
	if !m.Time.Equal(c.time) || m.Sender != c.sender || m.Kind != c.kind || m.Body != c.body {
		t.Errorf("line %q:\n got {%s %q %q %q}\nwant {%s %q %q %q}", c.line,
			m.Time.Format(time.RFC3339), m.Sender, m.Kind, m.Body, c.time.Format(time.RFC3339), c.sender, c.kind, c.body)
	}
	for k, v := range c.headers {
		if m.Headers[k] != v {
			t.Errorf("line %q: header %s = %q, want %q (%v)", c.line, k, m.Headers[k], v, m.Headers)
		}
	}
	switch {
	case c.attach == "" && len(m.Attachments) != 0:
		t.Errorf("line %q: attachments %+v", c.line, m.Attachments)
	case c.attach != "" && (len(m.Attachments) != 1 || !m.Attachments[0].Missing ||
		(c.attach != "-" && m.Attachments[0].Name != c.attach)):
		t.Errorf("line %q: attachments %+v, want %q", c.line, m.Attachments, c.attach)
	}
}

// TestWhatsAppLocaleData checks the data itself: every template compiles,
// no clock word is AM in one language and PM in another, and no phrase
// means two things.
func TestWhatsAppLocaleData(t *testing.T) {
	locs, err := readWALocales()
	if err != nil {
		t.Fatal(err)
	}
	clock := map[string]bool{}
	for _, l := range locs {
		for i, words := range [][]string{l.Clock.AM, l.Clock.PM} {
			for _, w := range words {
				w = strings.ToLower(waNormalize(w))
				if pm, seen := clock[w]; seen && pm != (i == 1) {
					t.Errorf("%s: clock word %q is both AM and PM", l.Language, w)
				}
				clock[w] = i == 1
			}
		}
		for _, list := range [][]string{l.Notices, l.Created, l.ChatFile, l.FileAttached} {
			for _, s := range list {
				if !utf8.ValidString(s) || strings.TrimSpace(s) == "" {
					t.Errorf("%s: bad template %q", l.Language, s)
				}
			}
		}
		if len(l.Layouts) == 0 || l.Layouts[0].Date == "" || l.Layouts[0].Time == "" {
			t.Errorf("%s: no date and time layout", l.Language)
		}
	}
	tables := waLang()
	if len(tables.languages) != len(locs) || len(tables.phrases) == 0 || len(tables.notices.all) == 0 || len(tables.notices.rest) > len(tables.notices.all)/10 {
		t.Errorf("tables: %d languages, %d phrases, %d notices (%d unindexed)", len(tables.languages), len(tables.phrases), len(tables.notices.all), len(tables.notices.rest))
	}
}
