package ingest

import (
	"testing"
)

func TestLocalZoneHasAName(t *testing.T) {
	tests := []struct{ tz, want string }{
		{"Europe/Berlin", "Europe/Berlin"},
		{":America/New_York", "America/New_York"},
		{"", "UTC"},
	}
	for _, tt := range tests {
		t.Setenv("TZ", tt.tz)
		if got := LocalZone().String(); got != tt.want {
			t.Errorf("TZ=%q: zone %q, want %q", tt.tz, got, tt.want)
		}
	}
}
