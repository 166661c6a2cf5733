package ingest

import (
	"io"
	"path/filepath"
	"testing"

	"coffer/vault/corpus"
)

// writeBigSignalText writes vault/corpus's signal-export chat.md of n
// messages.
func writeBigSignalText(tb testing.TB, n int) (string, int64) {
	p := filepath.Join(tb.TempDir(), "Team", corpus.SignalName)
	return p, writeExport(tb, p, func(w io.Writer) (int, error) { return corpus.WriteSignal(w, corpus.Limit{Messages: n}) })
}

func BenchmarkSignal(b *testing.B) {
	importGC(b)
	p, size := writeBigSignalText(b, 200000)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		n := 0
		if err := Signal.Parse(p, Options{}, func(*vaultMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 200000 {
			b.Fatalf("got %d messages", n)
		}
	}
	cpu.report(b, size)
}
