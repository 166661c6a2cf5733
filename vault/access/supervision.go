package access

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"coffer/vault"
	"coffer/vault/audit"
)

// Supervision (issue 13): a review queue is made from a policy and a
// period, its items are decided one at a time, and a report counts
// coverage. None of it shows a message: reviewers read an item through
// View or Detail, recorded as any view is. Making a queue and deciding are
// recorded before the vault changes; a report is recorded before it is
// returned.

// QueueRequest says which queue to make.
type QueueRequest struct {
	Policy string
	// Period names the queue ("2025-Q1"); From and To are the span
	// [From, To) of message times it covers (a zero end is open).
	Period   string
	From, To time.Time
	// Rate is the fraction of the period's unflagged messages to sample
	// (0 to 1); Seed draws them, random when 0.
	Rate float64
	Seed uint64
	// Assign lists the members (by name) the items are dealt to, in
	// turn, in vault order; none leaves them unassigned.
	Assign []string
}

// CreateQueue makes the review queue of the current version of a policy
// for a period: the messages of the period any rule matches, with the
// rules that fired, and the sample of the others; in vault order. It
// waits for the search index to be complete, records queue-create, then
// stores the queue.
func (s *Session) CreateQueue(ctx context.Context, req QueueRequest) (vault.Queue, error) {
	if !(req.Rate >= 0 && req.Rate <= 1) {
		return vault.Queue{}, fmt.Errorf("sample rate %v not within 0 and 1", req.Rate)
	}
	for _, name := range req.Assign {
		if err := s.checkMember(name); err != nil {
			return vault.Queue{}, err
		}
	}
	if req.Seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		req.Seed = binary.BigEndian.Uint64(b[:]) | 1
	}
	exists := func() error {
		sup, err := s.v.Supervision()
		if err != nil {
			return err
		}
		if _, ok := sup.Queue(vault.QueueName(req.Policy, req.Period)); ok {
			return fmt.Errorf("%w: %s", vault.ErrQueueExists, vault.QueueName(req.Policy, req.Period))
		}
		return nil
	}
	q, flagged, err := s.queueItems(ctx, req, exists)
	if err != nil {
		return vault.Queue{}, err
	}
	done, err := s.writing()
	if err != nil {
		return vault.Queue{}, err
	}
	defer done()
	if err := exists(); err != nil { // made meanwhile
		return vault.Queue{}, err
	}
	ev := audit.Event{Action: audit.ActionQueueCreate, Target: vault.QueueName(q.Policy, q.Period), Count: q.Version,
		Results: len(q.Items), Detail: fmt.Sprintf("%d flagged, %d sampled at %s%% (seed %d), %s",
			flagged, len(q.Items)-flagged, strconv.FormatFloat(100*q.Rate, 'g', -1, 64), q.Seed, spanText(q.From, q.To))}
	var made vault.Queue
	err = s.change(ev, func() error {
		var err error
		made, err = s.v.AddQueue(q)
		return err
	})
	return made, err
}

// checkMember reports whether name is no current member's.
func (s *Session) checkMember(name string) error {
	done, err := s.reading()
	if err != nil {
		return err
	}
	defer done()
	for _, m := range s.v.Manifest.ActiveMembers() {
		if m.Name == name {
			return nil
		}
	}
	return fmt.Errorf("%q is not a member of the vault", name)
}

// queueItems finds a queue's items, reading the vault and its index,
// once check (that the queue is not made yet) passes.
func (s *Session) queueItems(ctx context.Context, req QueueRequest, check func() error) (vault.Queue, int, error) {
	ix, done, err := s.readingIndex()
	if err != nil {
		return vault.Queue{}, 0, err
	}
	defer done()
	if err := check(); err != nil {
		return vault.Queue{}, 0, err
	}
	if err := ix.Wait(ctx); err != nil {
		return vault.Queue{}, 0, err
	}
	p, err := s.v.Policy(req.Policy)
	if err != nil {
		return vault.Queue{}, 0, err
	}
	q := vault.Queue{Policy: p.Name, Version: p.Version, Period: req.Period, From: req.From, To: req.To, Rate: req.Rate, Seed: req.Seed}
	// Each rule is evaluated once; the period is applied below, by the
	// messages' own times.
	set, err := ix.Rules(ctx, ruleQueries(p.Rules), RuleRequest{Matches: true})
	if err != nil {
		return vault.Queue{}, 0, ruleErr(&p, err)
	}
	fired := make(map[string][]string, len(set.Matches))
	for _, m := range set.Matches {
		names := make([]string, len(m.Rules))
		for i, r := range m.Rules {
			names[i] = p.Rules[r].Name
		}
		fired[m.ID] = names
	}
	in := func(t time.Time) bool {
		return !t.IsZero() && (req.From.IsZero() || !t.Before(req.From)) && (req.To.IsZero() || t.Before(req.To))
	}
	flagged := 0
	var m vault.Meta
	for p := range s.v.Len() {
		if s.v.Meta(p, &m); !in(m.Time) {
			continue
		}
		id := s.v.ID(p)
		switch rules, ok := fired[id]; {
		case ok:
			q.Items = append(q.Items, vault.QueueItem{ID: id, Rules: rules})
			flagged++
		case vault.Sampled(q.Seed, q.Rate, id):
			q.Items = append(q.Items, vault.QueueItem{ID: id})
		}
	}
	for i := range q.Items {
		if len(req.Assign) > 0 {
			q.Items[i].Assignee = req.Assign[i%len(req.Assign)]
		}
	}
	return q, flagged, nil
}

// spanText says what [from, to) covers, for an event.
func spanText(from, to time.Time) string {
	f, t := "the start", "now"
	if !from.IsZero() {
		f = from.UTC().Format(time.RFC3339)
	}
	if !to.IsZero() {
		t = to.UTC().Format(time.RFC3339)
	}
	return "messages from " + f + " to " + t
}

