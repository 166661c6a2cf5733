package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tgPage builds an HTML export page the way Telegram Desktop lays it out.
func tgPage(history string) string {
	return `<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
Project Team
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
` + history + `
    </div>
   </div>
  </div>
 </body>
</html>
`
}

func TestTelegramHTMLFolder(t *testing.T) {
	page1 := tgPage(`
     <div class="message service" id="message-1">
      <div class="body details">
2 January 2024
      </div>
     </div>
     <div class="message default clearfix" id="message10">
      <div class="body">
       <div class="pull_right date details" title="02.01.2024 10:00:00 UTC+01:00">10:00</div>
       <div class="from_name">
Ann Lee <span class="details">via @somebot</span>
       </div>
       <div class="text">
Hello<br>see <a href="https://example.com/x">the doc</a> &amp; <a href="https://t.me/x">https://t.me/x</a>
       </div>
      </div>
     </div>
     <div class="message service" id="message11">
      <div class="body details">
Ann Lee invited Bob
      </div>
     </div>
     <div class="message default clearfix" id="message12">
      <div class="body">
       <div class="pull_right date details" title="02.01.2024 10:05:00 UTC+01:00">10:05</div>
       <div class="from_name">Bob</div>
       <div class="media_wrap clearfix">
        <a class="photo_wrap clearfix pull_left" href="photos/photo_1@02-01-2024_10-05-00.jpg"><img class="photo" src="photos/photo_1@02-01-2024_10-05-00_thumb.jpg"/></a>
       </div>
       <div class="text">look</div>
      </div>
     </div>`)
	page2 := tgPage(`
     <div class="message default clearfix joined" id="message13">
      <div class="body">
       <div class="pull_right date details" title="02.01.2024 10:06:00 UTC+01:00">10:06</div>
       <div class="reply_to details">
In reply to <a href="messages.html#go_to_message10" onclick="return GoToMessage(10)">this message</a>
       </div>
       <div class="media_wrap clearfix">
        <div class="media clearfix pull_left media_video">
         <div class="fill pull_left"></div>
         <div class="body">
          <div class="title bold">Video file</div>
          <div class="description">Not included, change data exporting settings to download.</div>
         </div>
        </div>
       </div>
      </div>
     </div>
     <div class="message default clearfix" id="message14">
      <div class="body">
       <div class="pull_right date details" title="02.01.2024 10:07:00 UTC+01:00">10:07</div>
       <div class="from_name">Ann Lee</div>
       <div class="forwarded body">
        <div class="from_name">News Channel<span class="date details" title="01.01.2024 09:00:00"> 01.01.2024 09:00:00</span></div>
        <div class="text">Forwarded text</div>
       </div>
       <div class="reply_to details">In reply to <a href="#go_to_message99">this message</a></div>
      </div>
     </div>`)
	p := writeTelegramExport(t, "{}", map[string]string{
		"messages.html":                          page1,
		"messages2.html":                         page2,
		"photos/photo_1@02-01-2024_10-05-00.jpg": "JPEG",
	})
	// writeTelegramExport always writes a result.json, and a folder with
	// one is read as JSON: remove it to leave an HTML export.
	dir := filepath.Dir(p)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if !Telegram.Detect(dir) {
		t.Fatal("Detect(HTML chat folder) = false")
	}
	msgs := collect(t, Telegram, dir, Options{Location: time.UTC})
	if len(msgs) != 5 {
		t.Fatalf("got %d messages", len(msgs))
	}
	if m := msgs[0]; m.Sender != "Ann Lee" || m.Body != "Hello\nsee the doc (https://example.com/x) & https://t.me/x" || m.Offset != 3600 ||
		m.Time.Format(time.RFC3339) != "2024-01-02T09:00:00Z" || m.Conversation.Title != "Project Team" {
		t.Errorf("first: %q %q %d %v", m.Sender, m.Body, m.Offset, m.Time)
	}
	if s := msgs[1]; s.Kind != "system" || s.Body != "Ann Lee invited Bob" || !s.Time.Equal(msgs[0].Time) || s.Headers["time"] == "" {
		t.Errorf("service: %+v", s)
	}
	if a := msgs[2].Attachments; len(a) != 1 || string(a[0].Content) != "JPEG" || a[0].Name != "photo_1@02-01-2024_10-05-00.jpg" {
		t.Errorf("photo: %+v", a)
	}
	j := msgs[3]
	if j.Sender != "Bob" || j.ReplyTo != msgs[0].ID || len(j.Attachments) != 1 || j.Attachments[0].Name != "Video file" || !j.Attachments[0].Missing ||
		j.Provenance.File != "messages2.html" || !strings.HasPrefix(j.Headers["missing_Video file"], "Not included") {
		t.Errorf("joined/reply across pages/missing media: %+v", j)
	}
	if f := msgs[4]; f.ForwardedFrom != "News Channel" || f.Body != "Forwarded text" || f.ReplyTo != "telegram:name:Project Team:99" {
		t.Errorf("forward: %+v", f)
	}
}
