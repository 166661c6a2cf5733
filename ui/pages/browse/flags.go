package browse

import (
	"context"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"coffer/ui/sanitize"
	"coffer/vault/access"
)

// Once the search index is complete, the current version of every
// supervision policy is applied to the vault (access.ApplyPolicies,
// recorded as policy runs): a flagged message shows the policies and
// rules that flagged it, and the words they matched are highlighted
// wherever it is shown, in its conversation and in detail. The flags and
// highlights live in memory only, and highlights are fetched only for
// messages whose view was recorded.

// flagsMsg: the policies applied.
type flagsMsg struct {
	flags *access.Flags
	err   error
}

func flagsCmd(ctx context.Context, s *access.Session) tea.Cmd {
	return func() tea.Msg {
		f, err := s.ApplyPolicies(ctx)
		return flagsMsg{flags: f, err: err}
	}
}

// flagSpansMsg: where the rules match in flagged messages shown.
type flagSpansMsg struct {
	spans map[string][]access.Span
	err   error
}

func flagSpansCmd(ctx context.Context, s *access.Session, f *access.Flags, ids []string) tea.Cmd {
	return func() tea.Msg {
		spans, err := s.FlagSpans(ctx, f, ids)
		return flagSpansMsg{spans: spans, err: err}
	}
}

// wantFlagSpans returns the command that fetches the highlights of the
// flagged messages among ids (whose views were recorded), or nil.
func (m *Model) wantFlagSpans(ids []string) tea.Cmd {
	if m.flags.Len() == 0 {
		return nil
	}
	var want []string
	for _, id := range ids {
		if _, done := m.flagHL[id]; !done && len(m.flags.Of(id)) > 0 {
			want = append(want, id)
			m.flagHL[id] = nil // asked for once
		}
	}
	if len(want) == 0 {
		return nil
	}
	return flagSpansCmd(m.bg, m.sess, m.flags, want)
}

func (m *Model) updateFlags(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case flagsMsg:
		if msg.err != nil {
			m.setStatus("policies not applied: "+msg.err.Error(), true)
			return nil
		}
		m.flags, m.flagHL = msg.flags, map[string][]access.Span{}
		m.flagConv = map[int]int{}
		for _, id := range m.flags.IDs() {
			if p, ok := m.dir.Place(id); ok {
				m.flagConv[p.Conv]++
			}
		}
		m.msgs.Invalidate()
		ids := make([]string, 0, len(m.shown))
		for id := range m.shown {
			ids = append(ids, id)
		}
		return m.wantFlagSpans(ids)
	case flagSpansMsg:
		if msg.err != nil {
			m.setStatus("highlights of the policies not found: "+msg.err.Error(), true)
			return nil
		}
		for id, sp := range msg.spans {
			m.flagHL[id] = sp
		}
		m.msgs.Invalidate()
	}
	return nil
}

// highlights are the spans to draw in message id: a search's, else the
// policies'.
func (m *Model) highlights(id string) []access.Span {
	if hl, ok := m.hitHL[id]; ok {
		return hl
	}
	return m.flagHL[id]
}

// flagLine says which policies and rules flagged message id, or "".
func (m *Model) flagLine(id string) string {
	fs := m.flags.Of(id)
	if len(fs) == 0 {
		return ""
	}
	var parts []string
	for i := 0; i < len(fs); {
		j := i
		var rules []string
		for ; j < len(fs) && fs[j].Policy == fs[i].Policy && fs[j].Version == fs[i].Version; j++ {
			rules = append(rules, sanitize.Line(fs[j].Rule))
		}
		parts = append(parts, sanitize.Line(fs[i].Policy)+" v"+strconv.Itoa(fs[i].Version)+": "+strings.Join(rules, ", "))
		i = j
	}
	return "⚑ flagged by " + strings.Join(parts, " · ")
}

// nextFlag moves to the next message of the open conversation that the
// policies flag, after the cursor, wrapping round; the status says so
// when there is none.
func (m *Model) nextFlag() {
	if m.conv < 0 || m.dir == nil {
		m.setStatus("open a conversation first: F goes to its next flagged message", true)
		return
	}
	c := &m.dir.Convs[m.conv]
	n := len(c.IDs)
	from := m.pos(m.msgs.Cursor())
	for k := 1; k <= n; k++ {
		p := (from + k) % n
		if len(m.flags.Of(c.IDs[p])) > 0 {
			m.msgs.Select(m.item(p))
			m.focusPane(paneRight)
			if k > n-from-1 {
				m.setStatus("flagged messages: back at the first", false)
			}
			return
		}
	}
	m.setStatus("no message of this conversation is flagged", false)
}
