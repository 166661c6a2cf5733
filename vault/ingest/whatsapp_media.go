package ingest

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"
)

// What the text of a WhatsApp message can stand for besides itself. The
// phrases are WhatsApp's own, per locale: those the samples under
// ../shared/samples/whatsapp show, plus a few common European locales
// (best effort, unverified against real exports). A phrase missing here
// leaves the message as plain text with its body as exported, which loses
// nothing but the attachment link.

// waOmitted are Android's whole-line placeholders for media left out of
// the export ("<Media omitted>").
var waOmitted = map[string]bool{
	"Media omitted":         true, // en
	"Media weggelaten":      true, // nl
	"Média vynechány":       true, // cs
	"Без медиафайлов":       true, // ru
	"Medien ausgeschlossen": true, // de
	"Multimedia omitido":    true, // es
	"Mídia oculta":          true, // pt
	"Media omessi":          true, // it
	"Médias omis":           true, // fr
	"Medya dahil edilmedi":  true, // tr
}

// waOmittedIOS are iOS's placeholders, which follow an LRM/RLM and may
// follow a document's name ("Template.docx <LRM>document omitted"), mapped to
// the kind of media.
var waOmittedIOS = []struct{ phrase, kind string }{
	{"image omitted", "image"}, {"video omitted", "video"}, {"audio omitted", "audio"},
	{"sticker omitted", "sticker"}, {"GIF omitted", "gif"}, {"Contact card omitted", "contact"},
	{"document omitted", "document"},
	{"Bild weggelassen", "image"}, {"Video weggelassen", "video"}, {"Audio weggelassen", "audio"},
	{"Sticker weggelassen", "sticker"}, {"GIF weggelassen", "gif"}, {"Kontaktkarte ausgelassen", "contact"},
	{"Dokument weggelassen", "document"},
	{"لم يتم إدراج الصورة", "image"}, {"لم يتم إدراج الفيديوهات", "video"}, {"لم يتم إدراج المقاطع الصوتية", "audio"},
	{"تم حذف الملصقات", "sticker"}, {"لم يتم إدراج صورة GIF", "gif"}, {"لم يتم إدراج بطاقة جهة اتصال", "contact"},
	{"لم يتم إدراج المستند", "document"},
	{"画像は含まれていません", "image"}, {"ビデオは含まれていません", "video"}, {"音声は含まれていません", "audio"},
	{"スタンプは含まれていません", "sticker"}, {"GIFは含まれていません", "gif"}, {"連絡先カードを省略", "contact"},
	{"ドキュメントは含まれていません", "document"},
	{"फ़ोटो हटाई गई", "image"}, {"वीडियो छोड़ा गया", "video"}, {"ऑडियो हटाई गयी", "audio"},
	{"स्टिकर छोड़ा गया", "sticker"}, {"GIF छोड़ा गया", "gif"}, {"कॉन्टैक्ट कार्ड छोड़ा गया", "contact"},
	{"डॉक्यूमेंट छोड़ा गया", "document"},
}

// waFileAttached are the phrases Android puts after an attached file's
// name: "IMG-20230630-WA0000.jpg (file attached)".
var waFileAttached = map[string]bool{
	"file attached":       true, // en
	"bestand bijgevoegd":  true, // nl
	"soubor byl přiložen": true, // cs
	"файл добавлен":       true, // ru
	"Datei angehängt":     true, // de
	"archivo adjunto":     true, // es
	"arquivo anexado":     true, // pt
	"file allegato":       true, // it
	"fichier joint":       true, // fr
	"dosya ekli":          true, // tr
	"plik załączony":      true, // pl
	"fișier atașat":       true, // ro
	"tiedosto liitetty":   true, // fi
	"fil vedhæftet":       true, // da
	"fil bifogad":         true, // sv
	"fil vedlagt":         true, // nb
}

// waDeleted are the texts WhatsApp leaves where a message was deleted,
// compared without marks and final punctuation.
var waDeleted = map[string]bool{
	"This message was deleted": true, "You deleted this message": true,
	"Diese Nachricht wurde gelöscht": true, "Du hast diese Nachricht gelöscht": true,
	"Dit bericht is verwijderd": true, "U hebt dit bericht verwijderd": true, "Je hebt dit bericht verwijderd": true,
	"Tato zpráva byla odstraněna": true, "Tuto zprávu jste odstranil/a": true,
	"Данное сообщение удалено": true, "Вы удалили данное сообщение": true,
	"تم حذف هذه الرسالة": true, "أنت حذفت هذه الرسالة": true,
	"このメッセージは削除されました": true, "このメッセージを削除しました": true,
	"यह मैसेज डिलीट कर दिया गया है": true, "आपने यह मैसेज डिलीट किया": true,
	"Se eliminó este mensaje": true, "Eliminaste este mensaje": true,
	"Esta mensagem foi apagada": true, "Você apagou esta mensagem": true,
	"Ce message a été supprimé": true, "Vous avez supprimé ce message": true,
	"Questo messaggio è stato eliminato": true, "Hai eliminato questo messaggio": true,
}

