package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"coffer/vault"
)

// killTrial runs the child coffer args and, unless delay is 0 (run to
// the end), kills it with SIGKILL after delay. It reports whether the
// child finished (with status 0, perhaps just before the signal), whether
// it was killed on its way, and how long it ran. A child that fails on
// its own fails the test.
func killTrial(t *testing.T, state string, delay time.Duration, args ...string) (finished, killed bool, took time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "COFFER_TEST_AS_COFFER=1", "COFFER_STATE_DIR="+state)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	start := time.Now()
	var after <-chan time.Time
	if delay > 0 {
		after = time.After(delay)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("coffer %s failed without being killed: %v", args[0], err)
		}
		return true, false, time.Since(start)
	case <-after:
		cmd.Process.Signal(syscall.SIGKILL)
		var ee *exec.ExitError
		err := <-done
		return err == nil, errors.As(err, &ee), time.Since(start)
	}
}

// TestImportSurvivesSIGKILL kills a child 'coffer import' with SIGKILL at
// random moments, over and over, and checks after each kill that the vault
// still opens and verifies, and that every import landed whole or not at
// all: each import brings one conversation of its own, which must be
// complete in the vault when the child finished, and complete or absent
// when it was killed. It runs on a folder, and on a bucket of an
// S3-compatible server (fewer trials: each is a few hundred requests).
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash trials take a while")
	}
	t.Run("folder", func(t *testing.T) {
		dir := t.TempDir()
		importKillTrials(t, 50, func(trial int) string { return filepath.Join(dir, fmt.Sprintf("v%d", trial)) })
	})
	t.Run("s3", func(t *testing.T) {
		srv := startS3(t)
		if srv == nil {
			return
		}
		for _, kv := range srv.Env(t.TempDir()) {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		bucket, err := srv.NewBucket(false)
		if err != nil {
			t.Fatal(err)
		}
		importKillTrials(t, 20, func(trial int) string { return fmt.Sprintf("s3://%s/v%d", bucket, trial) })
	})
}

func importKillTrials(t *testing.T, trials int, location func(trial int) string) {
	const perFile = 4000
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	t.Setenv("COFFER_STATE_DIR", state)
	key := filepath.Join(dir, "me.key")
	var vdir string
	// A fresh vault every ten trials keeps each unlock small.
	newVault := func(trial int) {
		vdir = location(trial)
		args := []string{"init", vdir, "--recipient", "", "--auditor-key-out", filepath.Join(dir, fmt.Sprintf("a%d.key", trial))}
		if trial == 0 {
			args = []string{"init", vdir, "--identity-out", key, "--auditor-key-out", filepath.Join(dir, "a.key")}
		} else {
			args[3] = recipientOf(t, key)
		}
		if code := run(newEnv(nil, &bytes.Buffer{}, os.Stderr, nil), args); code != 0 {
			t.Fatal("init failed")
		}
	}
	newVault(0)
	ids, _ := os.ReadFile(key)
	idents, err := vault.ParseIdentities(ids)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	completed := map[string]bool{}
	var killedMid, finished, leftovers int
	full := 300 * time.Millisecond
	for trial := range trials {
		if trial > 0 && trial%10 == 0 {
			newVault(trial)
			clear(completed)
		}
		conv := fmt.Sprintf("conv-%02d", trial)
		file := filepath.Join(dir, conv+".jsonl")
		writeJSONL(t, file, conv, perFile)
		// Every fifth trial runs to the end, to measure how long an import
		// takes now (the vault grows); the others are killed at a random
		// moment, most often late, where the writes are.
		delay := time.Duration(float64(full) * (0.2 + rng.Float64()))
		if trial%5 == 0 {
			delay = 0
		}
		ok, killed, took := killTrial(t, state, delay, "import", vdir, file, "--identity", key, "--format", "jsonl")
		if ok {
			completed[conv] = true // it finished, perhaps just before the signal
			finished++
			if delay == 0 || took < delay {
				full = took // it ran to its end
			}
		}
		if killed {
			killedMid++
		}
		// The vault must open and hold whole imports only.
		v, err := vault.Unlock(vdir, vault.Key{Identities: idents})
		if err != nil {
			t.Fatalf("trial %d: unlock after kill: %v", trial, err)
		}
		if err := v.Load(nil); err != nil {
			t.Fatalf("trial %d: load after kill: %v", trial, err)
		}
		counts := map[string]int{}
		for _, m := range v.Messages() {
			counts[m.Conversation.ID]++
		}
		for c, n := range counts {
			if n != perFile {
				t.Fatalf("trial %d: conversation %s has %d of %d messages: a partial import landed", trial, c, n, perFile)
			}
		}
		for c := range completed {
			if counts[c] != perFile {
				t.Fatalf("trial %d: completed import %s missing (%d messages)", trial, c, counts[c])
			}
		}
		v.Close()
		rep, err := vault.Verify(vdir)
		if err != nil || !rep.OK() {
			t.Fatalf("trial %d: verify after kill: %v %v", trial, err, rep.Problems)
		}
		if len(rep.Notes) > 0 {
			leftovers++ // killed while writing segment files
		}
	}
	t.Logf("%d trials: %d killed, %d finished, %d killed while writing files", trials, killedMid, finished, leftovers)
	if killedMid < trials/4 || leftovers == 0 {
		t.Fatalf("the kills no longer hit the import's writes (%d killed, %d while writing): adjust the delays", killedMid, leftovers)
	}
}

func writeJSONL(t *testing.T, path, conv string, n int) {
	t.Helper()
	var b bytes.Buffer
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// Bodies of ~1 KiB make each import span three segments, so that kills
	// land between its file writes and its manifest commit.
	pad := strings.Repeat("lorem ipsum dolor sit amet ", 40)
	for i := range n {
		fmt.Fprintf(&b, `{"source":"slack","conversation":{"id":%q},"sender":"u%d","time":%q,"body":"message %d of %s %s"}`+"\n",
			conv, i%7, base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, conv, pad)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func recipientOf(t *testing.T, keyFile string) string {
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if r, ok := strings.CutPrefix(l, "# public key: "); ok {
			return r
		}
	}
	t.Fatal("no public key line")
	return ""
}
