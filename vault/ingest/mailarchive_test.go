package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

// zipEntry is one member of a test archive; store keeps it uncompressed.
type zipEntry struct {
	name, data string
	store      bool
}

func writeZip(t testing.TB, entries []zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "drop.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sampleText(t testing.TB, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "email", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMailArchiveSample(t *testing.T) {
	p := filepath.Join("testdata", "email", "mailarchive__drop.zip")
	if !MailArchive.Detect(p) {
		t.Fatal("Detect = false")
	}
	ms := collect(t, MailArchive, p, Options{})
	if len(ms) != 3 {
		t.Fatalf("%d messages, want 3", len(ms))
	}
	sum, _ := HashFile(p)
	checkMail(t, "first", ms[0], mailWant{"Megan One", "2012-04-02T16:21:52Z", "Re: Test", "Hello"})
	checkMail(t, "last", ms[2], mailWant{"Testing", "2007-11-18T08:56:07Z", "Re: Test reply email", "Message body"})
	if f := ms[0].Provenance.File; f != "mailarchive__drop.zip!mail/talon__gmail.eml" || ms[0].Provenance.FileSHA256 != sum ||
		ms[2].Provenance.Position != "message 3" {
		t.Errorf("provenance %+v", ms[0].Provenance)
	}
}

func TestMailArchive(t *testing.T) {
	gmail, yahoo := sampleText(t, "talon__gmail.eml"), sampleText(t, "talon__yahoo.eml")
	tests := []struct {
		name    string
		entries []zipEntry
		want    int
		wantErr string
		is      error
	}{
		{"manifest last", []zipEntry{{"a.eml", gmail, false}, {"b.EML", yahoo, false}, {"x/drop.mf", "Count: 2\n", false}}, 2, "", nil},
		{"mac junk ignored", []zipEntry{{"drop.mf", "count:1", false}, {"a.eml", gmail, false}, {"__MACOSX/._a.eml", "junk", false}, {"notes.txt", "hi", false}}, 1, "", nil},
		{"count too high", []zipEntry{{"drop.mf", "Id: 7\nCount: 3\n", false}, {"a.eml", gmail, false}, {"b.eml", yahoo, false}}, 0,
			"drop.zip!drop.mf:2: manifest count does not match the archive: manifest says Count: 3 but the archive holds 2 EML files", ErrManifestCount},
		{"count too low", []zipEntry{{"drop.mf", "Count: 1", false}, {"a.eml", gmail, false}, {"b.eml", yahoo, false}}, 0,
			"says Count: 1 but the archive holds 2 EML files", ErrManifestCount},
		{"no manifest", []zipEntry{{"a.eml", gmail, false}}, 0, "drop.zip: no .mf manifest in the archive", nil},
		{"two manifests", []zipEntry{{"a.mf", "Count: 1", false}, {"b.mf", "Count: 1", false}, {"a.eml", gmail, false}}, 0, "2 .mf manifests", nil},
		{"no count", []zipEntry{{"drop.mf", "Total: 1", false}, {"a.eml", gmail, false}}, 0, "manifest has no Count: line", nil},
		{"bad count", []zipEntry{{"drop.mf", "Count: many", false}, {"a.eml", gmail, false}}, 0, `bad Count: "many"`, nil},
		{"zip bomb", []zipEntry{{"drop.mf", "Count: 1", false}, {"a.eml", strings.Repeat("\x00", 4<<20), false}}, 0, "zip bomb", ErrZipBomb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeZip(t, tt.entries)
			if hasMF := tt.name != "no manifest"; MailArchive.Detect(p) != hasMF {
				t.Errorf("Detect = %v, want %v", !hasMF, hasMF)
			}
			var n int
			// Lenient must not excuse a count mismatch.
			err := MailArchive.Parse(p, Options{Lenient: true}, func(*vaultMessage) error { n++; return nil })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Fatalf("err %v is not %v", err, tt.is)
				}
				if n != 0 {
					t.Fatalf("%d messages emitted before the error", n)
				}
				return
			}
			if err != nil || n != tt.want {
				t.Fatalf("got %d messages, err %v; want %d", n, err, tt.want)
			}
		})
	}
}

func TestMailArchiveDetectPlainZip(t *testing.T) {
	p := writeZip(t, []zipEntry{{"_chat.txt", "x", false}, {"a.eml", "From: a\n", false}})
	if MailArchive.Detect(p) {
		t.Fatal("a zip without a manifest is not an archiver drop")
	}
}

// TestMailArchiveManifestTime: a message of a drop without any date of
// its own takes the manifest's Created: time, and says so (issue 17 §1);
// one with a Date keeps it; without Created: the time is unknown.
func TestMailArchiveManifestTime(t *testing.T) {
	dated := sampleText(t, "talon__gmail.eml")
	undated := "From: a@x.org\r\nSubject: draft\r\n\r\nno date anywhere\r\n"
	for _, tc := range []struct {
		manifest, wantTime, wantSource string
	}{
		{"Created: 2026-11-27T12:00:00Z\nCount: 2\n", "2026-11-27T12:00:00Z", vault.TimeFromManifest},
		{"Count: 2\n", "0001-01-01T00:00:00Z", vault.TimeUnknown},
		{"Created: yesterday\nCount: 2\n", "0001-01-01T00:00:00Z", vault.TimeUnknown},
	} {
		p := writeZip(t, []zipEntry{{"drop.mf", tc.manifest, false}, {"1.eml", dated, false}, {"2.eml", undated, false}})
		ms := collect(t, MailArchive, p, Options{})
		if len(ms) != 2 {
			t.Fatalf("%q: %d messages", tc.manifest, len(ms))
		}
		if ms[0].Provenance.TimeSource != vault.TimeFromDate {
			t.Errorf("%q: dated message's time from %q", tc.manifest, ms[0].Provenance.TimeSource)
		}
		if got := ms[1].Time.UTC().Format(time.RFC3339); got != tc.wantTime || ms[1].Provenance.TimeSource != tc.wantSource {
			t.Errorf("%q: undated message at %s from %q, want %s from %q", tc.manifest, got, ms[1].Provenance.TimeSource, tc.wantTime, tc.wantSource)
		}
	}
}
