package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Action names what an event records. The values are stable: they are
// stored (encrypted) and are what `coffer audit show --action` matches.
type Action string

const (
	// ActionSession opens every session (and marks a change of actor): it
	// carries the Actor that the session's later events are attributed to.
	ActionSession Action = "session"
	// ActionUnlock is a successful unlock; Method says how (passphrase,
	// x25519, hybrid, ssh, plugin).
	ActionUnlock Action = "unlock"
	// ActionUnlockFailed is a failed unlock attempt; Reason says why
	// (ReasonWrongPassphrase, ReasonWrongIdentity; "wrong key" in trails
	// written before they were told apart).
	ActionUnlockFailed Action = "unlock-failed"
	// ActionLock ends access; Reason is one of the Lock* values. A lock with
	// LockCrash is written by a later session about Target, a session that
	// ended without closing.
	ActionLock Action = "lock"
	// ActionViewConversationList: the list of conversations (titles,
	// participants, counts) shown after unlock; Count is how many.
	ActionViewConversationList Action = "view-list"
	// ActionViewConversation: the Messages of Conversation (titled
	// Title) on screen, Sent saying who sent each and when.
	ActionViewConversation Action = "view-conversation"
	// ActionViewMessage: one message shown in detail (Messages[0], in
	// Conversation, titled Title; Sent[0] its sender and time).
	ActionViewMessage Action = "view-message"
	// ActionViewMessages: a list of messages on screen (search hits, a
	// queue), with Sent.
	ActionViewMessages Action = "view-messages"
	// ActionSearch: Query run, Results hits; Messages (with Sent) when the
	// hits' content was returned with it.
	ActionSearch Action = "search"
	// ActionTagAdd and ActionTagRemove: Tag on Messages, with Sent.
	ActionTagAdd    Action = "tag-add"
	ActionTagRemove Action = "tag-remove"
	// ActionImport and ActionExport: Target names the file, Count the
	// messages, Messages the ids when they are few enough to list.
	ActionImport Action = "import"
	ActionExport Action = "export"
	// ActionMemberAdd, ActionMemberRemove, ActionIngestKey: Target names the
	// member or key, Detail its fingerprint.
	ActionMemberAdd    Action = "member-add"
	ActionMemberRemove Action = "member-remove"
	ActionIngestKey    Action = "ingest-key"
	// ActionVerify: a verify run; Reason is its outcome.
	ActionVerify Action = "verify"
	// ActionCopy: a message's id, or a citation of it (vault,
	// conversation, date, sender, id), put on the clipboard; Messages[0]
	// is the message, Detail "id" or "citation".
	ActionCopy Action = "copy"
	// ActionCompact: small search-index files merged (vault.CompactIndex);
	// Count the messages re-indexed, Detail what was merged into what.
	ActionCompact Action = "compact"
	// ActionProduce: a production (vault/production), announced before
	// its numbers are reserved, with Query, Count (messages), Target (the
	// file written) and Detail (the recipients); then, before the file is
	// written, the same with Messages (every id released, with Sent) and
	// Detail the number range and recipients; then committed, or failed.
	ActionProduce Action = "produce"
	// ActionSavedAdd and ActionSavedRemove: the saved search Target added
	// (with its Query) or removed. A search run from a saved search is an
	// ActionSearch whose Target names it.
	ActionSavedAdd    Action = "saved-add"
	ActionSavedRemove Action = "saved-remove"
	// ActionViewAttachment: attachment Attachment (its SHA256) of message
	// Messages[0], in Conversation titled Title, shown in a pager.
	ActionViewAttachment Action = "view-attachment"
	// ActionSaveAttachment: the same written as plaintext to the file
	// Target (an absolute path) the member named.
	ActionSaveAttachment Action = "save-attachment"
	// ActionPipeAttachment: the same handed on standard input to the
	// command line Target (run by the shell), recorded before it starts.
	ActionPipeAttachment Action = "pipe-attachment"
	// ActionPolicyAdd, ActionPolicyEdit and ActionPolicyRemove: version
	// Count of the supervision policy Target written (vault/policy.go);
	// Detail is the change, a line per rule added, removed or changed
	// ("+ rule: query", "- rule: query") and the description's.
	ActionPolicyAdd    Action = "policy-add"
	ActionPolicyEdit   Action = "policy-edit"
	ActionPolicyRemove Action = "policy-remove"
	// ActionPolicyRun: version Count of policy Target applied to the
	// vault (or to the messages matching Query); Results the messages any
	// rule matched, Detail each rule's count. Counts only: nothing shown.
	ActionPolicyRun Action = "policy-run"
	// ActionQueueCreate: review queue Target made from version Count of
	// its policy, with Results items; Detail says how many were flagged
	// and sampled, at what rate and seed, over which period.
	ActionQueueCreate Action = "queue-create"
	// ActionReviewDecide: the decision Detail ("no-issue", "escalated",
	// "closed" or "undone", then the comment) on message Messages[0] of
	// review queue Target.
	ActionReviewDecide Action = "review-decide"
	// ActionReviewAssign: the items Messages of review queue Target
	// dealt to the member Detail names ("to NAME"), or left unassigned
	// ("unassigned").
	ActionReviewAssign Action = "review-assign"
	// ActionSupervisionReport: the coverage report of the queues of
	// period Target (all when empty), Results queues counted. Counts
	// only: nothing shown.
	ActionSupervisionReport Action = "supervision-report"
)

