package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
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
		{"no date", "From -\nSubject: s\n\nb\n", nil, nil, nil, "in.mbox:1: no Date header"},
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
