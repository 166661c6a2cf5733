package ingest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waBenchWords is the generated chat's vocabulary: mostly short Latin
// words, some accented, Cyrillic, CJK and emoji, and a URL.
var waBenchWords = strings.Fields(`the a to and of I you it is that in for on was me we my
ok yes no lol haha thanks see tomorrow tonight meeting call later home work coffee dinner
where when why what how today now soon maybe sure great good nice cool sorry again
café déjà naïve über façade привет спасибо завтра 今日 明日 ありがとう 😂 👍 ❤️ 🎉
https://example.com/some/path?q=1 report draft budget invoice contract`)

// waBenchFile writes a deterministic Android export of exactly lines
// lines: ordinary messages, multi-line ones, media placeholders, attached
// files and system lines, as a long group chat has them.
func waBenchFile(b *testing.B, lines int) (string, int64) {
	b.Helper()
	p := filepath.Join(b.TempDir(), "WhatsApp Chat with Bench group.txt")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"Anna", "Bob Smith", "Chloé", "Dmitry S", "+44 7700 900123", "李雷", "Eve 🎉", "Frank"}
	t := time.Date(2021, 1, 1, 8, 0, 0, 0, time.UTC)
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = waBenchWords[r.IntN(len(waBenchWords))]
		}
		return strings.Join(ws, " ")
	}
	for n := 0; n < lines; {
		t = t.Add(time.Duration(r.IntN(600)) * time.Second)
		fmt.Fprintf(w, "%s - ", t.Format("02/01/2006, 15:04"))
		n++
		switch k := r.IntN(100); {
		case k < 2:
			fmt.Fprintf(w, "%s added %s\n", names[r.IntN(len(names))], names[r.IntN(len(names))])
		case k < 5:
			fmt.Fprintf(w, "%s: <Media omitted>\n", names[r.IntN(len(names))])
		case k < 6:
			fmt.Fprintf(w, "%s: IMG-%s-WA%04d.jpg (file attached)\n", names[r.IntN(len(names))], t.Format("20060102"), r.IntN(10000))
		case k < 16:
			fmt.Fprintf(w, "%s: %s\n", names[r.IntN(len(names))], text(3+r.IntN(8)))
			for extra := 1 + r.IntN(3); extra > 0 && n < lines; extra-- {
				fmt.Fprintf(w, "%s\n", text(2+r.IntN(10)))
				n++
			}
		default:
			fmt.Fprintf(w, "%s: %s\n", names[r.IntN(len(names))], text(1+r.IntN(12)))
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	return p, fi.Size()
}

// BenchmarkWhatsApp imports a generated 1M-line export. Besides MB/s it
// reports the largest heap seen while importing (peak-heap-MiB), which
// must stay flat whatever the export's size, and MB per CPU second of the
// whole process (cpu-MB/s, GC included), which a loaded machine does not
// distort the way it does wall-clock MB/s.
func BenchmarkWhatsApp(b *testing.B) {
	importGC(b)
	p, size := waBenchFile(b, 1_000_000)
	b.SetBytes(size)
	b.ReportAllocs()
	var peak uint64
	var msgs, ops int
	cpu := waCPUTime()
	for b.Loop() {
		ops++
		msgs = 0
		err := WhatsApp.Parse(p, Options{Location: time.UTC}, func(m *vaultMessage) error {
			msgs++
			if msgs%100_000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if used := waCPUTime() - cpu; used > 0 {
		b.ReportMetric(float64(size)*float64(ops)/1e6/used.Seconds(), "cpu-MB/s")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(msgs), "msgs/op")
}
