package auditor

import (
	"fmt"
	"strings"
	"time"

	"coffer/index"
	"coffer/vault/audit"
)

// filterFields is the filter's syntax, for the help screen: each field,
// what it takes and what it keeps. Words without a field are looked for
// in what the event names.
var filterFields = [][2]string{
	{"actor:NAME", "events by a member (or a key fingerprint)"},
	{"action:ACTION", "one kind of event: unlock-failed, search, tag-add, …"},
	{"since:DATE", "from the start of DATE: 2025-03, today, yesterday, 7d, A..B"},
	{"until:DATE", "up to the end of DATE (for 7d: up to 7 days ago)"},
	{"id:MSGID", "events that list a message (its id or the start of it)"},
	{"session:ID", "one session (its id or the start of it)"},
	{"words", "in titles, senders, queries, tags, targets, reasons"},
}

// criteria is a parsed filter: field:value terms and free words. Terms
// of different fields must all match, values of one field any.
type criteria struct {
	actor, action, id, session, words []string
	since, until                      time.Time
}

// parseFilter parses the filter s. Dates are those of the query language
// (index.Period), in loc and relative to now.
func parseFilter(s string, now time.Time, loc *time.Location) (criteria, error) {
	var c criteria
	for _, f := range strings.Fields(s) {
		name, val, ok := strings.Cut(f, ":")
		if !ok || val == "" {
			c.words = append(c.words, strings.ToLower(f))
			continue
		}
		switch name {
		case "actor":
			c.actor = append(c.actor, val)
		case "action":
			a, err := audit.ParseAction(val)
			if err != nil {
				return c, fmt.Errorf("action: %v", err)
			}
			c.action = append(c.action, string(a))
		case "id":
			c.id = append(c.id, val)
		case "session":
			c.session = append(c.session, val)
		case "since", "until":
			from, to, err := index.Period(val, now, loc)
			if err != nil {
				return c, fmt.Errorf("%s: %v", name, err)
			}
			// As --since and --until: a range sets the bounds it names.
			isRange := strings.Contains(val, "..")
			if name == "since" && !isRange || isRange && !from.IsZero() {
				c.since = from
			}
			if name == "until" && !isRange || isRange && !to.IsZero() {
				c.until = to
			}
		default:
			c.words = append(c.words, strings.ToLower(f))
		}
	}
	return c, nil
}

func anyOf(vals []string, pred func(string) bool) bool {
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		if pred(v) {
			return true
		}
	}
	return false
}

func (c *criteria) match(e *audit.Event) bool {
	if !anyOf(c.actor, func(v string) bool { return v == e.Actor.Member || v == e.Actor.Fingerprint }) ||
		!anyOf(c.action, func(v string) bool { return v == string(e.Action) }) ||
		!anyOf(c.session, func(v string) bool { return strings.HasPrefix(e.Session, v) }) ||
		!anyOf(c.id, func(v string) bool {
			for _, id := range e.Messages {
				if strings.HasPrefix(id, v) {
					return true
				}
			}
			return false
		}) {
		return false
	}
	if !c.since.IsZero() && e.Time.Before(c.since) || !c.until.IsZero() && !e.Time.Before(c.until) {
		return false
	}
	if len(c.words) > 0 {
		hay := []string{e.Actor.Member, string(e.Action), e.Query, e.Tag, e.Target, e.Conversation, e.Title, e.Reason, e.Method, e.Detail, e.Attachment}
		for _, s := range e.Sent {
			hay = append(hay, s.Sender)
		}
		all := strings.ToLower(strings.Join(hay, " "))
		for _, w := range c.words {
			if !strings.Contains(all, w) {
				return false
			}
		}
	}
	return true
}
