package ingest

import (
	"io"
	"path/filepath"
	"testing"

	"coffer/vault/corpus"
)

// writeBigDiscord writes vault/corpus's channel export of n messages.
func writeBigDiscord(tb testing.TB, n int) (string, int64) {
	p := filepath.Join(tb.TempDir(), corpus.DiscordName)
	return p, writeExport(tb, p, func(w io.Writer) (int, error) { return corpus.WriteDiscord(w, corpus.Limit{Messages: n}) })
}

func BenchmarkDiscord(b *testing.B) {
	importGC(b)
	const n = 50000
	p, size := writeBigDiscord(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		got := 0
		if err := Discord.Parse(p, Options{}, func(*vaultMessage) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("got %d messages", got)
		}
	}
	cpu.report(b, size)
	reportChatHeap(b)
}
