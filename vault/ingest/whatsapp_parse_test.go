package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waWrite writes text to a file called name in a fresh folder.
func waWrite(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waParse imports text as the file name and returns the messages and the
// error.
func waParse(t testing.TB, name, text string, opt Options) ([]*vaultMessage, error) {
	t.Helper()
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	var out []*vaultMessage
	err := WhatsApp.Parse(waWrite(t, name, text), opt, func(m *vaultMessage) error {
		out = append(out, m)
		return nil
	})
	return out, err
}

// waReadBytes imports b without a file, for the fuzz target.
func waReadBytes(b []byte, opt Options, emit Emit) error {
	w := newWAReader("f.txt", opt)
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return w.run(open, true, "", "f", emit)
}

func TestWhatsAppHeader(t *testing.T) {
	tests := []struct {
		name, line string
		ok         bool
		d          [3]int
		hh, mm, ss int // 24-hour clock
		sender     string
		text       string
	}{
		{"android", "20/06/2019, 15:58 - Loris: hi", true, [3]int{20, 6, 2019}, 15, 58, 0, "Loris", "hi"},
		{"ios", "[20.06.19, 15:58:47] Loris: hi", true, [3]int{20, 6, 19}, 15, 58, 47, "Loris", "hi"},
		{"ios LRM", "\u200e[3/27/22, 21:41:55] Dmitry S: \u200eimage omitted", true, [3]int{3, 27, 22}, 21, 41, 55, "Dmitry S", "\u200eimage omitted"},
		{"system", "20/06/2019, 15:58 - Loris created group \"X\"", true, [3]int{20, 6, 2019}, 15, 58, 0, "", "Loris created group \"X\""},
		{"colon in subject", "20/06/2019, 15:58 - Ann changed the subject to \"a: b\"", true, [3]int{20, 6, 2019}, 15, 58, 0, "", "Ann changed the subject to \"a: b\""},
		{"12h pm", "7/19/22, 11:32\u202fPM - U: x", true, [3]int{7, 19, 22}, 23, 32, 0, "U", "x"},
		{"12 am", "1/2/22, 12:05 AM - U: x", true, [3]int{1, 2, 22}, 0, 5, 0, "U", "x"},
		{"spanish", "01/30/2019, 08:49 p. m. - J: x", true, [3]int{1, 30, 2019}, 20, 49, 0, "J", "x"},
		{"spanish nbsp", "01/30/2019, 08:49 p.\u00a0m. - J: x", true, [3]int{1, 30, 2019}, 20, 49, 0, "J", "x"},
		{"underscore", "1/23/23, 3:22_AM - U: x", true, [3]int{1, 23, 23}, 3, 22, 0, "U", "x"},
		{"arabic", "[٢٧\u200f/٣\u200f/٢٠٢٢، ٩:٤١:٣٥\u00a0م] Dmitry S: Hello", true, [3]int{27, 3, 2022}, 21, 41, 35, "Dmitry S", "Hello"},
		{"arabic am", "[٢٧/٣/٢٠٢٢، ٩:٤١:٣٥ ص] D: x", true, [3]int{27, 3, 2022}, 9, 41, 35, "D", "x"},
		{"buddhist", "[3/18/2565 BE, 14:56:01] E: x", true, [3]int{3, 18, 2565}, 14, 56, 1, "E", "x"},
		{"no comma", "23.03.22 13:31 - D: x", true, [3]int{23, 3, 22}, 13, 31, 0, "D", "x"},
		{"dashes", "18-03-2022 14:56 - D: x", true, [3]int{18, 3, 2022}, 14, 56, 0, "D", "x"},
		{"ios no brackets", "15/12/2025, 10:34:00 AM Charlie: hi", true, [3]int{15, 12, 2025}, 10, 34, 0, "Charlie", "hi"},
		{"empty text", "1/2/22, 10:00 - Ann:", true, [3]int{1, 2, 22}, 10, 0, 0, "Ann", ""},
		{"korean pm first", "24. 11. 23. 오후 9:07 - 민지: 안녕", true, [3]int{24, 11, 23}, 21, 7, 0, "민지", "안녕"},
		{"korean ios", "[2024. 11. 23. 오전 12:07:09] 민지: 안녕", true, [3]int{2024, 11, 23}, 0, 7, 9, "민지", "안녕"},
		{"chinese pm glued", "2024/11/23 下午9:07 - 李雷: 你好", true, [3]int{2024, 11, 23}, 21, 7, 0, "李雷", "你好"},
		{"chinese evening", "[2024/11/23 晚上9:07:09] 李雷: 你好", true, [3]int{2024, 11, 23}, 21, 7, 9, "李雷", "你好"},
		{"japanese pm", "2024/11/23 午後9:07 - 花子: こんにちは", true, [3]int{2024, 11, 23}, 21, 7, 0, "花子", "こんにちは"},
		{"vietnamese time first", "[21:41:35, 3/27/22] Dmitry S: Hello", true, [3]int{3, 27, 22}, 21, 41, 35, "Dmitry S", "Hello"},
		{"vietnamese CH", "9:41 CH, 27/03/2022 - Lan: chào", true, [3]int{27, 3, 2022}, 21, 41, 0, "Lan", "chào"},
		{"indonesian dotted time", "[3/27/22 21.41.35] Dmitry S: Halo", true, [3]int{3, 27, 22}, 21, 41, 35, "Dmitry S", "Halo"},
		{"finnish klo", "[12.3.2022 klo 14.08.18] Matias: moi", true, [3]int{12, 3, 2022}, 14, 8, 18, "Matias", "moi"},
		{"macedonian во", "23.11.24, во 21:07 - Ана: здраво", true, [3]int{23, 11, 24}, 21, 7, 0, "Ана", "здраво"},
		{"bulgarian г. ч.", "23.11.24 г., 9:07 ч. pm - Ана: здравей", true, [3]int{23, 11, 24}, 21, 7, 0, "Ана", "здравей"},
		{"canadian french", "2024-11-23 21 h 07 - Luc: salut", true, [3]int{2024, 11, 23}, 21, 7, 0, "Luc", "salut"},
		{"spanish a. m.", "23/11/24, 9:07 a. m. - Ana: hola", true, [3]int{23, 11, 24}, 9, 7, 0, "Ana", "hola"},
		{"greek μ.μ.", "23/11/24, 9:07 μ.μ. - Νίκος: γεια", true, [3]int{23, 11, 24}, 21, 7, 0, "Νίκος", "γεια"},
		{"persian digits", "۲۰۲۴/۱۱/۲۳،\u200f ۲۱:۰۷ - علی: سلام", true, [3]int{2024, 11, 23}, 21, 7, 0, "علی", "سلام"},
		{"persian ب.ظ.", "۲۳/۱۱/۲۴, ۹:۰۷ ب.ظ. - علی: سلام", true, [3]int{23, 11, 24}, 21, 7, 0, "علی", "سلام"},
		{"bengali digits", "২৩/১১/২৪, ৯:০৭ PM - রহিম: হ্যালো", true, [3]int{23, 11, 24}, 21, 7, 0, "রহিম", "হ্যালো"},
		{"thai digits", "[๒๓/๑๑/๒๕๖๗ ๒๑:๐๗:๐๙] สมชาย: สวัสดี", true, [3]int{23, 11, 2567}, 21, 7, 9, "สมชาย", "สวัสดี"},
		{"devanagari digits", "२३/११/२४, ९:०७ pm - राम: नमस्ते", true, [3]int{23, 11, 24}, 21, 7, 0, "राम", "नमस्ते"},
		{"bidi isolates", "\u2066[\u206823.11.24\u2069, 21:07:09\u2069] \u202bBen\u202c: hi", true, [3]int{23, 11, 24}, 21, 7, 9, "Ben", "hi"},
		{"english night", "03/01/2021, 9:15 at night - W: x", true, [3]int{3, 1, 2021}, 21, 15, 0, "W", "x"},
		{"english small hours", "03/01/2021, 2:15 at night - W: x", true, [3]int{3, 1, 2021}, 2, 15, 0, "W", "x"},
		{"english morning", "03/01/2021, 9:15 in the morning - W: x", true, [3]int{3, 1, 2021}, 9, 15, 0, "W", "x"},
		{"ios 2016 colon", "7/1/16, 4:56:55 PM: Sophia H.: hi", true, [3]int{7, 1, 16}, 16, 56, 55, "Sophia H.", "hi"},
		{"japanese era letter", "[3/27/R4, 21:41:35] D: x", true, [3]int{3, 27, 4}, 21, 41, 35, "D", "x"},
		{"japanese era first", "R4/3/27 21:41 - D: x", true, [3]int{4, 3, 27}, 21, 41, 0, "D", "x"},
		{"japanese era name", "令和4/3/27 21:41 - D: x", true, [3]int{4, 3, 27}, 21, 41, 0, "D", "x"},
		{"hijri AH", "[8/24/1443 AH, 21:41:35] D: x", true, [3]int{8, 24, 1443}, 21, 41, 35, "D", "x"},
		{"pm past 12", "1/2/22, 13:05 PM - U: x", false, [3]int{}, 0, 0, 0, "", ""},
		{"time then text", "21:07, we met at 1/2/22", false, [3]int{}, 0, 0, 0, "", ""},
		{"word not a header", "Sa 12.3.2022 - A: x", false, [3]int{}, 0, 0, 0, "", ""},
		{"date in text", "1/2/22 was a good day", false, [3]int{}, 0, 0, 0, "", ""},
		{"date time text", "1/2/22, 10:00 we met", false, [3]int{}, 0, 0, 0, "", ""},
		{"version", "1.2.3 released", false, [3]int{}, 0, 0, 0, "", ""},
		{"bad hour", "1/2/22, 25:00 - A: x", false, [3]int{}, 0, 0, 0, "", ""},
		{"unclosed bracket", "[1/2/22, 10:00:00 A: x", false, [3]int{}, 0, 0, 0, "", ""},
		{"empty", "", false, [3]int{}, 0, 0, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := parseWAHeader([]byte(tt.line), nil)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			hh, mm, ss := h.clock()
			if h.d != tt.d || hh != tt.hh || mm != tt.mm || ss != tt.ss {
				t.Errorf("date %v %02d:%02d:%02d, want %v %02d:%02d:%02d", h.d, hh, mm, ss, tt.d, tt.hh, tt.mm, tt.ss)
			}
			sender := ""
			if !h.system {
				sender = cleanName([]byte(tt.line[h.senderStart:h.senderEnd]))
			}
			if sender != tt.sender || tt.line[h.textStart:] != tt.text {
				t.Errorf("sender %q text %q, want %q %q", sender, tt.line[h.textStart:], tt.sender, tt.text)
			}
		})
	}
}

