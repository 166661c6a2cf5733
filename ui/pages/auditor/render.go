package auditor

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault/audit"
)

// Presentation: events to display strings. Every string from the trail
// is untrusted (titles, senders and queries come from the archive and the
// reviewer) and passes common.Fit or sanitize.Line before it is drawn.

// columns returns the widths of time, actor, action and the rest.
func (m *Model) columns() (int, int, int, int) {
	w := m.c.Width
	tw, aw, cw := 19, 12, 17
	if w < 100 {
		tw, aw, cw = 14, 10, 17
	}
	return tw, aw, cw, max(w-tw-aw-cw-3, 5)
}

// count counts a regular noun in words: "1 session", "2 sessions".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// reason is how an event's reason reads: a failed unlock says what was
// tried.
func reason(e *audit.Event) string {
	if e.Action == audit.ActionUnlockFailed {
		switch e.Reason {
		case audit.ReasonWrongPassphrase:
			return "failed passphrase"
		case audit.ReasonWrongIdentity:
			return "failed identity: no member's key"
		}
	}
	return e.Reason
}

// msgTime is when a message was sent, in the screen's zone; "" unknown.
func (m *Model) msgTime(s audit.Sent, long bool) string {
	if s.Time.IsZero() {
		return ""
	}
	if long {
		return s.Time.In(m.loc).Format("2006-01-02 15:04")
	}
	return s.Time.In(m.loc).Format("01-02 15:04")
}

// sender is a message's sender as shown: a dash for none (a system
// message).
func sender(s audit.Sent) string {
	if s.Sender == "" {
		return "—"
	}
	return s.Sender
}

// senders lists the distinct senders of sent, in order of first
// appearance.
func senders(sent []audit.Sent) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sent {
		if !seen[s.Sender] {
			seen[s.Sender] = true
			out = append(out, sender(s))
		}
	}
	return strings.Join(out, ", ")
}

// what says in one line what an event is about: conversations by title
// and messages by sender and time as the trail recorded them, ids when
// they are asked for or when the trail recorded nothing else.
func (m *Model) what(e *audit.Event) string {
	var parts []string
	switch {
	case e.Title != "" && m.showIDs:
		parts = append(parts, "“"+e.Title+"” ("+e.Conversation+")")
	case e.Title != "":
		parts = append(parts, "“"+e.Title+"”")
	case e.Conversation != "":
		parts = append(parts, "conv "+e.Conversation)
	}
	if e.Tag != "" {
		parts = append(parts, "tag "+e.Tag)
	}
	switch {
	case e.Action == audit.ActionSavedAdd || e.Action == audit.ActionSavedRemove:
		parts = append(parts, "saved search "+e.Target)
		if e.Query != "" {
			parts = append(parts, fmt.Sprintf("query %q", e.Query))
		}
	case e.Query != "" && e.Action == audit.ActionSearch:
		parts = append(parts, fmt.Sprintf("query %q → %d", e.Query, e.Results))
		if e.Target != "" {
			parts = append(parts, "saved search "+e.Target)
		}
	case e.Query != "": // a production's
		parts = append(parts, fmt.Sprintf("query %q", e.Query))
	}
	switch n := len(e.Messages); {
	case n == 1 && len(e.Sent) == 1:
		s := strings.TrimSpace(sender(e.Sent[0]) + " " + m.msgTime(e.Sent[0], m.c.Width >= 100))
		if m.showIDs {
			s += " · " + e.Messages[0]
		}
		parts = append(parts, s)
	case n > 1 && len(e.Sent) == n:
		parts = append(parts, count(n, "msg")+" from "+senders(e.Sent))
	case n == 1:
		parts = append(parts, "msg "+e.Messages[0])
	case n > 1:
		parts = append(parts, count(n, "msg"))
	}
	if e.Attachment != "" {
		parts = append(parts, "attachment “"+e.Attachment+"”")
	}
	if e.Target != "" && e.Action != audit.ActionSearch && e.Action != audit.ActionSavedAdd && e.Action != audit.ActionSavedRemove {
		parts = append(parts, e.Target)
	}
	if e.Method != "" {
		parts = append(parts, e.Method)
	}
	if r := reason(e); r != "" {
		parts = append(parts, r)
	}
	return strings.Join(parts, " · ")
}

