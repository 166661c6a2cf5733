package ingest

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// writeBenchMbox writes a deterministic mbox of n messages: plain
// replies in threads, some with escaped ">From " lines, and one in ten a
// multipart with an HTML part and a small attachment. It returns the
// file's size.
func writeBenchMbox(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(3, 11))
	words := strings.Fields("the quarterly numbers look fine but please check the forecast before " +
		"friday meeting contract gas power desk trading schedule review approve send update " +
		"Zürich naïve façade 東京 résumé")
	attach := make([]byte, 2048)
	for i := range attach {
		attach[i] = byte(rng.IntN(256))
	}
	att64 := base64.StdEncoding.EncodeToString(attach)
	t0 := time.Date(2001, 5, 14, 9, 0, 0, 0, time.FixedZone("", -7*3600))
	for i := range n {
		t := t0.Add(time.Duration(i) * 97 * time.Second)
		thread := i / 5 * 5
		fmt.Fprintf(w, "From user%d@example.com %s\n", i%97, t.UTC().Format("Mon Jan _2 15:04:05 2006"))
		fmt.Fprintf(w, "Message-ID: <%d.bench@example.com>\n", i)
		fmt.Fprintf(w, "Date: %s\n", t.Format(time.RFC1123Z))
		fmt.Fprintf(w, "From: User %d <user%d@example.com>\n", i%97, i%97)
		fmt.Fprintf(w, "To: desk%d@example.com, Team <team@example.com>\n", i%13)
		subject := fmt.Sprintf("Forecast %d", thread)
		if i != thread {
			subject = "Re: " + subject
			fmt.Fprintf(w, "In-Reply-To: <%d.bench@example.com>\nReferences: <%d.bench@example.com> <%d.bench@example.com>\n", i-1, thread, i-1)
		}
		fmt.Fprintf(w, "Subject: %s\nMIME-Version: 1.0\n", subject)
		var body strings.Builder
		for l := range 5 + rng.IntN(25) {
			for range 6 + rng.IntN(8) {
				body.WriteString(words[rng.IntN(len(words))])
				body.WriteByte(' ')
			}
			if l == 3 && i%20 == 0 {
				body.WriteString("\n>From the desk")
			}
			body.WriteByte('\n')
		}
		if i%10 == 9 {
			fmt.Fprintf(w, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n", i)
			fmt.Fprintf(w, "--b%d\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n", i, body.String())
			fmt.Fprintf(w, "--b%d\nContent-Type: text/html; charset=utf-8\n\n<p>%s</p>\n", i, body.String())
			fmt.Fprintf(w, "--b%d\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"data%d.bin\"\nContent-Transfer-Encoding: base64\n\n", i, i)
			for j := 0; j < len(att64); j += 76 {
				w.WriteString(att64[j:min(j+76, len(att64))])
				w.WriteByte('\n')
			}
			fmt.Fprintf(w, "--b%d--\n\n", i)
		} else {
			fmt.Fprintf(w, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n", body.String())
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return st.Size()
}

// BenchmarkMbox imports a generated 100k-message mbox (about 190 MB),
// converting on one goroutine and on GOMAXPROCS. MB/s counts the mbox's
// bytes; MB/cpu-s divides them by the CPU time used (on the shared
// machine wall time mostly measures the neighbours); live-heap-MB is the
// largest live heap (after a forced GC, every 5000 messages), which must
// stay flat whatever the file's size.
func BenchmarkMbox(b *testing.B) {
	importGC(b)
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	path := filepath.Join(b.TempDir(), "bench.mbox")
	size := writeBenchMbox(b, path, n)
	sum, err := HashFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, min(runtime.GOMAXPROCS(0), mboxMaxWorkers)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			var peak uint64
			var ms runtime.MemStats
			cpu := mailCPUTime()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				err = readMbox(f, "bench.mbox", sum, Options{}, func(*vaultMessage) error {
					count++
					if count%5000 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
					return nil
				}, workers)
				f.Close()
				if err != nil || count != n {
					b.Fatalf("%d messages, err %v", count, err)
				}
			}
			if d := mailCPUTime() - cpu; d > 0 {
				b.ReportMetric(float64(size)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
			}
			b.ReportMetric(float64(peak)/(1<<20), "live-heap-MB")
		})
	}
}
