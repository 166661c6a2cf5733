package browse

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault/access"
)

// The production dialog: P on search results (or on a tag in the tags
// pane) counts what the query matches, then asks for the receiving
// party's recipient and the file to write, showing the count; enter on
// the file produces (access.Session.Produce records it all first).

// produceForm is the dialog's state.
type produceForm struct {
	query          string
	count          int
	field          int // 0: recipient, 1: file
	recipient, out textinput.Model
}

type produceCountMsg struct {
	query string
	n     int
	err   error
}

type producedMsg struct {
	res *access.Production
	err error
}

var produceHints = []key.Binding{
	key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
	key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / produce")),
	key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
}

// startProduce counts the hits of the current search, or of the tag
// selected in the tags pane.
func (m *Model) startProduce() tea.Cmd {
	var q string
	switch {
	case m.left == leftTags && m.focus == paneLeft && m.tagList.Cursor() >= 0 && m.tagList.Cursor() < len(m.tagCounts):
		q = "tag:" + strconv.Quote(m.tagCounts[m.tagList.Cursor()].Name)
	case m.res != nil && m.res.Total > 0:
		q = m.res.Query
	default:
		m.setStatus("produce works on search results or a tag: search first (/), or pick a tag (#)", true)
		return nil
	}
	s := m.sess
	return func() tea.Msg {
		ids, err := s.AllHits(context.Background(), q)
		return produceCountMsg{query: q, n: len(ids), err: err}
	}
}

func (m *Model) produceUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case produceCountMsg:
		switch {
		case msg.err != nil:
			m.setStatus(msg.err.Error(), true)
			return nil
		case msg.n == 0:
			m.setStatus("nothing to produce: "+sanitize.Line(msg.query)+" matches no message", true)
			return nil
		}
		f := &produceForm{query: msg.query, count: msg.n, recipient: newInput(m.c, "recipient  "), out: newInput(m.c, "file       ")}
		f.recipient.Placeholder = "age1… of the receiving party"
		f.out.Placeholder = "PROD-001.age"
		m.prod, m.overlay = f, overlayProduce
		return f.recipient.Focus()
	case producedMsg:
		if msg.err != nil {
			m.setStatus("not produced: "+msg.err.Error(), true)
			return nil
		}
		r := msg.res
		m.setStatus(fmt.Sprintf("produced %s and %s as %s-%s to %s (recorded)", plural(r.Messages, "message"),
			plural(r.Attachments, "attachment"), r.First, r.Last, sanitize.Line(r.Out)), false)
	}
	return nil
}

func (m *Model) produceKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.prod
	switch msg.String() {
	case "esc":
		m.overlay, m.prod = overlayNone, nil
		m.setStatus("nothing produced", false)
		return nil
	case "tab", "shift+tab", "up", "down":
		return f.focus(1 - f.field)
	case "enter":
		if f.field == 0 {
			return f.focus(1)
		}
		rcpt, out := strings.TrimSpace(f.recipient.Value()), strings.TrimSpace(f.out.Value())
		if rcpt == "" || out == "" {
			m.setStatus("a recipient and a file are needed", true)
			if rcpt == "" {
				return f.focus(0)
			}
			return nil
		}
		m.overlay, m.prod = overlayNone, nil
		m.setStatus(fmt.Sprintf("producing %s…", plural(f.count, "message")), false)
		s, q := m.sess, f.query
		return func() tea.Msg {
			res, err := s.Produce(context.Background(), access.ProduceRequest{Query: q, Recipients: []string{rcpt}, Out: out})
			return producedMsg{res: res, err: err}
		}
	}
	var cmd tea.Cmd
	if f.field == 0 {
		f.recipient, cmd = f.recipient.Update(msg)
	} else {
		f.out, cmd = f.out.Update(msg)
	}
	return cmd
}

func (f *produceForm) focus(field int) tea.Cmd {
	f.field = field
	if field == 0 {
		f.out.Blur()
		return f.recipient.Focus()
	}
	f.recipient.Blur()
	return f.out.Focus()
}

func (m *Model) produceLines(w int) []string {
	st := m.c.Styles
	f := m.prod
	f.recipient.SetWidth(max(w-len(f.recipient.Prompt)-1, 4))
	f.out.SetWidth(max(w-len(f.out.Prompt)-1, 4))
	return []string{
		st.Title.Render("Produce for another party?"), "",
		common.Trunc(fmt.Sprintf("%s matching %s, with their attachments,", plural(f.count, "message"), sanitize.Line(f.query)), w),
		"encrypted to the recipient, numbered and signed by the vault.",
		"Recorded in the audit trail before the file is written.", "",
		f.recipient.View(), f.out.View(), "",
		st.StatusKey.Render("enter") + " next / produce · " + st.StatusKey.Render("tab") + " field · " + st.StatusKey.Render("esc") + " cancel",
	}
}
