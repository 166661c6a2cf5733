package ingest

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"coffer/vault/corpus"
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

// writeBigTelegram writes vault/corpus's full-account export of n
// messages per chat in 4 chats.
func writeBigTelegram(tb testing.TB, n int) (string, int64) {
	p := filepath.Join(tb.TempDir(), corpus.TelegramName)
	return p, writeExport(tb, p, func(w io.Writer) (int, error) { return corpus.WriteTelegram(w, n, corpus.Limit{Messages: 4 * n}) })
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
