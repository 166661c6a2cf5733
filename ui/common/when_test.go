package common

import (
	"testing"
	"time"
)

func TestWhen(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		t      time.Time
		layout string
		want   string
	}{
		{at, "15:04", "12:05"},
		{at, "2006-01-02", "2024-03-01"},
		{time.Time{}, "15:04", "--:--"},
		{time.Time{}, "Mon 2 Jan 2006", "date unknown"},
		{time.Unix(time.Time{}.Unix(), 0), "2006-01-02", "date unknown"},
	} {
		if got := When(tc.t, time.UTC, tc.layout); got != tc.want {
			t.Errorf("When(%v, %q) = %q, want %q", tc.t, tc.layout, got, tc.want)
		}
	}
	if got := WhenUnix(time.Time{}.Unix(), time.UTC, "15:04"); got != "--:--" {
		t.Errorf("WhenUnix(zero) = %q", got)
	}
}
