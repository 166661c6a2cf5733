package ingest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"coffer/vault/corpus"
)

// writeBenchMbox writes vault/corpus's mbox of n messages at path and
// returns its size.
func writeBenchMbox(tb testing.TB, path string, n int) int64 {
	return writeExport(tb, path, func(w io.Writer) (int, error) { return corpus.WriteMbox(w, corpus.Limit{Messages: n}) })
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
