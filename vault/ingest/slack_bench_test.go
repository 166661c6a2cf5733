package ingest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeBigSlack writes a deterministic export folder: 3 channels with
// days day files of perDay messages each, mentions, threads and files.
func writeBigSlack(tb testing.TB, days, perDay int) (string, int64) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "export")
	write := func(name string, fill func(w *bufio.Writer)) int64 {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			tb.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fill(w)
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		st, _ := f.Stat()
		f.Close()
		return st.Size()
	}
	var size int64
	size += write("users.json", func(w *bufio.Writer) {
		fmt.Fprint(w, "[")
		for u := 0; u < 20; u++ {
			if u > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":"U%03d","name":"user%d","real_name":"User Number %d","tz_offset":3600,"profile":{"real_name":"User Number %d"}}`, u, u, u, u)
		}
		fmt.Fprint(w, "]")
	})
	size += write("channels.json", func(w *bufio.Writer) {
		fmt.Fprint(w, `[{"id":"C0","name":"general","members":["U000","U001"]},{"id":"C1","name":"random","members":["U002"]},{"id":"C2","name":"dev","members":["U003"]}]`)
	})
	for c, ch := range []string{"general", "random", "dev"} {
		for d := 0; d < days; d++ {
			size += write(fmt.Sprintf("%s/2024-%02d-%02d.json", ch, 1+d/28, 1+d%28), func(w *bufio.Writer) {
				fmt.Fprint(w, "[\n")
				for i := 0; i < perDay; i++ {
					if i > 0 {
						fmt.Fprint(w, ",\n")
					}
					ts := fmt.Sprintf("%d.%06d", 1704067200+c*1000+d*86400+i*13, i)
					fmt.Fprintf(w, "    {\n        \"client_msg_id\": \"%08x-0000-4000-8000-%012x\",\n        \"type\": \"message\",\n        \"text\": \"message %d from <@U%03d> about the plan, see <https://example.com/%d|the doc> and tell me what you think\",\n        \"user\": \"U%03d\",\n        \"ts\": \"%s\"", i, d, i, i%20, i, (i+1)%20, ts)
					if i%5 == 1 {
						fmt.Fprintf(w, ",\n        \"thread_ts\": \"%d.%06d\"", 1704067200+c*1000+d*86400+(i-1)*13, i-1)
					}
					if i%9 == 2 {
						fmt.Fprint(w, ",\n        \"files\": [{\"id\": \"F1\", \"name\": \"report.pdf\", \"mimetype\": \"application/pdf\", \"size\": 12345}]")
					}
					fmt.Fprint(w, ",\n        \"blocks\": [{\"type\": \"rich_text\", \"block_id\": \"x\", \"elements\": [{\"type\": \"rich_text_section\", \"elements\": [{\"type\": \"text\", \"text\": \"message\"}]}]}],\n        \"team\": \"T1\"\n    }")
				}
				fmt.Fprint(w, "\n]\n")
			})
		}
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
