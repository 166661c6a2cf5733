package audit_test

import (
	"errors"
	"slices"
	"testing"

	"coffer/vault/audit"
)

func TestRoundTrip(t *testing.T) { forBackends(t, testRoundTrip) }

func testRoundTrip(t *testing.T, v *testVault) {
	k := newKeys(t)
	l := open(t, v, k)
	want := []audit.Event{
		{Action: audit.ActionUnlock, Method: "x25519"},
		{Action: audit.ActionSearch, Query: "invoice AND from:bob", Results: 3},
		{Action: audit.ActionViewConversation, Conversation: "c1", Messages: []string{"m1", "m2"}},
		{Action: audit.ActionTagAdd, Tag: "privileged", Messages: []string{"m1"}},
	}
	for _, e := range want {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(audit.LockManual); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(want[0]); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("append after close: %v, want ErrClosed", err)
	}
	rep := mustVerify(t, v, k, nil)
	if len(rep.Sessions) != 1 || rep.Sessions[0].State != audit.StateClosed || !rep.Sessions[0].Verified {
		t.Fatalf("report: %+v", rep.Sessions)
	}
	// header, session, 4 events, close
	if rep.Entries != 7 {
		t.Fatalf("entries = %d, want 7", rep.Entries)
	}
	got, err := audit.Read(v, k.ids(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []audit.Action
	for _, e := range got {
		actions = append(actions, e.Action)
		if e.Actor.Member != "alice" || e.Actor.Fingerprint != alice.Fingerprint || e.Actor.PID == 0 || e.Session != l.Session() {
			t.Errorf("event %d: actor %+v session %q", e.Seq, e.Actor, e.Session)
		}
		if e.Time.IsZero() {
			t.Errorf("event %d: no time", e.Seq)
		}
	}
	wantActions := []audit.Action{audit.ActionSession, audit.ActionUnlock, audit.ActionSearch,
		audit.ActionViewConversation, audit.ActionTagAdd, audit.ActionLock}
	if !slices.Equal(actions, wantActions) {
		t.Fatalf("actions %v, want %v", actions, wantActions)
	}
	if got[2].Query != want[1].Query || got[2].Results != 3 || got[4].Tag != "privileged" || got[5].Reason != audit.LockManual {
		t.Fatalf("events: %+v", got)
	}
	tagged, err := audit.Read(v, k.ids(), audit.Filter{Message: "m1", Action: audit.ActionTagAdd})
	if err != nil || len(tagged) != 1 {
		t.Fatalf("filtered read: %v %+v", err, tagged)
	}
}
