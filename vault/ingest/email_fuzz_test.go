package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mailSeeds adds every testdata/email file matching the patterns, and
// fails the fuzz target when there is none: a target without real
// samples would only fuzz from nothing.
func mailSeeds(f *testing.F, patterns ...string) {
	n := 0
	for _, pat := range patterns {
		files, _ := filepath.Glob(filepath.Join("testdata", "email", pat))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			// The fuzzer mutates small inputs far better; the start of a
			// large sample keeps its structure.
			f.Add(b[:min(len(b), 16<<10)])
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seed found in testdata/email for %q", patterns)
	}
}

func FuzzEML(f *testing.F) {
	mailSeeds(f, "*.eml", "*.raw")
	f.Fuzz(func(t *testing.T, b []byte) {
		src := emailSource{format: "eml", file: "fuzz.eml", position: "message 1"}
		_ = emitEmail(b, src, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}

func FuzzMbox(f *testing.F) {
	mailSeeds(f, "*.mbox*")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ReadMbox(bytes.NewReader(b), "fuzz.mbox", "", Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}

func FuzzMailArchive(f *testing.F) {
	mailSeeds(f, "*.zip")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.zip")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		MailArchive.Detect(p)
		_ = MailArchive.Parse(p, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}

// FuzzMailDate checks the lenient date parser never panics and never
// returns a zero time without an error.
func FuzzMailDate(f *testing.F) {
	for _, s := range []string{"Mon, 2 Jan 2006 15:04:05 -0700", "Fri, 23 Aug 2002 2:32:53 -0400",
		"Thu, 10 Jan 2002 13:58:10 -0800 (PST)", "2 Jan 06 15:04 PDT", "Sun Aug  7 11:40:37 2022", "<HR>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, _, err := parseMailDate(s, time.UTC); err == nil && tm.IsZero() {
			t.Fatalf("%q parsed to the zero time", s)
		}
	})
}

// FuzzMaildir fuzzes a maildir holding one message: its bytes and its
// file name (where the flags live).
func FuzzMaildir(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "email", "*.eml"))
	if len(files) == 0 {
		f.Fatal("no seed found in testdata/email")
	}
	for i, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]string{"1333376512.M1P1.host:2,RS", "1400000000.M3P3.host", "x:2,"}[i%3], b[:min(len(b), 16<<10)])
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 200 {
			return
		}
		root := t.TempDir()
		for _, d := range []string{"cur", "new", "tmp"} {
			if err := os.Mkdir(filepath.Join(root, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, "cur", name), b, 0o600); err != nil {
			return // a name the file system refuses
		}
		_ = Maildir.Parse(root, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}
