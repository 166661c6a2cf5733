package ingest

import (
	"os"
	"path/filepath"
	"testing"

	"coffer/vault"
)

// TestMeterCountsTheInput: progress by bytes is only honest if the meter
// counts every byte of an input once, whatever the format and container:
// a plain file, a zip (its compressed bytes, which its size counts) and a
// folder.
func TestMeterCountsTheInput(t *testing.T) {
	shared := func(format, name string) string { return filepath.Join(sharedSamples(t, format), name) }
	tests := []struct {
		name string
		path string
		// slack: within a few percent (a zip's central directory is read
		// twice, once to list and once per entry header).
		tolerance float64
	}{
		{"whatsapp", shared("whatsapp", "whatsapp-chat-parser-website__example_chat.txt"), 0},
		{"whatsapp zip", shared("whatsapp", "whatsapp-chat-parser-website__example_chat.zip"), 0.05},
		{"mbox", shared("mbox", "patchwork__base-deep-threaded.mbox"), 0},
		{"eml", shared("eml", "mail__raw_email_with_nested_attachment.eml"), 0},
		{"telegram", shared("telegram", "chat-history-manager-rust__telegram_2020-01_result.json"), 0},
		{"slack folder", "../../testdata/demo/slack", 0},
		// SQLite reads chat.db itself: counted a message at a time, in
		// proportion to the rows (tapbacks fold into their message).
		{"imessage chat.db", shared("imessage", "macos-ts__chat.db"), 0.35},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Fatal(err)
			}
			f, err := Detect(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			m := new(Meter)
			if err := f.Parse(tc.path, Options{Meter: m, Lenient: true}, func(*vault.Message) error { return nil }); err != nil {
				t.Fatal(err)
			}
			want := size(t, tc.path)
			got := m.Bytes()
			if lo, hi := float64(want)*(1-tc.tolerance), float64(want)*(1+tc.tolerance); float64(got) < lo || float64(got) > hi {
				t.Errorf("meter counted %d bytes of %s, which holds %d", got, filepath.Base(tc.path), want)
			}
		})
	}
}

// size is the size of the regular files at or under path.
func size(t *testing.T, path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if d.Type().IsRegular() {
			info, _ := d.Info()
			n += info.Size()
		}
		return nil
	})
	return n
}
