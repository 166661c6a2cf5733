package vault

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Supervision (issue 13): a review queue is what one policy flagged in one
// period, plus a random sample of the messages it did not flag, fixed when
// the queue is made so that what was to be reviewed never changes after
// the fact; a decision is one reviewer's verdict on one item. Both are
// kept in one journal (journal.go) under supervision/, one file per
// queue or decision, as secret as the messages (a queue names the rules
// that fired, a comment says what a reviewer saw). Nothing is rewritten:
// undoing a decision is a decision too, so the history an examiner asks
// for is the journal itself.
const recSupervision = "supervision"

const supervisionMagic = "coffer-supervision-v1\n"

var supervisionJournal = journal{rec: recSupervision, dir: "supervision", magic: supervisionMagic, what: "supervision journal"}

// The kinds of decision.
const (
	DecisionNoIssue   = "no-issue"  // reviewed, nothing to act on
	DecisionEscalated = "escalated" // handed to an investigator
	DecisionClosed    = "closed"    // closed with action taken
	// DecisionUndone withdraws the item's latest decision that is still
	// in force: the item is back to the one before, or pending.
	DecisionUndone = "undone"
)

// DecisionKinds are the verdicts a reviewer can give (not DecisionUndone).
var DecisionKinds = []string{DecisionNoIssue, DecisionEscalated, DecisionClosed}

const maxComment = 4096