// waSystemPrefixes start service notices that iOS (and old Android
// exports) attribute to the chat partner or the chat itself
// ("Pokemon Chat: Messages and calls are end-to-end encrypted...").
var waSystemPrefixes = []string{
	"Messages and calls are end-to-end encrypted",
	"Messages to this group are now secured",
	"Messages you send to this group are now secured",
	"Messages you send to this chat and calls are now secured",
	"Your security code with ",
	"Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
	"الرسائل والمكالمات مشفرة",
	"メッセージと通話はエンドツーエンド暗号化",
	"मैसेजेस और कॉल्स एंड-टू-एंड एन्क्रिप्टेड",
	"Zprávy a hovory jsou zabezpečeny koncovým šifrováním",
	"Berichten en oproepen worden end-to-end versleuteld",
	"Сообщения и звонки защищены сквозным шифрованием",
}

// waSystemContains marks bodies that are service notices wherever they
// appear ("+123 45 6789 updated the message timer...").
var waSystemContains = []string{
	" updated the message timer.",
	" turned on disappearing messages.",
	" turned off disappearing messages.",
}

// The phrase tables as bytes, made once: converting a long string to
// []byte on every message would allocate.
var (
	waSystemPrefixesB = waBytes(waSystemPrefixes)
	waSystemContainsB = waBytes(waSystemContains)
	waOmittedIOSB     = func() [][]byte {
		out := make([][]byte, len(waOmittedIOS))
		for i, p := range waOmittedIOS {
			out[i] = []byte(p.phrase)
		}
		return out
	}()
	lrm, rlm = []byte("\u200e"), []byte("\u200f")
)

func waBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// stripMarks returns b without directional marks; b itself when it has
// none.
func stripMarks(b []byte) []byte {
	i := 0
	for ; i < len(b); i++ {
		if markLen(b, i) > 0 {
			break
		}
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n := markLen(b, i); n > 0 {
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// waDeletedLen marks the lengths of the waDeleted texts, a cheap filter
// before the map lookup.
var waDeletedLen = func() (l [128]bool) {
	for k := range waDeleted {
		l[len(k)] = true
	}
	return l
}()

// trimFinalDots drops the final punctuation of a deleted-message notice.
func trimFinalDots(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[len(b)-1] == '.' || b[len(b)-1] == ' ':
			b = b[:len(b)-1]
		case bytes.HasSuffix(b, []byte("。")):
			b = b[:len(b)-len("。")]
		default:
			return b
		}
	}
	return b
}

// waE2ENotice reports whether text opens with the end-to-end encryption
// notice that starts a chat.
func waE2ENotice(text []byte) bool {
	text = bytes.TrimSpace(stripMarks(text))
	for i, p := range waSystemPrefixesB {
		if waSystemPrefixes[i] != "Your security code with " && bytes.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

// waSystemLine reports whether a line of text (without marks) is a
// service notice.
func waSystemLine(line []byte) bool {
	for _, p := range waSystemPrefixesB {
		if bytes.HasPrefix(line, p) {
			return true
		}
	}
	// "+123 45 6789 updated the message timer. ... Tap to change.": the
	// suffix test keeps the scan off ordinary messages.
	if bytes.HasSuffix(line, []byte("Tap to change.")) {
		for _, p := range waSystemContainsB {
			if bytes.Contains(line, p) {
				return true
			}
		}
	}
	return false
}

// waBody is what classifyBody found in a message's text.
type waBody struct {
	system  bool
	deleted bool
	null    bool
	media   string // kind of omitted media: "media", "image", ...
	file    string // attached file named by the export
	missing bool   // file or media not in the export
}

// classifyBody looks at the first line of a message's text.
func classifyBody(body []byte) (r waBody) {
	line := body
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if len(line) == 0 {
		return r
	}
	hasMark := bytes.Contains(line, lrm) || bytes.Contains(line, rlm)
	if hasMark {
		// A line of nothing but marks is empty once they go.
		if line = bytes.TrimSpace(stripMarks(line)); len(line) == 0 {
			return r
		}
	}
	if waSystemLine(line) {
		r.system = true
		return r
	}
	if len(line) == 4 && string(line) == "null" {
		r.null = true
		return r
	}
	if t := trimFinalDots(line); len(t) < len(waDeletedLen) && waDeletedLen[len(t)] && waDeleted[string(t)] {
		r.deleted = true
		return r
	}
	last := len(line) - 1
	switch {
	case line[0] == '<' && line[last] == '>':
		inner := line[1:last]
		if c := bytes.IndexByte(inner, ':'); c > 0 && c < 40 {
			// iOS "<attached: 00000012-PHOTO-2019-06-20-16-00-15.jpg>", or
			// a localised label ("<anexo: ...>", "<Anhang: ...>").
			name := strings.TrimSpace(string(inner[c+1:]))
			if isFileName(name) {
				r.file = name
				return r
			}
		} else if waOmitted[string(inner)] {
			r.media, r.missing = "media", true
			return r
		}
	case line[last] == ')':
		if o := bytes.LastIndex(line, []byte(" (")); o > 0 {
			name := string(line[:o])
			if isFileName(name) && (waFileAttached[string(line[o+2:last])] || isWAMediaName(name)) {
				r.file = name
				return r
			}
		}
	}
	if hasMark {
		for i, p := range waOmittedIOSB {
			if bytes.HasSuffix(line, p) {
				r.media, r.missing = waOmittedIOS[i].kind, true
				doc := strings.TrimSpace(string(line[:len(line)-len(p)]))
				if i := strings.Index(doc, " • "); i >= 0 {
					doc = strings.TrimSpace(doc[:i])
				}
				if isFileName(doc) {
					r.file = doc
				}
				return r
			}
		}
	}
	return r
}

// isFileName reports whether s can be the name of a file in an export: a
// base name with an extension, no path.
func isFileName(s string) bool {
	if len(s) == 0 || len(s) > 255 || strings.ContainsAny(s, "/\\\x00<>") || s == "." || s == ".." {
		return false
	}
	ext := path.Ext(s)
	return len(ext) >= 2 && len(ext) <= 9 && !strings.ContainsAny(ext, " ")
}

// isWAMediaName matches Android's media file names, IMG-20230630-WA0000.jpg.
func isWAMediaName(s string) bool {
	if len(s) < 20 || s[3] != '-' || s[12] != '-' || s[13:15] != "WA" {
		return false
	}
	for _, c := range s[4:12] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// mediaType guesses a MIME type from a file name, from a fixed table so
// the result does not depend on the machine's mime.types.
func mediaType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".heic":
		return "image/heic"
	case ".mp4":
		return "video/mp4"
	case ".3gp":
		return "video/3gpp"
	case ".mov":
		return "video/quicktime"
	case ".opus", ".ogg":
		return "audio/ogg"
	case ".mp3":
		return "audio/mpeg"
	case ".m4a", ".aac":
		return "audio/mp4"
	case ".amr":
		return "audio/amr"
	case ".wav":
		return "audio/wav"
	case ".pdf":
		return "application/pdf"
	case ".vcf":
		return "text/vcard"
	case ".txt":
		return "text/plain"
	case ".zip":
		return "application/zip"
	case ".doc":
		return "application/msword"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	}
	return "application/octet-stream"
}

// waGroupSubject returns Name from `X created group "Name"` (straight or
// curly quotes), or "".
func waGroupSubject(text []byte) string {
	i := bytes.Index(text, []byte(" created group "))
	if i < 0 {
		return ""
	}
	s := string(bytes.TrimSpace(stripMarks(text[i+len(" created group "):])))
	s = strings.TrimPrefix(strings.TrimPrefix(s, `"`), "“")
	s = strings.TrimSuffix(strings.TrimSuffix(s, `"`), "”")
	if s == "" || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// waAttributedSystem reports a service notice written as if a person sent
// it; such lines are system messages and their "sender" no participant.
func waAttributedSystem(text []byte) bool {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if bytes.Contains(text, lrm) || bytes.Contains(text, rlm) {
		text = bytes.TrimSpace(stripMarks(text))
	}
	return waSystemLine(text)
}

// waPhone returns the sender as "+digits" when the name is a phone number
// (WhatsApp shows numbers for people not in the contacts), else "".
func waPhone(s string) string {
	if len(s) < 7 || s[0] != '+' {
		return ""
	}
	out := make([]byte, 0, len(s))
	out = append(out, '+')
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			out = append(out, c)
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return ""
		}
	}
	if len(out) < 7 {
		return ""
	}
	return string(out)
}
