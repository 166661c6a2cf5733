package ingest

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// waWant is one expected message: sender, time in UTC and body.
type waWant struct {
	sender, time, body string
}

func checkWAMessage(t *testing.T, what string, m *vaultMessage, w waWant) {
	t.Helper()
	if got := m.Time.UTC().Format("2006-01-02 15:04:05"); m.Sender != w.sender || got != w.time || m.Body != w.body {
		t.Errorf("%s message = {%q, %q, %q}, want {%q, %q, %q}", what, m.Sender, got, m.Body, w.sender, w.time, w.body)
	}
}

func waFind(msgs []*vaultMessage, body string) *vaultMessage {
	for _, m := range msgs {
		if strings.Contains(m.Body, body) {
			return m
		}
	}
	return nil
}

// waFindHeader returns the first message whose header k contains v.
func waFindHeader(msgs []*vaultMessage, k, v string) *vaultMessage {
	for _, m := range msgs {
		if strings.Contains(m.Headers[k], v) {
			return m
		}
	}
	return nil
}

const waE2E = "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."

// TestWhatsAppSamples imports every sample export: the MIT ones from
// testdata/whatsapp, the GPL/AGPL ones from ../shared/samples (skipped
// when that folder is absent).
func TestWhatsAppSamples(t *testing.T) {
	lorem := "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."
	chatMiner := func(t *testing.T, msgs []*vaultMessage) {
		if m := waFind(msgs, "created group"); m == nil || m.Kind != "system" || m.Sender != "" {
			t.Errorf("created group: %+v", m)
		}
		if m := msgs[1]; m.Sender != "John Doe" || m.Body != "." {
			t.Errorf(`"John Doe:." = %q %q`, m.Sender, m.Body)
		}
		if msgs[0].Conversation.ID != "whatsapp:Groupname" || len(msgs[0].Conversation.Participants) != 5 {
			t.Errorf("conversation = %+v", msgs[0].Conversation)
		}
	}
	tests := []struct {
		file        string
		shared      bool // GPL/AGPL: read from ../shared/samples only
		n           int
		first, last waWant
		check       func(t *testing.T, msgs []*vaultMessage)
	}{
		{file: "chat-miner__test_ddmmyy_24hrs.txt", n: 9,
			first: waWant{"John Doe", "2019-01-01 11:25:00", "Lorem ipsum dolor sit amet."},
			last:  waWant{"John Doe", "2021-12-30 22:01:00", lorem}, check: chatMiner},
		{file: "chat-miner__test_mmddyyyy_12hrs.txt", n: 9,
			first: waWant{"John Doe", "2019-01-01 11:25:00", "Lorem ipsum dolor sit amet."},
			last:  waWant{"John Doe", "2021-12-30 22:01:00", lorem}, check: func(t *testing.T, msgs []*vaultMessage) {
				chatMiner(t, msgs)
				// "00:08 a. m." is just past midnight, "12:10 p. m." noon.
				if got := msgs[4].Time.Format("15:04"); got != "00:08" {
					t.Errorf("00:08 a. m. = %s", got)
				}
				if got := msgs[7].Time.Format("15:04"); got != "12:10" {
					t.Errorf("12:10 p. m. = %s", got)
				}
			}},
		{file: "chat-miner__test_[mmddyy]_24hrs.txt", n: 9,
			first: waWant{"John Doe", "2019-01-01 11:25:00", "Lorem ipsum dolor sit amet."},
			last:  waWant{"John Doe", "2021-12-30 22:01:00", lorem}, check: chatMiner},
		{file: "chat-miner__test_yyyymmdd_24hrs.txt", n: 9,
			first: waWant{"John Doe", "2019-01-01 11:25:00", "Lorem ipsum dolor sit amet."},
			last:  waWant{"John Doe", "2021-12-30 22:01:00", lorem}, check: chatMiner},
		{file: "whatsapp-chat-parser-website__example_chat.txt", n: 52,
			first: waWant{"", "2019-06-20 15:58:47", "Messages to this group are now secured with end-to-end encryption."},
			last:  waWant{"Loris", "2019-06-20 16:45:28", "Links:\n- https://github.com/Pustur/whatsapp-chat-parser\n- https://github.com/Pustur/whatsapp-chat-parser-website"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if c := msgs[0].Conversation; c.ID != "whatsapp:WhatsApp Chat Parser Example" || strings.Join(c.Participants, ",") != "John,Loris,Emily" {
					t.Errorf("conversation = %+v", c)
				}
				// Not a zip: the attachment is named but missing.
				// Not a zip: the attachment is named but missing, and the
				// placeholder is no text of Loris's.
				m := waFindHeader(msgs, "placeholder", "<attached: 00000001-PHOTO")
				if m == nil || m.Body != "" || len(m.Attachments) != 1 || !m.Attachments[0].Missing || m.Attachments[0].Type != "image/jpeg" {
					t.Fatalf("attachment: %+v", m)
				}
				if m := waFind(msgs, "POLL:"); m == nil || strings.Count(m.Body, "\nOPTION: ") != 5 {
					t.Errorf("poll body: %+v", m)
				}
			}},
		{file: "whatsapp-chat-parser-website__example_chat.zip", n: 52,
			first: waWant{"", "2019-06-20 15:58:47", "Messages to this group are now secured with end-to-end encryption."},
			last:  waWant{"Loris", "2019-06-20 16:45:28", "Links:\n- https://github.com/Pustur/whatsapp-chat-parser\n- https://github.com/Pustur/whatsapp-chat-parser-website"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				want := map[string]int64{
					"00000001-PHOTO-2019-06-20-16-00-15.jpg":    146284,
					"00000002-VIDEO-2019-06-20-16-01-42.mp4":    64825,
					"00000003-AUDIO-2019-06-20-16-03-55.mp3":    240325,
					"00000004-whatsapp-chat-parser-example.zip": 2721,
				}
				for _, m := range msgs {
					for _, a := range m.Attachments {
						if a.Missing || int64(len(a.Content)) != want[a.Name] || a.Size != want[a.Name] || len(a.SHA256) != 64 {
							t.Errorf("attachment %q: missing=%v size=%d", a.Name, a.Missing, a.Size)
						}
						delete(want, a.Name)
					}
				}
				if len(want) != 0 {
					t.Errorf("attachments not linked: %v", want)
				}
				p := msgs[0].Provenance
				if p.File != "whatsapp-chat-parser-website__example_chat.zip!_chat.txt" || len(p.FileSHA256) != 64 || p.Position != "line 1" {
					t.Errorf("provenance = %+v", p)
				}
			}},
		{file: "whatsapp-chat-parser-website__example-2019_chat.txt", n: 100,
			first: waWant{"", "2019-06-20 15:58:47", "Messages to this group are now secured with end-to-end encryption."},
			last:  waWant{"Loris", "2019-06-20 19:54:58", "Links:\n- https://github.com/Pustur/whatsapp-chat-parser\n- https://github.com/Pustur/whatsapp-chat-parser-website"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				// The same group as the 2024 export: one conversation.
				if msgs[0].Conversation.ID != "whatsapp:WhatsApp Chat Parser Example" {
					t.Errorf("conversation = %q", msgs[0].Conversation.ID)
				}
				if m := msgs[2]; m.Kind != "system" || m.Body != "Loris added you" {
					t.Errorf("system message: %+v", m)
				}
			}},
		{file: "langchain-community__chat_loaders_whatsapp_chat.txt", n: 12,
			first: waWant{"", "2023-08-15 09:12:33", "\u200e" + waE2E},
			last:  waWant{"Jungle Jane", "2023-08-15 21:25:16", "Looking forward to it! Keep up the great work."},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if m := msgs[0]; m.Kind != "system" || m.Headers["attributed_to"] != "Dr. Feather" {
					t.Errorf("E2E notice: %+v", m)
				}
				// A one-to-one iOS chat is named after whom the notice is from.
				if c := msgs[0].Conversation; c.ID != "whatsapp:Dr. Feather" || strings.Join(c.Participants, ",") != "Dr. Feather,Jungle Jane" {
					t.Errorf("conversation = %+v", c)
				}
				if m := msgs[2]; m.Body != "" || m.Headers["placeholder"] != "image omitted" || m.Headers["media"] != "image" || len(m.Attachments) != 1 || !m.Attachments[0].Missing || m.Attachments[0].Type != "image/*" {
					t.Errorf("image omitted: %+v", m)
				}
			}},
		{file: "langchain-community__examples_whatsapp_chat.txt", n: 10,
			first: waWant{"James", "2023-05-05 15:48:11", "Hi here"},
			last:  waWant{"User 4", "2023-06-29 00:16:00", "This message was deleted"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				for i, w := range []waWant{
					{"User name", "2021-11-08 09:41:32", "Message 123"},
					{"User 1", "2023-01-23 03:22:00", "And let me know if anything changes"}, // 3:22_AM
					{"User name 2", "2021-01-24 12:41:03", "Of course!"},                     // "~ " prefix
					{"User 2", "2023-05-04 16:13:23", "See you!"},                            // [2023/5/4]
					{"User 1", "2022-07-19 23:32:00", "Hello"},                               // U+202F PM
					{"User 2", "2022-07-20 11:32:00", "Goodbye"},                             // lowercase am
				} {
					checkWAMessage(t, "mixed", msgs[[]int{1, 3, 4, 5, 6, 7}[i]], w)
				}
				if m := msgs[8]; !m.Attachments[0].Missing || m.Headers["media"] != "media" {
					t.Errorf("<Media omitted>: %+v", m)
				}
				if msgs[9].Headers["deleted"] != "true" {
					t.Errorf("deleted: %+v", msgs[9].Headers)
				}
				// All of [05.05.23] fits DMY and YMD: the guess is recorded.
				if h := msgs[0].Headers; h["date_order"] != "DMY" || h["date_order_guessed"] != "true" {
					t.Errorf("guessed order not recorded: %v", h)
				}
			}},
		{file: "whatsapp-chat-parser-rb__sample.txt", n: 7,
			first: waWant{"John Doe", "2025-12-15 10:30:00", "Hello, this is an Android message."},
			last:  waWant{"", "2025-12-15 10:36:00", "Note System message on iOS."},
			check: func(t *testing.T, msgs []*vaultMessage) {
				checkWAMessage(t, "iOS without brackets", msgs[4], waWant{"Charlie", "2025-12-15 10:34:00", "iOS message without brackets."})
				if msgs[5].Kind != "system" {
					t.Errorf("system line: %+v", msgs[5])
				}
			}},
		{file: "chat-history-manager-rust__WhatsApp_Chat_with_+123_45_6789.txt", n: 13,
			first: waWant{"", "2023-06-30 16:13:00", waE2E + " Tap to learn more."},
			last:  waWant{"", "2023-06-30 16:15:00", "+123 45 6789 updated the message timer. New messages will disappear from this chat 24 hours after they're sent, except when kept. Tap to change."},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if c := msgs[0].Conversation; c.ID != "whatsapp:+123 45 6789" || c.Title != "+123 45 6789" {
					t.Errorf("conversation = %+v", c)
				}
				checkWAMessage(t, "multi-line", msgs[2], waWant{"Aaaaa Aaaaaaaaaaa", "2023-06-30 16:14:00", "hello there!\n\nthis is a\nmulti-line message!"})
				// 6/30/23 (MDY) then 30/6/2023 (DMY) in one file.
				checkWAMessage(t, "after the switch", msgs[6], waWant{"+123 45 6789", "2023-06-30 16:15:00", "image comment"})
				if a := msgs[6].Attachments; len(a) != 1 || a[0].Name != "IMG-20230630-WA0000.jpg" || !a[0].Missing {
					t.Errorf("file attached: %+v", a)
				}
				if m := msgs[10]; m.Body != "" || m.Headers["null"] != "true" || m.Headers["placeholder"] != "null" {
					t.Errorf("null body: %+v", m)
				}
				if m := msgs[3]; m.SenderID != "" || msgs[5].SenderID != "+123456789" {
					t.Errorf("sender ids: %q %q", m.SenderID, msgs[5].SenderID)
				}
			}},
		{file: "whats_json__arabic_ios.txt", shared: true, n: 23,
			first: waWant{"", "2022-03-18 14:56:00", "\u200fالرسائل والمكالمات مشفرة تمامًا بين الطرفين، بحيث لا يستطيع أحد خارج هذه الدردشة، ولا حتى شركة واتساب نفسها، قراءتها أو الاستماع إليها."},
			last:  waWant{"Dmitry S", "2022-03-27 21:56:45", "https://maps.google.com/?q=34.800600,28.100155"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				// ٢٧<RLM>/٣<RLM>/٢٠٢٢، ٩:٤١:٣٥ م: Arabic-Indic digits, RLMs, PM.
				checkWAMessage(t, "second", msgs[1], waWant{"Dmitry S", "2022-03-27 21:41:35", "Hello World"})
				if m := msgs[20]; m.Sender != "+40 521 028 61 88" || m.SenderID != "+405210286188" || m.Headers["deleted"] != "true" {
					t.Errorf("embedded phone sender: %+v", m)
				}
				if m := msgs[11]; m.Headers["media"] != "document" || m.Attachments[0].Name != "Some file.txt" {
					t.Errorf("document omitted: %+v", m)
				}
			}},
		{file: "whats_json__Buddhist_iOS.txt", shared: true, n: 28,
			first: waWant{"", "2022-03-18 14:56:01", "\u200e" + waE2E},
			last:  waWant{"Dmitry S", "2023-01-12 15:35:15", ""},
			check: func(t *testing.T, msgs []*vaultMessage) {
				// 2565 BE is 2022; 2566 BE is 2023.
				if y := msgs[1].Time.Year(); y != 2022 {
					t.Errorf("2565 BE = %d", y)
				}
				if m := msgs[10]; m.Seq != 1 || msgs[9].Seq != 0 {
					t.Errorf("identical stickers in one minute: seq %d, %d", msgs[9].Seq, m.Seq)
				}
			}},
		{file: "whats_json__deutch_ios.txt", shared: true, n: 23,
			first: waWant{"", "2022-03-18 14:56:00", "\u200eNachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp."},
			last:  waWant{"Dmitry S", "2022-03-27 21:56:45", "https://maps.google.com/?q=51.5021456,-0.127397"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if msgs[2].Headers["media"] != "image" || msgs[8].Headers["media"] != "contact" {
					t.Errorf("Bild weggelassen / Kontaktkarte ausgelassen: %v %v", msgs[2].Headers, msgs[8].Headers)
				}
			}},
		{file: "whats_json__deutch_android_media.txt", shared: true, n: 41,
			first: waWant{"", "2022-03-23 13:31:00", "Berichten en oproepen worden end-to-end versleuteld. Niemand buiten deze chat kan ze lezen of beluisteren, zelfs WhatsApp niet. Tik voor meer informatie."},
			last:  waWant{"Dmitry S", "2023-01-07 23:32:00", "Gemiste spraakoproep"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if m := msgs[3]; m.Body != "Caption" || m.Headers["placeholder"] != "<Media weggelaten>" || !m.Attachments[0].Missing {
					t.Errorf("<Media weggelaten> with caption: %+v", m)
				}
				if a := msgs[5].Attachments; len(a) != 1 || a[0].Name != "PTT-20220323-WA0000.opus" || a[0].Type != "audio/ogg" {
					t.Errorf("(bestand bijgevoegd): %+v", a)
				}
			}},
		{file: "whats_json__russian_android.txt", shared: true, n: 60,
			first: waWant{"", "2022-03-23 13:31:00", "Сообщения и звонки защищены сквозным шифрованием. Третьи лица, включая WhatsApp, не\u00a0могут прочитать ваши сообщения или прослушать звонки. Нажмите, чтобы узнать подробнее."},
			last:  waWant{"Dmitry S", "2023-01-07 23:32:00", "Пропущенный аудиозвонок"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if msgs[2].Headers["media"] != "media" {
					t.Errorf("<Без медиафайлов>: %+v", msgs[2])
				}
			}},
		{file: "whats_json__japanese_ios.txt", shared: true, n: 23,
			first: waWant{"", "2022-03-18 14:56:00", "\u200eメッセージと通話はエンドツーエンド暗号化されています。チャットの参加者以外は、たとえWhatsAppでも読んだり聞いたりすることはできません。"},
			last:  waWant{"Dmitry S", "2022-03-27 21:56:45", "https://maps.google.com/?q=51.5021456,-0.127397"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if msgs[2].Headers["media"] != "image" || msgs[20].Headers["deleted"] != "true" {
					t.Errorf("japanese placeholders: %v %v", msgs[2].Headers, msgs[20].Headers)
				}
			}},
		{file: "whats_json__hindi_ios.txt", shared: true, n: 23,
			first: waWant{"", "2022-03-18 14:56:00", "\u200eमैसेजेस और कॉल्स एंड-टू-एंड एन्क्रिप्टेड हैं. इस चैट में शामिल लोगों के अलावा कोई भी इन्हें पढ़ या सुन नहीं सकता, WhatsApp भी नहीं."},
			last:  waWant{"Dmitry S", "2022-03-27 21:56:45", "https://maps.google.com/?q=51.5021456,-0.127397"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				for _, i := range []int{2, 4, 5, 8, 9, 11, 16} {
					if msgs[i].Headers["media"] == "" {
						t.Errorf("hindi placeholder not recognised: %q", msgs[i].Body)
					}
				}
			}},
		{file: "whats_json__czech_android.txt", shared: true, n: 60,
			first: waWant{"", "2022-03-23 13:31:00", "Zprávy a hovory jsou zabezpečeny koncovým šifrováním. Nikdo, kdo není přímým účastníkem této konverzace, ji nemůže sledovat ani poslouchat. Dokonce ani WhatsApp. Další informace zobrazíte klepnutím."},
			last:  waWant{"Dmitry S", "2023-01-07 23:32:00", "Zmeškaný hovor"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if msgs[2].Headers["media"] != "media" || msgs[12].Attachments[0].Name != "Alex.vcf" {
					t.Errorf("czech media: %+v / %+v", msgs[2], msgs[12])
				}
				// Two identical "missed call" lines in one minute.
				if a, b := msgs[58], msgs[59]; a.Seq != 0 || b.Seq != 1 || a.ID == b.ID {
					t.Errorf("seq %d %d, ids %s %s", a.Seq, b.Seq, a.ID, b.ID)
				}
			}},
		{file: "whats_json__english_android_media.txt", shared: true, n: 60,
			first: waWant{"", "2022-03-23 13:31:00", waE2E + " Tap to learn more."},
			last:  waWant{"Dmitry S", "2023-01-07 23:32:00", "Missed voice call"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if a := msgs[9].Attachments; len(a) != 1 || a[0].Name != "IMG-20220323-WA0002.jpg" {
					t.Errorf("IMG (file attached): %+v", a)
				}
				if m := waFind(msgs, "This message was deleted"); m == nil || m.Headers["deleted"] != "true" {
					t.Errorf("deleted: %+v", m)
				}
			}},
		{file: "whats_json__WhatsApp_Chat_with_Group_Chat_XXX_Android.txt", shared: true, n: 20,
			first: waWant{"", "2023-01-11 16:13:00", waE2E + " Tap to learn more."},
			last:  waWant{"Dmitry S", "2023-01-11 16:57:00", "We"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if c := msgs[0].Conversation; c.ID != "whatsapp:Group Chat XXX Android" || len(c.Participants) != 1 {
					t.Errorf("conversation: %+v", c)
				}
				system := 0
				for _, m := range msgs {
					if m.Kind == "system" {
						system++
					}
				}
				// 16 notices and the deleted message.
				if system != 17 {
					t.Errorf("%d system messages, want 17", system)
				}
				// Every date is 11/01/2023: DMY is a guess, and says so.
				if msgs[0].Headers["date_order_guessed"] != "true" {
					t.Errorf("guess not recorded: %v", msgs[0].Headers)
				}
			}},
		{file: "whatstk__pokemon.txt", shared: true, n: 20,
			first: waWant{"", "2016-04-15 15:04:00", waE2E},
			last:  waWant{"Wobbuffet", "2016-10-31 12:23:00", "Wo-bbu-ffet"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				if msgs[0].Headers["attributed_to"] != "Pokemon Chat" || msgs[12].Sender != "Jessie & James" {
					t.Errorf("pokemon: %+v %+v", msgs[0], msgs[12])
				}
				if c := msgs[0].Conversation; c.ID != "whatsapp:Pokemon Chat" || len(c.Participants) != 8 {
					t.Errorf("conversation = %+v", c)
				}
			}},
		{file: "chat-analytics__4A_11M.txt", shared: true, n: 14,
			first: waWant{"", "2020-12-09 23:55:00", waE2E + " Tap to learn more."},
			last:  waWant{"Trent", "2020-12-09 23:56:00", "heh"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				// Out of order: 23:16 after 23:55, kept in file order.
				if msgs[1].Time.Format("15:04") != "23:16" {
					t.Errorf("second message at %s", msgs[1].Time.Format("15:04"))
				}
				if msgs[11].Body != "👩🏻\u200d⚖️" {
					t.Errorf("ZWJ body = %q", msgs[11].Body)
				}
			}},
		{file: "chat-analytics__4A_11M.zip", shared: true, n: 14,
			first: waWant{"", "2020-12-09 23:55:00", waE2E + " Tap to learn more."},
			last:  waWant{"Trent", "2020-12-09 23:56:00", "heh"},
			check: func(t *testing.T, msgs []*vaultMessage) {
				// The zip holds the same chat with CRLF line ends: same IDs.
				txt := collect(t, WhatsApp, filepath.Join(sharedSamples(t, "whatsapp"), "chat-analytics__4A_11M.txt"), Options{Location: time.UTC})
				for i := range txt {
					if txt[i].ID != msgs[i].ID {
						t.Fatalf("message %d: zip id %s != txt id %s", i, msgs[i].ID, txt[i].ID)
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := filepath.Join("testdata", "whatsapp", tt.file)
			if tt.shared {
				p = filepath.Join(sharedSamples(t, "whatsapp"), tt.file)
			}
			if !WhatsApp.Detect(p) {
				t.Errorf("Detect(%s) = false", tt.file)
			}
			msgs := collect(t, WhatsApp, p, Options{Location: time.UTC, Now: time.Unix(1e9, 0)})
			if len(msgs) != tt.n {
				t.Fatalf("%d messages, want %d", len(msgs), tt.n)
			}
			checkWAMessage(t, "first", msgs[0], tt.first)
			checkWAMessage(t, "last", msgs[len(msgs)-1], tt.last)
			for _, m := range msgs {
				if m.Source != "whatsapp" || m.ID == "" || m.Provenance.Format != "whatsapp" || m.Provenance.Timezone != "UTC" ||
					!strings.HasPrefix(m.Provenance.Position, "line ") || len(m.Provenance.FileSHA256) != 64 ||
					!m.Provenance.ImportedAt.Equal(time.Unix(1e9, 0)) || !strings.HasPrefix(m.Conversation.ID, "whatsapp:") {
					t.Fatalf("incomplete message: %+v", m)
				}
				// Notices have no sender, except those about what a
				// person did (deleted a message, missed a call).
				act := m.Headers["deleted"] == "true" || m.Headers["call"] != ""
				if ok := (m.Kind == "system" && (m.Sender != "") == act) || (m.Kind == "" && m.Sender != "" && !act); !ok {
					t.Fatalf("system messages and only they have no sender: %+v", m)
				}
				// A placeholder is never the sender's text.
				if p := m.Headers["placeholder"]; p != "" && strings.Contains(m.Body, p) {
					t.Fatalf("placeholder %q kept in the body %q", p, m.Body)
				}
			}
			if tt.check != nil {
				tt.check(t, msgs)
			}
		})
	}
}

