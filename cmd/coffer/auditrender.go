package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"coffer/ui/sanitize"
	"coffer/vault/audit"
)

// auditFormat is an output format of renderEvents.
type auditFormat int

const (
	formatTable auditFormat = iota // aligned columns for people
	formatJSON                     // one JSON object per line (audit.Event's JSON form)
	formatCSV                      // RFC 4180, with a header row
)

// maxDetail bounds the details column of the table, in terminal cells;
// JSON and CSV carry everything.
const maxDetail = 120

// renderEvents writes events in format f through the sanitizing writer:
// every string from an event is sanitized in the table and CSV; in JSON,
// control, bidi and zero-width characters are written as \u escapes, so
// the output is safe on a terminal and still exact for tools. The table
// names conversations by title and messages by sender and time where the
// trail recorded them, and lists ids only with ids (or when it recorded
// nothing else); JSON and CSV carry everything.
func renderEvents(w *sanitize.Writer, events []audit.Event, f auditFormat, ids bool) error {
	var err error
	switch f {
	case formatTable:
		err = renderTable(w, events, ids)
	case formatJSON:
		err = renderJSON(w.JSON(), events)
	case formatCSV:
		err = renderCSV(w, events)
	default:
		err = fmt.Errorf("unknown format %d", f)
	}
	if err == nil {
		err = w.Err()
	}
	return err
}

func renderTable(w io.Writer, events []audit.Event, ids bool) error {
	tb := newTable("TIME", "SESSION", "ACTOR", "ACTION", "DETAILS")
	for i := range events {
		e := &events[i]
		tb.row(e.Time.UTC().Format(time.RFC3339), e.Session, actorString(e.Actor), string(e.Action),
			truncateWidth(sanitize.Line(details(e, ids)), maxDetail))
	}
	return tb.write(w)
}

func actorString(a audit.Actor) string {
	s := a.Member
	if s == "" {
		s = "-"
	}
	if a.Fingerprint != "" {
		s += " [" + a.Fingerprint + "]"
	}
	return s + fmt.Sprintf(" %s@%s pid %d", a.HostUser, a.Host, a.PID)
}

// details summarises what an event is about, in one line: conversations
// by title and messages by sender, with their ids when ids is set or
// when the event recorded nothing else (trails from before titles and
// senders were recorded).
func details(e *audit.Event, ids bool) string {
	var p []string
	add := func(k, v string) {
		if v != "" {
			p = append(p, k+"="+v)
		}
	}
	add("method", e.Method)
	add("reason", e.Reason)
	switch {
	case e.Title != "":
		add("conversation", strconv.Quote(e.Title))
		if ids {
			add("conversation_id", strconv.Quote(e.Conversation))
		}
	case e.Conversation != "":
		add("conversation", strconv.Quote(e.Conversation))
	}
	switch {
	case e.Action == audit.ActionSearch:
		add("query", strconv.Quote(e.Query))
		add("results", strconv.Itoa(e.Results))
	case e.Action == audit.ActionPolicyRun:
		if e.Query != "" {
			add("within", strconv.Quote(e.Query))
		}
		add("flagged", strconv.Itoa(e.Results))
	case e.Query != "": // a production's, a saved search's
		add("query", strconv.Quote(e.Query))
	}
	if e.Tag != "" {
		add("tag", strconv.Quote(e.Tag))
	}
	if e.Attachment != "" {
		add("attachment", strconv.Quote(e.Attachment))
	}
	switch {
	case savedEvent(e) && e.Target != "":
		add("saved", strconv.Quote(e.Target))
	case policyEvent(e):
		add("policy", strconv.Quote(e.Target))
		add("version", strconv.Itoa(e.Count))
	case e.Action == audit.ActionQueueCreate:
		add("queue", strconv.Quote(e.Target))
		add("version", strconv.Itoa(e.Count))
		add("items", strconv.Itoa(e.Results))
	case e.Action == audit.ActionReviewDecide || e.Action == audit.ActionReviewAssign:
		add("queue", strconv.Quote(e.Target))
	case e.Action == audit.ActionSupervisionReport:
		add("period", e.Target)
		add("queues", strconv.Itoa(e.Results))
	default:
		add("target", e.Target)
	}
	if sum := e.SHA256; len(sum) > 16 && !ids {
		add("sha256", sum[:16]+"…") // enough to tell files apart; --ids, JSON and CSV have all of it
	} else {
		add("sha256", sum)
	}
	if e.Count != 0 && !policyEvent(e) && e.Action != audit.ActionQueueCreate {
		add("count", strconv.Itoa(e.Count))
	}
	switch {
	case len(e.Sent) > 0:
		add("messages", strconv.Itoa(len(e.Messages)))
		add("senders", senders(e.Sent))
		add("sent", sentSpan(e.Sent))
		if ids {
			add("ids", strings.Join(e.Messages, ","))
		}
	case len(e.Messages) > 0:
		add("messages", fmt.Sprintf("%d:%s", len(e.Messages), strings.Join(e.Messages, ",")))
	}
	add("detail", e.Detail)
	return strings.Join(p, " ")
}

