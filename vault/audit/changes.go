package audit

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"coffer/vault/store"

	"filippo.io/age"
)

// The trail against the manifest. A session file proves what it holds,
// and later sessions and checkpoints prove that it was not cut or
// deleted; but the newest sessions, or the whole trail, can vanish with
// nothing in the trail to say so. The vault's signed manifest can: each
// record that changes the vault (an import, a member or ingest key added
// or removed, a compaction) carries the Link of the event that announced
// the change, written before the vault changed. VerifyChanges checks, for
// every such record, that the event is there, in a session that verifies,
// and is an announcement of that kind of change. This package does not
// read the manifest (coffer/vault imports it, not the other way round):
// the vault lists its changes (vault.Manifest.Changes) and
// vault.VerifyTrail passes them here.

// Link names one event of the trail: its session and its entry, the
// record's index in the session file (events count from 1).
type Link struct {
	Session string `json:"session"`
	Entry   uint64 `json:"entry"`
}

// Valid reports whether l can name an event: a well-formed session id and
// an entry past the header.
func (l Link) Valid() bool { return validSessionID(l.Session) && l.Entry > 0 }

func (l Link) String() string { return fmt.Sprintf("session %s entry %d", l.Session, l.Entry) }

// Change is a vault change that the trail must hold the announcement of:
// one manifest record, as the vault describes it.
type Change struct {
	Record int       // the manifest record's number (its line, from 0)
	Time   time.Time // the record's time
	// What and By describe it for messages ("import", "a member"); they
	// come from the signed manifest and are sanitized by whoever prints.
	What, By string
	// Action is what the announcing event records: ActionImport,
	// ActionMemberAdd, ActionMemberRemove, ActionIngestKey, ActionCompact.
	Action Action
	// Link is the announcement the record names; nil for a record written
	// before manifests carried links.
	Link *Link
}

func (c *Change) String() string {
	return fmt.Sprintf("manifest record %d (%s by %s, %s)", c.Record, c.What, c.By, c.Time.UTC().Format("2006-01-02 15:04"))
}

// MismatchError is a disagreement between the trail and the manifest:
// either a change the manifest proves whose announcement the trail does
// not hold (Change set: the trail lost it), or an announcement the trail
// says was committed that no manifest record names (Change nil, Link set:
// the manifest is older than the trail).
type MismatchError struct {
	Change *Change
	Link   Link
	Action Action
	Detail string
}

func (e *MismatchError) Error() string {
	if e.Change != nil {
		return fmt.Sprintf("audit: %s: no audit session records it: %s", e.Change, e.Detail)
	}
	return fmt.Sprintf("audit: %s: %s announced and committed, but no manifest record names it: %s", e.Link, e.Action, e.Detail)
}

// changeActions are the actions that announce vault changes.
var changeActions = map[Action]bool{
	ActionImport: true, ActionMemberAdd: true, ActionMemberRemove: true, ActionIngestKey: true, ActionCompact: true,
	ActionProduce: true,
}

// VerifyChanges is Verify, and checks the trail against changes, the
// vault changes its manifest records (in record order):
//
//   - a change whose record carries a Link must find, at that link, an
//     event of its Action in a session that verifies, claimed by no other
//     record; otherwise it is a *MismatchError naming the record. A
//     missing or empty trail fails so as soon as the vault has changed.
//   - a change without a Link after one with a Link is a mismatch too:
//     coffer links every change since it began to.
//   - changes without a Link before the first one with a Link predate
//     links (an older vault): they are reported in Report.Notes, not
//     matched, and fail only when the trail records no change at all.
//   - an announcement (Event.Intent) that no record names is abandoned:
//     the change failed or was interrupted before the vault changed
//     (the announcement is written first), which is a note. Only when the
//     session went on to record the change as committed is it a mismatch:
//     the trail holds a change the manifest lacks, so an older manifest
//     was put back.
//
// A crash after the manifest was written and before the "committed"
// event leaves a record whose announcement is there: that verifies.
// The error is the first tamper problem, else the first mismatch.
func VerifyChanges(st store.Store, identities []age.Identity, cp *Checkpoint, changes []Change) (*Report, error) {
	wanted := map[Link]bool{}
	for _, c := range changes {
		if c.Link != nil {
			wanted[*c.Link] = true
		}
	}
	keep := func(e *Event) bool {
		return e.Intent || changeActions[e.Action] || wanted[Link{e.Session, e.Seq}]
	}
	rep, events, err := check(st, identities, cp, keep, true)
	if errors.Is(err, ErrNoTrail) {
		if len(changes) == 0 {
			return nil, err
		}
		rep, err = &Report{Checkpoint: cp != nil, NoTrail: true}, nil
	}
	if rep == nil {
		return nil, err
	}
	crossCheck(rep, events, changes)
	if err == nil && len(rep.Mismatches) > 0 {
		err = rep.Mismatches[0]
	}
	return rep, err
}

