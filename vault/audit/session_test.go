package audit_test

import (
	"sync"
	"testing"

	"coffer/vault/audit"
)

// TestCrashRecordedOnce: a session that ended without close is reported
// by the next session (a lock with reason crash), once, and verifies.
func TestCrashRecordedOnce(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	dead := open(t, dir, k)
	appendN(t, dead, 2)
	audit.Abandon(dead)

	for range 3 {
		open(t, dir, k).Close(audit.LockExit)
	}
	rep := mustVerify(t, dir, k, nil)
	for _, s := range rep.Sessions {
		if s.Session == dead.Session() {
			if s.State != audit.StateEnded || !s.CrashRecorded {
				t.Fatalf("dead session: %+v", s)
			}
		} else if s.State != audit.StateClosed {
			t.Fatalf("session %s: %v", s.Session, s.State)
		}
	}
	crashes, err := audit.Read(dir, k.ids(), audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range crashes {
		if e.Reason == audit.LockCrash {
			n++
			if e.Target != dead.Session() || e.Count != 4 {
				t.Errorf("crash event %+v", e)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d crash events, want 1", n)
	}
}

// TestConcurrentSessions: reviewers appending to the same folder at once
// each have their own file and chain; a live session is not taken for a
// crash.
func TestConcurrentSessions(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	const sessions, events = 4, 25
	var wg sync.WaitGroup
	logs := make([]*audit.Log, sessions)
	for i := range logs {
		logs[i] = open(t, dir, k)
	}
	for _, l := range logs {
		wg.Go(func() {
			for j := range events {
				if err := l.Append(audit.Event{Action: audit.ActionViewMessage, Messages: []string{"m"}, Count: j}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	rep := mustVerify(t, dir, k, nil)
	for _, s := range rep.Sessions {
		if s.State != audit.StateOpen {
			t.Errorf("live session %s reported %v", s.Session, s.State)
		}
	}
	for _, l := range logs {
		l.Close(audit.LockExit)
	}
	evs, err := audit.Read(dir, k.ids(), audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Reason == audit.LockCrash {
			t.Errorf("live session recorded as crashed: %+v", e)
		}
	}
	if len(evs) != sessions {
		t.Fatalf("%d locks, want %d", len(evs), sessions)
	}
}

func TestReportSummary(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	dead := open(t, dir, k)
	audit.Abandon(dead)
	open(t, dir, k).Close(audit.LockExit)
	got := mustVerify(t, dir, k, nil).Summary()
	want := "2 sessions, 6 entries\n1 sessions ended without close (1 recorded by a later session)\n"
	if got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
}
