package ingest

import (
	"io"
	"path/filepath"
	"testing"

	"coffer/vault/corpus"
)

// writeBigSMS writes vault/corpus's backup of n messages: mostly SMS,
// every tenth a group MMS with a 16 KiB photo part.
func writeBigSMS(tb testing.TB, n int) (string, int64) {
	p := filepath.Join(tb.TempDir(), corpus.SMSName)
	return p, writeExport(tb, p, func(w io.Writer) (int, error) { return corpus.WriteSMS(w, corpus.Limit{Messages: n}) })
}

func BenchmarkSMS(b *testing.B) {
	importGC(b)
	const n = 50000
	p, size := writeBigSMS(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		got := 0
		if err := SMS.Parse(p, Options{}, func(*vaultMessage) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("got %d messages", got)
		}
	}
	cpu.report(b, size)
	reportChatHeap(b)
}