// actions is every Action, in the order of the list above.
var actions = []Action{ActionSession, ActionUnlock, ActionUnlockFailed, ActionLock,
	ActionViewConversationList, ActionViewConversation, ActionViewMessage, ActionViewMessages,
	ActionSearch, ActionTagAdd, ActionTagRemove, ActionImport, ActionExport,
	ActionMemberAdd, ActionMemberRemove, ActionIngestKey, ActionVerify, ActionCopy, ActionCompact, ActionProduce,
	ActionSavedAdd, ActionSavedRemove, ActionViewAttachment, ActionSaveAttachment, ActionPipeAttachment,
	ActionPolicyAdd, ActionPolicyEdit, ActionPolicyRemove, ActionPolicyRun,
	ActionQueueCreate, ActionReviewDecide, ActionReviewAssign, ActionSupervisionReport}

// Actions returns every action an event can record.
func Actions() []Action { return slices.Clone(actions) }

// ParseAction returns the action named s, or an error that lists the
// valid names.
func ParseAction(s string) (Action, error) {
	if slices.Contains(actions, Action(s)) {
		return Action(s), nil
	}
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown action %q (one of %s)", s, strings.Join(names, ", "))
}

// ReasonCommitted is the Reason of the event that follows a change's
// announcement (Log.Announce) once the change is in the vault: an import
// or compaction committed.
const ReasonCommitted = "committed"

// Reasons of a failed unlock: the passphrase opened no member's key, or
// no identity given was a member's.
const (
	ReasonWrongPassphrase = "wrong passphrase"
	ReasonWrongIdentity   = "wrong identity"
)

// Lock reasons.
const (
	LockManual = "manual"
	LockIdle   = "idle"
	LockExit   = "exit"
	// LockPipe: the reader of the command's output went away (`coffer
	// search … | head`): a normal end, not a crash.
	LockPipe  = "pipe-closed"
	LockCrash = "crash" // recorded by the next session: ended without close
)

// Actor is who did something. Member and Fingerprint come from the
// caller (the vault member who unlocked and their key's fingerprint);
// Open fills HostUser, Host and PID.
type Actor struct {
	Member      string `json:"member,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	HostUser    string `json:"host_user,omitempty"`
	Host        string `json:"host,omitempty"`
	PID         int    `json:"pid,omitempty"`
}

// Event is one audit record as an auditor reads it. Session, Seq and
// Actor are filled in by Read from the session the event belongs to;
// Time is set by Append.
type Event struct {
	Time         time.Time `json:"time"`
	Session      string    `json:"session"`
	Seq          uint64    `json:"seq"`
	Actor        Actor     `json:"actor"`
	Action       Action    `json:"action"`
	Method       string    `json:"method,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Conversation string    `json:"conversation,omitempty"`
	// Title is the conversation's title as it was shown, so that an
	// auditor reads it without the vault's key.
	Title    string   `json:"title,omitempty"`
	Messages []string `json:"messages,omitempty"`
	// Sent is who sent each of Messages and when, in the same order, as
	// they were shown or tagged. Events that list ids of messages not
	// shown (import, export) and events written before it was recorded
	// have none: an auditor sees their ids only.
	Sent    []Sent `json:"sent,omitempty"`
	Query   string `json:"query,omitempty"`
	Results int    `json:"results"` // search hits; always written, 0 is an answer
	Tag     string `json:"tag,omitempty"`
	Target  string `json:"target,omitempty"`
	Count   int    `json:"count,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// Attachment is the name of the attachment an attachment event
	// released and SHA256 the hex hash of its content: what an auditor
	// needs to tell which file left, and to recognise it later.
	Attachment string `json:"attachment,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	// Intent marks the announcement of a vault change, written before the
	// vault changes by Log.Announce; the manifest record the change
	// writes carries its Link (see VerifyChanges).
	Intent bool `json:"intent,omitempty"`
}

// Sent is the sender and time of one message listed in an event.
type Sent struct {
	Sender string    `json:"sender"`
	Time   time.Time `json:"time"`
}

