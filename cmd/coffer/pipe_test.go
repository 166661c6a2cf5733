package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/audit"
	"coffer/vault/store"
)

// TestClosedPipeIsANormalEnd runs `coffer search … | head -1` for real:
// the reader goes away after one line, so coffer's writes fail with
// EPIPE. That must end the command quietly with status 0 and its audit
// session as pipe-closed, not kill it with SIGPIPE (which the next
// session would record as a crash).
func TestClosedPipeIsANormalEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("COFFER_STATE_DIR", filepath.Join(dir, "state"))
	v, key, aud := filepath.Join(dir, "v"), filepath.Join(dir, "me.key"), filepath.Join(dir, "auditor.key")
	if code := run(newEnv(nil, io.Discard, os.Stderr, nil), []string{"init", v, "--identity-out", key, "--auditor-key-out", aud}); code != 0 {
		t.Fatal("init failed")
	}
	// ~3 MB of search output: far more than a pipe holds.
	writeJSONL(t, filepath.Join(dir, "chat.jsonl"), "slack:pipe", 3000)
	if code := run(newEnv(nil, io.Discard, os.Stderr, nil), []string{"import", v, filepath.Join(dir, "chat.jsonl"), "--identity", key}); code != 0 {
		t.Fatal("import failed")
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "search", v, "lorem", "--limit", "3000", "--identity", key)
	cmd.Env = append(os.Environ(), "COFFER_TEST_AS_COFFER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	out.Close() // head -1 exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("coffer search into a closed pipe: %v (stderr %q)", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %q", stderr.String())
	}

	auditor := readIdentity(t, aud)
	evs, err := audit.Read(store.Dir(v), []age.Identity{auditor}, audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Reason != audit.LockPipe {
		t.Fatalf("the search's session ended with %q, want %q", last.Reason, audit.LockPipe)
	}
	// A later session finds nothing to report as a crash.
	if code := run(newEnv(nil, io.Discard, os.Stderr, nil), []string{"stats", v, "--identity", key}); code != 0 {
		t.Fatal("stats failed")
	}
	crashes, err := audit.Read(store.Dir(v), []age.Identity{auditor}, audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range crashes {
		if e.Reason == audit.LockCrash {
			t.Fatalf("a session was recorded as a crash: %+v", e)
		}
	}
}

func readIdentity(t *testing.T, path string) age.Identity {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := vault.ParseIdentities(data)
	if err != nil {
		t.Fatal(err)
	}
	return ids[0]
}
