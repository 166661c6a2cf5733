package access_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// attachmentVault holds one email with two attachments (one with a name
// it shares with a third) and one whose file the export left out.
func attachmentVault(t *testing.T) (*testVault, *vault.Message) {
	t.Helper()
	m := &vault.Message{Source: "email", Conversation: vault.Conversation{ID: "email:q3", Title: "Q3 numbers"},
		Sender: "Ann", Time: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Subject: "Q3", Body: "see attached",
		Attachments: []vault.Attachment{
			{Name: "q3.csv", Type: "text/csv", Content: []byte("region,total\nnorth,12\n")},
			{Name: "notes.txt", Type: "text/plain", Content: []byte("first notes\n")},
			{Name: "notes.txt", Type: "text/plain", Content: []byte("second notes\n")},
			{Name: "photo.jpg", Type: "image/jpeg", Missing: true},
		}}
	tv := newTestVault(t, []*vault.Message{m})
	return tv, m
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestAttachmentRecorded: a view, a save and a pipe each write exactly
// one event before the attachment leaves: its action, the message with
// its sender, the conversation's title, the attachment's name and hash,
// and the path or command line.
func TestAttachmentRecorded(t *testing.T) {
	tv, m := attachmentVault(t)
	s := tv.open(t)
	csv := []byte("region,total\nnorth,12\n")
	out := filepath.Join(t.TempDir(), "out.csv")
	var piped bytes.Buffer
	checks := []struct {
		name string
		call func() error
		want audit.Event
	}{
		{"view", func() error {
			a, err := s.Attachment(m.ID, "q3.csv")
			if err == nil && !bytes.Equal(a.Content, csv) {
				t.Errorf("content %q", a.Content)
			}
			return err
		}, audit.Event{Action: audit.ActionViewAttachment, Attachment: "q3.csv", SHA256: hexSum(csv)}},
		{"view the second of two by number", func() error {
			a, err := s.Attachment(m.ID, "#3")
			if err == nil && string(a.Content) != "second notes\n" {
				t.Errorf("content %q", a.Content)
			}
			return err
		}, audit.Event{Action: audit.ActionViewAttachment, Attachment: "notes.txt", SHA256: hexSum([]byte("second notes\n"))}},
		{"save", func() error {
			n, sum, err := s.SaveAttachment(m.ID, "q3.csv", out, false)
			if err == nil && (n != int64(len(csv)) || sum != hexSum(csv)) {
				t.Errorf("saved %d bytes, %s", n, sum)
			}
			return err
		}, audit.Event{Action: audit.ActionSaveAttachment, Attachment: "q3.csv", SHA256: hexSum(csv), Target: out}},
		{"pipe", func() error {
			return s.PipeAttachment(context.Background(), m.ID, "q3.csv", "wc -l", &piped, &piped)
		}, audit.Event{Action: audit.ActionPipeAttachment, Attachment: "q3.csv", SHA256: hexSum(csv), Target: "wc -l"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			before := len(tv.last(t))
			if err := c.call(); err != nil {
				t.Fatal(err)
			}
			evs := tv.last(t)
			if len(evs) != before+1 {
				t.Fatalf("%d events, want 1", len(evs)-before)
			}
			got, want := evs[len(evs)-1], c.want
			want.Conversation, want.Title, want.Messages = "email:q3", "Q3 numbers", []string{m.ID}
			want.Sent = []audit.Sent{{Sender: "Ann", Time: m.Time}}
			if got.Action != want.Action || got.Conversation != want.Conversation || got.Title != want.Title ||
				got.Attachment != want.Attachment || got.SHA256 != want.SHA256 || got.Target != want.Target ||
				!slices.Equal(got.Messages, want.Messages) || !slices.EqualFunc(got.Sent, want.Sent, sameSent) {
				t.Errorf("recorded %+v\nwant      %+v", got, want)
			}
		})
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Equal(b, csv) {
		t.Errorf("saved file: %q, %v", b, err)
	}
	if fi, err := os.Stat(out); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("saved file mode %v, want 0600", fi.Mode().Perm())
	}
	if strings.TrimSpace(piped.String()) != "2" {
		t.Errorf("wc -l printed %q", piped.String())
	}
}

// TestAttachmentRefused: what is refused records nothing and releases
// nothing: an unknown message or name, an attachment the export left out,
// an existing file without overwrite, an empty command.
func TestAttachmentRefused(t *testing.T) {
	tv, m := attachmentVault(t)
	s := tv.open(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.csv")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		call       func() error
	}{
		{"unknown message", `no message "nope"`, func() error { _, err := s.Attachment("nope", "q3.csv"); return err }},
		{"unknown name", `no attachment named "q4.csv"`, func() error { _, err := s.Attachment(m.ID, "q4.csv"); return err }},
		{"number out of range", "has 4 attachments, not 9", func() error { _, err := s.Attachment(m.ID, "#9"); return err }},
		{"not in the export", "was not included in the export", func() error { _, err := s.Attachment(m.ID, "photo.jpg"); return err }},
		{"existing file", "the file exists", func() error { _, _, err := s.SaveAttachment(m.ID, "q3.csv", existing, false); return err }},
		{"a folder", "is a folder", func() error { _, _, err := s.SaveAttachment(m.ID, "q3.csv", dir, true); return err }},
		{"no such folder", "no folder", func() error {
			_, _, err := s.SaveAttachment(m.ID, "q3.csv", filepath.Join(dir, "no", "x.csv"), false)
			return err
		}},
		{"empty command", "no command", func() error {
			return s.PipeAttachment(context.Background(), m.ID, "q3.csv", "  ", os.Stdout, os.Stderr)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(tv.last(t))
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
			if n := len(tv.last(t)) - before; n != 0 {
				t.Errorf("a refusal wrote %d events", n)
			}
		})
	}
	if _, _, err := s.SaveAttachment(m.ID, "q3.csv", existing, false); !errors.Is(err, access.ErrExists) {
		t.Errorf("err %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("a refused save changed the file: %q", b)
	}
	// Asked to, it replaces the file; no temporary file is left beside it.
	if _, _, err := s.SaveAttachment(m.ID, "q3.csv", existing, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); !strings.HasPrefix(string(b), "region,total") {
		t.Errorf("overwrite wrote %q", b)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("the folder holds %d files after a save, want 1", len(es))
	}
	// A failing command is an error naming its status, after the record.
	if err := s.PipeAttachment(context.Background(), m.ID, "q3.csv", "exit 3", os.Stdout, os.Stderr); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err %v, want exit status 3", err)
	}
}

// TestAttachmentFailsClosed: once nothing can be recorded, no attachment
// is shown, saved or piped.
func TestAttachmentFailsClosed(t *testing.T) {
	tv, m := attachmentVault(t)
	s := tv.open(t)
	if err := s.InterruptAudit(); err != nil {
		t.Fatal(err)
	}
	a, err := s.Attachment(m.ID, "q3.csv")
	if !errors.Is(err, access.ErrNotRecorded) || a.Content != nil {
		t.Errorf("view: %q, %v; want nothing and ErrNotRecorded", a.Content, err)
	}
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, _, err := s.SaveAttachment(m.ID, "q3.csv", out, false); !errors.Is(err, access.ErrNotRecorded) {
		t.Errorf("save: %v, want ErrNotRecorded", err)
	}
	if es, _ := os.ReadDir(filepath.Dir(out)); len(es) != 0 {
		t.Errorf("an unrecorded save left %d files", len(es))
	}
	marker := filepath.Join(t.TempDir(), "ran")
	if err := s.PipeAttachment(context.Background(), m.ID, "q3.csv", "touch "+marker, os.Stdout, os.Stderr); !errors.Is(err, access.ErrNotRecorded) {
		t.Errorf("pipe: %v, want ErrNotRecorded", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran without a record")
	}
}
