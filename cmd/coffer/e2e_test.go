package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault/audit"
)

// TestE2ETmux drives the real binary in tmux through the reviewer,
// investigator and auditor flows with send-keys, checks each screen with
// capture-pane, and checks that hostile messages changed neither the
// pane title nor the clipboard buffers. Then it reads the audit trail
// and finds the views, the search and the tag it made. It needs tmux
// and is skipped by -short (make itest runs it).
func TestE2ETmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: run without -short (make itest)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	work := t.TempDir()
	home, tmp := filepath.Join(work, "home"), filepath.Join(work, "tmp")
	os.Mkdir(home, 0o700)
	os.Mkdir(tmp, 0o700)
	env := append(os.Environ(), "COFFER_TEST_AS_COFFER=1", "COFFER_STATE_DIR="+filepath.Join(work, "state"), "USER=tester", "NO_COLOR=1",
		"HOME="+home, "TMPDIR="+tmp)
	coffer := childCoffer(t, env, work)
	coffer("init", "case", "--identity-out", "me.key", "--auditor-key-out", "auditor.key", "--name", "E2E case")
	if err := os.WriteFile(filepath.Join(work, "chat.jsonl"), e2eExport(), 0o600); err != nil {
		t.Fatal(err)
	}
	hostile, err := filepath.Abs("../../testdata/demo/hostile.jsonl") // ≥ 50 terminal payloads
	if err != nil {
		t.Fatal(err)
	}
	coffer("import", "case", "chat.jsonl", hostile, "--identity", "me.key")
	// The export is the only plaintext we put on disk; what follows must
	// add none.
	if err := os.Remove(filepath.Join(work, "chat.jsonl")); err != nil {
		t.Fatal(err)
	}

	tm := newTmux(t, work, env)
	tm.start(os.Args[0] + " case --identity me.key") // the `coffer DIR` shorthand
	tm.waitFor("enter unlock")
	title := tm.display("#{pane_title}")
	tm.keys("Enter")
	tm.waitFor("search ready")
	tm.waitFor("Hostile")

	// Reviewer: open the trading conversation (newest first, so it is
	// the first row), read, search, open a hit in context.
	tm.keys("Enter")
	tm.waitFor("block trade")
	tm.keys("/")
	tm.literal("halden")
	tm.keys("Enter")
	tm.waitFor("matches for halden")
	tm.keys("Enter")
	tm.waitFor("hit 1 of")

	// Investigator: tag the message, then find it by tag.
	tm.keys("t")
	tm.literal("flagged")
	tm.keys("Enter")
	tm.waitFor("tagged 1 message: flagged")
	tm.keys("/")
	tm.literal("tag:flagged")
	tm.keys("Enter")
	tm.waitFor("1 match for tag:flagged")

	// Its attachment: the message in detail, its list, the pager; then
	// back out to the results.
	tm.keys("Enter")
	tm.waitFor("hit 1 of")
	tm.keys("Enter")
	tm.waitFor("a: view, save or pipe an attachment")
	tm.keys("a")
	tm.waitFor("1. ▸ positions.csv")
	tm.keys("Enter")
	tm.waitFor("halden-e2e,flat")
	tm.keys("q", "q", "q")
	tm.waitFor("n next hit")
	tm.keys("q")
	tm.waitFor("Results: 1 for tag:flagged")

	// Production: the tagged set, encrypted to another party.
	tm.keys("P")
	tm.waitFor("Produce for another party?")
	tm.waitFor("1 message matching tag:flagged")
	tm.literal("age1d4y7dujlqmt9wrupyg3nwyrn5vgz53c5vpzv2dhe52z9vme3xf2q2jg029")
	tm.keys("Enter")
	tm.literal("PROD-001.age")
	tm.keys("Enter")
	tm.waitFor("produced 1 message and 1 attachment as PROD0000001-PROD0000002")

	// Hostile text: open the demo's conversation of payloads and scroll
	// through all of it.
	tm.keys("q", "q", "f")
	tm.literal("Security test")
	tm.keys("Enter", "Enter")
	tm.waitFor("payload 71")
	// Scroll through it: every incremental frame must equal a full
	// repaint (forced by a resize); a payload that moves the terminal's
	// cursor or merges cells shows up as a difference.
	for i := range 75 {
		prev := tm.capture()
		tm.keys("k")
		// The frame the key drew, once drawn: a fixed sleep raced the
		// redraw on a loaded machine and compared a half-old frame, and
		// so did waiting for a still screen alone (at load 6 the key
		// was sometimes read after the screen had been still for
		// 100 ms). Wait for the key's frame first; at the top of the
		// conversation a key changes nothing, and the wait ends.
		tm.untilFor(2*time.Second, func(s string) bool { return s != prev })
		before := tm.stable()
		header := strings.SplitN(before, "\n", 2)[0]
		tm.run("resize-window", "-t", "app", "-x", "101", "-y", "30")
		tm.until(func(s string) bool { return strings.SplitN(s, "\n", 2)[0] != header }) // drawn at 101
		tm.run("resize-window", "-t", "app", "-x", "100", "-y", "30")
		tm.until(func(s string) bool { return strings.SplitN(s, "\n", 2)[0] == header }) // and at 100 again
		if after := tm.stable(); after != before {
			t.Fatalf("step %d: the incremental frame differs from a full repaint:\n%s\n---\n%s", i, before, after)
		}
	}
	tm.waitFor("payload 1:")
	// And the small one with emoji sequences.
	tm.keys("Tab", "f", "C-u")
	tm.literal("Hostile")
	tm.keys("Enter", "Enter")
	tm.waitFor("marker")
	for range 24 {
		tm.keys("k")
	}
	tm.waitFor("marker 0")
	screen := tm.capture()
	if got := tm.display("#{pane_title}"); got != title || strings.Contains(got, "pwned") {
		t.Errorf("pane title changed from %q to %q", title, got)
	}
	if bufs := tm.run("list-buffers"); strings.Contains(bufs, "pwned") || strings.TrimSpace(bufs) != "" {
		t.Errorf("clipboard buffers changed: %q", bufs)
	}
	lines := strings.Split(screen, "\n")
	if !strings.HasPrefix(lines[0], " coffer · E2E case") {
		t.Errorf("header overwritten by hostile text:\n%s", screen)
	}
	tm.keys("q", "q", "q")
	tm.waitDead()

	// Auditor.
	tm.start(os.Args[0] + " audit case --identity auditor.key")
	tm.waitFor("trail intact")
	if l := strings.Split(tm.capture(), "\n")[0]; !strings.HasPrefix(l, " coffer audit · E2E case") {
		t.Errorf("the auditor's header does not name the vault: %q", l)
	}
	tm.keys("?")
	tm.waitFor("Filter (/)")
	tm.keys("q") // closes the help, does not quit
	tm.waitFor("? help")
	tm.keys("/")
	tm.literal("action:search")
	tm.keys("Enter")
	tm.waitFor(`query "halden"`)
	tm.waitFor(`query "tag:flagged"`)
	tm.keys("q")
	tm.waitDead()

	// SIGTERM: the terminal is restored and the lock still recorded.
	tm.start(os.Args[0] + " review case --identity me.key")
	tm.waitFor("enter unlock")
	tm.keys("Enter")
	tm.waitFor("search ready")
	shell := tm.display("#{pane_pid}")
	out, err := exec.Command("pgrep", "-P", shell).Output()
	if err != nil {
		t.Fatalf("pgrep -P %s: %v", shell, err)
	}
	pid := strings.Fields(string(out))[0]
	if err := exec.Command("kill", "-TERM", pid).Run(); err != nil {
		t.Fatal(err)
	}
	tm.waitDead()
	if alt := tm.display("#{alternate_on}"); alt != "0" {
		t.Errorf("alternate screen still on after SIGTERM")
	}

	// No message text, sender, query or tag reached any file under the
	// vault, HOME, TMPDIR or the working directory.
	noCanaries(t, work, "halden", "block trade", "trading desk", "mallory", "flagged", "marker")

	// The auditor's CLI lists exactly those views, searches and tags.
	var events []audit.Event
	for _, line := range strings.Split(strings.TrimSpace(coffer("audit", "show", "case", "--identity", "auditor.key", "--json")), "\n") {
		var e audit.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit show --json: %v: %q", err, line)
		}
		events = append(events, e)
	}
	var actions []string
	for _, e := range events {
		a := string(e.Action)
		switch e.Action {
		case audit.ActionSearch, audit.ActionProduce:
			a += " " + e.Query
		case audit.ActionTagAdd:
			a += " " + e.Tag
		case audit.ActionLock:
			a += " " + e.Reason
		}
		actions = append(actions, a)
	}
	if _, err := os.Stat(filepath.Join(work, "PROD-001.age")); err != nil {
		t.Errorf("the production: %v", err)
	}
	for _, want := range []string{"unlock", "view-list", "view-conversation", "search halden", "view-messages", "tag-add flagged", "search tag:flagged",
		"produce tag:flagged", "view-attachment", "lock exit"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit trail lacks %q: %q", want, actions)
		}
	}
	if last := actions[len(actions)-1]; last != "lock exit" {
		t.Errorf("the SIGTERMed session ends with %q, want a recorded lock", last)
	}
	for _, a := range actions {
		if a == "lock crash" {
			t.Errorf("a session ended without its lock: %q", actions)
		}
	}
}