func (m *Model) renderRow(i, w int, sel bool) []string {
	e := &m.events[m.shown[i]]
	tw, aw, cw, rw := m.columns()
	layout := "2006-01-02 15:04:05"
	if tw < 19 {
		layout = "01-02 15:04:05"
	}
	actor := e.Actor.Member
	if actor == "" && e.Actor.HostUser != "" {
		actor = "(" + e.Actor.HostUser + ")" // before unlock: the system user
	} else if actor == "" {
		actor = "—"
	}
	return []string{common.Fit(e.Time.In(m.loc).Format(layout), tw) + " " + common.Fit(actor, aw) + " " + common.Fit(string(e.Action), cw) + " " + common.Fit(m.what(e), rw)}
}

// banner is the verification's outcome in two lines. It counts events,
// as the status bar does: the session headers are records but not
// events.
func (m *Model) banner() []string {
	st := m.c.Styles
	w := m.c.Width
	switch {
	case !m.ready:
		return []string{st.Dim.Render(" verifying the trail…"), ""}
	case m.err != nil:
		return []string{st.Error.Render(common.Trunc(" ✗ "+sanitize.Line(m.err.Error()), w)), ""}
	}
	r := m.report
	ended, open := 0, 0
	for _, s := range r.Sessions {
		switch s.State {
		case audit.StateEnded:
			ended++
		case audit.StateOpen:
			open++
		}
	}
	extra := " · " + count(len(r.Sessions), "session") + " · " + count(len(m.events), "event")
	if ended > 0 {
		extra += fmt.Sprintf(" · %d ended without close", ended)
	}
	if open > 0 {
		extra += fmt.Sprintf(" · %d open", open)
	}
	if r.OK() {
		return []string{st.OK.Render(" ✓ trail intact") + st.Dim.Render(common.Trunc(extra, w-16)), ""}
	}
	var first, detail string
	if len(r.Problems) > 0 {
		p := r.Problems[0]
		where := p.File // a deleted session has no entry to name
		if p.Entry >= 0 {
			where += fmt.Sprintf(" entry %d", p.Entry)
		}
		first = fmt.Sprintf(" ✗ BROKEN at %s: %s", where, p.Reason)
		if p.Detail != "" {
			detail = " " + p.Detail + " ·"
		}
	} else {
		first = " ✗ INCOMPLETE: " + strings.TrimPrefix(r.Mismatches[0].Error(), "audit: ")
	}
	if n := len(r.Problems) + len(r.Mismatches); n > 1 {
		first += fmt.Sprintf(" (+%d more)", n-1)
	}
	return []string{
		st.Error.Render(common.Trunc(sanitize.Line(first), w)),
		st.Dim.Render(common.Trunc(sanitize.Line(detail)+" events up to the first bad entry of each session are shown"+extra, w)),
	}
}

// hints renders bindings as the status bar shows them.
func (m *Model) hints(bs []key.Binding) string {
	st := m.c.Styles
	var parts []string
	for _, b := range bs {
		parts = append(parts, st.StatusKey.Render(b.Help().Key)+st.Status.Render(" "+b.Help().Desc))
	}
	return strings.Join(parts, st.Status.Render(" · "))
}

func (m *Model) status(w int) string {
	st := m.c.Styles
	if m.fErr != "" {
		return st.StatusErr.Render(common.Fit(" "+m.fErr, w))
	}
	n := count(len(m.events), "event")
	if len(m.shown) != len(m.events) {
		n = fmt.Sprintf("%d of %s", len(m.shown), n)
	}
	var bs []key.Binding
	switch {
	case m.typing:
		bs = m.keys.FilterHelp()
	case m.help:
		return st.Status.Render(common.Fit(" "+n+" · any key closes the help", w))
	case m.detail >= 0:
		bs = m.keys.DetailHelp()
	default:
		bs = m.keys.ShortHelp()
	}
	s := st.Status.Render(" "+n+" · ") + m.hints(bs)
	return common.Trunc(s, w) + st.Status.Render(strings.Repeat(" ", max(w-common.Width(s), 0)))
}

