package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/production"
)

// TestProduceSurvivesSIGKILL kills a child 'coffer produce' with SIGKILL
// at random moments and checks after each kill that the vault opens and
// verifies (the trail against it too), that the output is absent or a
// whole package that verifies, that no two packages share a production
// number, and that the next production starts after every number handed
// out. Nothing left behind holds plaintext.
func TestProduceSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash trials take a while")
	}
	const trials = 16
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	t.Setenv("COFFER_STATE_DIR", state)
	key, auditorKey := filepath.Join(dir, "me.key"), filepath.Join(dir, "a.key")
	vdir := filepath.Join(dir, "v")
	if code := run(newEnv(nil, &bytes.Buffer{}, os.Stderr, nil), []string{"init", vdir, "--identity-out", key, "--auditor-key-out", auditorKey}); code != 0 {
		t.Fatal("init failed")
	}
	file := filepath.Join(dir, "chat.jsonl")
	writeJSONL(t, file, "conv", 3000)
	if code := run(newEnv(nil, &bytes.Buffer{}, os.Stderr, nil), []string{"import", vdir, file, "--identity", key}); code != 0 {
		t.Fatal("import failed")
	}
	receiver, _ := age.GenerateX25519Identity()
	idents := parseIdentityFile(t, key)
	auditors := parseIdentityFile(t, auditorKey)
	outDir := filepath.Join(dir, "out")
	os.Mkdir(outDir, 0o700)

	rng := rand.New(rand.NewPCG(3, 4))
	full := 2 * time.Second
	var last int64 // the highest number in a package that landed
	var killed, landed int
	for trial := range trials {
		out := filepath.Join(outDir, fmt.Sprintf("p%02d.age", trial))
		delay := time.Duration(float64(full) * (0.3 + rng.Float64()))
		if trial%4 == 0 {
			delay = 0 // run to the end: how long a production takes
		}
		ok, wasKilled, took := killTrial(t, state, delay, "produce", vdir, "--query", "*", "--recipient", receiver.Recipient().String(),
			"-o", out, "--prefix", "K", "--identity", key)
		if ok && (delay == 0 || took < delay) {
			full = took // it ran to its end
		}
		if wasKilled {
			killed++
		}
		if rep, err := vault.Verify(vdir); err != nil || !rep.OK() {
			t.Fatalf("trial %d: verify after kill: %v %v", trial, err, rep.Problems)
		}
		if _, err := vault.VerifyTrail(vdir, auditors, nil); err != nil {
			t.Fatalf("trial %d: audit verify after kill: %v", trial, err)
		}
		v, err := vault.Unlock(vdir, vault.Key{Identities: idents})
		if err != nil {
			t.Fatalf("trial %d: unlock after kill: %v", trial, err)
		}
		v.Close()
		f, err := os.Open(out)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rep, err := production.Verify(f, []age.Identity{receiver}, production.Pin{})
		f.Close()
		if err != nil || !rep.OK() {
			t.Fatalf("trial %d: a partial package landed: %v %v", trial, err, rep)
		}
		first, end := number(t, rep.Manifest.First), number(t, rep.Manifest.Last)
		if first <= last {
			t.Fatalf("trial %d: package %s-%s reuses numbers up to K%07d", trial, rep.Manifest.First, rep.Manifest.Last, last)
		}
		last = end
		landed++
	}
	// Whatever was killed, the next numbers follow every number handed out.
	var stdout bytes.Buffer
	if code := run(newEnv(nil, &stdout, os.Stderr, nil), []string{"produce", vdir, "--query", "*", "--recipient", receiver.Recipient().String(),
		"-o", filepath.Join(outDir, "final.age"), "--prefix", "K", "--identity", key}); code != 0 {
		t.Fatal("final produce failed")
	}
	var first int64
	if _, err := fmt.Sscanf(stdout.String()[strings.Index(stdout.String(), " as K")+len(" as K"):], "%d", &first); err != nil || first <= last {
		t.Fatalf("final production starts at %d (%v), after K%07d", first, err, last)
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && p != file {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("lorem ipsum")) {
				t.Errorf("%s holds plaintext", p)
			}
		}
		return nil
	})
	t.Logf("%d trials: %d killed, %d packages landed", trials, killed, landed)
	if killed < trials/4 {
		t.Fatalf("only %d kills hit a production: adjust the delays", killed)
	}
}

func parseIdentityFile(t *testing.T, path string) []age.Identity {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := vault.ParseIdentities(data)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func number(t *testing.T, n string) int64 {
	v, err := strconv.ParseInt(strings.TrimPrefix(n, "K"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
