package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2ENewcomer walks the path a newcomer takes after `make demo`, in a
// real terminal (tmux) at 80×24 and at 160×50: the reviewer reads every
// conversation of the demo vault to its end, the investigator searches,
// opens a hit, tags it and finds it by tag, the auditor reads the trail.
// Every screen must fit the window and hold no U+FFFD: the demo's text is
// clean, so a � means an importer or the renderer garbled something (a
// neutralised control shows as ␦ or a control picture, not as �).
func TestE2ENewcomer(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: run without -short (make itest)")
	}
	for _, tool := range []string{"tmux", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	// Not t.TempDir: a coffer killed with its tmux server may still be
	// writing its lock record while the directory is removed; retry.
	work, err := os.MkdirTemp("", "coffer-newcomer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(work) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("could not remove %s", work)
	})
	home, tmp := filepath.Join(work, "home"), filepath.Join(work, "tmp")
	os.Mkdir(home, 0o700)
	os.Mkdir(tmp, 0o700)
	env := append(os.Environ(), "COFFER_TEST_AS_COFFER=1", "COFFER_STATE_DIR="+filepath.Join(work, "state"), "USER=newcomer", "NO_COLOR=1",
		"HOME="+home, "TMPDIR="+tmp)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The demo vault as make demo builds it: the same recipe, with this
	// test binary as coffer.
	demo := filepath.Join(work, "demo")
	mk := exec.Command("make", "-s", "demo-vault", "BIN="+os.Args[0], "DEMO="+demo)
	mk.Env, mk.Dir = env, root
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make demo-vault: %v\n%s", err, out)
	}
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := newTmux(t, work, env)
			tm.w, tm.h = size[0], size[1]
			tm.base += fmt.Sprintf("-%dx%d", tm.w, tm.h) // a server of its own
			newcomer(t, tm, demo)
		})
	}
}

// newcomer drives the three flows in tm over the demo vault in demo.
func newcomer(t *testing.T, tm *tmux, demo string) {
	screens := 0
	// look checks the screen once it has settled: no �, the window's
	// height, no line wider than the window. It returns the screen.
	look := func(what string) string {
		t.Helper()
		s := tm.stable()
		screens++
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		if len(lines) != tm.h {
			t.Errorf("%s: %d lines on a %d-line screen:\n%s", what, len(lines), tm.h, s)
		}
		for i, l := range lines {
			if strings.ContainsRune(l, '\uFFFD') {
				t.Errorf("%s: line %d shows U+FFFD (garbled text): %q\n%s", what, i+1, l, s)
				break
			}
		}
		return s
	}

	// Reviewer: unlock with the demo's passphrase, help, then every
	// conversation from its first message to its last.
	tm.start(os.Args[0] + " review " + filepath.Join(demo, "vault"))
	tm.waitFor("unlock")
	look("unlock screen")
	tm.literal("correct horse battery staple")
	tm.keys("Enter")
	tm.waitFor("search ready")
	list := look("conversations")
	tm.keys("?")
	tm.waitFor("search")
	look("help")
	tm.keys("q") // closes the help, does not quit
	tm.waitFor("search ready")

	n := conversationCount(t, tm)
	if n < 5 {
		t.Fatalf("the demo vault lists %d conversations:\n%s", n, list)
	}
	for i := range n {
		tm.keys("g")
		for range i {
			tm.keys("j")
		}
		tm.keys("Enter")
		prev := look(fmt.Sprintf("conversation %d, last page", i+1))
		tm.keys("g")
		// Page from the first message down until the screen stops moving.
		for page := 0; page < 200; page++ {
			s := look(fmt.Sprintf("conversation %d, page %d", i+1, page+1))
			if page > 0 && s == prev {
				break
			}
			prev = s
			tm.keys("PageDown")
		}
		tm.keys("Enter") // the message under the cursor, in detail
		look(fmt.Sprintf("conversation %d, a message in detail", i+1))
		// q, not esc: tmux reads esc and a key sent right after it as
		// one alt-key.
		tm.keys("q")
		look(fmt.Sprintf("conversation %d, back from detail", i+1))
		tm.keys("Tab")
	}

	// Investigator: search, open a hit, tag it, find it by tag.
	tm.keys("/")
	tm.literal("ferrodyne")
	tm.keys("Enter")
	tm.waitFor("for ferrodyne")
	look("search results")
	tm.keys("Enter")
	tm.waitFor("hit 1 of")
	look("a hit in its conversation")
	tm.keys("t")
	tm.literal("evidence")
	look("the tag dialog")
	tm.keys("Enter")
	tm.waitFor("tagged 1 message: evidence")
	tm.keys("/")
	tm.literal("tag:evidence")
	tm.keys("Enter")
	tm.waitFor("1 match for tag:evidence")
	look("results by tag")
	tm.keys("q", "q", "q")
	tm.waitDead()

	// Auditor: the trail of what the reviewer just did.
	tm.start(os.Args[0] + " audit " + filepath.Join(demo, "vault") + " --identity " + filepath.Join(demo, "auditor.key"))
	tm.waitFor("trail intact")
	look("the auditor's screen")
	tm.keys("?")
	tm.waitFor("Filter (/)")
	look("the auditor's help")
	tm.keys("q")
	tm.keys("/")
	tm.literal("action:search")
	tm.keys("Enter")
	tm.waitFor(`query "tag:evidence"`)
	look("the auditor's searches")
	tm.keys("Enter")
	look("an audit entry")
	tm.keys("q", "q")
	tm.waitDead()
	t.Logf("%d screens checked at %d×%d", screens, tm.w, tm.h)
}

// conversationCount reads the number of conversations from the list's
// header ("10 conversations").
func conversationCount(t *testing.T, tm *tmux) int {
	t.Helper()
	var n int
	for _, l := range strings.Split(tm.capture(), "\n") {
		if i := strings.Index(l, " conversations"); i > 0 {
			fields := strings.Fields(l[:i])
			if len(fields) > 0 {
				fmt.Sscan(fields[len(fields)-1], &n)
				if n > 0 {
					return n
				}
			}
		}
	}
	t.Fatalf("no conversation count on the screen:\n%s", tm.capture())
	return 0
}