// savedEvent reports whether e's Target names a saved search: its
// addition or removal, or a search run from it.
func savedEvent(e *audit.Event) bool {
	switch e.Action {
	case audit.ActionSearch, audit.ActionSavedAdd, audit.ActionSavedRemove:
		return true
	}
	return false
}

// policyEvent reports whether e changed a supervision policy: Target
// names it and Count is the version written.
func policyEvent(e *audit.Event) bool {
	switch e.Action {
	case audit.ActionPolicyAdd, audit.ActionPolicyEdit, audit.ActionPolicyRemove, audit.ActionPolicyRun:
		return true
	}
	return false
}

// senders lists the distinct senders of sent, quoted, in order of first
// appearance.
func senders(sent []audit.Sent) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sent {
		if !seen[s.Sender] {
			seen[s.Sender] = true
			out = append(out, strconv.Quote(s.Sender))
		}
	}
	return strings.Join(out, ",")
}

// sentSpan is when the messages were sent: one time, or the first and
// last (A..B, as dates are written in queries).
func sentSpan(sent []audit.Sent) string {
	var first, last time.Time
	for _, s := range sent {
		if s.Time.IsZero() {
			continue
		}
		if first.IsZero() || s.Time.Before(first) {
			first = s.Time
		}
		if s.Time.After(last) {
			last = s.Time
		}
	}
	switch {
	case first.IsZero():
		return ""
	case first.Equal(last):
		return first.UTC().Format(time.RFC3339)
	}
	return first.UTC().Format(time.RFC3339) + ".." + last.UTC().Format(time.RFC3339)
}

func renderJSON(w io.Writer, events []audit.Event) error {
	enc := json.NewEncoder(w)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return err
		}
	}
	return nil
}

func renderCSV(w io.Writer, events []audit.Event) error {
	cw := csv.NewWriter(w)
	// title, senders and sent came later, attachment and sha256 later
	// still: at the end, so that columns keep their places. senders and
	// sent have one entry per id of messages, "; " and " " apart.
	cw.Write([]string{"time", "session", "seq", "member", "fingerprint", "host_user", "host", "pid",
		"action", "method", "reason", "conversation", "messages", "query", "results", "tag", "target", "count", "detail",
		"title", "senders", "sent", "attachment", "sha256"})
	for i := range events {
		e := &events[i]
		row := []string{e.Time.UTC().Format(time.RFC3339Nano), e.Session, strconv.FormatUint(e.Seq, 10),
			e.Actor.Member, e.Actor.Fingerprint, e.Actor.HostUser, e.Actor.Host, strconv.Itoa(e.Actor.PID),
			string(e.Action), e.Method, e.Reason, e.Conversation, strings.Join(e.Messages, " "), e.Query,
			strconv.Itoa(e.Results), e.Tag, e.Target, strconv.Itoa(e.Count), e.Detail, e.Title}
		var names, times []string
		for _, s := range e.Sent {
			names = append(names, s.Sender)
			t := ""
			if !s.Time.IsZero() {
				t = s.Time.UTC().Format(time.RFC3339)
			}
			times = append(times, t)
		}
		row = append(row, strings.Join(names, "; "), strings.Join(times, " "), e.Attachment, e.SHA256)
		for j, s := range row {
			row[j] = csvCell(s)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell sanitizes a cell and defuses spreadsheet formulas (a leading
// = + - @ makes spreadsheet programs evaluate the cell).
func csvCell(s string) string {
	s = sanitize.Line(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		s = "'" + s
	}
	return s
}
