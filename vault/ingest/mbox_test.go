package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func mboxMsg(subject, body string) string {
	return "From: A <a@x.org>\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nSubject: " + subject + "\n\n" + body
}

func TestMboxFromLine(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"From -\n", true},
		{"From - \r\n", true},
		{"From - Mon Jun  3 12:50:27 1996\n", true},
		{"From 1844347792267117879@xxx\n", true},
		{"From MAILER-DAEMON Sun Aug  7 11:40:37 2022 extra info\n", true},
		{"From a@b.c Fri Sep 26 17:18:40 +0000 2025\n", true},
		{"From Russia with love\n", false},
		{"From time to time\n", false},
		{"From the 10:30 meeting\n", false},
		{"From \n", false},
		{"From: a@b\n", false},
		{">From a@b Mon Jun  3 12:50:27 1996\n", false},
	}
	for _, tt := range tests {
		if got := mboxIsFromLine([]byte(tt.line)); got != tt.want {
			t.Errorf("mboxIsFromLine(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestMboxRead(t *testing.T) {
	two := mboxMsg("one", "body 1\n") + "\nFrom b@x Mon Jan  2 15:04:05 2006\n" + mboxMsg("two", "body 2\n")
	tests := []struct {
		name      string
		in        string
		subjects  []string
		bodies    []string
		positions []string
		wantErr   string
	}{
		{"empty", "", nil, nil, nil, ""},
		{"two", "From a@x Mon Jan  2 15:04:05 2006\n" + two, []string{"one", "two"}, []string{"body 1", "body 2"}, []string{"line 1", "line 8"}, ""},
		{"bom and crlf", "\ufeff" + strings.ReplaceAll("From a@x Mon Jan  2 15:04:05 2006\n"+two, "\n", "\r\n"),
			[]string{"one", "two"}, []string{"body 1", "body 2"}, []string{"line 1", "line 8"}, ""},
		{"mboxrd unescape", "From -\n" + mboxMsg("esc", ">From here\n>>From there\n> From not\n"),
			[]string{"esc"}, []string{"From here\n>From there\n> From not"}, []string{"line 1"}, ""},
		{"content-length right", "From -\nContent-Length: 48\n" + mboxMsg("cl", "x\nFrom a@b Mon Jan  2 15:04:05 2006\nnot a split\n") + "\nFrom -\n" + mboxMsg("next", "n\n"),
			[]string{"cl", "next"}, []string{"x\nFrom a@b Mon Jan  2 15:04:05 2006\nnot a split", "n"}, []string{"line 1", "line 11"}, ""},
		{"content-length too long", "From -\nContent-Length: 500\n" + mboxMsg("cl", "x\n") + "From -\n" + mboxMsg("next", "n\n") + "From -\n" + mboxMsg("third", "3\n"),
			[]string{"cl", "next", "third"}, []string{"x", "n", "3"}, []string{"line 1", "line 8", "line 14"}, ""},
		{"content-length too short", "From -\nContent-Length: 1\n" + mboxMsg("cl", "xyz\nmore\n") + "From -\n" + mboxMsg("next", "n\n"),
			[]string{"cl", "next"}, []string{"xyz\nmore", "n"}, []string{"line 1", "line 9"}, ""},
		{"text before", "hello\nFrom -\n" + mboxMsg("x", "y\n"), nil, nil, nil, `in.mbox:1: not an mbox: text before the first "From " line`},
		{"no date kept", "From -\nSubject: s\n\nb\n", []string{"s"}, []string{"b"}, []string{"line 1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var subjects, bodies, positions []string
			err := ReadMbox(strings.NewReader(tt.in), "in.mbox", "", Options{}, func(m *vaultMessage) error {
				subjects = append(subjects, m.Subject)
				bodies = append(bodies, strings.TrimSpace(strings.ReplaceAll(m.Body, "\r\n", "\n")))
				positions = append(positions, m.Provenance.Position)
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(subjects) != fmt.Sprint(tt.subjects) || fmt.Sprintf("%q", bodies) != fmt.Sprintf("%q", tt.bodies) ||
				fmt.Sprint(positions) != fmt.Sprint(tt.positions) {
				t.Fatalf("got %q %q %q\nwant %q %q %q", subjects, bodies, positions, tt.subjects, tt.bodies, tt.positions)
			}
		})
	}
}

func TestMboxLenientTextBefore(t *testing.T) {
	var skipped []string
	var n int
	err := ReadMbox(strings.NewReader("junk\nmore junk\nFrom -\n"+mboxMsg("x", "y\n")), "in.mbox", "",
		Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }},
		func(*vaultMessage) error { n++; return nil })
	if err != nil || n != 1 || len(skipped) != 1 {
		t.Fatalf("err %v, %d messages, skipped %q", err, n, skipped)
	}
}

// TestEmailTruncation feeds a message whose body is over
// MaxMessageBodySize: it is cut with a note, not refused.
func TestEmailTruncation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 50 MiB message")
	}
	var b bytes.Buffer
	b.WriteString("From -\n" + mboxMsg("big", ""))
	line := strings.Repeat("é", 39) + "\n"
	for b.Len() < MaxMessageBodySize+(1<<20) {
		b.WriteString(line)
	}
	var got *vaultMessage
	err := ReadMbox(&b, "big.mbox", "", Options{}, func(m *vaultMessage) error { got = m; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Body) > MaxMessageBodySize+200 || !strings.Contains(got.Body[len(got.Body)-100:], "[coffer: body truncated at") {
		t.Fatalf("body of %d bytes ends %q", len(got.Body), got.Body[len(got.Body)-100:])
	}
}

// TestMboxPipelineMatchesSerial converts every mbox sample on one and on
// several goroutines: the messages, their order and the skipped records
// must be the same.
func TestMboxPipelineMatchesSerial(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "email", "*.mbox*"))
	if dir := sharedSamplesIfPresent("mbox"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "patchwork__*"))
		files = append(files, more...)
	}
	if len(files) < 5 {
		t.Fatalf("only %d mbox samples", len(files))
	}
	run := func(p string, workers int, lenient bool) (ids, skipped []string, err error) {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		opt := Options{Lenient: lenient, Location: time.UTC, Now: time.Unix(1, 0),
			Skip: func(e *Error) { skipped = append(skipped, e.Error()) }}
		err = readMbox(f, filepath.Base(p), "", opt, func(m *vaultMessage) error {
			ids = append(ids, m.ID+" "+m.Provenance.Position)
			return nil
		}, workers)
		return ids, skipped, err
	}
	for _, p := range files {
		for _, lenient := range []bool{false, true} {
			ids1, sk1, err1 := run(p, 1, lenient)
			ids4, sk4, err4 := run(p, 4, lenient)
			if fmt.Sprint(err1) != fmt.Sprint(err4) || !slices.Equal(ids1, ids4) || !slices.Equal(sk1, sk4) {
				t.Errorf("%s lenient=%v: serial %d msgs %q err %v; pipeline %d msgs %q err %v",
					filepath.Base(p), lenient, len(ids1), sk1, err1, len(ids4), sk4, err4)
			}
		}
	}
}

