// Package auditor is the auditor's screen: the verification banner, the
// events of the trail in a table with filters, and one event in detail.
// It opens the trail with the auditor's identity and never the vault: no
// message content can appear here, only ids, queries and tags as the
// trail recorded them, each sanitized.
package auditor

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"filippo.io/age"

	"coffer/ui/common"
	"coffer/ui/components/list"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/audit"
)

type loadedMsg struct {
	report *audit.Report
	events []audit.Event
	err    error
}

// Model is the auditor page.
type Model struct {
	c      common.Common
	dir    string
	ids    []age.Identity
	loc    *time.Location
	report *audit.Report
	events []audit.Event
	shown  []int // indices of events passing the filter
	err    error
	table  list.Model
	input  textinput.Model
	filter string
	fErr   string
	typing bool
	detail int // -1: none
	Quit   bool
	ready  bool
}

// New returns the page for the trail of the vault at dir.
func New(c common.Common, dir string, ids []age.Identity, loc *time.Location) *Model {
	if loc == nil {
		loc = time.Local
	}
	m := &Model{c: c, dir: dir, ids: ids, loc: loc, detail: -1}
	m.table = list.New(c, 1, m.renderRow)
	m.table.Empty = "no events"
	m.table.Focused = true
	ti := textinput.New()
	ti.Prompt = "filter> "
	ti.SetStyles(common.InputStyles(c))
	m.input = ti
	return m
}

// Init verifies and reads the trail.
func (m *Model) Init() tea.Cmd {
	dir, ids := m.dir, m.ids
	return func() tea.Msg {
		// Checked against the vault's manifest too: a deleted session of
		// an import or member change is named.
		rep, verr := vault.VerifyTrail(dir, ids, nil)
		events, rerr := audit.Read(dir, ids, audit.Filter{})
		var te *audit.TamperError
		var me *audit.MismatchError
		if errors.As(verr, &te) || errors.As(verr, &me) {
			verr = nil // shown in the banner from the report
		}
		if errors.As(rerr, &te) {
			rerr = nil
		}
		return loadedMsg{report: rep, events: events, err: errors.Join(verr, rerr)}
	}
}

// SetSize lays the page out.
func (m *Model) SetSize(c common.Common) {
	m.c = c
	m.table.SetSize(c, c.Width, max(c.Height-m.bannerLines()-3, 1))
	m.input.SetWidth(max(c.Width-12, 10))
	m.input.SetStyles(common.InputStyles(c))
}

func (m *Model) bannerLines() int { return 2 }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k := m.c.Keys
	switch msg := msg.(type) {
	case loadedMsg:
		m.ready = true
		m.report, m.events, m.err = msg.report, msg.events, msg.err
		m.apply()
		m.table.Select(1 << 30)
		return nil
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			m.table.Move(-3)
		} else if msg.Button == tea.MouseWheelDown {
			m.table.Move(3)
		}
	case tea.KeyPressMsg:
		if m.typing {
			switch msg.String() {
			case "enter", "esc":
				m.typing = false
				m.input.Blur()
				return nil
			}
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(msg)
			common.CleanInput(&m.input)
			m.filter = m.input.Value()
			m.apply()
			return cmd
		}
		if m.detail >= 0 {
			m.detail = -1
			return nil
		}
		switch {
		case key.Matches(msg, k.Quit):
			m.Quit = true
		case key.Matches(msg, k.Search), key.Matches(msg, k.Filter):
			m.typing = true
			return m.input.Focus()
		case key.Matches(msg, k.Back):
			m.filter = ""
			m.input.SetValue("")
			m.apply()
		case key.Matches(msg, k.Open):
			if i := m.table.Cursor(); i >= 0 {
				m.detail = m.shown[i]
			}
		case key.Matches(msg, k.Up):
			m.table.Move(-1)
		case key.Matches(msg, k.Down):
			m.table.Move(1)
		case key.Matches(msg, k.Top):
			m.table.Select(0)
		case key.Matches(msg, k.Bottom):
			m.table.Select(1 << 30)
		case key.Matches(msg, k.HalfDown, k.PageDown):
			m.table.Move(m.table.Page() / 2)
		case key.Matches(msg, k.HalfUp, k.PageUp):
			m.table.Move(-m.table.Page() / 2)
		case msg.String() == "r":
			m.ready = false
			return m.Init()
		}
	}
	return nil
}

// criteria is a parsed filter: field:value terms and free words.
type criteria struct {
	actor, action, id, session, words []string
	since, until                      time.Time
}

func parseFilter(s string, loc *time.Location) (criteria, error) {
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
			c.action = append(c.action, val)
		case "id":
			c.id = append(c.id, val)
		case "session":
			c.session = append(c.session, val)
		case "since", "until":
			t, err := parseDay(val, loc)
			if err != nil {
				return c, fmt.Errorf("%s: %q is not a date (2006-01-02 or 2006-01-02T15:04)", name, val)
			}
			if name == "since" {
				c.since = t
			} else {
				c.until = t
			}
		default:
			c.words = append(c.words, strings.ToLower(f))
		}
	}
	return c, nil
}

