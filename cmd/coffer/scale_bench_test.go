//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coffer/vault/corpus"
	"coffer/vault/store/s3test"
)

// BenchmarkScale is issue 14's measurement: a vault of COFFER_SCALE_N
// messages (default 100,000; nine tenths chat as JSONL, one tenth mail as
// a maildir, both from vault/corpus), made with the real binary as a user
// makes it, then what one-shot commands cost in fresh processes: each
// query of a fixed set run alone (`coffer search`, an identity file, no
// KDF), the same queries in one `coffer search --batch`, and `coffer
// stats`; next to `notmuch new` and `notmuch search` per query on the
// mail part. It prints a Markdown table for README.md.
//
//	COFFER_SCALE_N=100000 go test ./cmd/coffer -run '^$' -bench Scale -benchtime 1x -timeout 2h
//
// With COFFER_SCALE_STORE=s3 the vault is in a bucket of an S3-compatible
// server (versitygw) on loopback, started for the run, on the same
// machine: the same rows, for the table that compares the two.
func BenchmarkScale(b *testing.B) {
	n := 100000
	if s := os.Getenv("COFFER_SCALE_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("COFFER_SCALE_N=%q: want a number of messages (at least 100)", s)
		}
		n = v
	}
	work := b.TempDir()
	bin := buildCoffer(b, work)
	chatN, mailN := n-n/10, n/10
	jsonl := filepath.Join(work, "chat.jsonl")
	f, err := os.Create(jsonl)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := corpus.WriteJSONL(f, corpus.Limit{Messages: chatN - 1}); err != nil {
		b.Fatal(err)
	}
	// A canary, searched for below: after the run, no file outside the
	// export may hold it (invariant 1, at this size).
	canary := fmt.Sprintf("zqcanary%d", time.Now().UnixNano())
	fmt.Fprintf(f, `{"source":"jsonl","conversation":{"id":"%[1]s-conv","title":"%[1]s title"},"sender":"%[1]s sender","time":"2024-05-06T07:08:09Z","body":"the %[1]s body"}`+"\n", canary)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	mail := filepath.Join(work, "mail")
	if _, _, err := corpus.WriteMaildir(mail, corpus.Limit{Messages: mailN}); err != nil {
		b.Fatal(err)
	}
	queries, err := scaleQueries(jsonl)
	if err != nil {
		b.Fatal(err)
	}

	var rows []scaleRow
	add := func(what string, runs ...importRow) {
		rows = append(rows, scaleRow{what: what, runs: runs})
	}
	dir := filepath.Join(work, "case") // beside the binary, work/coffer
	os.MkdirAll(dir, 0o700)
	v, key := filepath.Join(dir, "vault"), filepath.Join(dir, "me.key")
	env := append(os.Environ(), "COFFER_STATE_DIR="+filepath.Join(dir, "state"), "HOME="+dir, "USER=bench")
	where := "a folder"
	if os.Getenv("COFFER_SCALE_STORE") == "s3" {
		// Its data folder is under work: the canary scan reads it.
		srv, err := s3test.Start(filepath.Join(work, "s3"))
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Stop()
		bucket, err := srv.NewBucket(false)
		if err != nil {
			b.Fatal(err)
		}
		v, where = "s3://"+bucket+"/case", "a bucket of versitygw on loopback"
		env = append(env, srv.Env(work)...)
	}
	run := func(stdin string, args ...string) (importRow, []byte) {
		b.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		r, out, err := measure(cmd)
		if err != nil {
			b.Fatalf("coffer %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return r, out
	}
	run("", "init", v, "--identity-out", key, "--auditor-key-out", filepath.Join(dir, "auditor.key"), "--name", "scale")
	imp, out := run("", "import", v, jsonl, mail, "--identity", key, "--timezone", "UTC")
	if m := imported.FindSubmatch(out); m == nil || string(m[1]) != strconv.Itoa(n) {
		b.Fatalf("coffer import stored %q of %d messages:\n%s", m, n, out)
	}
	add(fmt.Sprintf("coffer import (%d messages)", n), imp)

	b.ResetTimer()
	var one []importRow
	for _, q := range queries {
		r, _ := run("", "search", v, q, "--identity", key, "--limit", "20")
		one = append(one, r)
	}
	add(fmt.Sprintf("coffer search, one query a process (%d queries)", len(queries)), one...)
	batch, out := run(strings.Join(queries, "\n")+"\n", "search", v, "--batch", "--identity", key, "--limit", "20")
	if got := strings.Count(string(out), "\n# "); got+1 < len(queries) {
		b.Fatalf("coffer search --batch answered %d of %d queries:\n%s", got+1, len(queries), out)
	}
	add(fmt.Sprintf("coffer search --batch, all %d queries in one process", len(queries)), batch)
	stats, _ := run("", "stats", v, "--identity", key)
	add("coffer stats", stats)
	// coffer review's way in, in a fresh process (reviewOpen).
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	rev := exec.Command(self)
	rev.Env = append(env, "COFFER_REVIEW_OPEN="+v, "COFFER_REVIEW_KEY="+key)
	r, out, err := measure(rev)
	if err != nil {
		b.Fatalf("review open: %v\n%s", err, out)
	}
	var convs, hits int
	var listed, ready float64
	var catalogued bool
	if _, err := fmt.Sscanf(string(out), "conversations %d listed_s %g search_ready_s %g hits %d catalogued %t", &convs, &listed, &ready, &hits, &catalogued); err != nil || !catalogued {
		b.Fatalf("review open printed %q (%v)", out, err)
	}
	add(fmt.Sprintf("review: unlock → %d conversations listed %.2f s → search ready %.2f s (whole process below)", convs, listed, ready), r)
	b.StopTimer()
	if _, out := run("", "search", v, canary, "--identity", key); !strings.Contains(string(out), "1 match") {
		b.Fatalf("coffer search %s: the canary message was not found:\n%s", canary, out)
	}
	scanCanary(b, canary, work, filepath.Join(work, "chat.jsonl"))

	// notmuch on the mail part.
	nm := filepath.Join(work, "notmuch")
	os.MkdirAll(nm, 0o700)
	if _, err := exec.LookPath("notmuch"); err == nil && n <= 1000000 {
		r, err := notmuchNew(nm, mail)
		if err != nil {
			b.Fatal(err)
		}
		add(fmt.Sprintf("notmuch new (the %d mails only)", mailN), r)
		var nms []importRow
		for _, q := range queries {
			if strings.Contains(q, ":") || strings.Contains(q, "~") {
				continue // coffer's fields and fuzzy words
			}
			cmd := exec.Command("notmuch", "search", "--limit=20", q)
			cmd.Env = append(os.Environ(), "NOTMUCH_CONFIG="+filepath.Join(nm, "notmuch-config"), "HOME="+nm)
			r, out, err := measure(cmd)
			if err != nil {
				b.Fatalf("notmuch search %s: %v\n%s", q, err, out)
			}
			nms = append(nms, r)
		}
		add(fmt.Sprintf("notmuch search, one query a process (%d queries)", len(nms)), nms...)
	} else {
		b.Log("notmuch is not installed, or the vault is larger than 1M messages: its rows are left out")
	}
	printScaleTable(os.Stdout, n, where, queries, rows)
}

// scaleQueries makes the query set from the export's own words, so that
// every query has hits whatever the corpus: a word of the first message,
// two words, a phrase, a prefix, a fuzzy word, a sender with a date
// range, a proximity pair, everything newest first.
func scaleQueries(jsonl string) ([]string, error) {
	f, err := os.Open(jsonl)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	var words []string
	var sender string
	for sc.Scan() && len(words) < 40 {
		var m struct {
			Sender string `json:"sender"`
			Body   string `json:"body"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if sender == "" && m.Sender != "" {
			sender = strings.Fields(m.Sender)[0]
		}
		for _, w := range strings.Fields(m.Body) {
			w = strings.ToLower(strings.Trim(w, `.,!?"'()*:~-`))
			if len(w) > 4 && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	if len(words) < 8 || sender == "" {
		return nil, fmt.Errorf("%s: too few words to make queries from", jsonl)
	}
	return []string{
		words[0],
		words[1] + " " + words[2],
		fmt.Sprintf("%q", words[3]+" "+words[4]),
		words[5][:3] + "*",
		words[6] + "~",
		"from:" + strings.ToLower(sender) + " date:2023..2025",
		words[7] + " NEAR/5 " + words[0],
		"the",
	}, nil
}

// scanCanary fails if any file under dir (the vault, its member's state
// and home, the mail export, notmuch's database) but the chat export
// itself holds the canary: message text, a sender, a title or a query
// in plaintext.
func scanCanary(b *testing.B, canary, dir, export string) {
	b.Helper()
	scanned := 0
	check := func(root string) {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || path == export || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			scanned++
			if strings.Contains(string(data), canary) {
				b.Errorf("%s holds the canary %s in plaintext", path, canary)
			}
			return nil
		})
	}
	check(dir)
	b.Logf("canary scan: %d files under %s hold no plaintext of the canary message, sender, title or query", scanned, dir)
}

// scaleRow is one line of the table: one or several processes.
type scaleRow struct {
	what string
	runs []importRow
}

func printScaleTable(w *os.File, n int, where string, queries []string, rows []scaleRow) {
	fmt.Fprintf(w, "\nOne-shot commands on a vault of %d messages in %s (%s, %d CPUs, %s); queries: %s\n\n",
		n, where, time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpuModel(), strings.Join(queries, " | "))
	fmt.Fprintln(w, "| command | processes | wall s, median (max) | CPU s, median | peak RSS MB, median (max) |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	for _, r := range rows {
		walls, cpus, rss := make([]float64, len(r.runs)), make([]float64, len(r.runs)), make([]float64, len(r.runs))
		for i, x := range r.runs {
			walls[i], cpus[i], rss[i] = x.wall.Seconds(), x.cpu.Seconds(), float64(x.peakRSS)/1e6
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		slices.Sort(rss)
		mid, last := len(walls)/2, len(walls)-1
		fmt.Fprintf(w, "| %s | %d | %.2f (%.2f) | %.2f | %.0f (%.0f) |\n", r.what, len(r.runs), walls[mid], walls[last], cpus[mid], rss[mid], rss[last])
	}
}
