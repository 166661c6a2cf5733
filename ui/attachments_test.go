package ui_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"coffer/ui"
	"coffer/ui/internal/fixture"
	"coffer/vault"
	"coffer/vault/audit"
)

// attachmentMessages is one email with an attachment of each kind the
// pager tells apart: text (CSV), HTML, an image (metadata only) and a
// file the export left out; and a hostile text attachment.
func attachmentMessages(t testing.TB) []*vault.Message {
	t.Helper()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 640, 480))); err != nil {
		t.Fatal(err)
	}
	m := &vault.Message{Source: "email", Conversation: vault.Conversation{ID: "email:<q3@corp.example>", Title: "Q3 numbers"},
		Sender: "Grace Ho", SenderID: "grace@corp.example", To: []string{"alice@corp.example"},
		Time: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC), Subject: "Q3 numbers and notes", Body: "Attached: the numbers, my notes, a chart.",
		Provenance: vault.Provenance{Format: "jsonl", File: "mail.jsonl", Position: "line 1"},
		Attachments: []vault.Attachment{
			{Name: "q3.csv", Type: "text/csv", Content: []byte("region,total\nnorth,12\nsouth,7\nwest,\x1b]0;owned\x07 9\n")},
			{Name: "notes.html", Type: "text/html", Content: []byte("<h1>Notes</h1><p>Call <b>Frank</b> before Friday.</p>")},
			{Name: "chart.png", Type: "image/png", Content: img.Bytes()},
			{Name: "scan.pdf", Type: "application/pdf", Size: 48213, Missing: true},
		}}
	if err := vault.Validate(m); err != nil {
		t.Fatal(err)
	}
	return []*vault.Message{m}
}

// TestAttachmentGolden renders the attachment list and the pager (text
// and an image's metadata) at 80×24 and 160×50.
func TestAttachmentGolden(t *testing.T) {
	screens := []struct {
		name string
		keys []string
	}{
		{"detail-with-attachments", []string{"enter", "enter"}},
		{"attachments", []string{"enter", "enter", "a", "j"}},
		{"attachment-text", []string{"enter", "enter", "a", "enter"}},
		{"attachment-html", []string{"enter", "enter", "a", "j", "o"}},
		{"attachment-binary", []string{"enter", "enter", "a", "j", "j", "enter"}},
		{"attachment-save-prompt", []string{"enter", "enter", "a", "s"}},
	}
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s-%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				f := fixture.New(t, "", attachmentMessages(t))
				d := unlocked(t, f, size[0], size[1], true)
				d.keys(sc.keys...)
				got := normalise(d.screen())
				checkSize(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
	}
}

// TestAttachmentKeys: view, save (refusing an existing file until the
// overwrite is confirmed) and pipe, each recorded exactly once, in that
// order; hostile text in an attachment reaches the screen defused.
func TestAttachmentKeys(t *testing.T) {
	// Everything this test writes is under root: the vault, the file
	// saved, and TMPDIR and HOME, which are scanned at the end.
	root := t.TempDir()
	t.Setenv("TMPDIR", filepath.Join(root, "tmp"))
	t.Setenv("HOME", filepath.Join(root, "home"))
	os.Mkdir(filepath.Join(root, "tmp"), 0o700)
	os.Mkdir(filepath.Join(root, "home"), 0o700)
	f := fixture.NewAt(t, filepath.Join(root, "vault"), "", attachmentMessages(t))
	if !strings.HasPrefix(f.Dir, root) {
		t.Fatalf("the vault %s is outside the scanned folder %s", f.Dir, root)
	}
	d := unlocked(t, f, 120, 40, true)
	d.keys("enter", "enter", "a", "enter")
	wantScreen(t, d, "north,12", "viewing q3.csv (recorded)")
	if s := d.screen(); strings.Contains(s, "\x1b]0;owned") || !strings.Contains(s, "␛]0;owned") {
		t.Fatalf("the escape in the attachment is not defused:\n%q", s)
	}

	dir := filepath.Join(root, "saved")
	os.Mkdir(dir, 0o700)
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.keys("s")
	for range len("q3.csv") {
		d.keys("backspace")
	}
	d.typeText(path)
	d.keys("enter")
	wantScreen(t, d, "exists: replace it?")
	d.keys("n")
	wantScreen(t, d, "nothing saved")
	if b, _ := os.ReadFile(path); string(b) != "keep" {
		t.Fatalf("a refused overwrite wrote %q", b)
	}
	d.keys("s")
	for range len("q3.csv") {
		d.keys("backspace")
	}
	d.typeText(path)
	d.keys("enter", "y")
	wantScreen(t, d, "saved 48 B to "+path)
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "region,total") {
		t.Fatalf("saved %q", b)
	}

	d.keys("|")
	d.typeText("wc -l")
	d.keys("enter")
	wantScreen(t, d, "| wc -l < q3.csv", "piped to wc -l (recorded)")
	if !strings.Contains(d.screen(), " 4") {
		t.Fatalf("the command's output is not shown:\n%s", d.screen())
	}
	// Back to the list, then the detail; a file the export left out
	// can't be opened, and nothing is recorded for it.
	d.keys("esc", "j", "j", "j", "enter")
	wantScreen(t, d, "not in the export")
	d.keys("esc", "esc")

	var got []string
	for _, e := range f.Events(t, audit.Filter{}) {
		switch e.Action {
		case audit.ActionViewAttachment, audit.ActionSaveAttachment, audit.ActionPipeAttachment:
			if e.Attachment != "q3.csv" || len(e.SHA256) != 64 || e.Title != "Q3 numbers" || len(e.Sent) != 1 || e.Sent[0].Sender != "Grace Ho" {
				t.Errorf("event %+v", e)
			}
			got = append(got, string(e.Action)+" "+e.Target)
		}
	}
	want := []string{"view-attachment ", "save-attachment " + path, "pipe-attachment wc -l"}
	if !slices.Equal(got, want) {
		t.Errorf("attachment events %q, want %q", got, want)
	}
	// The attachment's text is on disk in the file saved, nowhere else:
	// not in the vault, TMPDIR or HOME.
	var holders []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("south,7")) {
				holders = append(holders, p)
			}
		}
		return nil
	})
	if !slices.Equal(holders, []string{path}) {
		t.Errorf("the attachment's text is in %q, want only %s", holders, path)
	}
}