// e2eExport is a JSONL export: one trading conversation and one of
// hostile payloads.
func e2eExport() []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	base := time.Date(2025, 3, 25, 9, 0, 0, 0, time.UTC) // newest: the first row
	conv := map[string]any{"id": "wa:desk", "title": "Trading desk", "participants": []string{"Alice", "Bob"}}
	for i, body := range []string{"Did anyone see the Halden block trade?", "Not here.", "Halden is handled."} {
		m := map[string]any{"source": "whatsapp", "conversation": conv, "sender": []string{"Alice", "Bob"}[i%2],
			"time": base.Add(time.Duration(i) * time.Minute), "body": body}
		if i == 2 {
			m["attachments"] = []map[string]any{{"name": "positions.csv", "type": "text/csv", "content": []byte("desk,position\nhalden-e2e,flat\n")}}
		}
		enc.Encode(m)
	}
	hostile := map[string]any{"id": "wa:hostile", "title": "Hostile", "participants": []string{"Mallory"}}
	payloads := []string{"\x1b]0;pwned\x07", "\x1b]2;pwned\x1b\\", "\x1b]52;c;cHduZWQ=\x07", "\x1b]52;;cHduZWQ=\x1b\\", "\x1b[2J\x1b[H",
		"\x1b[1;1Hpwned", "\x1b]8;;https://evil.example\x07pwned\x1b]8;;\x07", "\x1bP+q544e\x1b\\", "\u009b2J", "\u009d0;pwned\u009c",
		"\u202epwned", "\u2066pwned", "\a\a", "\b\b\b\bpwned", "\rpwned", "\x1b[?1049l", "\x1b[6n", "\x1bc",
		"👨\u200d👩\u200d👧\u200d 🇬🇧 👍🏽 ❤️ 1️⃣", "dangling\u200d", "\u0601\u0601 prepend", "e\u0301\u0302\u0303 stacked", "東京ｆｕｌｌ", "\U000E0050\U000E0057 tags"}
	for i, p := range payloads {
		enc.Encode(map[string]any{"source": "whatsapp", "conversation": hostile, "sender": "Mallory" + p,
			"time": base.Add(-time.Hour + time.Duration(i)*time.Second), "body": fmt.Sprintf("marker %d %s end", i, p)})
	}
	return []byte(b.String())
}

