package corpus

import (
	"fmt"
	"io"
	"strings"
)

// TelegramName is the file name of Telegram Desktop's JSON export.
const TelegramName = "result.json"

// WriteTelegram writes a full-account JSON export of chats of perChat
// messages each, mixing the shapes real exports have
// (replies, forwarded photos, text with links as entity arrays). It
// stops between chats, so it writes whole chats of the Limit's messages
// and returns the number of messages in it.
func WriteTelegram(w io.Writer, perChat int, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	if perChat <= 0 {
		return 0, fmt.Errorf("corpus: telegram: %d messages per chat", perChat)
	}
	out := newOutput(w)
	fmt.Fprint(out, "{\n \"about\": \"Here is the data you requested.\",\n \"personal_information\": {\"user_id\": 1, \"first_name\": \"Me\"},\n \"chats\": {\n  \"about\": \"This page lists all chats from this export.\",\n  \"list\": [\n")
	words := strings.Fields("the quick brown fox jumps over the lazy dog and keeps running through the quiet night под дождём 🦊")
	total := 0
	for c := 0; !lim.reached(total, out.size()) && !out.failed(); c++ {
		if c > 0 {
			fmt.Fprint(out, ",\n")
		}
		fmt.Fprintf(out, "   {\n    \"name\": \"Chat %d\",\n    \"type\": \"private_group\",\n    \"id\": %d,\n    \"messages\": [\n", c, 4000000000+c)
		for i := 0; i < perChat; i++ {
			if i > 0 {
				fmt.Fprint(out, ",\n")
			}
			id := 1000 + i
			sec := 1600000000 + c*10000000 + i*37
			fmt.Fprintf(out, "     {\n      \"id\": %d,\n      \"type\": \"message\",\n      \"date\": \"2020-09-13T%02d:%02d:%02d\",\n      \"date_unixtime\": \"%d\",\n      \"from\": \"User %d\",\n      \"from_id\": \"user%d\",\n", id, (sec/3600)%24, (sec/60)%60, sec%60, sec, i%7, 100+i%7)
			switch {
			case i%10 == 3:
				fmt.Fprintf(out, "      \"reply_to_message_id\": %d,\n", id-2)
			case i%10 == 5:
				fmt.Fprint(out, "      \"forwarded_from\": \"Some Channel\",\n      \"photo\": \"(File not included. Change data exporting settings to download.)\",\n      \"width\": 1280,\n      \"height\": 720,\n")
			}
			var sb strings.Builder
			for k := 0; k < 8+i%17; k++ {
				sb.WriteString(words[(i+k)%len(words)])
				sb.WriteByte(' ')
			}
			text := strings.TrimSpace(sb.String())
			if i%4 == 1 {
				fmt.Fprintf(out, "      \"text\": [\n       \"%s \",\n       {\n        \"type\": \"link\",\n        \"text\": \"https://example.com/%d\"\n       },\n       \"\"\n      ],\n", text, i)
				fmt.Fprintf(out, "      \"text_entities\": [\n       {\n        \"type\": \"plain\",\n        \"text\": \"%s \"\n       },\n       {\n        \"type\": \"link\",\n        \"text\": \"https://example.com/%d\"\n       }\n      ]\n     }", text, i)
			} else {
				fmt.Fprintf(out, "      \"text\": \"%s\",\n      \"text_entities\": [\n       {\n        \"type\": \"plain\",\n        \"text\": \"%s\"\n       }\n      ]\n     }", text, text)
			}
		}
		total += perChat
		fmt.Fprint(out, "\n    ]\n   }")
	}
	fmt.Fprint(out, "\n  ]\n }\n}\n")
	if err := out.done(); err != nil {
		return total, fmt.Errorf("corpus: telegram: %w", err)
	}
	return total, nil
}
