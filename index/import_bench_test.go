package index_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/ingest"
)

// BenchmarkImportRSS measures what hostile exports cost to import, as
// `coffer import` does it: format detection, the format's parser, and the
// vault's appender building the search index of what it adds
// (index.Sidecar). Each input is generated as a stream into a temporary
// file (never held in memory), then imported by a fresh process, this
// test binary re-run as TestImportChild, whose peak RSS is read from
// /proc/self/status (VmHWM): the rusage of a child would count the
// parent's peak up to the exec.
//
//	go test ./index -run '^$' -bench ImportRSS -benchtime 1x
func BenchmarkImportRSS(b *testing.B) {
	for _, c := range hostileInputs {
		b.Run(c.name, func(b *testing.B) {
			dir, key := newTestVault(b)
			input, size, err := c.make(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var res importResult
			for range b.N {
				if res, err = importInChild(dir, key, input); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.peak)/1e6, "peakRSS-MB")
			b.ReportMetric(res.took.Seconds(), "s")
			b.ReportMetric(float64(size)/1e6, "input-MB")
			b.ReportMetric(float64(res.added), "messages")
			if res.err != "" {
				b.Logf("refused: %s", res.err)
			}
		})
	}
}

// hostileInputs are the exports of issue 10's finding 5, and one per
// line or record reader of the formats, each at the size that found (or
// would find) a reader holding a whole line, record or page, or at the
// largest one coffer reads.
var hostileInputs = []struct {
	name string
	make func(dir string) (path string, size int64, err error)
}{
	// One 50 MiB message that is a single word: 6.0 GB to import.
	{"word-50MiB", file("word.jsonl", jsonlRecords(1, func(w io.Writer) error { return repeat(w, "a", 50<<20) }))},
	{"word-50MiB-x3", file("words.jsonl", jsonlRecords(3, func(w io.Writer) error { return repeat(w, "a", 50<<20) }))},
	{"short-words-50MiB-x3", file("short.jsonl", jsonlRecords(3, func(w io.Writer) error { return repeat(w, "ab ", 50<<20/3) }))},
	// A WhatsApp chat with one 1 GiB line: 6.95 GB.
	{"whatsapp-line-1GiB", file("WhatsApp Chat with Ann.txt", func(w io.Writer) error {
		io.WriteString(w, "1/2/24, 10:00 - Ann: hello\n1/2/24, 10:01 - Bob: ")
		if err := repeat(w, "a", 1<<30); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n1/2/24, 10:02 - Ann: bye\n")
		return err
	})},
	// 20,000 levels of multipart in a 1.3 MB mail: 152 s and 1.08 GB.
	{"mime-nesting-20000", file("deep.eml", func(w io.Writer) error { return nestedMail(w, 20000) })},
	{"signal-line-1GiB", file("chat.md", func(w io.Writer) error {
		io.WriteString(w, "[2024-01-02 10:00] Bob: ")
		if err := repeat(w, "a", 1<<30); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n[2024-01-02 10:01] Ann: ok\n")
		return err
	})},
	{"signal-message-1GiB-of-lines", file("chat.md", func(w io.Writer) error {
		io.WriteString(w, "[2024-01-02 10:00] Bob: start\n")
		if err := repeat(w, strings.Repeat("b", 1023)+"\n", 1<<20); err != nil {
			return err
		}
		_, err := io.WriteString(w, "[2024-01-02 10:01] Ann: ok\n")
		return err
	})},
	{"mbox-message-1GiB", file("big.mbox", func(w io.Writer) error {
		io.WriteString(w, "From ann@example.com Mon Jan  2 15:04:05 2006\nFrom: ann@example.com\nDate: Mon, 2 Jan 2006 15:04:05 -0700\nSubject: big\n\n")
		return repeat(w, strings.Repeat("m", 1023)+"\n", 1<<20)
	})},
	{"telegram-text-300MiB", file("result.json", telegramText(300<<20))},
	{"telegram-text-60MiB", file("result.json", telegramText(60<<20))}, // the largest record read
	{"slack-text-60MiB", func(dir string) (string, int64, error) {
		if _, _, err := file("users.json", literal(`[{"id":"U1","name":"ann"}]`))(dir); err != nil {
			return "", 0, err
		}
		if _, _, err := file("channels.json", literal(`[{"id":"C1","name":"general"}]`))(dir); err != nil {
			return "", 0, err
		}
		_, size, err := file("general/2024-01-02.json", func(w io.Writer) error {
			io.WriteString(w, `[{"ts":"1704189600.000100","user":"U1","text":"`)
			if err := repeat(w, "s", 60<<20); err != nil {
				return err
			}
			_, err := io.WriteString(w, `"}]`)
			return err
		})(dir)
		return dir, size, err
	}},
	// Ordinary exports, large: memory must not grow with the number of
	// messages (issue 17 §6: 1M WhatsApp messages peaked at 1.74 GB).
	{"ordinary-whatsapp-1M-messages", file("WhatsApp Chat with Desk.txt", func(w io.Writer) error {
		words := vocabulary()
		for i := range 1_000_000 {
			t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Second)
			fmt.Fprintf(w, "%s - %s: %s\n", t.Format("1/2/06, 15:04"), []string{"Ann", "Bob", "Cleo", "Dev"}[i%4], sentence(words, i))
		}
		return nil
	})},
	{"ordinary-mbox-100k-messages", file("archive.mbox", func(w io.Writer) error {
		words := vocabulary()
		for i := range 100_000 {
			t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			fmt.Fprintf(w, "From ann@example.com %s\nFrom: Ann <ann%d@example.com>\nTo: bob@example.com\nDate: %s\nSubject: %s\nMessage-ID: <%d@example.com>\n\n",
				t.Format(time.ANSIC), i%50, t.Format(time.RFC1123Z), sentence(words, i), i)
			for l := range 12 {
				fmt.Fprintf(w, "%s\n", sentence(words, i*13+l))
			}
			io.WriteString(w, "\n")
		}
		return nil
	})},
	// The largest HTML page read (16 MiB), of the markup that costs
	// html.Parse most: refused for its 2.4M elements (ingest's
	// maxHTMLNodes), after a tokenizer pass.
	{"telegram-html-16MiB", file("messages.html", tinyElements((16<<20-200)/7))},
	// The most elements a page read may have, each the smallest.
	{"telegram-html-1M-tokens", file("messages.html", tinyElements((1<<20-40)/2))},
}