// wireEvent is the stored (then encrypted) form: short keys, the actor
// only on session events.
type wireEvent struct {
	Time         int64    `json:"t"`
	Action       Action   `json:"a"`
	Actor        *Actor   `json:"who,omitempty"`
	Method       string   `json:"m,omitempty"`
	Reason       string   `json:"r,omitempty"`
	Conversation string   `json:"c,omitempty"`
	Title        string   `json:"ct,omitempty"`
	Messages     []string `json:"ids,omitempty"`
	Senders      []string `json:"from,omitempty"` // Sent, by field: one per id
	SentAt       []int64  `json:"at,omitempty"`   // Unix seconds; 0 for an unknown time
	Query        string   `json:"q,omitempty"`
	Results      int      `json:"n,omitempty"`
	Tag          string   `json:"tag,omitempty"`
	Target       string   `json:"to,omitempty"`
	Count        int      `json:"k,omitempty"`
	Detail       string   `json:"d,omitempty"`
	Intent       bool     `json:"i,omitempty"`
	Attachment   string   `json:"att,omitempty"`
	SHA256       string   `json:"sha,omitempty"`
}

// maxEventSize keeps one event well inside a record.
const maxEventSize = maxRecord / 2

// ErrEventTooBig is returned by Append for an event that does not fit in
// a record; nothing is written. A caller listing many messages writes
// them in several events.
var ErrEventTooBig = errors.New("audit: event too large")

func encodeEvent(e *Event) ([]byte, error) {
	if e.Action == "" {
		return nil, errors.New("audit: event without action")
	}
	w := wireEvent{
		Time: e.Time.UnixNano(), Action: e.Action, Method: e.Method, Reason: e.Reason,
		Conversation: e.Conversation, Title: e.Title, Messages: e.Messages, Query: e.Query, Results: e.Results,
		Tag: e.Tag, Target: e.Target, Count: e.Count, Detail: e.Detail, Intent: e.Intent,
		Attachment: e.Attachment, SHA256: e.SHA256,
	}
	if len(e.Sent) > 0 {
		if len(e.Sent) != len(e.Messages) {
			return nil, fmt.Errorf("audit: event lists %d senders for %d messages", len(e.Sent), len(e.Messages))
		}
		w.Senders, w.SentAt = make([]string, len(e.Sent)), make([]int64, len(e.Sent))
		for i, s := range e.Sent {
			w.Senders[i] = s.Sender
			if !s.Time.IsZero() {
				w.SentAt[i] = s.Time.Unix()
			}
		}
	}
	if e.Action == ActionSession {
		a := e.Actor
		w.Actor = &a
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("audit: encode event: %v", err)
	}
	if len(b) > maxEventSize {
		return nil, ErrEventTooBig
	}
	return b, nil
}

func decodeEvent(b []byte) (*Event, error) {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("event: %v", err)
	}
	if w.Action == "" {
		return nil, errors.New("event: no action")
	}
	e := &Event{
		Time: time.Unix(0, w.Time).UTC(), Action: w.Action, Method: w.Method, Reason: w.Reason,
		Conversation: w.Conversation, Title: w.Title, Messages: w.Messages, Query: w.Query, Results: w.Results,
		Tag: w.Tag, Target: w.Target, Count: w.Count, Detail: w.Detail, Intent: w.Intent,
		Attachment: w.Attachment, SHA256: w.SHA256,
	}
	if len(w.Senders) > 0 || len(w.SentAt) > 0 {
		if len(w.Senders) != len(w.Messages) || len(w.SentAt) != len(w.Messages) {
			return nil, fmt.Errorf("event: %d senders and %d times for %d ids", len(w.Senders), len(w.SentAt), len(w.Messages))
		}
		e.Sent = make([]Sent, len(w.Senders))
		for i, s := range w.Senders {
			e.Sent[i].Sender = s
			if w.SentAt[i] != 0 {
				e.Sent[i].Time = time.Unix(w.SentAt[i], 0).UTC()
			}
		}
	}
	if w.Actor != nil {
		e.Actor = *w.Actor
	}
	return e, nil
}

// peekEvent decodes only an event's action and intent flag. Most events
// are what encodeEvent writes, `{"t":<n>,"a":"<action>",...}`, and have no
// "i" key: for those it reads the action off the front, which made
// VerifyChanges 1.7 times faster than a JSON decode of every event
// (BenchmarkVerify/changes, 300k events: 1.4 s against 2.4 s); anything
// else takes the decoder.
func peekEvent(b []byte) (*Event, error) {
	if a, ok := frontAction(b); ok && !bytes.Contains(b, []byte(`"i"`)) {
		return &Event{Action: a}, nil
	}
	var w struct {
		Action Action `json:"a"`
		Intent bool   `json:"i"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("event: %v", err)
	}
	if w.Action == "" {
		return nil, errors.New("event: no action")
	}
	return &Event{Action: w.Action, Intent: w.Intent}, nil
}

// frontAction returns the action of an event encoded as encodeEvent does,
// or false.
func frontAction(b []byte) (Action, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"t":`))
	if !ok {
		return "", false
	}
	rest = bytes.TrimLeft(rest, "-0123456789")
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"a":"`)); !ok {
		return "", false
	}
	end := bytes.IndexAny(rest, `"\`)
	if end <= 0 || rest[end] != '"' {
		return "", false
	}
	return Action(rest[:end]), true
}
