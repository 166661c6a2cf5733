package ingest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeBigSignalText writes a signal-export chat.md of n messages, every
// fourth one spanning three lines.
func writeBigSignalText(tb testing.TB, n int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "Team", "chat.md")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i++ {
		s := 1704067200 + i*17
		fmt.Fprintf(w, "[2024-%02d-%02d %02d:%02d:%02d] %s: message number %d about the quarterly numbers and what we do next  \n",
			1+(s/2419200)%12, 1+(s/86400)%28, (s/3600)%24, (s/60)%60, s%60, []string{"Alice", "Bob", "Me"}[i%3], i)
		if i%4 == 0 {
			fmt.Fprint(w, "second line of a longer message\nthird line, still going  \n")
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return p, st.Size()
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
