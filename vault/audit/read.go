package audit

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"coffer/vault/store"

	"filippo.io/age"
)

// Filter selects events for Read. Zero fields match everything.
type Filter struct {
	Actor   string    // member name or key fingerprint, exact
	Action  Action    //
	Since   time.Time // inclusive
	Until   time.Time // exclusive
	Message string    // a message id among the event's Messages
	Session string    //
}

func (f *Filter) match(e *Event) bool {
	switch {
	case f.Actor != "" && f.Actor != e.Actor.Member && f.Actor != e.Actor.Fingerprint:
		return false
	case f.Action != "" && f.Action != e.Action:
		return false
	case !f.Since.IsZero() && e.Time.Before(f.Since):
		return false
	case !f.Until.IsZero() && !e.Time.Before(f.Until):
		return false
	case f.Message != "" && !slices.Contains(e.Messages, f.Message):
		return false
	case f.Session != "" && f.Session != e.Session:
		return false
	}
	return true
}

// Read verifies the trail of the vault stored in st (as Verify does, without a checkpoint)
// and returns the events that match f, in time order. When the trail is
// not intact it returns the events of every session up to its first bad
// entry together with the *TamperError, so an auditor still sees what
// can be trusted.
func Read(st store.Store, identities []age.Identity, f Filter) ([]Event, error) {
	_, events, err := check(st, identities, nil, func(*Event) bool { return true }, false)
	out := events[:0]
	for i := range events {
		if f.match(&events[i]) {
			out = append(out, events[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Session, b.Session), cmp.Compare(a.Seq, b.Seq))
	})
	return out, err
}
