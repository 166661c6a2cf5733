package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"coffer/vault"
)

// TestReviewersInTwoProcessesLoseNothing: two reviewers decide every item
// of one queue at the same time, each in its own coffer processes, one
// process a decision: every decision of both lands, in the journal and in
// the trail.
func TestReviewersInTwoProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 2 x 24 coffer processes")
	}
	const items = 24
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	t.Setenv("COFFER_STATE_DIR", state)
	t.Setenv("USER", "tester")
	vdir, me, bea, aud := filepath.Join(dir, "v"), filepath.Join(dir, "me.key"), filepath.Join(dir, "bea.key"), filepath.Join(dir, "aud.key")
	in := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(newEnv(nil, &out, &errb, nil), args); code != 0 {
			t.Fatalf("coffer %s: %s", strings.Join(args, " "), errb.String())
		}
		return out.String()
	}
	in("init", vdir, "--identity-out", me, "--auditor-key-out", aud)
	in("member", "add", vdir, "--identity-out", bea, "--name", "bea", "--identity", me)
	var b bytes.Buffer
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range items {
		fmt.Fprintf(&b, `{"source":"slack","conversation":{"id":"desk"},"sender":"u%d","time":%q,"body":"lunch %d"}`+"\n",
			i%3, base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	chat := filepath.Join(dir, "chat.jsonl")
	if err := os.WriteFile(chat, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	in("import", vdir, chat, "--identity", me)
	in("policy", "add", vdir, "meals", "--rule", "lunch", "--identity", me)
	in("supervision", "queue", vdir, "meals", "--period", "2024-Q1", "--identity", me)
	var ids []string
	for _, line := range strings.Split(in("supervision", "items", vdir, "meals/2024-Q1", "--identity", me), "\n") {
		if f := strings.Fields(line); len(f) > 0 && len(f[0]) == 32 {
			ids = append(ids, f[0])
		}
	}
	if len(ids) != items {
		t.Fatalf("%d items listed, want %d", len(ids), items)
	}

	// Each reviewer decides every item, one coffer process a decision,
	// both at once.
	var wg sync.WaitGroup
	errs := make(chan error, 2*items)
	for _, r := range []struct{ key, kind string }{{me, vault.DecisionNoIssue}, {bea, vault.DecisionEscalated}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids {
				cmd := exec.Command(os.Args[0], "supervision", "decide", vdir, "meals/2024-Q1", id, r.kind, "--identity", r.key)
				cmd.Env = append(os.Environ(), "COFFER_TEST_AS_COFFER=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("decide %s %s: %v: %s", id, r.kind, err, out)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	key, err := os.ReadFile(me)
	if err != nil {
		t.Fatal(err)
	}
	idents, err := vault.ParseIdentities(key)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Unlock(vdir, vault.Key{Identities: idents})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	sup, err := v.Supervision()
	if err != nil {
		t.Fatal(err)
	}
	if len(sup.History) != 2*items {
		t.Errorf("%d decisions in the journal, want %d", len(sup.History), 2*items)
	}
	for _, id := range ids {
		kinds := map[string]bool{}
		for _, d := range sup.Decisions["meals/2024-Q1"][id] {
			kinds[d.Kind+" by "+d.Actor] = true
		}
		if !kinds["no-issue by tester"] || !kinds["escalated by bea"] {
			t.Errorf("item %s: decisions in force %v, want both reviewers'", id, kinds)
		}
	}
	trail := in("audit", "show", vdir, "--identity", aud, "--action", "review-decide", "--json")
	if n := strings.Count(trail, `"action":"review-decide"`); n != 2*items {
		t.Errorf("%d review-decide events in the trail, want %d", n, 2*items)
	}
	if rep, err := vault.Verify(vdir); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