func TestWhatsAppDateOrder(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // dates of the messages
		guessed bool
	}{
		{"day above 12 decides DMY", "01/02/22, 10:00 - A: x\n13/02/22, 10:00 - A: y\n", []string{"2022-02-01", "2022-02-13"}, false},
		{"day above 12 decides MDY", "01/02/22, 10:00 - A: x\n02/13/22, 10:00 - A: y\n", []string{"2022-01-02", "2022-02-13"}, false},
		// Every date fits both orders; only one keeps time moving forward.
		{"forward in DMY", "01/02/22, 10:00 - A: a\n02/02/22, 10:00 - A: b\n03/02/22, 10:00 - A: c\n01/03/22, 10:00 - A: d\n",
			[]string{"2022-02-01", "2022-02-02", "2022-02-03", "2022-03-01"}, true},
		{"forward in MDY", "02/01/22, 10:00 - A: a\n02/02/22, 10:00 - A: b\n02/03/22, 10:00 - A: c\n03/01/22, 10:00 - A: d\n",
			[]string{"2022-02-01", "2022-02-02", "2022-02-03", "2022-03-01"}, true},
		{"year first", "2022/01/02, 10:00 - A: x\n", []string{"2022-01-02"}, false},
		{"layout switch", "6/30/23, 16:14 - A: x\n1/2/23, 16:14 - A: y\n30/6/2023, 16:15 - A: z\n1/2/2023, 16:15 - A: w\n",
			[]string{"2023-06-30", "2023-01-02", "2023-06-30", "2023-02-01"}, false},
		// Korean writes two-digit years first: "24. 11. 23." also fits
		// day first, and is not.
		{"korean year first", "24. 11. 23. 오후 9:07 - A: x\n24. 11. 24. 오전 9:07 - A: y\n",
			[]string{"2024-11-23", "2024-11-24"}, true},
		{"two-digit year first by time", "24/11/23, 21:07 - A: x\n24/12/1, 21:07 - A: y\n25/1/2, 21:07 - A: z\n",
			[]string{"2024-11-23", "2024-12-01", "2025-01-02"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := waParse(t, "chat.txt", tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range msgs {
				got = append(got, m.Time.Format("2006-01-02"))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("dates %v, want %v", got, tt.want)
			}
			if g := msgs[0].Headers["date_order_guessed"] == "true"; g != tt.guessed {
				t.Errorf("guessed = %v, want %v", g, tt.guessed)
			}
		})
	}
}

