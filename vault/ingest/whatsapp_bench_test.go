package ingest

import (
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"coffer/vault/corpus"
)

// waBenchFile writes vault/corpus's Android export of exactly lines
// lines.
func waBenchFile(b *testing.B, lines int) (string, int64) {
	p := filepath.Join(b.TempDir(), corpus.WhatsAppName)
	return p, writeExport(b, p, func(w io.Writer) (int, error) { return corpus.WriteWhatsAppLines(w, lines) })
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
