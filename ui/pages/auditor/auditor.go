// Package auditor is the auditor's screen: the verification banner, the
// events of the trail in a table with filters, one event in detail, and
// help. It opens the trail with the auditor's identity and never the
// vault: what it shows of conversations and messages (titles, senders,
// times, ids), queries and tags is what the trail recorded when they were
// shown to a reviewer, each sanitized; never a message's text.
package auditor

import (
	"errors"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"filippo.io/age"

	"coffer/ui/common"
	"coffer/ui/components/list"
	"coffer/ui/keymap"
	"coffer/vault"
	"coffer/vault/audit"
)

type loadedMsg struct {
	name   string
	report *audit.Report
	events []audit.Event
	err    error
}

// Model is the auditor page.
type Model struct {
	c      common.Common
	keys   keymap.Auditor
	dir    string
	name   string // the vault's, from its manifest
	ids    []age.Identity
	loc    *time.Location
	now    func() time.Time // for relative dates in the filter
	report *audit.Report
	events []audit.Event
	shown  []int // indices of events passing the filter
	err    error
	table  list.Model
	input  textinput.Model
	filter string
	fErr   string
	typing bool
	help   bool
	// showIDs lists message and conversation ids besides titles and
	// senders.
	showIDs   bool
	detail    int // -1: none
	detailTop int // first line of the detail on screen
	Quit      bool
	ready     bool
}

// New returns the page for the trail of the vault at dir.
func New(c common.Common, dir string, ids []age.Identity, loc *time.Location) *Model {
	if loc == nil {
		loc = time.Local
	}
	m := &Model{c: c, keys: c.Keys.Auditor(), dir: dir, name: filepath.Base(dir), ids: ids, loc: loc, now: time.Now, detail: -1}
	m.table = list.New(c, 1, m.renderRow)
	m.table.Empty = "no events"
	m.table.Focused = true
	ti := textinput.New()
	ti.Prompt = "filter> "
	ti.Placeholder = "actor:NAME action:ACTION since:DATE until:DATE words (? after enter: help)"
	ti.SetStyles(common.InputStyles(c))
	m.input = ti
	return m
}

// Init reads the vault's name, then verifies and reads the trail.
func (m *Model) Init() tea.Cmd {
	dir, ids := m.dir, m.ids
	return func() tea.Msg {
		// The manifest is public and signed; no key is needed to read it.
		name := filepath.Base(dir)
		if man, err := vault.ReadManifest(dir); err == nil && man.Name != "" {
			name = man.Name
		}
		// Checked against the vault's manifest too: a deleted session of
		// an import or member change is named.
		rep, verr := vault.VerifyTrail(dir, ids, nil)
		var events []audit.Event
		st, rerr := vault.OpenStore(dir)
		if rerr == nil {
			events, rerr = audit.Read(st, ids, audit.Filter{})
		}
		var te *audit.TamperError
		var me *audit.MismatchError
		if errors.As(verr, &te) || errors.As(verr, &me) {
			verr = nil // shown in the banner from the report
		}
		if errors.As(rerr, &te) {
			rerr = nil
		}
		return loadedMsg{name: name, report: rep, events: events, err: errors.Join(verr, rerr)}
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
	k := m.keys
	switch msg := msg.(type) {
	case loadedMsg:
		m.ready = true
		m.name, m.report, m.events, m.err = msg.name, msg.report, msg.events, msg.err
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
		switch {
		case m.typing:
			return m.filterKey(msg)
		case m.help:
			m.help = false
		case m.detail >= 0:
			m.detailKey(msg)
		case key.Matches(msg, k.Quit):
			m.Quit = true
		case key.Matches(msg, k.Help):
			m.help = true
		case key.Matches(msg, k.Filter):
			m.typing = true
			return m.input.Focus()
		case key.Matches(msg, k.Back):
			m.setFilter("")
		case key.Matches(msg, k.Open):
			if i := m.table.Cursor(); i >= 0 {
				m.detail, m.detailTop = m.shown[i], 0
			}
		case key.Matches(msg, k.IDs):
			m.toggleIDs()
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
		case key.Matches(msg, k.Reload):
			m.ready = false
			return m.Init()
		}
	}
	return nil
}

// filterKey edits the filter: enter keeps it, esc clears it.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Keep):
		m.typing = false
		m.input.Blur()
		return nil
	case key.Matches(msg, m.keys.Clear):
		m.typing = false
		m.input.Blur()
		m.setFilter("")
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	common.CleanInput(&m.input)
	m.filter = m.input.Value()
	m.apply()
	return cmd
}

// detailKey scrolls the detail, toggles ids, or goes back.
func (m *Model) detailKey(msg tea.KeyPressMsg) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Down):
		m.detailTop++
	case key.Matches(msg, k.Up):
		m.detailTop = max(m.detailTop-1, 0)
	case key.Matches(msg, k.HalfDown, k.PageDown):
		m.detailTop += max(m.c.Height/2, 1)
	case key.Matches(msg, k.HalfUp, k.PageUp):
		m.detailTop = max(m.detailTop-m.c.Height/2, 0)
	case key.Matches(msg, k.Top):
		m.detailTop = 0
	case key.Matches(msg, k.IDs):
		m.toggleIDs()
	case key.Matches(msg, k.Back, k.Quit, k.Open):
		m.detail = -1
	}
}

func (m *Model) toggleIDs() {
	m.showIDs = !m.showIDs
	desc := "show ids"
	if m.showIDs {
		desc = "hide ids"
	}
	m.keys.IDs.SetHelp(m.keys.IDs.Help().Key, desc)
}

func (m *Model) setFilter(f string) {
	m.filter = f
	m.input.SetValue(f)
	m.apply()
}

func (m *Model) apply() {
	c, err := parseFilter(m.filter, m.now(), m.loc)
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

// View renders the whole screen.
func (m *Model) View() string {
	st := m.c.Styles
	w, h := m.c.Width, m.c.Height
	head := st.Header.Render(common.Fit(" coffer audit · "+m.name, w))
	lines := []string{head}
	lines = append(lines, m.banner()...)
	switch {
	case m.help:
		lines = append(lines, m.helpLines(w)...)
		return common.Box(lines, w, h-1) + "\n" + m.status(w)
	case m.detail >= 0:
		all := m.detailLines(w)
		room := max(h-1-len(lines), 1)
		m.detailTop = min(m.detailTop, max(len(all)-room, 0))
		lines = append(lines, all[m.detailTop:]...)
		return common.Box(lines, w, h-1) + "\n" + m.status(w)
	}
	tw, aw, cw, rw := m.columns()
	hdr := common.Fit("time", tw) + " " + common.Fit("actor", aw) + " " + common.Fit("action", cw) + " " + common.Fit("what", rw)
	if m.typing || m.filter != "" {
		hdr = common.Trunc(m.input.View(), w)
	} else {
		hdr = st.PaneFocused.Render(hdr)
	}
	lines = append(lines, hdr)
	return common.Box(lines, w, m.bannerLines()+2) + "\n" + m.table.View() + "\n" + m.status(w)
}