// TestWhatsAppCalendars reads dates of the calendars iOS can stamp an
// export with and checks the Gregorian day and the header that says
// which calendar was read.
func TestWhatsAppCalendars(t *testing.T) {
	tests := []struct {
		name, line, want, cal string
	}{
		{"buddhist BE", "[3/27/2565 BE, 21:41:35] D: x", "2022-03-27", "buddhist"},
		{"buddhist by year", "[27/3/2565 21:41:35] D: x", "2022-03-27", "buddhist"},
		{"japanese reiwa", "[3/27/R4, 21:41:35] D: x", "2022-03-27", "japanese"},
		{"japanese heisei", "H31/4/30 21:41 - D: x", "2019-04-30", "japanese"},
		{"japanese kanji", "令和6/11/23 21:07 - D: x", "2024-11-23", "japanese"},
		{"persian nowruz", "۱۴۰۱/۱/۱, ۲۱:۰۷ - D: x", "2022-03-21", "persian"},
		{"persian nowruz 1403", "1403/1/1, 21:07 - D: x", "2024-03-20", "persian"},
		{"persian esfand 30 leap", "1403/12/30, 21:07 - D: x", "2025-03-20", "persian"},
		{"persian AP", "[1/17/1401 AP, 21:41:35] D: x", "2022-04-06", "persian"},
		// The tabular calendar; Umm al-Qura, which Saudi iPhones may
		// use, put 2 Ramadan 1443 a day earlier.
		{"hijri ramadan", "[2/9/1443 AH, 21:41:35] D: x", "2022-04-04", "islamic-civil"},
		{"hijri new year", "[1/1/1444 AH, 21:41:35] D: x", "2022-07-30", "islamic-civil"},
		{"hijri arabic", "[٢٧\u200f/٨\u200f/١٤٤٣ هـ، ٩:٤١:٣٥ م] D: x", "2022-03-31", "islamic-civil"},
		{"gregorian", "[27/3/2022, 21:41:35] D: x", "2022-03-27", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := waParse(t, "chat.txt", tt.line+"\n", Options{})
			if err != nil || len(msgs) != 1 {
				t.Fatalf("%d messages, err %v", len(msgs), err)
			}
			if got := msgs[0].Time.Format("2006-01-02"); got != tt.want || msgs[0].Headers["calendar"] != tt.cal {
				t.Errorf("%s calendar %q, want %s %q", got, msgs[0].Headers["calendar"], tt.want, tt.cal)
			}
		})
	}
	// A date that does not exist in its calendar is no date.
	for _, bad := range []string{"1402/12/30, 21:07 - D: x", "[2/30/1443 AH, 21:41:35] D: x", "H31/2/30 21:41 - D: x"} {
		if _, err := waParse(t, "chat.txt", bad+"\n", Options{}); err == nil {
			t.Errorf("%q imported", bad)
		}
	}
}

func TestWhatsAppErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantErr  string
		wantLine int
		lenient  int // messages imported in lenient mode
	}{
		{"first line not a message", "hello\n1/2/22, 10:00 - A: x\n", "chat.txt:1: not a WhatsApp message line", 1, 1},
		{"impossible date", "13/01/22, 10:00 - A: a\n14/01/22, 10:00 - A: b\n02/30/22, 10:00 - A: c\ncontinued\n15/01/22, 10:00 - A: d\n",
			`chat.txt:3: date "02/30/22, 10:00 -" does not fit the DMY order`, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := waParse(t, "chat.txt", tt.in, Options{})
			var e *Error
			if !errors.As(err, &e) || e.Line != tt.wantLine || e.File != "chat.txt" || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want *Error %q", err, tt.wantErr)
			}
			var skipped []*Error
			msgs, err := waParse(t, "chat.txt", tt.in, Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e) }})
			if err != nil || len(msgs) != tt.lenient || len(skipped) != 1 || skipped[0].Line != tt.wantLine {
				t.Fatalf("lenient: %d messages, err %v, skipped %v", len(msgs), err, skipped)
			}
			for _, m := range msgs {
				if strings.Contains(m.Body, "continued") {
					t.Errorf("a skipped record's continuation was glued to %q", m.Body)
				}
			}
		})
	}
}