// tmux drives one private tmux server.
type tmux struct {
	t    *testing.T
	w, h int // the window's size; 100×30 unless set
	base string
	sock string
	n    int
	dir  string
	env  []string
}

func newTmux(t *testing.T, dir string, env []string) *tmux {
	tm := &tmux{t: t, w: 100, h: 30, base: fmt.Sprintf("coffer-e2e-%d", os.Getpid()), dir: dir, env: env}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
	return tm
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", tm.sock}, args...)...)
	cmd.Env, cmd.Dir = tm.env, tm.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tm *tmux) start(command string) {
	tm.t.Helper()
	// A fresh server per program: killing a server's last session while
	// starting a new one races ("server exited unexpectedly").
	exec.Command("tmux", "-L", tm.sock, "kill-server").Run()
	tm.n++
	tm.sock = fmt.Sprintf("%s-%d", tm.base, tm.n)
	// tmux 3.3a does not always fill in pane_dead_status: the shell
	// writes the exit status to a file instead.
	command = fmt.Sprintf("%s; echo $? > %s", command, tm.codeFile())
	// Options are set before the command runs: set-clipboard on makes an
	// OSC 52 from the program show up as a paste buffer.
	tm.run("-f", "/dev/null", "new-session", "-d", "-s", "app", "-x", fmt.Sprint(tm.w), "-y", fmt.Sprint(tm.h), "-c", tm.dir, command,
		";", "set-option", "-g", "set-clipboard", "on", ";", "set-option", "-t", "app", "remain-on-exit", "on")
}

