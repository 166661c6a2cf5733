package ingest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// makeMaildir builds a maildir from testdata samples: name -> sample.
func makeMaildir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "Mail")
	for _, d := range []string{"cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, sample := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "email", sample))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestMaildir(t *testing.T) {
	root := makeMaildir(t, map[string]string{
		"cur/1333376512.M1P1.host:2,RS":   "talon__gmail.eml",
		"cur/1333374330.M2P2.host:2,S":    "talon__yahoo.eml",
		"new/1400000000.M3P3.host":        "mail__ks_c_5601-1987.eml",
		"tmp/1400000001.M4P4.host":        "mail__japanese_shift_jis.eml", // still being delivered
		".Sent/cur/1195376167.M5P5.h:2,S": "mail__raw_email_reply.eml",
	})
	if !Maildir.Detect(root) || Maildir.Detect(filepath.Join(root, "cur")) ||
		Maildir.Detect(filepath.Join("testdata", "email", "talon__gmail.eml")) {
		t.Fatal("Detect must accept the maildir and only it")
	}
	ms := collect(t, Maildir, root, Options{})
	var got []string
	for _, m := range ms {
		got = append(got, m.Provenance.File+" "+m.Headers["X-Maildir-Flags"]+" "+m.Headers["X-Maildir-Folder"]+" "+m.Subject)
		checkProvenance(t, m, "maildir", m.Provenance.File)
	}
	want := []string{
		"Mail/cur/1333374330.M2P2.host:2,S S  Re: Test",
		"Mail/cur/1333376512.M1P1.host:2,RS RS  Re: Test",
		"Mail/new/1400000000.M3P3.host   test",
		"Mail/.Sent/cur/1195376167.M5P5.h:2,S S Sent Re: Test reply email",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if ms[0].Provenance.Position != "message 1" || ms[3].Provenance.Position != "message 4" {
		t.Errorf("positions %q, %q", ms[0].Provenance.Position, ms[3].Provenance.Position)
	}
}

func TestMaildirBadMessage(t *testing.T) {
	root := makeMaildir(t, map[string]string{"cur/1:2,S": "talon__gmail.eml"})
	// A message without any date is kept (issue 17 §1); one nested
	// past mailMaxDepth is not.
	if err := os.WriteFile(filepath.Join(root, "cur", "2:2,S"), nestedMail(200, "multipart/mixed"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Maildir.Parse(root, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || err.Error() != "Mail/cur/2:2,S: message 2: MIME nesting deeper than 100 levels" {
		t.Fatalf("err = %v", err)
	}
	var skipped int
	n := len(collect(t, Maildir, root, Options{Lenient: true, Skip: func(*Error) { skipped++ }}))
	if n != 1 || skipped != 1 {
		t.Fatalf("lenient: %d imported, %d skipped", n, skipped)
	}
}
