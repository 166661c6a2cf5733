package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// imTextDateRef is what imTextDateLine replaced: the regexp, then
// time.ParseInLocation.
func imTextDateRef(line string, loc *time.Location) (time.Time, string, bool) {
	g := imTextDate.FindStringSubmatch(line)
	if g == nil {
		return time.Time{}, "", false
	}
	t, err := time.ParseInLocation(imTextDateLayout, g[1]+" "+g[2]+", "+g[3]+" "+g[4], loc)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, g[5], true
}

func checkIMTextDate(t *testing.T, line string) {
	t.Helper()
	loc := time.FixedZone("X", 3600)
	gt, grest, gok := imTextDateLine(line, loc)
	wt, wrest, wok := imTextDateRef(line, loc)
	if gok != wok || grest != wrest || gt != wt {
		t.Fatalf("%q: got %v %q %v, want %v %q %v", line, gt, grest, gok, wt, wrest, wok)
	}
}

func TestIMTextDateLine(t *testing.T) {
	for _, line := range []string{
		"Apr 1, 2024 10:45:00 AM", "Apr  1, 2024  9:05:07 PM", "Apr 01, 2024 09:05:07 PM (Read by you after 12 seconds)",
		"Apr 1, 2024 10:45:00 AM ", "Apr 1, 2024 10:45:00 AM  You renamed it", "Apr 1, 2024 10:45:00 AMx",
		"Feb 29, 2024 12:00:00 AM", "Feb 29, 2023 12:00:00 AM", "Feb 29, 2000 12:00:00 PM", "Feb 29, 1900 1:00:00 PM",
		"Jun 31, 2024 1:00:00 PM", "Jan 0, 2024 1:00:00 PM", "Jan 1, 2024 0:00:00 PM", "Jan 1, 2024 13:00:00 PM",
		"Jan 1, 2024 1:60:00 PM", "Jan 1, 2024 1:00:60 PM", "Xyz 1, 2024 1:00:00 PM", "JAN 1, 2024 1:00:00 PM",
		"Jan   1, 2024 1:00:00 PM", "Jan 1, 2024   1:00:00 PM", "Jan 123, 2024 1:00:00 PM", "Jan 1, 20245 1:00:00 PM",
		"Jan 1, 2024 1:0:00 PM", "Jan 1, 2024 1:00:00 pm", "Jan 1, 2024 1:00:00 PM a\nb", "Jan 1,2024 1:00:00 PM",
		"Sep 9, 0000 1:00:00 AM", "Dec 31, 9999 11:59:59 PM (x)", "Jan 1, 2024 1:00:00 PM \xff\xfe", "", "Jan",
	} {
		checkIMTextDate(t, line)
	}
	// Mutations of date lines: every byte changed, dropped or doubled.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789 :,APMJanFebSepx\n()"
	for _, base := range []string{"Feb 29, 2024 12:59:59 PM (Read)", "Nov  9, 2023  9:05:07 AM"} {
		for i := range len(base) {
			checkIMTextDate(t, base[:i]+base[i+1:])
			checkIMTextDate(t, base[:i]+base[i:i+1]+base[i:])
			for range 8 {
				checkIMTextDate(t, base[:i]+string(alphabet[r.IntN(len(alphabet))])+base[i+1:])
			}
		}
	}
	for range 20000 {
		var b strings.Builder
		for range 20 + r.IntN(8) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		checkIMTextDate(t, b.String())
	}
}

func FuzzIMTextDateLine(f *testing.F) {
	f.Add("Apr 1, 2024 10:45:00 AM (Read by you after 12 seconds)")
	f.Add("Feb 29, 2023  1:05:00 PM")
	f.Fuzz(checkIMTextDate)
}