// Queue is a review queue, made once and never changed.
type Queue struct {
	Name    string `json:"name"` // POLICY/PERIOD
	Policy  string `json:"policy"`
	Version int    `json:"version"` // of the policy whose rules made it
	// Period is as the member named it ("2025-Q1"); From and To are the
	// span [From, To) of message times it covers.
	Period string    `json:"period"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Rate is the fraction of the period's unflagged messages sampled,
	// and Seed what drew them (Sampled): anyone holding the vault can
	// draw the same sample again.
	Rate  float64     `json:"rate"`
	Seed  uint64      `json:"seed"`
	Items []QueueItem `json:"items"`
	Actor string      `json:"actor"`
	Time  time.Time   `json:"time"`
}

// QueueItem is one message to review: flagged by the rules named, or
// sampled when Rules is empty; Assignee is the member (by name) it is
// assigned to, if any.
type QueueItem struct {
	ID       string   `json:"id"`
	Rules    []string `json:"rules,omitempty"`
	Assignee string   `json:"assignee,omitempty"`
}

// Decision is a reviewer's verdict on one item of a queue.
type Decision struct {
	Queue   string    `json:"queue"`
	Item    string    `json:"item"` // the message ID
	Kind    string    `json:"kind"`
	Comment string    `json:"comment,omitempty"`
	Actor   string    `json:"actor"`
	Time    time.Time `json:"time"`
}

// Assignment deals items of a queue to a member (To, by name), or leaves
// them unassigned (To empty): a reviewer leaves, work is rebalanced. The
// queue itself never changes; the assignment in force is the last one.
type Assignment struct {
	Queue string    `json:"queue"`
	Items []string  `json:"items"`
	To    string    `json:"to,omitempty"`
	Actor string    `json:"actor"`
	Time  time.Time `json:"time"`
}

// supervisionOp is one journal operation: exactly one of the three.
type supervisionOp struct {
	Queue    *Queue      `json:"queue,omitempty"`
	Decision *Decision   `json:"decision,omitempty"`
	Assign   *Assignment `json:"assign,omitempty"`
}

// Sampled reports whether the unflagged message id is in the sample a
// queue with this seed and rate draws: the first 8 bytes of
// SHA-256(seed as 8 bytes big-endian, id), as a big-endian number, are
// below rate × 2^64. It depends on nothing but the three, so a sample can
// be drawn again in any order, by any tool.
func Sampled(seed uint64, rate float64, id string) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h := sha256.New()
	h.Write(b[:])
	h.Write([]byte(id))
	x := binary.BigEndian.Uint64(h.Sum(nil))
	return float64(x) < rate*math.Exp2(64)
}

// QueueName is the name of the queue of policy for period.
func QueueName(policy, period string) string { return policy + "/" + period }

// ErrNoQueue is what lookups of an unknown queue or item return.
var ErrNoQueue = errors.New("no such review queue")

// checkQueue checks what the vault can of a queue.
func checkQueue(q *Queue) error {
	if err := ValidPolicyName(q.Policy); err != nil {
		return err
	}
	if err := validName("period", q.Period); err != nil {
		return err
	}
	if q.Name != QueueName(q.Policy, q.Period) {
		return fmt.Errorf("queue %q: not named for policy %s and period %s", q.Name, q.Policy, q.Period)
	}
	switch {
	case q.Version < 1:
		return fmt.Errorf("queue %s: policy version %d", q.Name, q.Version)
	case !(q.Rate >= 0 && q.Rate <= 1):
		return fmt.Errorf("queue %s: sample rate %v not within 0 to 1", q.Name, q.Rate)
	case !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To):
		return fmt.Errorf("queue %s: period ends before it starts", q.Name)
	}
	seen := make(map[string]bool, len(q.Items))
	for _, it := range q.Items {
		if it.ID == "" || seen[it.ID] {
			return fmt.Errorf("queue %s: item %q empty or listed twice", q.Name, it.ID)
		}
		seen[it.ID] = true
	}
	return nil
}

// checkDecision checks a decision's own fields.
func checkDecision(d *Decision) error {
	if d.Kind != DecisionUndone && !slices.Contains(DecisionKinds, d.Kind) {
		return fmt.Errorf("unknown decision %q (want %s)", d.Kind, strings.Join(DecisionKinds, ", "))
	}
	if len(d.Comment) > maxComment {
		return fmt.Errorf("comment longer than %d bytes", maxComment)
	}
	if strings.IndexFunc(d.Comment, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		return errors.New("comment has a control character")
	}
	return nil
}

// Supervision is the state the journal replays to.
type Supervision struct {
	Queues []Queue // in the order they were made
	// Decisions lists, per queue name and item, the decisions in force,
	// oldest first (an undone one is dropped): the last is the item's
	// verdict, none means pending.
	Decisions map[string]map[string][]Decision
	// History is every decision, undos included, in journal order.
	History []Decision
	// assigned is, per queue name and item, the member an Assignment
	// gave it to ("" for none), overriding the queue's own assignee.
	assigned map[string]map[string]string
	// items holds, per queue name, the ids of its items: a replay checks
	// every decision against its queue, and a scan per decision made
	// replaying N decisions on queues of n items cost N·n.
	items map[string]map[string]bool
}

// Counts returns how many items of q a rule flagged (the others were
// sampled) and how many have no decision in force.
func (s *Supervision) Counts(q *Queue) (flagged, pending int) {
	for _, it := range q.Items {
		if len(it.Rules) > 0 {
			flagged++
		}
		if _, ok := s.Verdict(q.Name, it.ID); !ok {
			pending++
		}
	}
	return flagged, pending
}

// hasItem reports whether queue holds the item id.
func (s *Supervision) hasItem(queue, id string) bool { return s.items[queue][id] }

// Assignee returns the member item of queue is assigned to now, or "".
func (s *Supervision) Assignee(queue string, it QueueItem) string {
	if to, ok := s.assigned[queue][it.ID]; ok {
		return to
	}
	return it.Assignee
}

// CheckAssign reports why a cannot follow the state, or nil: an unknown
// queue or item, an item named twice, no item at all.
func (s *Supervision) CheckAssign(a *Assignment) error {
	q, ok := s.Queue(a.Queue)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoQueue, a.Queue)
	}
	if len(a.Items) == 0 {
		return fmt.Errorf("assignment in %s names no item", a.Queue)
	}
	if len(a.To) > 256 || strings.IndexFunc(a.To, unicode.IsControl) >= 0 {
		return fmt.Errorf("assignment in %s: member name %q too long or with a control character", a.Queue, a.To)
	}
	seen := make(map[string]bool, len(a.Items))
	for _, id := range a.Items {
		if seen[id] {
			return fmt.Errorf("assignment in %s names item %s twice", a.Queue, id)
		}
		seen[id] = true
		if !s.hasItem(q.Name, id) {
			return fmt.Errorf("%w: queue %s has no item %s", ErrNoQueue, a.Queue, id)
		}
	}
	return nil
}

// Queue returns the queue name.
func (s *Supervision) Queue(name string) (*Queue, bool) {
	for i := range s.Queues {
		if s.Queues[i].Name == name {
			return &s.Queues[i], true
		}
	}
	return nil, false
}

// Verdict returns the decision in force on item of queue, if any.
func (s *Supervision) Verdict(queue, item string) (Decision, bool) {
	ds := s.Decisions[queue][item]
	if len(ds) == 0 {
		return Decision{}, false
	}
	return ds[len(ds)-1], true
}

// Check reports why d cannot follow the state, or nil: an unknown queue
// or item, a bad kind or comment, an undo with nothing to undo.
func (s *Supervision) Check(d *Decision) error {
	if err := checkDecision(d); err != nil {
		return fmt.Errorf("decision on %s in %s: %w", d.Item, d.Queue, err)
	}
	q, ok := s.Queue(d.Queue)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoQueue, d.Queue)
	}
	if !s.hasItem(q.Name, d.Item) {
		return fmt.Errorf("%w: queue %s has no item %s", ErrNoQueue, d.Queue, d.Item)
	}
	if d.Kind == DecisionUndone && len(s.Decisions[d.Queue][d.Item]) == 0 {
		return fmt.Errorf("item %s of queue %s has no decision to undo", d.Item, d.Queue)
	}
	return nil
}

// apply adds one operation, refusing what cannot follow the state.
func (s *Supervision) apply(op supervisionOp) error {
	n := 0
	for _, set := range []bool{op.Queue != nil, op.Decision != nil, op.Assign != nil} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return errors.New("an operation must be one queue, one decision or one assignment")
	case op.Assign != nil:
		a := op.Assign
		if err := s.CheckAssign(a); err != nil {
			return err
		}
		if s.assigned == nil {
			s.assigned = map[string]map[string]string{}
		}
		items := s.assigned[a.Queue]
		if items == nil {
			items = map[string]string{}
			s.assigned[a.Queue] = items
		}
		for _, id := range a.Items {
			items[id] = a.To
		}
		return nil
	case op.Queue != nil:
		q := op.Queue
		if err := checkQueue(q); err != nil {
			return err
		}
		if _, dup := s.Queue(q.Name); dup {
			return fmt.Errorf("queue %s made twice", q.Name)
		}
		s.Queues = append(s.Queues, *q)
		if s.items == nil {
			s.items = map[string]map[string]bool{}
		}
		ids := make(map[string]bool, len(q.Items))
		for _, it := range q.Items {
			ids[it.ID] = true
		}
		s.items[q.Name] = ids
		return nil
	}
	d := op.Decision
	if err := s.Check(d); err != nil {
		return err
	}
	if s.Decisions == nil {
		s.Decisions = map[string]map[string][]Decision{}
	}
	items := s.Decisions[d.Queue]
	if items == nil {
		items = map[string][]Decision{}
		s.Decisions[d.Queue] = items
	}
	ds := items[d.Item]
	if d.Kind == DecisionUndone {
		items[d.Item] = ds[:len(ds)-1]
	} else {
		items[d.Item] = append(ds, *d)
	}
	s.History = append(s.History, *d)
	return nil
}

// Supervision replays the supervision journal as of the manifest this
// process last read.
func (v *Vault) Supervision() (*Supervision, error) {
	s := &Supervision{}
	err := readJournal(v, supervisionJournal, s.apply)
	return s, err
}

// AddQueue stores q as a new queue, made now by this member. A queue of
// the same policy and period exists already: ErrQueueExists. Items may
// be assigned to current members only.
func (v *Vault) AddQueue(q Queue) (Queue, error) {
	q.Name = QueueName(q.Policy, q.Period)
	q.Actor, q.Time = v.Member.Name, v.now().UTC()
	if err := checkQueue(&q); err != nil {
		return Queue{}, fmt.Errorf("vault: %w", err)
	}
	for _, it := range q.Items {
		if it.Assignee != "" && !v.isMember(it.Assignee) {
			return Queue{}, fmt.Errorf("vault: queue %s: %q is not a member", q.Name, it.Assignee)
		}
	}
	err := appendJournal(v, supervisionJournal, func() (supervisionOp, error) {
		s, err := v.Supervision()
		if err != nil {
			return supervisionOp{}, err
		}
		if _, dup := s.Queue(q.Name); dup {
			return supervisionOp{}, fmt.Errorf("vault: %w: %s", ErrQueueExists, q.Name)
		}
		return supervisionOp{Queue: &q}, nil
	})
	return q, err
}

// Assign deals items of a queue to member a.To (a current member), or
// leaves them unassigned when a.To is empty; checked under the write lock
// against the journal as every process left it.
func (v *Vault) Assign(a Assignment) (Assignment, error) {
	a.Actor, a.Time = v.Member.Name, v.now().UTC()
	if a.To != "" && !v.isMember(a.To) {
		return Assignment{}, fmt.Errorf("vault: %w: %q", ErrNotMember, a.To)
	}
	return a, v.appendSupervision(supervisionOp{Assign: &a})
}

// ErrNotMember is what Assign returns for a name no current member has.
var ErrNotMember = errors.New("not a member of this vault")

// ErrQueueExists is what AddQueue returns for a queue made already.
var ErrQueueExists = errors.New("a review queue for that policy and period exists")

// Decide records a decision by this member. It is checked under the write
// lock against every decision written before, by any process: an undo
// needs a decision in force.
func (v *Vault) Decide(d Decision) (Decision, error) {
	d.Actor, d.Time = v.Member.Name, v.now().UTC()
	if err := checkDecision(&d); err != nil {
		return Decision{}, fmt.Errorf("vault: %w", err)
	}
	return d, v.appendSupervision(supervisionOp{Decision: &d})
}

// appendSupervision writes op if it follows the journal as every process
// left it (replayed under the write lock).
func (v *Vault) appendSupervision(op supervisionOp) error {
	return appendJournal(v, supervisionJournal, func() (supervisionOp, error) {
		s, err := v.Supervision()
		if err != nil {
			return supervisionOp{}, err
		}
		if err := s.apply(op); err != nil {
			return op, fmt.Errorf("vault: %w", err)
		}
		return op, nil
	})
}

// isMember reports whether a current member has the name.
func (v *Vault) isMember(name string) bool {
	return slices.ContainsFunc(v.Manifest.ActiveMembers(), func(m *Member) bool { return m.Name == name })
}
