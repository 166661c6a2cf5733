package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

func TestSlackSamples(t *testing.T) {
	opt := Options{Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	runChatSamples(t, Slack, "slack", opt, []chatSample{{
		file:  "langchain-community__slack_export.zip",
		n:     5,
		first: chatWant{"Example User", "2023-04-13T19:15:17Z", "Hello, world!"},
		last:  chatWant{"Example User", "2023-04-13T19:23:49Z", "Example message"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if c := msgs[0].Conversation; c.ID != "slack:C05019B47SB" || c.Title != "general" || len(c.Participants) != 3 {
				t.Errorf("conversation: %+v", c)
			}
			// users.json of this sample lacks the user; the join has no
			// profile of its own, so the id stands in for the name.
			join := msgs[3]
			if join.Kind != "system" || join.Headers["subtype"] != "channel_join" || join.Body != "@U0500003428 has joined the channel" ||
				join.Sender != "U0500003428" ||
				join.Conversation.ID != "slack:C0535BV3C6P" {
				t.Errorf("join: %+v", join)
			}
			p := msgs[4].Provenance
			if p.File != "langchain-community__slack_export.zip!example-channel/2023-04-13.json" || p.Position != "message 2" ||
				p.OriginalID != "1681413829.513479" || len(p.FileSHA256) != 64 {
				t.Errorf("provenance: %+v", p)
			}
			if got := msgs[0].Time.Nanosecond(); got != 397479000 {
				t.Errorf("ts fraction = %d ns", got)
			}
		},
	}, {
		file:  "slack-export-viewer__testarchive.zip",
		n:     158,
		first: chatWant{"Hamza Faran", "2016-01-15T05:55:18Z", "@Hamza Faran has joined the channel"},
		last:  chatWant{"bot B0JL6UFSL", "2016-03-29T12:33:06Z", "[traveling-sailor:master] 1 new commit by Hamza Faran:\n5ccecce (https://github.com/"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[0].Offset != -8*3600 || msgs[0].SenderID != "U0BMQB6JE" {
				t.Errorf("user zone: offset %d", msgs[0].Offset)
			}
			if b := msgs[4].Body; b != "@Harry Potter: Created an issue for a setup.py so that it can be installed to a standard place" {
				t.Errorf("mention: %q", b)
			}
			share := chatByOrig(t, msgs, "1459052866.000012")
			if a := share.Attachments; len(a) != 1 || a[0].Name != "100_cities.js" || a[0].Type != "text/plain" || a[0].Size != 4163 || !a[0].Missing {
				t.Errorf("file_share: %+v", a)
			}
			if !strings.HasPrefix(share.Body, "@Hermione Granger uploaded a file: 100 cities (https://mesos-magellan.slack.com/files/") {
				t.Errorf("file_share body: %q", share.Body)
			}
			comment := chatByOrig(t, msgs, "1459106048.000018")
			if len(comment.Attachments) != 0 || comment.Headers["file"] != "10_cities.js" {
				t.Errorf("file_comment: %+v %v", comment.Attachments, comment.Headers)
			}
			ed := chatByOrig(t, msgs, "1458972985.000010")
			if ed.Edited == nil || ed.Edited.Format(time.RFC3339) != "2016-03-26T08:32:14Z" {
				t.Errorf("edited: %v", ed.Edited)
			}
			if r := chatByOrig(t, msgs, "1459154014.000018").Headers["reactions"]; r != ":botman:×1" {
				t.Errorf("reactions = %q", r)
			}
			if add := chatByOrig(t, msgs, "1452988746.000017"); add.Kind != "system" || add.Body != "added an integration to this channel: github (https://mesos-magellan.slack.com/services/B0JL6RASU)" {
				t.Errorf("bot_add: %+v", add)
			}
		},
	}, {
		file:  "zulip__thread_with_broadcast_reply.json",
		n:     3,
		first: chatWant{"U061A5N1G", "2015-06-12T19:58:22Z", "thread message"},
		last:  chatWant{"U061A1R2R", "2015-06-12T19:58:24Z", "everyone should see this"},
		check: func(t *testing.T, msgs []*vaultMessage) {
			if msgs[0].ReplyTo != "" || msgs[1].ReplyTo != msgs[0].ID || msgs[2].ReplyTo != msgs[0].ID {
				t.Errorf("thread: %q %q %q", msgs[0].ReplyTo, msgs[1].ReplyTo, msgs[2].ReplyTo)
			}
			if msgs[2].Headers["subtype"] != "thread_broadcast" || msgs[2].Kind != "" {
				t.Errorf("broadcast: %+v", msgs[2])
			}
		},
	}})
}

// unzipSlack extracts a test zip into a folder, as a user unpacking the
// export would.
func unzipSlack(t *testing.T, zipPath string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.FileInfo().IsDir() {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSlackFolderMatchesZip(t *testing.T) {
	z := filepath.Join("testdata", "slack", "slack-export-viewer__testarchive.zip")
	dir := unzipSlack(t, z)
	if !Slack.Detect(dir) {
		t.Fatal("Detect(folder) = false")
	}
	fromZip := collect(t, Slack, z, Options{})
	fromDir := collect(t, Slack, dir, Options{})
	if len(fromZip) != len(fromDir) {
		t.Fatalf("zip %d messages, folder %d", len(fromZip), len(fromDir))
	}
	for i := range fromZip {
		if fromZip[i].ID != fromDir[i].ID {
			t.Fatalf("message %d: zip ID %s, folder ID %s (IDs must not depend on packaging)", i, fromZip[i].ID, fromDir[i].ID)
		}
	}
	if f := fromDir[0].Provenance.File; f != "export/enrique/2016-01-14.json" {
		t.Errorf("folder provenance = %q", f)
	}
}

// writeSlackZip builds a zip from name -> content.
func writeSlackZip(t *testing.T, files map[string]string, order ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSlackExportShapes(t *testing.T) {
	users := `[{"id":"U1","name":"ann","real_name":"Ann Lee","tz_offset":3600},{"id":"U2","name":"bob","profile":{"display_name":"Bobby"}}]`
	p := writeSlackZip(t, map[string]string{
		"Acme Slack export/users.json":    users,
		"Acme Slack export/channels.json": `[{"id":"C1","name":"general","members":["U1","U2"]}]`,
		"Acme Slack export/dms.json":      `[{"id":"D1","members":["U1","U2"]}]`,
		"Acme Slack export/mpims.json":    `[{"id":"G1","name":"mpdm-ann--bob-1","members":["U1","U2"]}]`,
		"Acme Slack export/general/2024-01-02.json": `[
 {"type":"message","user":"U1","text":"root <#C1> &lt;b&gt; <!here> <mailto:a@b.c|a@b.c>","ts":"1704153600.000100","thread_ts":"1704153600.000100","reply_count":1},
 {"type":"message","user":"U2","text":"reply to <@U1>","ts":"1704153660.000200","thread_ts":"1704153600.000100","parent_user_id":"U1"},
 {"type":"message","user":"U2","text":"orphan reply","ts":"1704153720.000300","thread_ts":"1704000000.000001"},
 {"type":"message","subtype":"channel_topic","user":"U1","text":"set the channel topic: x","ts":"1704153780.000400"}
]`,
		"Acme Slack export/D1/2024-01-03.json":              `[{"type":"message","user":"U1","text":"hi","ts":"1704240000.000100","files":[{"id":"F1","name":"a.pdf","mimetype":"application/pdf","size":12},{"id":"F2","mode":"tombstone"}]}]`,
		"Acme Slack export/mpdm-ann--bob-1/2024-01-04.json": `[{"type":"message","user":"U2","text":"group","ts":"1704326400.000100"}]`,
		"Acme Slack export/stray/2024-01-05.json":           `[{"type":"message","user":"U9","text":"from an unlisted folder","ts":"1704412800.000100"}]`,
	}, "Acme Slack export/users.json", "Acme Slack export/channels.json", "Acme Slack export/dms.json", "Acme Slack export/mpims.json",
		"Acme Slack export/general/2024-01-02.json", "Acme Slack export/D1/2024-01-03.json",
		"Acme Slack export/mpdm-ann--bob-1/2024-01-04.json", "Acme Slack export/stray/2024-01-05.json")
	if !Slack.Detect(p) {
		t.Fatal("Detect(zip with a top folder) = false")
	}
	msgs := collect(t, Slack, p, Options{})
	if len(msgs) != 7 {
		t.Fatalf("got %d messages", len(msgs))
	}
	if b := msgs[0].Body; b != "root #general <b> @here a@b.c" {
		t.Errorf("markup: %q", b)
	}
	if msgs[0].Offset != 3600 || msgs[0].Headers["thread_replies"] != "1" {
		t.Errorf("root: %+v", msgs[0])
	}
	if msgs[1].ReplyTo != msgs[0].ID || msgs[1].Body != "reply to @Ann Lee" || msgs[1].Sender != "Bobby" {
		t.Errorf("reply: %+v", msgs[1])
	}
	if msgs[2].ReplyTo != "slack:C1:1704000000.000001" {
		t.Errorf("orphan reply: %q", msgs[2].ReplyTo)
	}
	if msgs[3].Kind != "system" {
		t.Errorf("topic change not system: %+v", msgs[3])
	}
	// Lists are read channels, groups, MPIMs, then DMs.
	if c := msgs[4].Conversation; c.ID != "slack:G1" || c.Title != "Ann Lee, Bobby" {
		t.Errorf("MPIM: %+v", c)
	}
	if c := msgs[5].Conversation; c.ID != "slack:D1" || c.Title != "Ann Lee, Bobby" {
		t.Errorf("DM: %+v", c)
	}
	if a := msgs[5].Attachments; len(a) != 1 || a[0].Name != "a.pdf" || a[0].Size != 12 || !a[0].Missing || msgs[5].Headers["deleted_file"] != "F2" {
		t.Errorf("files: %+v %v", a, msgs[5].Headers)
	}
	if c := msgs[6].Conversation; c.ID != "slack:stray" || msgs[6].Sender != "U9" {
		t.Errorf("unlisted folder: %+v", msgs[6])
	}
	if f := msgs[0].Provenance.File; f != "export.zip!Acme Slack export/general/2024-01-02.json" {
		t.Errorf("provenance file = %q", f)
	}
}

func TestSlackBlocksOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "2024-01-02.json")
	day := `[{"type":"message","user":"U1","text":"","ts":"1.0","blocks":[{"type":"rich_text","elements":[
 {"type":"rich_text_section","elements":[{"type":"text","text":"Hi "},{"type":"user","user_id":"U1"},{"type":"text","text":", see "},{"type":"link","url":"https://x.example","text":"this"},{"type":"emoji","name":"tada"}]},
 {"type":"rich_text_list","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"one"}]},{"type":"rich_text_section","elements":[{"type":"text","text":"two"}]}]}]},
 {"type":"section","text":{"type":"mrkdwn","text":"&lt;done&gt;"}}]}]`
	if err := os.WriteFile(p, []byte(day), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs := collect(t, Slack, p, Options{})
	if want := "Hi @U1, see this (https://x.example):tada:\n• one\n• two\n<done>"; msgs[0].Body != want {
		t.Fatalf("body = %q, want %q", msgs[0].Body, want)
	}
}

func TestSlackErrors(t *testing.T) {
	base := map[string]string{"users.json": `[]`, "channels.json": `[{"id":"C1","name":"general"}]`}
	tests := []struct {
		name    string
		day     string
		lenient int // -1: fails in lenient mode too
		wantErr string
	}{
		{"bad ts", "[\n{\"ts\":\"1.0\",\"text\":\"ok\"},\n{\"ts\":\"yesterday\",\"text\":\"x\"}\n]", 1, `export.zip!general/2024-01-02.json:3: message 2: bad ts "yesterday"`},
		{"no ts", "[\n{\"text\":\"x\"}]", 0, `general/2024-01-02.json:2: message 1: no "ts"`},
		{"wrong type", "[{\"ts\":\"1.0\",\"text\":5}]", 0, `general/2024-01-02.json:1: message 1: unexpected number for "text"`},
		{"broken", "[\n{\"ts\":\"1.0\",\n\"text\":}]", -1, "export.zip!general/2024-01-02.json:3: malformed JSON"},
		{"truncated", "[\n{\"ts\":\"1.0\"", -1, "general/2024-01-02.json:2: malformed JSON: unexpected end of file"},
		{"not an array", "{}", -1, "general/2024-01-02.json:1: expected an array of messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"general/2024-01-02.json": tt.day}
			for k, v := range base {
				files[k] = v
			}
			p := writeSlackZip(t, files, "users.json", "channels.json", "general/2024-01-02.json")
			err := Slack.Parse(p, Options{}, func(*vaultMessage) error { return nil })
			var ie *Error
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ie) {
				t.Fatalf("strict: err = %v, want *Error containing %q", err, tt.wantErr)
			}
			n := 0
			err = Slack.Parse(p, Options{Lenient: true}, func(*vaultMessage) error { n++; return nil })
			if tt.lenient < 0 {
				if err == nil {
					t.Fatal("lenient parse of broken JSON succeeded")
				}
			} else if err != nil || n != tt.lenient {
				t.Fatalf("lenient: n=%d err=%v, want n=%d", n, err, tt.lenient)
			}
		})
	}
}

func TestSlackZipBombRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bomb.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"users.json", "channels.json"} {
		w, _ := zw.Create(name)
		io.WriteString(w, "[]")
	}
	w, _ := zw.Create("general/2024-01-02.json")
	w.Write(bytes.Repeat([]byte(" "), 8<<20)) // compresses ~1000:1
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Slack.Parse(p, Options{}, func(*vaultMessage) error { return nil })
	if !errors.Is(err, ErrZipBomb) {
		t.Fatalf("err = %v, want ErrZipBomb", err)
	}
}

