package audit_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"coffer/vault/audit"
	"coffer/vault/store"
	"coffer/vault/store/s3test"

	"filippo.io/age"
)

// The SIGKILL suite re-runs the test binary as a child that opens a session
// and appends without end; the parent kills it with SIGKILL at a random
// moment (during Open, between appends, inside a write or a PUT) and
// verifies.

const (
	childStoreEnv     = "COFFER_AUDIT_CHILD_STORE" // a folder or s3://BUCKET/PREFIX
	childRecipientEnv = "COFFER_AUDIT_CHILD_RECIPIENT"
)

func TestMain(m *testing.M) {
	if loc := os.Getenv(childStoreEnv); loc != "" {
		os.Exit(child(loc, os.Getenv(childRecipientEnv)))
	}
	os.Exit(s3test.Main(m, &srv))
}

// child inherits the S3 server's address and credentials from the
// environment s3test set in the parent.
func child(loc, recipient string) int {
	r, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := store.Open(loc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := audit.Open(st, []age.Recipient{r}, audit.Actor{Member: "child"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	os.Stdout.Write([]byte("r"))
	for i := 0; ; i++ {
		// Sizes vary so kills land in records of different lengths.
		e := audit.Event{Action: audit.ActionViewConversation, Conversation: "c",
			Messages: strings.Fields(strings.Repeat("0123456789abcdef ", i%40))}
		if err := l.Append(e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
}

// startChild runs a child appending to the vault at loc.
func startChild(t *testing.T, loc string, k keys) (cmd *exec.Cmd, ready io.Reader) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childStoreEnv+"="+loc, childRecipientEnv+"="+k.auditor.Recipient().String())
	cmd.Stderr = new(strings.Builder)
	ready, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, ready
}

// TestSIGKILL: in a folder a kill can land inside a write (a torn tail);
// in a bucket a PUT lands whole or not at all, so a session killed
// between or during appends ends at a record boundary, and the next
// session records it as crashed.
func TestSIGKILL(t *testing.T) {
	forBackends(t, func(t *testing.T, v *testVault) {
		trials := 60
		if testing.Short() {
			trials = 50
		}
		if v.s3() {
			trials = 20 // each Open lists and reads every earlier session
		}
		testSIGKILL(t, v, trials)
	})
}

func testSIGKILL(t *testing.T, v *testVault, trials int) {
	loc := v.String()
	k := newKeys(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	torn, early := 0, 0
	for i := range trials {
		cmd, ready := startChild(t, loc, k)
		if i%5 == 0 {
			// Anywhere, Open included.
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		} else {
			// Among the appends.
			var b [1]byte
			ready.Read(b[:])
			time.Sleep(time.Duration(rng.IntN(30_000)) * time.Microsecond)
		}
		cmd.Process.Kill() // SIGKILL
		err := cmd.Wait()
		if s := cmd.Stderr.(*strings.Builder).String(); s != "" {
			t.Fatalf("trial %d: child failed: %v: %s", i, err, s)
		}
		rep, err := audit.Verify(v, k.ids(), nil)
		if errors.Is(err, audit.ErrNoTrail) {
			continue // killed before even the folder was made
		}
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		for _, s := range rep.Sessions {
			if s.State == audit.StateOpen {
				t.Fatalf("trial %d: dead session %s still looks open", i, s.Session)
			}
			if s.Torn > 0 {
				torn++
			}
		}
		if len(rep.Sessions) < i+1 {
			early++ // killed before its session file appeared
		}
	}
	if v.s3() && torn > 0 {
		t.Errorf("%d torn tails in a bucket", torn)
	}
	// One clean session records the last child's end.
	open(t, v, k).Close(audit.LockExit)
	rep := mustVerify(t, v, k, nil)
	crashes, err := audit.Read(v, k.ids(), audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, e := range crashes {
		if e.Reason == audit.LockCrash {
			recorded[e.Target] = true
		}
	}
	ended := 0
	for _, s := range rep.Sessions {
		if s.State != audit.StateEnded {
			continue
		}
		ended++
		if !s.CrashRecorded || !recorded[s.Session] {
			t.Errorf("session %s ended without close and no later session recorded it", s.Session)
		}
	}
	t.Logf("%d trials: %d sessions ended without close (%d with a crash event), %d torn tails, %d killed before their file appeared, %d entries",
		trials, ended, len(recorded), torn, len(rep.Ignored), rep.Entries)
	if ended < trials*3/4 {
		t.Fatalf("only %d of %d children got a session file: kills too early to test anything", ended, trials)
	}
}

// TestConcurrentProcesses: reviewers in separate processes open and append
// at the same time (each scanning the others' files while they grow), and
// all die by SIGKILL; the trail verifies and every session is accounted for.
// Folder only: it counts live sessions, which a bucket cannot tell.
func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	st := store.Dir(dir)
	k := newKeys(t)
	const rounds, procs = 4, 3
	for r := range rounds {
		var cmds []*exec.Cmd
		var readies []io.Reader
		for range procs {
			cmd, ready := startChild(t, dir, k)
			readies = append(readies, ready)
			cmds = append(cmds, cmd)
		}
		for _, r := range readies {
			r.Read(make([]byte, 1)) // all of them are appending before we look
		}
		time.Sleep(100 * time.Millisecond)
		rep := mustVerify(t, st, k, nil)
		live := 0
		for _, s := range rep.Sessions {
			if s.State == audit.StateOpen {
				live++
			}
		}
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
			if s := c.Stderr.(*strings.Builder).String(); s != "" {
				t.Fatalf("round %d: child: %s", r, s)
			}
		}
		if live != procs {
			t.Errorf("round %d: %d sessions open while %d processes ran", r, live, procs)
		}
	}
	open(t, st, k).Close(audit.LockExit)
	rep := mustVerify(t, st, k, nil)
	if len(rep.Sessions) != rounds*procs+1 {
		t.Fatalf("%d sessions, want %d", len(rep.Sessions), rounds*procs+1)
	}
	for _, s := range rep.Sessions {
		if s.State == audit.StateEnded && !s.CrashRecorded {
			t.Errorf("session %s: ended, not recorded", s.Session)
		}
	}
}
