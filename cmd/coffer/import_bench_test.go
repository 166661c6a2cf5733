//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coffer/vault/corpus"
)

// BenchmarkImportFormats measures `coffer import` end to end, per format,
// as a user runs it: the real binary (built once), a fresh vault, an
// export of COFFER_IMPORT_BENCH_MB MiB (default 1024) written by
// vault/corpus, and then `notmuch new` on the same mail as a maildir, the
// peer we compare with (issue 17). Each row checks that every message the
// writer wrote was stored (a benchmark that imports less measures
// nothing), and reports wall and CPU throughput and peak RSS; the table
// of all rows is printed at the end for README.md. Each format's files
// (1 GB of export and its vault) are deleted before the next.
//
//	COFFER_IMPORT_BENCH_MB=1024 go test ./cmd/coffer -run '^$' -bench ImportFormats -benchtime 1x -timeout 12h
//
// The exports are synthetic, written to a temporary folder: coffer's
// rule of no plaintext on disk is about real messages.
func BenchmarkImportFormats(b *testing.B) {
	mb := int64(1024)
	if s := os.Getenv("COFFER_IMPORT_BENCH_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("COFFER_IMPORT_BENCH_MB=%q: want a number of megabytes", s)
		}
		mb = n
	}
	size := mb << 20
	work := b.TempDir()
	bin := buildCoffer(b, work)
	var rows []importRow
	// The maildir row and notmuch's share one maildir: written by the
	// first that runs, removed after notmuch.
	mail := &sharedMaildir{dir: filepath.Join(work, "mail"), size: size}
	defer mail.remove()
	for _, c := range importFormatCases(size, mail) {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir() // removed when this row ends
			input, want, err := c.write(dir)
			if errors.Is(err, errSkipNotmuch) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			inSize, err := treeSize(input)
			if err != nil {
				b.Fatal(err)
			}
			var r importRow
			b.ResetTimer()
			for range b.N {
				if c.notmuch {
					r, err = notmuchNew(dir, input)
				} else {
					r, err = importWith(bin, dir, input)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if r.stored != want {
				b.Fatalf("%d messages stored, the export holds %d", r.stored, want)
			}
			r.name, r.bytes = c.name, inSize
			if c.notmuch {
				r.name = "notmuch new (maildir)"
				mail.remove()
			}
			rows = append(rows, r)
			b.ReportMetric(float64(inSize)/1e6, "input-MB")
			b.ReportMetric(float64(r.stored), "msgs")
			b.ReportMetric(r.mbPerSec(), "MB/s")
			b.ReportMetric(r.msgsPerSec(), "msgs/s")
			b.ReportMetric(r.cpu.Seconds(), "cpu-s")
			b.ReportMetric(r.mbPerCPUSec(), "MB/cpu-s")
			b.ReportMetric(float64(r.peakRSS)/1e6, "peakRSS-MB")
		})
	}
	if len(rows) > 0 {
		printImportTable(os.Stdout, mb, rows)
	}
}

// importFormatCase is one row of the table: how to write its input into
// a folder, and whether notmuch rather than coffer reads it.
type importFormatCase struct {
	name    string
	write   func(dir string) (input string, msgs int, err error)
	notmuch bool
}

func importFormatCases(size int64, mail *sharedMaildir) []importFormatCase {
	lim := corpus.Limit{Bytes: size}
	file := func(name string, write func(io.Writer, corpus.Limit) (int, error)) func(string) (string, int, error) {
		return func(dir string) (string, int, error) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return "", 0, err
			}
			f, err := os.Create(p)
			if err != nil {
				return "", 0, err
			}
			n, err := write(f, lim)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return p, n, err
		}
	}
	return []importFormatCase{
		{name: "whatsapp", write: file(corpus.WhatsAppName, corpus.WriteWhatsApp)},
		{name: "telegram-json", write: file(corpus.TelegramName, func(w io.Writer, lim corpus.Limit) (int, error) {
			return corpus.WriteTelegram(w, 25000, lim)
		})},
		{name: "signal", write: file("Team/"+corpus.SignalName, corpus.WriteSignal)},
		{name: "slack", write: func(dir string) (string, int, error) {
			p := filepath.Join(dir, "slack-export")
			n, _, err := corpus.WriteSlack(p, 300, lim)
			return p, n, err
		}},
		{name: "discord", write: file(corpus.DiscordName, corpus.WriteDiscord)},
		{name: "sms-xml", write: file(corpus.SMSName, corpus.WriteSMS)},
		{name: "imessage-chatdb", write: func(dir string) (string, int, error) {
			p := filepath.Join(dir, corpus.ChatDBName)
			n, err := corpus.WriteChatDB(p, int(size/corpus.ChatDBRowBytes))
			return p, n, err
		}},
		{name: "imessage-text", write: file(corpus.IMessageTextName, corpus.WriteIMessageText)},
		{name: "mbox", write: file(corpus.MboxName, corpus.WriteMbox)},
		{name: "maildir", write: func(string) (string, int, error) { return mail.get() }},
		{name: "jsonl", write: file(corpus.JSONLName, corpus.WriteJSONL)},
		{name: "notmuch", notmuch: true, write: func(string) (string, int, error) {
			if _, err := exec.LookPath("notmuch"); err != nil {
				return "", 0, errSkipNotmuch
			}
			return mail.get()
		}},
	}
}

// errSkipNotmuch is returned for the notmuch row when notmuch is missing.
var errSkipNotmuch = errors.New("notmuch is not installed (apt-get install notmuch): no peer row")

// sharedMaildir is the maildir both the maildir row and notmuch's read.
type sharedMaildir struct {
	dir     string
	size    int64
	msgs    int
	written bool
}