// tinyElements writes a Telegram HTML page of n empty <b> elements.
func tinyElements(n int) func(io.Writer) error {
	return func(w io.Writer) error {
		io.WriteString(w, `<!DOCTYPE html><html><body><div class="page_wrap"><div class="page_header"><div class="text bold">Ann</div></div><div class="history">`)
		if err := repeat(w, "<b></b>", n); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</div></div></body></html>`)
		return err
	}
}

// vocabulary is 30,000 made-up words, for ordinary text with a realistic
// number of distinct terms.
func vocabulary() []string {
	const letters = "etaoinshrdlucmfwypvbgkjqxz"
	words := make([]string, 30000)
	for i := range words {
		var b []byte
		for n := i*7919 + 11; len(b) < 3 || n > 0; n /= 26 {
			b = append(b, letters[n%26])
		}
		words[i] = string(b)
	}
	return words
}

// sentence is 6 to 20 words of words, picked skewed towards the first
// ones (as natural language is) from seed.
func sentence(words []string, seed int) string {
	x := uint64(seed)*6364136223846793005 + 1442695040888963407
	n := 6 + int(x>>60)
	var b strings.Builder
	for i := range n {
		x = x*6364136223846793005 + 1442695040888963407
		r := float64(x>>11) / (1 << 53)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[int(r*r*r*float64(len(words)))])
	}
	return b.String()
}

// file makes an input of one file, written by write.
func file(name string, write func(io.Writer) error) func(dir string) (string, int64, error) {
	return func(dir string) (string, int64, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", 0, err
		}
		size, err := writeInput(p, write)
		return p, size, err
	}
}

func literal(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// telegramText writes a Telegram chat of one message of n bytes of text.
func telegramText(n int) func(io.Writer) error {
	return func(w io.Writer) error {
		io.WriteString(w, `{"name":"Ann","type":"personal_chat","id":7,"messages":[{"id":1,"type":"message","date":"2024-01-01T10:00:00","from":"Ann","from_id":"user7","text":"`)
		if err := repeat(w, "t", n); err != nil {
			return err
		}
		_, err := io.WriteString(w, `"}]}`)
		return err
	}
}

// jsonlRecords writes n JSONL records whose bodies body writes (after a
// number that tells them apart).
func jsonlRecords(n int, body func(w io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := range n {
			fmt.Fprintf(w, `{"source":"bench","conversation":{"id":"c"},"sender":"ann","time":"2024-01-01T00:00:%02dZ","body":"x%d`, i, i)
			if err := body(w); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\"}\n"); err != nil {
				return err
			}
		}
		return nil
	}
}

// nestedMail writes a mail whose multipart parts nest levels deep.
func nestedMail(w io.Writer, levels int) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("From: Ann <ann@example.com>\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nSubject: deep\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(bw, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(bw, "--b%d\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n", levels-1)
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(bw, "--b%d--\r\n", i)
	}
	return bw.Flush()
}

// repeat writes s n times.
func repeat(w io.Writer, s string, n int) error {
	chunk := []byte(strings.Repeat(s, max(1, (1<<20)/len(s))))
	per := len(chunk) / len(s)
	for n > 0 {
		k := min(n, per)
		if _, err := w.Write(chunk[:k*len(s)]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func writeInput(path string, write func(io.Writer) error) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	return st.Size(), f.Close()
}

type importResult struct {
	peak, added int64
	took        time.Duration
	err         string // the import's error, if it refused the input
}

// importInChild runs TestImportChild on input and reads what it printed.
func importInChild(dir string, key vault.Key, input string) (importResult, error) {
	var res importResult
	cmd := exec.Command(os.Args[0], "-test.run", "^TestImportChild$")
	cmd.Env = append(os.Environ(), "COFFER_IMPORT_CHILD="+input, "COFFER_IMPORT_VAULT="+dir,
		"COFFER_IMPORT_KEY="+key.Identities[0].(*age.X25519Identity).String())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	res.took = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("child: %v\n%s", err, out)
	}
	i := bytes.Index(out, []byte("peak "))
	if _, err := fmt.Sscanf(string(out[max(i, 0):]), "peak %d added %d", &res.peak, &res.added); i < 0 || err != nil {
		return res, fmt.Errorf("child output %q: %v", out, err)
	}
	if _, e, ok := strings.Cut(string(out), "import error: "); ok {
		res.err, _, _ = strings.Cut(e, "\n")
	}
	return res, nil
}

// TestImportChild is BenchmarkImportRSS's measured process: it imports
// one file into the vault as `coffer import` would, then prints its peak
// RSS. It does nothing unless the benchmark runs it.
func TestImportChild(t *testing.T) {
	input := os.Getenv("COFFER_IMPORT_CHILD")
	if input == "" {
		t.Skip("run by BenchmarkImportRSS")
	}
	id, err := age.ParseX25519Identity(os.Getenv("COFFER_IMPORT_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Unlock(os.Getenv("COFFER_IMPORT_VAULT"), vault.Key{Identities: []age.Identity{id}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Load(nil); err != nil {
		t.Fatal(err)
	}
	debug.SetMemoryLimit(vault.ImportMemoryLimit) // as coffer import does
	// COFFER_IMPORT_HEAPPROF=FILE keeps the heap profile of the largest
	// heap seen (sampled twice a second), to see what the peak holds.
	if prof := os.Getenv("COFFER_IMPORT_HEAPPROF"); prof != "" {
		go func() {
			var best uint64
			for {
				time.Sleep(500 * time.Millisecond)
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > best {
					best = ms.HeapInuse
					f, _ := os.Create(prof)
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
		}()
	}
	added, err := importFile(v, input)
	if err != nil {
		fmt.Printf("import error: %v\n", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			fmt.Sscan(f[1], &peak)
		}
	}
	fmt.Printf("peak %d added %d\n", peak*1024, added)
}

// importFile is cmd/coffer's import of one file, without the audit trail.
func importFile(v *vault.Vault, path string) (int, error) {
	f, err := ingest.Detect(path)
	if err != nil {
		return 0, err
	}
	a, err := v.NewAppender()
	if err != nil {
		return 0, err
	}
	a.SetIndexer(index.Sidecar)
	err = f.Parse(path, ingest.Options{Location: time.UTC}, func(m *vault.Message) error {
		_, err := a.Add(m)
		return err
	})
	if err != nil {
		a.Abort()
		return 0, err
	}
	st, err := a.Commit()
	return st.Added, err
}