// Supervision returns the review queues and decisions.
func (s *Session) Supervision() (*vault.Supervision, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.v.Supervision()
}

// Decide records a reviewer's decision on one item (vault.Decision: the
// queue, the item's message ID, the kind and a comment): checked, recorded
// (review-decide), then written.
func (s *Session) Decide(d vault.Decision) (vault.Decision, error) {
	done, err := s.writing()
	if err != nil {
		return vault.Decision{}, err
	}
	defer done()
	sup, err := s.v.Supervision()
	if err != nil {
		return vault.Decision{}, err
	}
	if err := sup.Check(&d); err != nil {
		return vault.Decision{}, err
	}
	detail := d.Kind
	if d.Comment != "" {
		detail += ": " + d.Comment
	}
	ev := audit.Event{Action: audit.ActionReviewDecide, Target: d.Queue, Messages: []string{d.Item}, Detail: detail}
	var out vault.Decision
	err = s.change(ev, func() error {
		var err error
		out, err = s.v.Decide(d)
		return err
	})
	return out, err
}

// Assign deals items of queue to the member named to, or leaves them
// unassigned when to is empty: checked, recorded (review-assign), then
// written.
func (s *Session) Assign(queue string, items []string, to string) (vault.Assignment, error) {
	if to != "" {
		if err := s.checkMember(to); err != nil {
			return vault.Assignment{}, err
		}
	}
	done, err := s.writing()
	if err != nil {
		return vault.Assignment{}, err
	}
	defer done()
	sup, err := s.v.Supervision()
	if err != nil {
		return vault.Assignment{}, err
	}
	a := vault.Assignment{Queue: queue, Items: items, To: to}
	if err := sup.CheckAssign(&a); err != nil {
		return vault.Assignment{}, err
	}
	detail := "unassigned"
	if to != "" {
		detail = "to " + to
	}
	ev := audit.Event{Action: audit.ActionReviewAssign, Target: queue, Messages: items, Results: len(items), Detail: detail}
	var out vault.Assignment
	err = s.change(ev, func() error {
		var err error
		out, err = s.v.Assign(a)
		return err
	})
	return out, err
}

// QueueReport is the coverage of one queue.
type QueueReport struct {
	Queue   string `json:"queue"`
	Policy  string `json:"policy"`
	Version int    `json:"version"`
	Period  string `json:"period"`
	Flagged int    `json:"flagged"`
	Sampled int    `json:"sampled"`
	// Reviewed items have a decision in force; Pending ones none.
	Reviewed  int `json:"reviewed"`
	Pending   int `json:"pending"`
	NoIssue   int `json:"no_issue"`
	Escalated int `json:"escalated"`
	Closed    int `json:"closed"`
	// Reviewers are the members whose decisions are in force, by name.
	Reviewers []string `json:"reviewers"`
	// MedianReview is the median time from the queue's making to each
	// decision in force (0 when none).
	MedianReview time.Duration `json:"median_review_ns"`
	Made         time.Time     `json:"made"`
	MadeBy       string        `json:"made_by"`
}

// Coverage is a supervision report: each queue's counts, and per policy
// the distinct messages its queues flagged (queues of overlapping
// periods share messages).
type Coverage struct {
	Period  string         `json:"period,omitempty"`
	Flagged map[string]int `json:"flagged"`
	Queues  []QueueReport  `json:"queues"`
}

// SupervisionReport counts the coverage of the queues of one period (every
// queue when period is empty), in the order they were made, and records
// supervision-report before returning it. Counts and names only.
func (s *Session) SupervisionReport(period string) (*Coverage, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	sup, err := s.v.Supervision()
	if err != nil {
		return nil, err
	}
	out := &Coverage{Period: period, Flagged: map[string]int{}, Queues: []QueueReport{}}
	flagged := map[string]map[string]bool{}
	for _, q := range sup.Queues {
		if period != "" && q.Period != period {
			continue
		}
		r := QueueReport{Queue: q.Name, Policy: q.Policy, Version: q.Version, Period: q.Period, Made: q.Time, MadeBy: q.Actor, Reviewers: []string{}}
		if flagged[q.Policy] == nil {
			flagged[q.Policy] = map[string]bool{}
		}
		var waits []time.Duration
		for _, it := range q.Items {
			if len(it.Rules) > 0 {
				r.Flagged++
				flagged[q.Policy][it.ID] = true
			} else {
				r.Sampled++
			}
			d, ok := sup.Verdict(q.Name, it.ID)
			if !ok {
				r.Pending++
				continue
			}
			r.Reviewed++
			switch d.Kind {
			case vault.DecisionNoIssue:
				r.NoIssue++
			case vault.DecisionEscalated:
				r.Escalated++
			case vault.DecisionClosed:
				r.Closed++
			}
			if !slices.Contains(r.Reviewers, d.Actor) {
				r.Reviewers = append(r.Reviewers, d.Actor)
			}
			waits = append(waits, d.Time.Sub(q.Time))
		}
		sort.Strings(r.Reviewers)
		if len(waits) > 0 {
			slices.Sort(waits)
			r.MedianReview = waits[len(waits)/2]
			if len(waits)%2 == 0 {
				r.MedianReview = (waits[len(waits)/2-1] + waits[len(waits)/2]) / 2
			}
		}
		out.Queues = append(out.Queues, r)
	}
	for p, ids := range flagged {
		out.Flagged[p] = len(ids)
	}
	ev := audit.Event{Action: audit.ActionSupervisionReport, Target: period, Results: len(out.Queues)}
	if err := s.record(ev); err != nil {
		return nil, err
	}
	return out, nil
}
