package index_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"coffer/vault/corpus"
)

// BenchmarkNotmuch indexes the benchmark corpus as a maildir with notmuch
// (Xapian), the local peer, and times the same query classes through its
// CLI, for the side-by-side table in README.md. Skipped without notmuch
// (apt-get install notmuch). It writes the synthetic corpus, never real
// messages, under the benchmark's temporary directory, which is exactly
// what coffer itself never does.
func BenchmarkNotmuch(b *testing.B) {
	if _, err := exec.LookPath("notmuch"); err != nil {
		b.Skip("notmuch not installed")
	}
	msgs := corpus.Generate(*benchN, 1)
	dir := b.TempDir()
	mail := filepath.Join(dir, "mail")
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(mail, d), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	for i, m := range msgs {
		f, err := os.Create(filepath.Join(mail, "cur", fmt.Sprintf("%08d.coffer:2,S", i)))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		subject := m.Subject
		if subject == "" {
			subject = m.Conversation.Title
		}
		fmt.Fprintf(w, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@coffer>\r\nContent-Type: text/plain; charset=utf-8\r\nMIME-Version: 1.0\r\n\r\n%s\r\n",
			m.Sender, m.SenderID, strings.Join(append([]string{"list@example.com"}, m.To...), ", "), subject, m.Time.Format(time.RFC1123Z), m.ID, m.Body)
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	cfg := filepath.Join(dir, "notmuch-config")
	if err := os.WriteFile(cfg, []byte("[database]\npath="+mail+"\n[user]\nname=Bench\nprimary_email=bench@example.com\n[new]\ntags=\n[search]\nexclude_tags=\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "NOTMUCH_CONFIG="+cfg, "HOME="+dir)
	run := func(args ...string) (time.Duration, int64) {
		cmd := exec.Command("notmuch", args...)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("notmuch %q: %v\n%s", args, err, out)
		}
		return time.Since(start), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	}
	took, rss := run("new", "--quiet")
	var size int64
	filepath.Walk(filepath.Join(mail, ".notmuch"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return nil
	})
	fmt.Fprintf(os.Stderr, "notmuch new: %d messages in %v (%.0f msgs/s), peak RSS %.0f MB, database %.0f MB on disk\n",
		len(msgs), took.Round(time.Millisecond), float64(len(msgs))/took.Seconds(), float64(rss)/1e6, float64(size)/1e6)

	// The same classes as BenchmarkQuery, 20 queries each (every one is a
	// process start). notmuch has no fuzzy search.
	cls := queryClasses(msgs)
	for _, c := range []string{"term", "two-terms", "phrase", "prefix", "field+date", "newest-50 term", "newest-50 all", "facets term", "facets all"} {
		var lat []time.Duration
		for _, q := range cls[c][:20] {
			args := []string{"search", "--output=messages", "--sort=newest-first", "--limit=50", q.q}
			if q.req.Facets {
				args = []string{"address", "--output=sender", "--output=count", q.q}
			}
			d, _ := run(args...)
			lat = append(lat, d)
		}
		slices.Sort(lat)
		fmt.Fprintf(os.Stderr, "notmuch %-15s p50 %6.1f ms  max %6.1f ms\n", c, float64(lat[len(lat)/2].Microseconds())/1000, float64(lat[len(lat)-1].Microseconds())/1000)
	}
}
