package main

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		done, total int64
		messages    int
		elapsed     time.Duration
		want        string
	}{
		{0, 2_900_000_000, 0, 0, "[--------------------]   0%  0 B of 2.9 GB · 0 messages"},
		// Under a second: no rate, no estimate yet.
		{1_000_000, 2_900_000_000, 12, 500 * time.Millisecond, "[--------------------]   0%  1.0 MB of 2.9 GB · 12 messages"},
		{1_200_000_000, 2_900_000_000, 12345, 25 * time.Second, "[########------------]  41%  1.2 GB of 2.9 GB · 48 MB/s · 12345 messages · 0:36 left"},
		{2_900_000_000, 2_900_000_000, 30000, time.Minute, "[####################] 100%  2.9 GB of 2.9 GB · 48 MB/s · 30000 messages"},
		// An importer that reads more than the inputs' size (attachments
		// named from a JSON file) stops at 100%.
		{5_000, 4_000, 1, 2 * time.Second, "[####################] 100%  4.0 kB of 4.0 kB · 2.0 kB/s · 1 message"},
		{50_000_000_000, 100_000_000_000, 1, 1000 * time.Second, "[##########----------]  50%  50 GB of 100 GB · 50 MB/s · 1 message · 16:40 left"},
		{1, 4_000_000_000_000, 1, time.Second, "[--------------------]   0%  1 B of 4.0 TB · 1 B/s · 1 message"},
		{7_000_000, 10_000_000, 9, 7 * time.Second, "[##############------]  70%  7.0 MB of 10 MB · 1.0 MB/s · 9 messages · 0:03 left"},
	}
	for _, tc := range tests {
		if got := progressLine(tc.done, tc.total, tc.messages, tc.elapsed); got != tc.want {
			t.Errorf("progressLine(%d, %d, %d, %v)\n got %q\nwant %q", tc.done, tc.total, tc.messages, tc.elapsed, got, tc.want)
		}
	}
}