func TestWhatsAppBlankAndBOM(t *testing.T) {
	msgs, err := waParse(t, "chat.txt", "\ufeff\n\n1/2/22, 10:00 - A: x\r\n\r\n\r\n1/2/22, 10:01 - B: y", Options{})
	if err != nil || len(msgs) != 2 || msgs[0].Body != "x" || msgs[1].Body != "y" || msgs[0].Provenance.Position != "line 3" {
		t.Fatalf("msgs %+v, err %v", msgs, err)
	}
}

// TestWhatsAppOverlappingExports imports an export and a later one that
// repeats it: every message of the first gets the same ID in the second,
// identical messages in one minute included.
func TestWhatsAppOverlappingExports(t *testing.T) {
	first := "13/01/22, 10:00 - A: ok\n13/01/22, 10:00 - A: ok\n13/01/22, 10:00 - B: ok\n13/01/22, 10:01 - A: ok\n"
	later := first + "13/01/22, 10:01 - A: ok\n14/01/22, 09:00 - B: new\n"
	ids := func(text string) []string {
		msgs, err := waParse(t, "WhatsApp Chat with A.txt", text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, m.ID)
		}
		return out
	}
	a, b := ids(first), ids(later)
	seen := map[string]bool{}
	for i, id := range a {
		if seen[id] {
			t.Fatalf("message %d: duplicate id %s", i, id)
		}
		seen[id] = true
		if b[i] != id {
			t.Errorf("message %d: id %s in the later export, %s in the first", i, b[i], id)
		}
	}
	if len(b) != 6 || seen[b[4]] || seen[b[5]] {
		t.Errorf("later export ids %v", b)
	}
}

