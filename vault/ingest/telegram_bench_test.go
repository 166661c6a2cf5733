package ingest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func FuzzTelegram(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/telegram/*.json")
	pages, _ := filepath.Glob("testdata/telegram/*.html")
	seeds = append(seeds, pages...)
	if len(seeds) == 0 {
		f.Fatal("no seed corpus in testdata/telegram")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "result.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		Telegram.Detect(p)
		_ = Telegram.Parse(p, Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}

// writeBigTelegram writes a deterministic full-account export of n
// messages per chat in 4 chats, mixing the shapes real exports have.
func writeBigTelegram(tb testing.TB, n int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "result.json")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "{\n \"about\": \"Here is the data you requested.\",\n \"personal_information\": {\"user_id\": 1, \"first_name\": \"Me\"},\n \"chats\": {\n  \"about\": \"This page lists all chats from this export.\",\n  \"list\": [\n")
	words := strings.Fields("the quick brown fox jumps over the lazy dog and keeps running through the quiet night под дождём 🦊")
	for c := 0; c < 4; c++ {
		if c > 0 {
			fmt.Fprint(w, ",\n")
		}
		fmt.Fprintf(w, "   {\n    \"name\": \"Chat %d\",\n    \"type\": \"private_group\",\n    \"id\": %d,\n    \"messages\": [\n", c, 4000000000+c)
		for i := 0; i < n; i++ {
			if i > 0 {
				fmt.Fprint(w, ",\n")
			}
			id := 1000 + i
			sec := 1600000000 + c*10000000 + i*37
			fmt.Fprintf(w, "     {\n      \"id\": %d,\n      \"type\": \"message\",\n      \"date\": \"2020-09-13T%02d:%02d:%02d\",\n      \"date_unixtime\": \"%d\",\n      \"from\": \"User %d\",\n      \"from_id\": \"user%d\",\n", id, (sec/3600)%24, (sec/60)%60, sec%60, sec, i%7, 100+i%7)
			switch {
			case i%10 == 3:
				fmt.Fprintf(w, "      \"reply_to_message_id\": %d,\n", id-2)
			case i%10 == 5:
				fmt.Fprint(w, "      \"forwarded_from\": \"Some Channel\",\n      \"photo\": \"(File not included. Change data exporting settings to download.)\",\n      \"width\": 1280,\n      \"height\": 720,\n")
			}
			var sb strings.Builder
			for k := 0; k < 8+i%17; k++ {
				sb.WriteString(words[(i+k)%len(words)])
				sb.WriteByte(' ')
			}
			text := strings.TrimSpace(sb.String())
			if i%4 == 1 {
				fmt.Fprintf(w, "      \"text\": [\n       \"%s \",\n       {\n        \"type\": \"link\",\n        \"text\": \"https://example.com/%d\"\n       },\n       \"\"\n      ],\n", text, i)
				fmt.Fprintf(w, "      \"text_entities\": [\n       {\n        \"type\": \"plain\",\n        \"text\": \"%s \"\n       },\n       {\n        \"type\": \"link\",\n        \"text\": \"https://example.com/%d\"\n       }\n      ]\n     }", text, i)
			} else {
				fmt.Fprintf(w, "      \"text\": \"%s\",\n      \"text_entities\": [\n       {\n        \"type\": \"plain\",\n        \"text\": \"%s\"\n       }\n      ]\n     }", text, text)
			}
		}
		fmt.Fprint(w, "\n    ]\n   }")
	}
	fmt.Fprint(w, "\n  ]\n }\n}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	return p, st.Size()
}

func BenchmarkTelegram(b *testing.B) {
	importGC(b)
	p, size := writeBigTelegram(b, 25000)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		n := 0
		if err := Telegram.Parse(p, Options{}, func(*vaultMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100000 {
			b.Fatalf("got %d messages", n)
		}
	}
	cpu.report(b, size)
	reportChatHeap(b)
}

// reportChatHeap reports the heap the runtime ever reserved: with a
// streaming parser it stays far below the input size.
func reportChatHeap(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "MiB-heap-sys")
}

// chatCPUClock measures the process's CPU time, so a benchmark can report
// throughput per CPU-second: on a shared machine wall time mostly
// measures the neighbours.
type chatCPUClock struct{ start time.Duration }

func chatCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startChatCPUClock() chatCPUClock { return chatCPUClock{chatCPUTime()} }

func (c chatCPUClock) report(b *testing.B, size int64) {
	if d := chatCPUTime() - c.start; d > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
	}
}
