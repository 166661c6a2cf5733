package corpus

import (
	"fmt"
	"io"
	"time"
)

// DiscordName is a file name DiscordChatExporter gives a channel.
const DiscordName = "Guild - general [1].json"

// WriteDiscord writes a channel export indented as DiscordChatExporter
// writes it, with replies, reactions, attachments, embeds and joins
// mixed in. It returns the number of messages in it.
func WriteDiscord(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	fmt.Fprint(out, "{\n  \"guild\": {\n    \"id\": \"1\",\n    \"name\": \"Guild\",\n    \"iconUrl\": \"\"\n  },\n  \"channel\": {\n    \"id\": \"2\",\n    \"type\": \"GuildTextChat\",\n    \"categoryId\": \"3\",\n    \"category\": \"Text\",\n    \"name\": \"general\",\n    \"topic\": null\n  },\n  \"dateRange\": {\n    \"after\": null,\n    \"before\": null\n  },\n  \"messages\": [\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		i := n
		if i > 0 {
			fmt.Fprint(out, ",\n")
		}
		typ, extra := "Default", ""
		switch {
		case i%50 == 0:
			typ = "GuildMemberJoin"
		case i%5 == 1:
			typ = "Reply"
			extra = fmt.Sprintf(",\n      \"reference\": {\n        \"messageId\": \"%d\",\n        \"channelId\": \"2\",\n        \"guildId\": \"1\"\n      }", 1000000+i-1)
		}
		reactions, attachments, embeds := "[]", "[]", "[]"
		if i%7 == 3 {
			reactions = "[\n        {\n          \"emoji\": {\n            \"id\": \"\",\n            \"name\": \"\\uD83D\\uDC4D\",\n            \"isAnimated\": false,\n            \"imageUrl\": \"\"\n          },\n          \"count\": 3\n        }\n      ]"
		}
		if i%11 == 4 {
			attachments = fmt.Sprintf("[\n        {\n          \"id\": \"%d\",\n          \"url\": \"https://cdn.example.invalid/%d.png\",\n          \"fileName\": \"image%d.png\",\n          \"fileSizeBytes\": 12345\n        }\n      ]", 5000000+i, i, i)
		}
		if i%13 == 5 {
			embeds = "[\n        {\n          \"title\": \"A page\",\n          \"url\": \"https://example.invalid/page\",\n          \"timestamp\": null,\n          \"description\": \"what the page says\",\n          \"fields\": []\n        }\n      ]"
		}
		fmt.Fprintf(out, "    {\n      \"id\": \"%d\",\n      \"type\": \"%s\",\n      \"timestamp\": \"%s\",\n      \"timestampEdited\": null,\n      \"callEndedTimestamp\": null,\n      \"isPinned\": false,\n      \"content\": \"message %d: the quick brown fox jumps over the lazy dog and keeps running\",\n      \"author\": {\n        \"id\": \"%d\",\n        \"name\": \"user%d\",\n        \"discriminator\": \"0000\",\n        \"nickname\": \"User %d\",\n        \"color\": null,\n        \"isBot\": false,\n        \"roles\": [],\n        \"avatarUrl\": \"https://cdn.example.invalid/avatar.png\"\n      },\n      \"attachments\": %s,\n      \"embeds\": %s,\n      \"stickers\": [],\n      \"reactions\": %s,\n      \"mentions\": []%s\n    }",
			1000000+i, typ, start.Add(time.Duration(i)*37*time.Second).Format("2006-01-02T15:04:05.000-07:00"), i, 7000+i%20, i%20, i%20, attachments, embeds, reactions, extra)
	}
	fmt.Fprintf(out, "\n  ],\n  \"messageCount\": %d\n}\n", n)
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: discord: %w", err)
	}
	return n, nil
}