func TestWhatsAppTimezone(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	msgs, err := waParse(t, "chat.txt", "13/01/22, 10:00 - A: winter\n13/07/22, 10:00 - A: summer\n", Options{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		utc    string
		offset int
	}{{"2022-01-13T09:00:00Z", 3600}, {"2022-07-13T08:00:00Z", 7200}} {
		m := msgs[i]
		if m.Time.Format(time.RFC3339) != want.utc || m.Offset != want.offset || m.Provenance.Timezone != "Europe/Berlin" {
			t.Errorf("message %d: %s offset %d zone %q, want %s %d", i, m.Time.Format(time.RFC3339), m.Offset, m.Provenance.Timezone, want.utc, want.offset)
		}
	}
}

func TestWhatsAppTruncate(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 50 MiB message")
	}
	big := strings.Repeat("é", MaxMessageBodySize/2+10) // over the limit, in 2-byte runes
	msgs, err := waParse(t, "chat.txt", "1/13/22, 10:00 - A: "+big+"\nmore\n1/13/22, 10:01 - A: after\n", Options{})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages, err %v", len(msgs), err)
	}
	m := msgs[0]
	if m.Headers["truncated"] != "true" || !strings.HasPrefix(m.Body, "éé") || !strings.Contains(m.Body, "[coffer: message truncated") ||
		len(m.Body) > MaxMessageBodySize+100 || !strings.HasPrefix(m.Headers["original_size"], "5") {
		t.Errorf("truncated message: %d bytes, headers %v, tail %q", len(m.Body), m.Headers, m.Body[len(m.Body)-60:])
	}
	if msgs[1].Body != "after" {
		t.Errorf("next message %q", msgs[1].Body)
	}
}

