package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectSaysWhy checks that a file no format recognises is reported
// with what it is, when that explains it, and that a first JSONL line
// longer than detection reads is still recognised.
func TestDetectSaysWhy(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zipOf := func(name string, files map[string][]byte) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, b := range files {
			w, err := zw.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return write(name, buf.Bytes())
	}
	record := func(body string) string {
		return `{"source":"s","conversation":{"id":"c","participants":["a","b"]},"sender":"a","time":"2024-01-01T00:00:00Z","body":"` + body + `"}` + "\n"
	}
	bodyFirst := `{"body":"` + strings.Repeat("x", 200<<10) + `","source":"s","conversation":{"id":"c"},"sender":"a","time":"2024-01-01T00:00:00Z"}` + "\n"
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		path    string
		format  string // detected, or
		want    string // in the error
		unknown bool   // the error is ErrUnknownFormat (--format may help)
	}{
		{"long JSONL record", write("long.jsonl", []byte(record(strings.Repeat("y", 1<<20))+record("z"))), "jsonl", "", false},
		{"JSONL body first", write("odd.jsonl", []byte(bodyFirst)), "", "odd.jsonl: unknown export format: line 1 is 200.1 KiB long", true},
		{"line over the limit", write("huge.jsonl", bytes.Repeat([]byte("x"), MaxLineBytes+1)), "", "huge.jsonl: line 1 is over 64.0 MiB, longer than any record coffer reads", false},
		{"zip bomb", zipOf("bomb.zip", map[string][]byte{"a.txt": make([]byte, 8<<20)}), "",
			`bomb.zip: refusing archive: looks like a zip bomb (1 file; "a.txt" expands`, false},
		{"broken zip", write("broken.zip", []byte("PK\x03\x04 not really")), "", "broken.zip: zip: not a valid zip file", false},
		{"other zip", zipOf("photos.zip", map[string][]byte{"a.jpg": []byte("x"), "b.jpg": []byte("y")}), "",
			"photos.zip: unknown export format: a zip archive of 2 files, holding no export coffer reads", true},
		{"folder", folder, "", "folder: unknown export format: a folder holding no export", true},
		{"empty", write("empty.txt", nil), "", "empty.txt: unknown export format: the file is empty", true},
		{"binary", write("a.bin", []byte("\x7fELF\x02\x01\x01\x00")), "", "a.bin: unknown export format: binary data", true},
		{"other SQLite", write("a.db", []byte("SQLite format 3\x00\x10\x00")), "", "a.db: unknown export format: a SQLite database, but not a Messages chat.db", true},
		{"SMS backup", "testdata/sms/group.xml", "sms", "", false},
		{"SMS call log, to be refused by the sms format", "testdata/sms/calls.xml", "sms", "", false},
		{"other XML", write("feed.xml", []byte(`<?xml version="1.0"?><rss><channel/></rss>`)), "", "feed.xml: unknown export format (use --format)", true},
		{"Discord export", "testdata/discord/guild.json", "discord", "", false},
		{"text", write("notes.txt", []byte("shopping list\nmilk\n")), "", "notes.txt: unknown export format (use --format)", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Detect(c.path)
			if c.format != "" {
				if err != nil || f.Name != c.format {
					t.Fatalf("detected %q, %v; want %s", f.Name, err, c.format)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if errors.Is(err, ErrUnknownFormat) != c.unknown {
				t.Errorf("errors.Is(ErrUnknownFormat) = %v, want %v", !c.unknown, c.unknown)
			}
		})
	}
}

// TestZipBombLimits checks each limit on an archive's declared sizes.
func TestZipBombLimits(t *testing.T) {
	entry := func(name string, size, compressed uint64) *zip.File {
		return &zip.File{FileHeader: zip.FileHeader{Name: name, UncompressedSize64: size, CompressedSize64: compressed}}
	}
	many := make([]*zip.File, MaxZipEntries+1)
	for i := range many {
		many[i] = entry("f", 1, 1)
	}
	var total []*zip.File
	for range 5 {
		total = append(total, entry("part", MaxZipEntryBytes, MaxZipEntryBytes))
	}
	for _, c := range []struct {
		name  string
		files []*zip.File
		want  string
	}{
		{"fine", []*zip.File{entry("a", 10<<20, 1<<20), entry("b", 100, 1)}, ""},
		{"too many", many, "200001 files, more than 200000"},
		{"one too large", []*zip.File{entry("big.mp4", MaxZipEntryBytes+1, MaxZipEntryBytes)}, `1 file; "big.mp4" expands to 4.0 GiB, more than 4.0 GiB`},
		{"too much in all", total, "5 files expanding to over 16.0 GiB"},
		{"ratio", []*zip.File{entry("a", 2, 1), entry("z", 300<<20, 1<<20)}, `2 files; "z" expands 300 times, to 300.0 MiB, more than 200 times`},
	} {
		if got := zipBomb(c.files); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
