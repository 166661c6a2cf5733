package corpus

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// WhatsAppName is a file name under which WhatsApp exports its chats.
const WhatsAppName = "WhatsApp Chat with Bench group.txt"

// waWords is the generated chat's vocabulary: mostly short Latin words,
// some accented, Cyrillic, CJK and emoji, and a URL.
var waWords = strings.Fields(`the a to and of I you it is that in for on was me we my
ok yes no lol haha thanks see tomorrow tonight meeting call later home work coffee dinner
where when why what how today now soon maybe sure great good nice cool sorry again
café déjà naïve über façade привет спасибо завтра 今日 明日 ありがとう 😂 👍 ❤️ 🎉
https://example.com/some/path?q=1 report draft budget invoice contract`)

// WriteWhatsApp writes an Android WhatsApp export of one long group
// chat: ordinary messages, multi-line ones, media placeholders, attached
// files and system lines. It returns the number of messages in it.
func WriteWhatsApp(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	return writeWhatsApp(w, func(msgs, _ int, size int64) bool { return lim.reached(msgs, size) }, 0)
}

// WriteWhatsAppLines writes the export of WriteWhatsApp cut at exactly
// lines lines (the last message may lose continuation lines): the unit
// the parser's benchmark has always been sized in.
func WriteWhatsAppLines(w io.Writer, lines int) (int, error) {
	return writeWhatsApp(w, func(_, n int, _ int64) bool { return n >= lines }, lines)
}

// writeWhatsApp writes messages until stop, asked before each message
// with the messages, lines and bytes so far, says so, and no more than
// maxLines lines if that is not 0.
func writeWhatsApp(w io.Writer, stop func(msgs, lines int, size int64) bool, maxLines int) (int, error) {
	out := newOutput(w)
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"Anna", "Bob Smith", "Chloé", "Dmitry S", "+44 7700 900123", "李雷", "Eve 🎉", "Frank"}
	t := time.Date(2021, 1, 1, 8, 0, 0, 0, time.UTC)
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = waWords[r.IntN(len(waWords))]
		}
		return strings.Join(ws, " ")
	}
	msgs := 0
	for n := 0; !stop(msgs, n, out.size()) && !out.failed(); {
		t = t.Add(time.Duration(r.IntN(600)) * time.Second)
		fmt.Fprintf(out, "%s - ", t.Format("02/01/2006, 15:04"))
		n++
		msgs++
		switch k := r.IntN(100); {
		case k < 2:
			fmt.Fprintf(out, "%s added %s\n", names[r.IntN(len(names))], names[r.IntN(len(names))])
		case k < 5:
			fmt.Fprintf(out, "%s: <Media omitted>\n", names[r.IntN(len(names))])
		case k < 6:
			fmt.Fprintf(out, "%s: IMG-%s-WA%04d.jpg (file attached)\n", names[r.IntN(len(names))], t.Format("20060102"), r.IntN(10000))
		case k < 16:
			fmt.Fprintf(out, "%s: %s\n", names[r.IntN(len(names))], text(3+r.IntN(8)))
			for extra := 1 + r.IntN(3); extra > 0 && (maxLines == 0 || n < maxLines); extra-- {
				fmt.Fprintf(out, "%s\n", text(2+r.IntN(10)))
				n++
			}
		default:
			fmt.Fprintf(out, "%s: %s\n", names[r.IntN(len(names))], text(1+r.IntN(12)))
		}
	}
	if err := out.done(); err != nil {
		return msgs, fmt.Errorf("corpus: whatsapp: %w", err)
	}
	return msgs, nil
}
