package audit_test

import (
	"sync"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// TestCrashRecordedOnce: a session that ended without close is reported
// by the next session (a lock with reason crash), once, and verifies.
func TestCrashRecordedOnce(t *testing.T) { forBackends(t, testCrashRecordedOnce) }

func testCrashRecordedOnce(t *testing.T, v *testVault) {
	k := newKeys(t)
	dead := open(t, v, k)
	appendN(t, dead, 2)
	audit.Abandon(dead)

	for range 3 {
		open(t, v, k).Close(audit.LockExit)
	}
	rep := mustVerify(t, v, k, nil)
	for _, s := range rep.Sessions {
		if s.Session == dead.Session() {
			if s.State != audit.StateEnded || !s.CrashRecorded {
				t.Fatalf("dead session: %+v", s)
			}
		} else if s.State != audit.StateClosed {
			t.Fatalf("session %s: %v", s.Session, s.State)
		}
	}
	crashes, err := audit.Read(v, k.ids(), audit.Filter{Action: audit.ActionLock})
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

// TestConcurrentSessions: reviewers appending to the same vault at once
// each have their own log and chain. A live session is not taken for a
// crash: in a folder its flock says it is live, in a bucket its last
// write within the live window (FORMAT.md, "On object storage").
func TestConcurrentSessions(t *testing.T) { forBackends(t, testConcurrentSessions) }

func testConcurrentSessions(t *testing.T, v *testVault) {
	if v.s3() { // the default window, as coffer opens a bucket
		st, err := store.OpenS3(v.loc, store.S3Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := *v
		w.Store = st
		v = &w
	}
	k := newKeys(t)
	const sessions, events = 4, 25
	var wg sync.WaitGroup
	logs := make([]*audit.Log, sessions)
	for i := range logs {
		logs[i] = open(t, v, k)
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
	live := audit.StateOpen
	rep := mustVerify(t, v, k, nil)
	for _, s := range rep.Sessions {
		if s.State != live {
			t.Errorf("live session %s reported %v, want %v", s.Session, s.State, live)
		}
	}
	for _, l := range logs {
		l.Close(audit.LockExit)
	}
	evs, err := audit.Read(v, k.ids(), audit.Filter{Action: audit.ActionLock})
	if err != nil {
		t.Fatal(err)
	}
	crashes := 0
	for _, e := range evs {
		if e.Reason == audit.LockCrash {
			crashes++
		}
	}
	if crashes != 0 {
		t.Errorf("%d crash events, want none", crashes)
	}
	if len(evs)-crashes != sessions {
		t.Fatalf("%d locks, want %d", len(evs)-crashes, sessions)
	}
	for _, s := range mustVerify(t, v, k, nil).Sessions {
		if s.State != audit.StateClosed {
			t.Errorf("session %s %v after close", s.Session, s.State)
		}
	}
}

func TestReportSummary(t *testing.T) {
	st := store.Dir(t.TempDir())
	k := newKeys(t)
	dead := open(t, st, k)
	audit.Abandon(dead)
	open(t, st, k).Close(audit.LockExit)
	got := mustVerify(t, st, k, nil).Summary()
	want := "2 sessions, 6 entries\n1 sessions ended without close (1 recorded by a later session)\n"
	if got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
}