// helpLines is the help screen: the keys, from the bindings, and the
// filter's syntax.
func (m *Model) helpLines(w int) []string {
	st := m.c.Styles
	var sheet []string
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			h := b.Help()
			sheet = append(sheet, common.Pad(h.Key, 7)+" "+h.Desc)
		}
	}
	out := []string{st.Title.Render(" Keys")}
	rows := (len(sheet) + 1) / 2
	cw := max(w/2-1, 1)
	for r := range rows {
		line := " " + common.Pad(common.Trunc(sheet[r], cw-1), cw)
		if r+rows < len(sheet) {
			line += common.Trunc(sheet[r+rows], cw-1)
		}
		out = append(out, line)
	}
	out = append(out, "", st.Title.Render(" Filter")+st.Dim.Render(" (/): every field must match; a field given twice, either value"))
	for _, f := range filterFields {
		out = append(out, " "+common.Pad(f[0], 14)+" "+f[1])
	}
	return out
}

// detailLines is one event in full: its messages one a line, by time
// and sender, with ids when asked for (always, for events that recorded
// nothing else).
func (m *Model) detailLines(w int) []string {
	st := m.c.Styles
	e := &m.events[m.detail]
	var out []string
	kv := func(k, v string) {
		if v != "" {
			out = append(out, common.Trunc(st.Dim.Render(fmt.Sprintf(" %-13s", k))+sanitize.Line(v), w))
		}
	}
	kv("Time", e.Time.In(m.loc).Format("2006-01-02 15:04:05.000 MST"))
	kv("Action", string(e.Action))
	kv("Session", fmt.Sprintf("%s #%d", e.Session, e.Seq))
	kv("Member", e.Actor.Member)
	kv("Fingerprint", e.Actor.Fingerprint)
	kv("Host", fmt.Sprintf("%s@%s pid %d", e.Actor.HostUser, e.Actor.Host, e.Actor.PID))
	kv("Method", e.Method)
	kv("Reason", reason(e))
	switch {
	case e.Title != "" && m.showIDs:
		kv("Conversation", e.Title+" · "+e.Conversation)
	case e.Title != "":
		kv("Conversation", e.Title)
	default:
		kv("Conversation", e.Conversation)
	}
	kv("Query", e.Query)
	if e.Action == audit.ActionSearch {
		kv("Results", fmt.Sprint(e.Results))
	}
	kv("Tag", e.Tag)
	kv("Attachment", e.Attachment)
	kv("SHA-256", e.SHA256)
	switch e.Action {
	case audit.ActionSearch, audit.ActionSavedAdd, audit.ActionSavedRemove:
		kv("Saved search", e.Target)
	default:
		kv("Target", e.Target)
	}
	if e.Count > 0 {
		kv("Count", fmt.Sprint(e.Count))
	}
	kv("Detail", e.Detail)
	if len(e.Messages) == 0 {
		return out
	}
	out = append(out, st.Dim.Render(fmt.Sprintf(" %-13s", fmt.Sprintf("Messages (%d)", len(e.Messages)))))
	if len(e.Sent) == len(e.Messages) {
		for i, s := range e.Sent {
			line := "   " + common.Pad(m.msgTime(s, true), 16) + "  "
			if m.showIDs {
				line += sanitize.Line(e.Messages[i]) + "  "
			}
			line += sanitize.Line(sender(s))
			out = append(out, common.Trunc(line, w))
		}
		return out
	}
	line := " "
	for _, id := range e.Messages {
		if common.Width(line)+len(id)+1 > w {
			out = append(out, line)
			line = " "
		}
		line += sanitize.Line(id) + " "
	}
	return append(out, line)
}