// TestMboxPipelineStops checks an emit error ends the import at once,
// with that error, in file order.
func TestMboxPipelineStops(t *testing.T) {
	var in strings.Builder
	for i := range 200 {
		fmt.Fprintf(&in, "From -\n%s", mboxMsg(fmt.Sprint(i), "b\n"))
	}
	stop := errors.New("stop here")
	var got []string
	err := readMbox(strings.NewReader(in.String()), "in.mbox", "", Options{}, func(m *vaultMessage) error {
		got = append(got, m.Subject)
		if len(got) == 50 {
			return stop
		}
		return nil
	}, 4)
	if err != stop || len(got) != 50 || got[49] != "49" {
		t.Fatalf("err %v after %d messages (last %q)", err, len(got), got[len(got)-1])
	}
}

// sharedSamplesIfPresent is sharedSamples for tests that also run
// without the shared folder.
func sharedSamplesIfPresent(format string) string {
	p := filepath.Join("..", "..", "..", "shared", "samples", format)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestMboxReadError checks an I/O error mid-file ends the import with
// that error, after the messages before it, on any number of workers.
func TestMboxReadError(t *testing.T) {
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "From -\n%s", mboxMsg(fmt.Sprint(i), strings.Repeat("body line\n", 5000)))
	}
	disk := errors.New("disk on fire")
	cut := in.Len() * 7 / 10
	for _, workers := range []int{1, 4} {
		n := 0
		err := readMbox(&failingReader{[]byte(in.String()[:cut]), disk}, "in.mbox", "", Options{},
			func(*vaultMessage) error { n++; return nil }, workers)
		if !errors.Is(err, disk) || !strings.HasPrefix(err.Error(), "in.mbox:") || n != 6 {
			t.Errorf("workers=%d: err %v after %d messages, want the read error after 6", workers, err, n)
		}
	}
}