// TestWhatsAppChatMinerTarget compares the chat-miner samples, one chat in
// four layouts, with the expected output chat-miner ships. That output
// leaves out system messages and the "John Doe:." message and joins lines
// with a space.
func TestWhatsAppChatMinerTarget(t *testing.T) {
	b, err := os.ReadFile("testdata/whatsapp/chat-miner__whatsapp_target.json")
	if err != nil {
		t.Fatal(err)
	}
	var target []struct{ Timestamp, Author, Message string }
	if err := json.Unmarshal(b, &target); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/whatsapp/chat-miner__test_*.txt")
	if len(files) != 4 {
		t.Fatalf("found %d chat-miner samples, want 4", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var got []waWant
			for _, m := range collect(t, WhatsApp, f, Options{Location: time.UTC}) {
				if m.Kind == "" && m.Body != "." {
					got = append(got, waWant{m.Sender, m.Time.Format("2006-01-02T15:04:05"), strings.ReplaceAll(m.Body, "\n", " ")})
				}
			}
			if len(got) != len(target) {
				t.Fatalf("%d messages, target has %d", len(got), len(target))
			}
			for i, w := range target { // the target lists newest first
				if g := got[len(got)-1-i]; g != (waWant{w.Author, w.Timestamp, w.Message}) {
					t.Errorf("message %d = %q, target %q", i, g, w)
				}
			}
		})
	}
}