func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "app"}, keys...)...)
}

func (tm *tmux) literal(s string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", "app", "-l", s)
}

func (tm *tmux) capture() string { return tm.run("capture-pane", "-p", "-t", "app") }

func (tm *tmux) display(format string) string {
	return strings.TrimSpace(tm.run("display-message", "-p", "-t", "app", format))
}

func (tm *tmux) waitFor(text string) {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.capture()
		if strings.Contains(s, text) {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %q; screen:\n%s", text, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tm *tmux) waitDead() {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(tm.codeFile())
		if err == nil && strings.HasSuffix(string(b), "\n") {
			if code := strings.TrimSpace(string(b)); code != "0" {
				tm.t.Fatalf("exit status %s; screen:\n%s", code, tm.run("capture-pane", "-p", "-S", "-", "-t", "app"))
			}
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the program did not exit; screen:\n%s", tm.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tm *tmux) codeFile() string { return filepath.Join(tm.dir, fmt.Sprintf("exit-%d.code", tm.n)) }

// noCanaries fails if any file under dir holds one of the canaries
// (compared case-insensitively).
func noCanaries(t *testing.T, dir string, canaries ...string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		lower := strings.ToLower(string(b))
		for _, c := range canaries {
			if strings.Contains(lower, c) {
				t.Errorf("%s holds the plaintext %q", path, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d files scanned under %s", n, dir)
	}
}

// stable waits until two captures 100 ms apart agree, and returns it.
func (tm *tmux) stable() string {
	tm.t.Helper()
	prev := tm.capture()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		cur := tm.capture()
		if cur == prev {
			return cur
		}
		prev = cur
	}
	return prev
}

// until polls the screen until cond holds (or 5 s pass: the comparison
// that follows then reports what is on screen).
func (tm *tmux) until(cond func(string) bool) {
	tm.t.Helper()
	tm.untilFor(5*time.Second, cond)
}

// untilFor polls the screen until cond holds or d has passed.
func (tm *tmux) untilFor(d time.Duration, cond func(string) bool) {
	tm.t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if cond(tm.capture()) {
			return
		}
	}
}

// childCoffer returns a function that runs this test binary as coffer
// (env should set COFFER_TEST_AS_COFFER=1) in dir, failing t unless it
// exits 0, and returns what it printed.
func childCoffer(t *testing.T, env []string, dir string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("coffer %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}