// TestAttachmentFlow drives the real program: open the message in
// detail, its attachments, view one, and back out to the conversation.
func TestAttachmentFlow(t *testing.T) {
	fx := fixture.New(t, "", attachmentMessages(t))
	man, err := vault.ReadManifest(fx.Dir)
	if err != nil {
		t.Fatal(err)
	}
	k := fx.Key()
	f := startFlow(t, ui.Options{Dir: fx.Dir, Manifest: man, Key: &k, KeyHint: "x", NoColor: true, Location: time.UTC}, 100, 30)
	f.waitText("enter unlock")
	f.key("enter")
	f.waitText("search ready")
	f.key("enter")
	f.waitText("Attached: the numbers")
	f.key("enter")
	f.waitText("a: view, save or pipe an attachment")
	f.key("a")
	f.waitText("Attachments of Grace Ho's message")
	f.key("j")
	f.key("j")
	f.key("enter")
	f.waitText("png, 640 × 480 pixels")
	f.key("esc")
	f.waitText("Attachments of Grace Ho's message")
	f.key("esc")
	f.waitText("Provenance")
	f.key("esc")
	s := f.wait("the conversation again", func(s snapshot) bool {
		return !strings.Contains(s.screen, "Provenance") && strings.Contains(s.screen, "Attached: the numbers")
	})
	if strings.Contains(s.screen, "640 × 480") {
		t.Fatalf("the pager is still on screen:\n%s", s.screen)
	}
	f.key("ctrl+c")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	evs := fx.Events(t, audit.Filter{Action: audit.ActionViewAttachment})
	if len(evs) != 1 || evs[0].Attachment != "chart.png" {
		t.Fatalf("view-attachment events %+v, want one of chart.png", evs)
	}
}

// TestAttachmentPagerLarge: a text attachment of megabytes opens and
// scrolls to its end without wrapping all of it (which took seconds),
// and a line too long to wrap at once is cut.
func TestAttachmentPagerLarge(t *testing.T) {
	var b strings.Builder
	for i := range 60000 {
		fmt.Fprintf(&b, "row %05d,north,12345,some words here and there\n", i)
	}
	b.WriteString(strings.Repeat("x", 10000) + "\nthe end\n")
	m := &vault.Message{Source: "email", Conversation: vault.Conversation{ID: "email:big", Title: "Big"}, Sender: "Ann",
		Time: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Body: "a big log",
		Attachments: []vault.Attachment{{Name: "big.log", Type: "text/plain", Content: []byte(b.String())}}}
	if err := vault.Validate(m); err != nil {
		t.Fatal(err)
	}
	f := fixture.New(t, "", []*vault.Message{m})
	d := unlocked(t, f, 100, 30, true)
	start := time.Now()
	d.keys("enter", "enter", "a", "enter")
	wantScreen(t, d, "row 00000,north", "lines 1–")
	d.keys("G")
	wantScreen(t, d, "the end", "of 60011")
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("opening and scrolling the pager took %v", el)
	}
	d.keys("k", "k")
	wantScreen(t, d, "xxxxxxxx", "lines 60008–")
}
