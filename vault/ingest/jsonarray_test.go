package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordBounds checks that a JSON record or HTML page larger than
// coffer reads is refused with its file and line, without being held,
// and that a record just under the bound is read and truncated.
func TestRecordBounds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	over := strings.Repeat("o", MaxJSONRecordBytes)
	under := strings.Repeat("u", MaxMessageBodySize+1<<20)
	tgMsg := func(text string) string {
		return `{"name":"Ann","type":"personal_chat","id":7,"messages":[` + "\n" +
			`{"id":1,"type":"message","date":"2024-01-01T10:00:00","from":"Ann","from_id":"user7","text":"hi"},` + "\n" +
			`{"id":2,"type":"message","date":"2024-01-01T10:01:00","from":"Ann","from_id":"user7","text":"` + text + `"}]}`
	}
	slackDay := func(text string) string {
		return `[{"ts":"1.0","user":"U1","text":"hi"},` + "\n" + `{"ts":"2.0","user":"U1","text":"` + text + `"}]`
	}
	smsMsg := func(text string) string {
		return "<smses>\n<sms date=\"1710230400000\" address=\"1\" type=\"1\" body=\"hi\"/>\n" +
			"<sms date=\"1710230460000\" address=\"1\" type=\"1\" body=\"" + text + "\"/>\n</smses>\n"
	}
	dcMsg := func(text string) string {
		return `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[` + "\n" +
			`{"id":"3","timestamp":"2025-01-01T00:00:00Z","content":"hi"},` + "\n" +
			`{"id":"4","timestamp":"2025-01-01T00:01:00Z","content":"` + text + `"}]}`
	}
	write("slack/users.json", `[{"id":"U1","name":"ann"}]`)
	write("slack/channels.json", `[{"id":"C1","name":"general"}]`)
	for _, c := range []struct {
		name   string
		format Format
		path   string
		want   string // in the error; "" for a truncated second message
	}{
		{"telegram record", Telegram, write("tg1/result.json", tgMsg(over)), "result.json:3: record larger than 64.0 MiB"},
		{"telegram under the bound", Telegram, write("tg2/result.json", tgMsg(under)), ""},
		{"slack record", Slack, filepath.Dir(filepath.Dir(write("slack/general/2024-01-02.json", slackDay(over)))), "slack/general/2024-01-02.json:2: record larger than 64.0 MiB"},
		{"slack day file alone", Slack, write("day/2024-01-03.json", slackDay(under)), ""},
		{"sms record", SMS, write("sms1/sms.xml", smsMsg(over)), "sms.xml:3: record larger than 64.0 MiB"},
		{"sms under the bound", SMS, write("sms2/sms.xml", smsMsg(under)), ""},
		{"discord record", Discord, write("dc1/export.json", dcMsg(over)), "export.json:3: record larger than 64.0 MiB"},
		{"discord under the bound", Discord, write("dc2/export.json", dcMsg(under)), ""},
		{"telegram page", Telegram, write("tg3/messages.html", `<!DOCTYPE html><div class="page_wrap"><div class="page_header">`+strings.Repeat(" ", maxHTMLPage)), "messages.html:1: page larger than 16.0 MiB"},
		{"telegram page of tiny elements", Telegram, write("tg4/messages.html", `<!DOCTYPE html><div class="page_wrap"><div class="page_header">`+strings.Repeat("<b></b>", maxHTMLNodes/2)), "messages.html:1: HTML of more than 1048576 elements and texts"},
		{"imessage-exporter HTML of tiny elements", IMessage, write("im/+447700900481.html", `<html><div class="message"><span class="timestamp">`+strings.Repeat("<b></b>", maxHTMLNodes/2)), "+447700900481.html:1: HTML of more than 1048576 elements and texts; import the conversation from chat.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var msgs []*vaultMessage
			err := c.format.Parse(c.path, Options{}, func(m *vaultMessage) error { msgs = append(msgs, m); return nil })
			if c.want != "" {
				var ie *Error
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an *Error with %q", err, c.want)
				}
				return
			}
			if err != nil || len(msgs) != 2 {
				t.Fatalf("%d messages, %v", len(msgs), err)
			}
			if m := msgs[1]; m.Headers["truncated_from"] == "" || len(m.Body) > MaxMessageBodySize+100 {
				t.Errorf("body of %d bytes, headers %v", len(m.Body), m.Headers)
			}
		})
	}
}