func TestSlackHugeMessageTruncated(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 50 MiB message")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "2024-01-02.json")
	if err := os.WriteFile(p, []byte(`[{"ts":"1.0","user":"U1","text":"`+strings.Repeat("x", MaxMessageBodySize+5)+`"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs := collect(t, Slack, p, Options{})
	if len(msgs[0].Body) > MaxMessageBodySize+100 || msgs[0].Headers["truncated_from"] == "" {
		t.Fatalf("body of %d bytes", len(msgs[0].Body))
	}
}

func FuzzSlack(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/slack/*.json")
	zips, _ := filepath.Glob("testdata/slack/*.zip")
	for _, z := range zips {
		zr, err := zip.OpenReader(z)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range zr.File {
			if !slackDayFile.MatchString(filepath.Base(filepath.FromSlash(e.Name))) {
				continue
			}
			rc, err := e.Open()
			if err != nil {
				f.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			f.Add(b)
		}
		zr.Close()
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if len(seeds)+len(zips) == 0 {
		f.Fatal("no seed corpus in testdata/slack")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sp := &slackParser{opt: Options{Lenient: true}, names: map[string]string{"U1": "Ann"}, bots: map[string]string{},
			zones: map[string]*time.Location{}, offsets: map[string]int{}, chans: map[string]string{},
			emit: func(m *vaultMessage) error { checkEmitted(t, m); return nil }}
		cv := &slackConv{conv: vault.Conversation{ID: "slack:C1"}}
		_ = sp.dayFile(cv, "f.json", func(bool) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	})
}

// TestSlackOverlappingExports checks that a message gets the same ID in
// two exports that overlap (so re-importing adds only what is new), even
// when the earlier days, with the thread's root, are missing from one.
func TestSlackOverlappingExports(t *testing.T) {
	users := `[{"id":"U1","real_name":"Ann"},{"id":"U2","real_name":"Bob"}]`
	chans := `[{"id":"C1","name":"general","members":["U1","U2"]}]`
	day1 := `[{"type":"message","user":"U1","text":"root","ts":"1704153600.000100","thread_ts":"1704153600.000100","user_profile":{"real_name":"Ann"}}]`
	day2 := `[{"type":"message","subtype":"channel_join","user":"U2","text":"<@U2> has joined the channel","ts":"1704240000.000100"},
 {"type":"message","user":"U2","text":"reply to <@U1>","ts":"1704240060.000200","thread_ts":"1704153600.000100"}]`
	day3 := `[{"type":"message","user":"U1","text":"later","ts":"1704326400.000100"}]`
	a := writeSlackZip(t, map[string]string{"users.json": users, "channels.json": chans, "general/2024-01-02.json": day1, "general/2024-01-03.json": day2},
		"users.json", "channels.json", "general/2024-01-02.json", "general/2024-01-03.json")
	b := writeSlackZip(t, map[string]string{"users.json": users, "channels.json": chans, "general/2024-01-03.json": day2, "general/2024-01-04.json": day3},
		"users.json", "channels.json", "general/2024-01-03.json", "general/2024-01-04.json")
	ma, mb := collect(t, Slack, a, Options{}), collect(t, Slack, b, Options{})
	if len(ma) != 3 || len(mb) != 3 {
		t.Fatalf("got %d and %d messages", len(ma), len(mb))
	}
	for i := 0; i < 2; i++ {
		if ma[i+1].ID != mb[i].ID {
			t.Errorf("day-2 message %d: ID %s in one export, %s in the other", i, ma[i+1].ID, mb[i].ID)
		}
	}
	if ma[2].ReplyTo != ma[0].ID || mb[1].ReplyTo != "slack:C1:1704153600.000100" {
		t.Errorf("ReplyTo: %q / %q", ma[2].ReplyTo, mb[1].ReplyTo)
	}
}
