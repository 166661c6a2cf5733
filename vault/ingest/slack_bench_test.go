package ingest

import (
	"path/filepath"
	"testing"

	"coffer/vault/corpus"
)

// writeBigSlack writes vault/corpus's export folder: 3 channels with days
// day files of perDay messages each.
func writeBigSlack(tb testing.TB, days, perDay int) (string, int64) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "export")
	_, size, err := corpus.WriteSlack(dir, perDay, corpus.Limit{Messages: 3 * days * perDay})
	if err != nil {
		tb.Fatal(err)
	}
	return dir, size
}

func BenchmarkSlack(b *testing.B) {
	importGC(b)
	dir, size := writeBigSlack(b, 60, 300)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		n := 0
		if err := Slack.Parse(dir, Options{}, func(*vaultMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 3*60*300 {
			b.Fatalf("got %d messages", n)
		}
	}
	cpu.report(b, size)
}