// waZip writes an export archive with the given members.
func waZip(t *testing.T, name string, members map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, n := range []string{"__MACOSX/._chat.txt", "_chat.txt", "WhatsApp Chat with Bob.txt", "00000001-PHOTO-2022-01-13-10-00-00.jpg", "IMG-20220113-WA0000.jpg"} {
		body, ok := members[n]
		if !ok {
			continue
		}
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestWhatsAppZip(t *testing.T) {
	t.Run("ios", func(t *testing.T) {
		p := waZip(t, "WhatsApp Chat - Anna.zip", map[string]string{
			"__MACOSX/._chat.txt":                    "junk",
			"_chat.txt":                              "[13.01.22, 10:00:00] Anna: <attached: 00000001-PHOTO-2022-01-13-10-00-00.jpg>\r\n[13.01.22, 10:00:05] Anna: <attached: 00000002-PHOTO-2022-01-13-10-00-05.jpg>\r\n",
			"00000001-PHOTO-2022-01-13-10-00-00.jpg": "JPEG",
		})
		if !WhatsApp.Detect(p) {
			t.Fatal("not detected")
		}
		msgs := collect(t, WhatsApp, p, Options{Location: time.UTC})
		if len(msgs) != 2 || msgs[0].Conversation.ID != "whatsapp:Anna" || msgs[0].Provenance.File != "WhatsApp Chat - Anna.zip!_chat.txt" {
			t.Fatalf("msgs %+v", msgs)
		}
		a := msgs[0].Attachments[0]
		if string(a.Content) != "JPEG" || a.Missing || a.Type != "image/jpeg" || a.Size != 4 {
			t.Errorf("linked attachment %+v", a)
		}
		if a := msgs[1].Attachments[0]; !a.Missing || a.Content != nil || a.Name != "00000002-PHOTO-2022-01-13-10-00-05.jpg" {
			t.Errorf("missing attachment %+v", a)
		}
	})
	t.Run("android", func(t *testing.T) {
		p := waZip(t, "export.zip", map[string]string{
			"WhatsApp Chat with Bob.txt": "13/01/2022, 10:00 - Bob: IMG-20220113-WA0000.jpg (file attached)\ncaption\n",
			"IMG-20220113-WA0000.jpg":    "PIC",
		})
		msgs := collect(t, WhatsApp, p, Options{Location: time.UTC})
		if len(msgs) != 1 || msgs[0].Conversation.ID != "whatsapp:Bob" || string(msgs[0].Attachments[0].Content) != "PIC" {
			t.Fatalf("msgs %+v", msgs)
		}
	})
	t.Run("no chat", func(t *testing.T) {
		p := waZip(t, "x.zip", map[string]string{"IMG-20220113-WA0000.jpg": "PIC"})
		if WhatsApp.Detect(p) {
			t.Error("detected a zip without a chat")
		}
		if err := WhatsApp.Parse(p, Options{}, func(*vaultMessage) error { return nil }); err == nil || !strings.Contains(err.Error(), "no WhatsApp chat") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestWhatsAppChatName(t *testing.T) {
	tests := []struct{ file, want string }{
		{"WhatsApp Chat with Anna.txt", "Anna"},
		{"WhatsApp Chat with Anna (1).txt", "Anna"},
		{"WhatsApp Chat - Book club.zip", "Book club"},
		{"WhatsApp-Chat mit Jörg.txt", "Jörg"},
		{"repo__WhatsApp_Chat_with_+123_45_6789.txt", "+123 45 6789"},
		{"_chat.txt", ""},
	}
	for _, tt := range tests {
		if got, _ := waChatFromFileName(tt.file); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.file, got, tt.want)
		}
	}
}

// TestWhatsAppDetectOthers: other formats' files are not taken for
// WhatsApp, and Detect never fails on them.
func TestWhatsAppDetectOthers(t *testing.T) {
	files, _ := filepath.Glob("testdata/jsonl/*")
	files = append(files, waWrite(t, "empty.txt", ""), waWrite(t, "bin.txt", "\x00\x01\x02PK"),
		waWrite(t, "signal.txt", "[2019-12-24, 12:23] Jane Doe: Hello John!\n"),
		waWrite(t, "notes.txt", "Meeting notes\n1/2/22, 10:00 - A: x\n"), filepath.Join(t.TempDir(), "absent"))
	// Other formats' real samples, when the shared folder is there.
	if root := waModuleRoot(t); root != "" {
		for _, dir := range []string{"signal", "telegram", "slack", "eml", "mbox", "other"} {
			more, _ := filepath.Glob(filepath.Join(filepath.Dir(root), "shared", "samples", dir, "*"))
			files = append(files, more...)
		}
	}
	for _, f := range files {
		if WhatsApp.Detect(f) {
			t.Errorf("Detect(%s) = true", filepath.Base(f))
		}
	}
}

// waModuleRoot returns the folder holding go.mod, or "".
func waModuleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// FuzzWhatsApp feeds arbitrary text to the importer: nothing may panic and
// every message it emits must be valid.
func FuzzWhatsApp(f *testing.F) {
	addSeeds(f, "whatsapp/*.txt")
	// The team's samples, in more languages, when they are there.
	if root := waModuleRoot(f); root != "" {
		more, _ := filepath.Glob(filepath.Join(filepath.Dir(root), "shared", "samples", "whatsapp", "*.txt"))
		for _, p := range more {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	// An export in every language's layouts and phrases.
	locs, err := readWALocales()
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range locs {
		for _, ios := range []bool{false, true} {
			text, _ := waLocaleExport(f, l, 0, ios, ios && l.Layouts[0].Time12 != "")
			f.Add([]byte(text))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, lenient := range []bool{false, true} {
			_ = waReadBytes(b, Options{Lenient: lenient, Location: time.UTC}, func(m *vaultMessage) error {
				checkEmitted(t, m)
				if m.Source != "whatsapp" || m.Conversation.ID == "" {
					t.Fatalf("incomplete message: %+v", m)
				}
				return nil
			})
		}
	})
}

// TestWhatsAppLongNoticeLine: a marked line the length of a message
// bound is not matched against every notice template (which would take
// minutes), and imports as text.
func TestWhatsAppLongNoticeLine(t *testing.T) {
	long := "\u200e" + strings.Repeat("Ben added Ann ", 1<<16)
	start := time.Now()
	msgs, err := waParse(t, "chat.txt", "[23.11.24, 21:07:09] Club: "+long+"\n[23.11.24, 21:08:09] Club: \u200eBen added Ann\n", Options{})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages, err %v", len(msgs), err)
	}
	if msgs[0].Kind != "" || msgs[1].Kind != "system" {
		t.Errorf("kinds %q %q", msgs[0].Kind, msgs[1].Kind)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
