package ingest

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeBigChatDB writes a chat.db of n message rows in 50 chats: every
// tenth row a tapback on the row before, every seventh with its text
// only in attributedBody. SQLite generates the rows itself (a recursive
// CTE), so the setup takes seconds, not minutes.
func writeBigChatDB(tb testing.TB, n int) (string, int64, int) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "chat.db")
	writeChatDB(tb, p, fakeChatDB{handles: []string{"+447700900001", "+447700900002"}, services: []string{"iMessage", "iMessage"}})
	db, err := sql.Open("sqlite", p)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	blob := typedstreamBlob("message from the attributed body, about the quarterly numbers and what we do next")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"BEGIN", nil},
		{`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)
		 INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name) SELECT i, 'iMessage;-;chat' || i, 45, 'chat' || i, 'iMessage' FROM c`, nil},
		{`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?1)
		 INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, is_from_me, date, service, associated_message_guid, associated_message_type)
		 SELECT i, 'G' || i,
		   CASE WHEN i % 10 = 0 OR i % 7 = 0 THEN NULL ELSE 'message number ' || i || ' about the quarterly numbers and what we do next' END,
		   CASE WHEN i % 7 = 0 AND i % 10 != 0 THEN ?2 END,
		   1 + i % 2, i % 3 = 0, 760000000000000000 + i * 17000000000, 'iMessage',
		   CASE WHEN i % 10 = 0 THEN 'p:0/G' || (i - 1) END, CASE WHEN i % 10 = 0 THEN 2000 + i % 6 ELSE 0 END
		 FROM c`, []any{n, blob}},
		{"INSERT INTO chat_message_join SELECT 1 + ROWID % 50, ROWID, date FROM message", nil},
		{"COMMIT", nil},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			tb.Fatalf("%.60s: %v", q.sql, err)
		}
	}
	st, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	return p, st.Size(), n - n/10
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

// writeBigIMessageText writes imessage-exporter text of n messages,
// every fourth spanning three lines.
func writeBigIMessageText(tb testing.TB, n int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "+447700900001.txt")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	for i := 0; i < n; i++ {
		s := i * 17
		fmt.Fprintf(w, "%s %2d, 2024 %2d:%02d:%02d %s\n%s\nmessage number %d about the quarterly numbers and what we do next\n",
			months[(s/2419200)%12], 1+(s/86400)%28, 1+(s/3600)%12, (s/60)%60, s%60, []string{"AM", "PM"}[(s/43200)%2],
			[]string{"Me", "+447700900001"}[i%2], i)
		if i%4 == 0 {
			fmt.Fprint(w, "second line of a longer message\nTapbacks:\nLoved by Me\n")
		}
		fmt.Fprintln(w)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return p, st.Size()
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