func parseDay(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02", "2006-01"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad date")
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
		hay := strings.ToLower(strings.Join([]string{e.Actor.Member, string(e.Action), e.Query, e.Tag, e.Target, e.Conversation, e.Reason, e.Method, e.Detail}, " "))
		for _, w := range c.words {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

func (m *Model) apply() {
	c, err := parseFilter(m.filter, m.loc)
	m.fErr = ""
	if err != nil {
		m.fErr = err.Error()
	}
	m.shown = m.shown[:0]
	for i := range m.events {
		if c.match(&m.events[i]) {
			m.shown = append(m.shown, i)
		}
	}
	m.table.SetLen(len(m.shown))
}

// columns returns the widths of time, actor, action and the rest.
func (m *Model) columns() (int, int, int, int) {
	w := m.c.Width
	tw, aw, cw := 19, 12, 17
	if w < 100 {
		tw, aw, cw = 14, 10, 17
	}
	return tw, aw, cw, max(w-tw-aw-cw-3, 5)
}

func target(e *audit.Event) string {
	var parts []string
	if e.Conversation != "" {
		parts = append(parts, "conv "+e.Conversation)
	}
	if len(e.Messages) == 1 {
		parts = append(parts, "msg "+e.Messages[0])
	} else if len(e.Messages) > 1 {
		parts = append(parts, fmt.Sprintf("%d msgs", len(e.Messages)))
	}
	if e.Tag != "" {
		parts = append(parts, "tag "+e.Tag)
	}
	if e.Query != "" {
		parts = append(parts, fmt.Sprintf("query %q → %d", e.Query, e.Results))
	}
	if e.Target != "" {
		parts = append(parts, e.Target)
	}
	if e.Method != "" {
		parts = append(parts, e.Method)
	}
	if e.Reason != "" {
		parts = append(parts, e.Reason)
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
	return []string{common.Fit(e.Time.In(m.loc).Format(layout), tw) + " " + common.Fit(actor, aw) + " " + common.Fit(string(e.Action), cw) + " " + common.Fit(target(e), rw)}
}

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
	extra := fmt.Sprintf(" · %d sessions · %d entries", len(r.Sessions), r.Entries)
	if ended > 0 {
		extra += fmt.Sprintf(" · %d ended without close", ended)
	}
	if open > 0 {
		extra += fmt.Sprintf(" · %d open", open)
	}
	if r.OK() {
		return []string{st.OK.Render(" ✓ trail intact") + st.Dim.Render(common.Trunc(extra, w-16)), ""}
	}
	var first string
	if len(r.Problems) > 0 {
		p := r.Problems[0]
		first = fmt.Sprintf(" ✗ BROKEN at %s entry %d: %s", p.File, p.Entry, p.Reason)
	} else {
		first = " ✗ INCOMPLETE: " + strings.TrimPrefix(r.Mismatches[0].Error(), "audit: ")
	}
	if n := len(r.Problems) + len(r.Mismatches); n > 1 {
		first += fmt.Sprintf(" (+%d more)", n-1)
	}
	return []string{st.Error.Render(common.Trunc(sanitize.Line(first), w)), st.Dim.Render(common.Trunc(" events up to the first bad entry of each session are shown"+extra, w))}
}

// View renders the whole screen.
func (m *Model) View() string {
	st := m.c.Styles
	w, h := m.c.Width, m.c.Height
	head := st.Header.Render(common.Fit(" coffer audit · "+filepath.Base(m.dir), w))
	lines := []string{head}
	lines = append(lines, m.banner()...)
	if m.detail >= 0 {
		lines = append(lines, m.detailLines(w)...)
		return common.Box(lines, w, h-1) + "\n" + m.status(w)
	}
	tw, aw, cw, rw := m.columns()
	hdr := common.Fit("time", tw) + " " + common.Fit("actor", aw) + " " + common.Fit("action", cw) + " " + common.Fit("target / query", rw)
	if m.typing || m.filter != "" {
		hdr = common.Trunc(m.input.View(), w)
	} else {
		hdr = st.PaneFocused.Render(hdr)
	}
	lines = append(lines, hdr)
	return common.Box(lines, w, m.bannerLines()+2) + "\n" + m.table.View() + "\n" + m.status(w)
}

func (m *Model) status(w int) string {
	st := m.c.Styles
	if m.fErr != "" {
		return st.StatusErr.Render(common.Fit(" "+m.fErr, w))
	}
	s := fmt.Sprintf(" %d/%d events · / filter · enter detail · esc clear · r reload · q quit", len(m.shown), len(m.events))
	if m.typing {
		s = fmt.Sprintf(" %d/%d events · actor:NAME action:ACTION id:MSGID since:DATE until:DATE session:ID words · enter done", len(m.shown), len(m.events))
	}
	return st.Status.Render(common.Fit(s, w))
}

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
	kv("Reason", e.Reason)
	kv("Conversation", e.Conversation)
	kv("Query", e.Query)
	if e.Action == audit.ActionSearch {
		kv("Results", fmt.Sprint(e.Results))
	}
	kv("Tag", e.Tag)
	kv("Target", e.Target)
	if e.Count > 0 {
		kv("Count", fmt.Sprint(e.Count))
	}
	kv("Detail", e.Detail)
	if len(e.Messages) > 0 {
		out = append(out, st.Dim.Render(fmt.Sprintf(" %-13s", fmt.Sprintf("Messages (%d)", len(e.Messages)))))
		line := " "
		for _, id := range e.Messages {
			if common.Width(line)+len(id)+1 > w {
				out = append(out, line)
				line = " "
			}
			line += sanitize.Line(id) + " "
		}
		out = append(out, line)
	}
	out = append(out, "", st.Dim.Render(" any key returns to the table"))
	return out
}
