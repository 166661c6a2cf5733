package index_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the test's zone, wherever it runs

	"coffer/index"
)

// TestPeriod: the date values of the query language, and RFC 3339 times,
// as bounds of a filter (coffer audit show --since/--until, the auditor's
// screen).
func TestPeriod(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 14, 15, 30, 0, 0, paris)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, paris) }
	var open time.Time
	tests := []struct {
		in       string
		from, to time.Time
		wantErr  string
	}{
		{in: "2025", from: day(2025, 1, 1), to: day(2026, 1, 1)},
		{in: "2025-03", from: day(2025, 3, 1), to: day(2025, 4, 1)},
		{in: "2025-03-01", from: day(2025, 3, 1), to: day(2025, 3, 2)},
		{in: "2025-Q1", from: day(2025, 1, 1), to: day(2025, 4, 1)},
		{in: "2024-q4", from: day(2024, 10, 1), to: day(2025, 1, 1)},
		{in: "2025-Q2..2025-Q3", from: day(2025, 4, 1), to: day(2025, 10, 1)},
		{in: "2025-Q5", wantErr: "bad date"},
		{in: "today", from: day(2025, 3, 14), to: day(2025, 3, 15)},
		{in: "Yesterday", from: day(2025, 3, 13), to: day(2025, 3, 14)},
		// A relative value is a point: since 7d is from then, until 7d up
		// to then.
		{in: "7d", from: now.AddDate(0, 0, -7), to: now.AddDate(0, 0, -7)},
		{in: "12h", from: now.Add(-12 * time.Hour), to: now.Add(-12 * time.Hour)},
		{in: "2w", from: now.AddDate(0, 0, -14), to: now.AddDate(0, 0, -14)},
		{in: "2025-03-01..", from: day(2025, 3, 1), to: open},
		{in: "..2025-03-05", from: open, to: day(2025, 3, 6)},
		{in: "2025-03-01..2025-03", from: day(2025, 3, 1), to: day(2025, 4, 1)},
		{in: "7d..today", from: now.AddDate(0, 0, -7), to: day(2025, 3, 15)},
		{in: "2025-03-10T09:00:00Z", from: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), to: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)},
		{in: "2025-03-10T09:00:00+01:00..2025-03-11", from: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC), to: day(2025, 3, 12)},
		{in: "", wantErr: "bad date"},
		{in: "someday", wantErr: `bad date "someday"`},
		{in: "2025-13", wantErr: "bad date"},
		{in: "..", wantErr: "needs at least one end"},
		{in: "2025-03-05..2025-03-01", wantErr: "ends before it starts"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			from, to, err := index.Period(tc.in, now, paris)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Period(%q) = %v, %v, %v; want error %q", tc.in, from, to, err, tc.wantErr)
				}
				return
			}
			if err != nil || !from.Equal(tc.from) || !to.Equal(tc.to) {
				t.Fatalf("Period(%q) = %v, %v, %v; want %v, %v", tc.in, from, to, err, tc.from, tc.to)
			}
		})
	}
}

// FuzzPeriod: no value makes Period panic, and a range it accepts does
// not end before it starts.
func FuzzPeriod(f *testing.F) {
	for _, s := range []string{"2025", "2025-03", "2025-03-01", "today", "yesterday", "7d", "12h", "1y",
		"2025-03-01..", "..2025-03-05", "7d..today", "2025-03-10T09:00:00Z", "2025-03-10T09:00:00+01:00..2025-03-11", ".."} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 14, 15, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		from, to, err := index.Period(v, now, time.UTC)
		if err == nil && !from.IsZero() && !to.IsZero() && to.Before(from) {
			t.Fatalf("Period(%q) = %v, %v: ends before it starts", v, from, to)
		}
	})
}
