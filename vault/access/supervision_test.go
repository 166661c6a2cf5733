package access_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// TestQueueDecideReport: a queue holds what the policy's rules flag in
// the period (with the rules that fired) and the sample of the rest;
// decisions and undos change the report's counts; each step is recorded
// before it lands, and nothing shows a message.
func TestQueueDecideReport(t *testing.T) {
	msgs := messages(12) // a minute apart from 2025-03-01 09:00, Ann/Bob/Cy in turn
	tv := newTestVault(t, msgs)
	s := tv.openIndexed(t)
	defer s.Lock("exit")
	if _, err := s.PutPolicy(vault.Policy{Name: "meals", Rules: []vault.Rule{
		{Name: "ann", Query: "from:ann"}, {Name: "three", Query: `"message 3"`}}}, 0); err != nil {
		t.Fatal(err)
	}
	// The period is the first ten minutes: messages 0-9.
	from := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	req := access.QueueRequest{Policy: "meals", Period: "first-ten", From: from, To: from.Add(10 * time.Minute), Rate: 0.5, Seed: 99}
	q, err := s.CreateQueue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// Ann sent 0, 3, 6, 9; "message 3" is 3 (both rules fire).
	byID := map[string]vault.QueueItem{}
	for _, it := range q.Items {
		byID[it.ID] = it
	}
	wantFlagged := map[string]string{msgs[0].ID: "ann", msgs[3].ID: "ann three", msgs[6].ID: "ann", msgs[9].ID: "ann"}
	sampled := 0
	for _, m := range msgs {
		it, ok := byID[m.ID]
		rules, flagged := wantFlagged[m.ID]
		switch {
		case flagged && (!ok || strings.Join(it.Rules, " ") != rules):
			t.Errorf("%q: item %+v, want rules %s", m.Body, it, rules)
		case !flagged && ok && len(it.Rules) > 0:
			t.Errorf("%q flagged by %v", m.Body, it.Rules)
		case !flagged && ok:
			sampled++
			if !vault.Sampled(99, 0.5, m.ID) || m.Time.Sub(from) >= 10*time.Minute {
				t.Errorf("%q sampled", m.Body)
			}
		case !flagged && m.Time.Sub(from) < 10*time.Minute && vault.Sampled(99, 0.5, m.ID):
			t.Errorf("%q not sampled", m.Body)
		}
	}
	if _, err := s.CreateQueue(context.Background(), req); !errors.Is(err, vault.ErrQueueExists) {
		t.Fatalf("the same queue again: %v", err)
	}

	decide := func(item, kind, comment string) error {
		_, err := s.Decide(vault.Decision{Queue: q.Name, Item: item, Kind: kind, Comment: comment})
		return err
	}
	if err := decide(msgs[0].ID, vault.DecisionNoIssue, "fine"); err != nil {
		t.Fatal(err)
	}
	if err := decide(msgs[3].ID, vault.DecisionEscalated, "ask legal"); err != nil {
		t.Fatal(err)
	}
	if err := decide(msgs[6].ID, vault.DecisionClosed, ""); err != nil {
		t.Fatal(err)
	}
	if err := decide(msgs[6].ID, vault.DecisionUndone, ""); err != nil {
		t.Fatal(err)
	}
	if err := decide(msgs[9].ID, vault.DecisionUndone, ""); err == nil {
		t.Fatal("an undo with nothing to undo was taken")
	}
	if err := decide(msgs[11].ID, vault.DecisionNoIssue, ""); !errors.Is(err, vault.ErrNoQueue) {
		t.Fatalf("a decision on a message outside the queue: %v", err)
	}
	me, _ := s.Member()
	if _, err := s.Assign(q.Name, []string{msgs[9].ID}, "nobody"); err == nil {
		t.Fatal("an item assigned to no member")
	}
	if _, err := s.Assign(q.Name, []string{msgs[9].ID, msgs[0].ID}, me); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Assign(q.Name, []string{msgs[0].ID}, ""); err != nil {
		t.Fatal(err)
	}
	if sup, err := s.Supervision(); err != nil {
		t.Fatal(err)
	} else if sq, _ := sup.Queue(q.Name); sup.Assignee(q.Name, byID[msgs[9].ID]) != me || sup.Assignee(q.Name, byID[msgs[0].ID]) != "" || sq == nil {
		t.Fatalf("assignees %q %q", sup.Assignee(q.Name, byID[msgs[9].ID]), sup.Assignee(q.Name, byID[msgs[0].ID]))
	}
	cov, err := s.SupervisionReport("first-ten")
	if err != nil {
		t.Fatal(err)
	}
	if len(cov.Queues) != 1 || cov.Flagged["meals"] != 4 {
		t.Fatalf("%d queues reported, flagged %v", len(cov.Queues), cov.Flagged)
	}
	r := cov.Queues[0]
	if r.Flagged != 4 || r.Sampled != sampled || r.Reviewed != 2 || r.Pending != 2+sampled || r.NoIssue != 1 || r.Escalated != 1 ||
		r.Closed != 0 || len(r.Reviewers) != 1 || r.Version != 1 || r.Policy != "meals" {
		t.Fatalf("report %+v (sampled %d)", r, sampled)
	}
	if cov, err := s.SupervisionReport("2024-Q1"); err != nil || len(cov.Queues) != 0 {
		t.Fatalf("another period: %+v %v", cov, err)
	}

	var got []string
	for _, e := range tv.last(t) {
		switch e.Action {
		case audit.ActionQueueCreate, audit.ActionReviewDecide, audit.ActionReviewAssign, audit.ActionSupervisionReport:
			got = append(got, string(e.Action)+" "+e.Target+" "+e.Detail+" "+e.Reason)
		case audit.ActionViewMessages, audit.ActionViewMessage, audit.ActionViewConversation:
			t.Errorf("supervision showed messages: %+v", e)
		}
	}
	want := []string{
		"queue-create meals/first-ten 4 flagged, " + strconv.Itoa(sampled) + " sampled at 50% (seed 99), messages from 2025-03-01T09:00:00Z to 2025-03-01T09:10:00Z ",
		"review-decide meals/first-ten no-issue: fine ",
		"review-decide meals/first-ten escalated: ask legal ",
		"review-decide meals/first-ten closed ",
		"review-decide meals/first-ten undone ",
		"review-assign meals/first-ten to " + me + " ",
		"review-assign meals/first-ten unassigned ",
		"supervision-report first-ten  ",
		"supervision-report 2024-Q1  ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