// crossCheck adds to rep what changes and the trail's kept events say of
// each other.
func crossCheck(rep *Report, events []Event, changes []Change) {
	sessions := map[string]*SessionReport{}
	for i := range rep.Sessions {
		sessions[rep.Sessions[i].Session] = &rep.Sessions[i]
	}
	byLink := make(map[Link]*Event, len(events))
	recordsChange := false
	for i := range events {
		e := &events[i]
		byLink[Link{e.Session, e.Seq}] = e
		recordsChange = recordsChange || changeActions[e.Action]
	}
	mismatch := func(c *Change, format string, args ...any) {
		rep.Mismatches = append(rep.Mismatches, &MismatchError{Change: c, Action: c.Action, Detail: fmt.Sprintf(format, args...)})
	}

	named := map[Link]bool{}
	for _, c := range changes {
		if c.Link != nil {
			named[*c.Link] = true
		}
	}
	claimed := map[Link]int{}
	first := slices.IndexFunc(changes, func(c Change) bool { return c.Link != nil })
	var legacy []*Change
	for i := range changes {
		c := &changes[i]
		if c.Link == nil {
			if first >= 0 && i > first {
				mismatch(c, "the record names no audit event, though record %d before it does (written by something other than coffer, or re-signed without it)", changes[first].Record)
			} else {
				legacy = append(legacy, c)
			}
			continue
		}
		l := *c.Link
		s := sessions[l.Session]
		e := byLink[l]
		switch {
		case rep.NoTrail:
			mismatch(c, "the audit folder is missing (the record names %s)", l)
		case s == nil:
			mismatch(c, "its session %s is missing (the record names entry %d)", l.Session, l.Entry)
		case !s.Verified:
			mismatch(c, "its session %s does not open with these identities", l.Session)
		case l.Entry >= s.Entries:
			mismatch(c, "its session %s holds %d verified records, not entry %d", l.Session, s.Entries, l.Entry)
		case e == nil || e.Action != c.Action:
			got := Action("")
			if e != nil {
				got = e.Action
			}
			mismatch(c, "%s records %q, not the announcement of %q", l, got, c.Action)
		default:
			if r, dup := claimed[l]; dup {
				mismatch(c, "%s is the announcement of manifest record %d already", l, r)
				continue
			}
			claimed[l] = c.Record
		}
	}
	if len(legacy) > 0 {
		span := fmt.Sprintf("records %d to %d", legacy[0].Record, legacy[len(legacy)-1].Record)
		if !recordsChange {
			mismatch(legacy[0], "the trail records no vault change at all, and the manifest has %d (%s) from before audit links", len(legacy), span)
		} else {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%d vault changes (manifest %s) predate audit links: the trail records changes, but which session recorded each cannot be checked", len(legacy), span))
		}
	}

	// Announcements no record names, in session and entry order.
	slices.SortFunc(events, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Session, b.Session), cmp.Compare(a.Seq, b.Seq))
	})
	for i := range events {
		e := &events[i]
		l := Link{e.Session, e.Seq}
		if !e.Intent || named[l] {
			continue // not an announcement, or a record names it (checked above)
		}
		switch out := outcome(events[i+1:], e); {
		case out == nil:
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: abandoned %s: announced, and no manifest record names it (it failed or was interrupted before the vault changed)", l, e.Action))
		case e.Action == ActionImport && out.Count == 0:
			// An import of nothing new writes no record.
		default:
			rep.Mismatches = append(rep.Mismatches, &MismatchError{Link: l, Action: e.Action,
				Detail: fmt.Sprintf("entry %d records it committed; the manifest is older than the trail (rolled back?)", out.Seq)})
		}
	}
}

// outcome returns the event that records the announcement e as committed:
// the next event of e's session with e's action and reason "committed",
// before any other announcement of that action. rest follows e in session
// and entry order.
func outcome(rest []Event, e *Event) *Event {
	for i := range rest {
		o := &rest[i]
		if o.Session != e.Session {
			return nil
		}
		if o.Action != e.Action {
			continue
		}
		if o.Intent {
			return nil
		}
		if o.Reason == ReasonCommitted {
			return o
		}
	}
	return nil
}