func (m *sharedMaildir) get() (string, int, error) {
	if !m.written {
		n, _, err := corpus.WriteMaildir(m.dir, corpus.Limit{Bytes: m.size})
		if err != nil {
			return "", 0, err
		}
		m.msgs, m.written = n, true
	}
	return m.dir, m.msgs, nil
}

func (m *sharedMaildir) remove() {
	os.RemoveAll(m.dir)
	m.written = false
}

// buildCoffer builds the coffer binary into dir: the real one, not this
// test binary playing coffer, so that what is measured is what users run.
func buildCoffer(b *testing.B, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "coffer")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// importRow is what one process did with one input.
type importRow struct {
	name    string
	bytes   int64
	stored  int
	wall    time.Duration
	cpu     time.Duration
	peakRSS int64 // bytes
}

func (r importRow) mbPerSec() float64    { return float64(r.bytes) / 1e6 / r.wall.Seconds() }
func (r importRow) msgsPerSec() float64  { return float64(r.stored) / r.wall.Seconds() }
func (r importRow) mbPerCPUSec() float64 { return float64(r.bytes) / 1e6 / r.cpu.Seconds() }

// imported is the count in coffer import's summary.
var imported = regexp.MustCompile(`Imported (\d+) new message`)

// importWith runs coffer init and coffer import of input with bin, in
// dir, and measures the import.
func importWith(bin, dir, input string) (importRow, error) {
	v, key := filepath.Join(dir, "vault"), filepath.Join(dir, "me.key")
	os.RemoveAll(v)
	os.Remove(key)
	env := append(os.Environ(), "COFFER_STATE_DIR="+filepath.Join(dir, "state"), "HOME="+dir, "USER=bench")
	initCmd := exec.Command(bin, "init", v, "--identity-out", key, "--auditor-key-out", filepath.Join(dir, "auditor.key"), "--name", "bench")
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		return importRow{}, fmt.Errorf("coffer init: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "import", v, input, "--identity", key, "--timezone", "UTC")
	cmd.Env = env
	r, out, err := measure(cmd)
	if err != nil {
		return r, fmt.Errorf("coffer import: %v\n%s", err, out)
	}
	m := imported.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("coffer import printed no count:\n%s", out)
	}
	r.stored, _ = strconv.Atoi(string(m[1]))
	return r, nil
}

// notmuchNew runs notmuch new on the maildir mail, with its configuration
// and database in dir and mail (as index/notmuch_bench_test.go does), and
// counts what it indexed.
func notmuchNew(dir, mail string) (importRow, error) {
	os.RemoveAll(filepath.Join(mail, ".notmuch"))
	cfg := filepath.Join(dir, "notmuch-config")
	if err := os.WriteFile(cfg, []byte("[database]\npath="+mail+"\n[user]\nname=Bench\nprimary_email=bench@example.com\n[new]\ntags=\n[search]\nexclude_tags=\n"), 0o600); err != nil {
		return importRow{}, err
	}
	env := append(os.Environ(), "NOTMUCH_CONFIG="+cfg, "HOME="+dir)
	cmd := exec.Command("notmuch", "new", "--quiet")
	cmd.Env = env
	r, out, err := measure(cmd)
	if err != nil {
		return r, fmt.Errorf("notmuch new: %v\n%s", err, out)
	}
	count := exec.Command("notmuch", "count", "--output=messages", "*")
	count.Env = env
	out, err = count.Output()
	if err != nil {
		return r, fmt.Errorf("notmuch count: %v", err)
	}
	r.stored, err = strconv.Atoi(strings.TrimSpace(string(out)))
	return r, err
}

// measure runs cmd and reads its wall time, CPU time (user and system)
// and peak RSS. The peak is the kernel's for the child, which on Linux
// starts from this process's own at the exec (Go starts children with
// vfork): printImportTable notes that floor.
func measure(cmd *exec.Cmd) (importRow, []byte, error) {
	var r importRow
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.wall = time.Since(start)
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.peakRSS = maxrssBytes(ru.Maxrss)
		}
	}
	return r, out, err
}

// maxrssBytes converts ru_maxrss, in KiB except on macOS (bytes).
func maxrssBytes(v int64) int64 {
	if runtime.GOOS == "darwin" {
		return v
	}
	return v * 1024
}

// treeSize is the bytes of the files at path (a file or a folder).
func treeSize(path string) (int64, error) {
	var n int64
	err := filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// printImportTable prints the rows as the Markdown table README.md
// records, with the machine it was measured on.
func printImportTable(w io.Writer, mb int64, rows []importRow) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\nEnd-to-end import, %d MiB of input per format (%s, %s/%s, %d CPUs, %s, host %s):\n\n",
		mb, time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), host)
	fmt.Fprintln(w, "| format | input MB | messages | wall s | MB/s | messages/s | CPU s | MB/CPU-s | peak RSS MB |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.0f | %d | %.1f | %.1f | %.0f | %.1f | %.1f | %.0f |\n",
			r.name, float64(r.bytes)/1e6, r.stored, r.wall.Seconds(), r.mbPerSec(), r.msgsPerSec(), r.cpu.Seconds(), r.mbPerCPUSec(), float64(r.peakRSS)/1e6)
	}
	var self syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) == nil {
		fmt.Fprintf(w, "\nPeak RSS is the child's ru_maxrss, which counts from the benchmark process's own peak (%.0f MB) on Linux.\n",
			float64(maxrssBytes(self.Maxrss))/1e6)
	}
}

// cpuModel is the processor's name from /proc/cpuinfo, where there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}