// waHeaderLine matches a message's first line in the layouts of the
// team's samples, written without the importer's code, to count the
// messages a file holds another way.
var waHeaderLine = regexp.MustCompile(`^\p{Cf}*\[?\p{Cf}*\p{Nd}{1,4}\p{Cf}*[./-] ?\p{Cf}*\p{Nd}{1,2}\p{Cf}*[./-] ?\p{Cf}*[A-Z]?\p{Nd}{1,4}\.?(?: BE)?\p{Cf}*[,،]?\s\p{Cf}*\p{Nd}{1,2}[:.]\p{Nd}{2}(?:[:.]\p{Nd}{2})?(?:[\s\x{a0}\x{202f}_]*(?i:[ap]\.?\s?m\.?|م|ص))?\p{Cf}*(?:\] | - | – |\s[^:]+: )`)

// TestWhatsAppSampleCounts checks that every sample export imports and
// that the importer stores as many messages as the file has message
// lines, counted with waHeaderLine rather than the importer's parser.
func TestWhatsAppSampleCounts(t *testing.T) {
	dir := sharedSamples(t, "whatsapp")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	n := 0
	for _, p := range files {
		if filepath.Ext(p) != ".txt" && filepath.Ext(p) != ".zip" {
			continue
		}
		n++
		t.Run(filepath.Base(p), func(t *testing.T) {
			var text []byte
			if filepath.Ext(p) == ".zip" {
				z, err := zip.OpenReader(p)
				if err != nil {
					t.Fatal(err)
				}
				defer z.Close()
				for _, f := range z.File {
					if filepath.Ext(f.Name) == ".txt" && !strings.HasPrefix(f.Name, "__MACOSX") {
						rc, err := f.Open()
						if err != nil {
							t.Fatal(err)
						}
						text, _ = io.ReadAll(rc)
						rc.Close()
					}
				}
			} else {
				var err error
				if text, err = os.ReadFile(p); err != nil {
					t.Fatal(err)
				}
			}
			want := 0
			for _, line := range strings.Split(strings.TrimPrefix(string(text), "\ufeff"), "\n") {
				if waHeaderLine.MatchString(strings.TrimRight(line, "\r")) {
					want++
				}
			}
			msgs := collect(t, WhatsApp, p, Options{Location: time.UTC})
			if len(msgs) != want || want == 0 {
				t.Errorf("%d messages stored, the file has %d message lines", len(msgs), want)
			}
		})
	}
	if n < 20 {
		t.Errorf("found %d WhatsApp samples, want the 24 of ../shared/samples", n)
	}
}
