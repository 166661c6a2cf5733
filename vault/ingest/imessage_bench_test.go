package ingest

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"coffer/vault/corpus"
)

// writeBigChatDB writes vault/corpus's chat.db of n message rows and
// returns its path, size and the messages an importer must read.
func writeBigChatDB(tb testing.TB, n int) (string, int64, int) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), corpus.ChatDBName)
	want, err := corpus.WriteChatDB(p, n)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	return p, st.Size(), want
}

func BenchmarkIMessageChatDB(b *testing.B) {
	importGC(b)
	p, size, want := writeBigChatDB(b, 200000)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		n := 0
		if err := IMessage.Parse(p, Options{}, func(*vaultMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("got %d messages, want %d", n, want)
		}
	}
	cpu.report(b, size)
}

// writeBigIMessageText writes vault/corpus's imessage-exporter text of n
// messages.
func writeBigIMessageText(tb testing.TB, n int) (string, int64) {
	p := filepath.Join(tb.TempDir(), corpus.IMessageTextName)
	return p, writeExport(tb, p, func(w io.Writer) (int, error) { return corpus.WriteIMessageText(w, corpus.Limit{Messages: n}) })
}

func BenchmarkIMessageText(b *testing.B) {
	importGC(b)
	p, size := writeBigIMessageText(b, 200000)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startChatCPUClock()
	for b.Loop() {
		n := 0
		if err := IMessage.Parse(p, Options{}, func(*vaultMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 200000 {
			b.Fatalf("got %d messages", n)
		}
	}
	cpu.report(b, size)
}
