package browse

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/access"
)

// Saved searches: the pane that lists them (S), running one (enter,
// recorded as the search it is), and the dialog that names the search in
// the box or on screen and saves it for every member (ctrl+s). The list
// is the members' own names and queries, not the archive's content; it is
// read from the vault when the pane opens and after a save.

type (
	// savedListMsg: the vault's saved searches, read.
	savedListMsg struct {
		list []vault.SavedSearch
		err  error
	}
	// savedMsg: a search was saved (recorded, then written), or not.
	savedMsg struct {
		name, query string
		err         error
	}
	// removedSavedMsg: a saved search was removed (recorded, then
	// written), or not.
	removedSavedMsg struct {
		name string
		err  error
	}
)

func savedListCmd(s *access.Session) tea.Cmd {
	return func() tea.Msg {
		list, err := s.SavedSearches()
		return savedListMsg{list: list, err: err}
	}
}

func saveCmd(s *access.Session, name, query string) tea.Cmd {
	return func() tea.Msg {
		return savedMsg{name: name, query: query, err: s.SaveSearch(name, query)}
	}
}

func removeSavedCmd(s *access.Session, name string) tea.Cmd {
	return func() tea.Msg {
		return removedSavedMsg{name: name, err: s.RemoveSearch(name)}
	}
}

// removeSavedKey handles the removal dialog.
func (m *Model) removeSavedKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Confirm):
		m.overlay = overlayNone
		return removeSavedCmd(m.sess, m.removeName)
	case key.Matches(msg, k.Cancel):
		m.overlay = overlayNone
		m.setStatus("nothing removed", false)
	}
	return nil
}

func (m *Model) removeSavedLines(w int) []string {
	st := m.c.Styles
	k := m.c.Keys
	return []string{
		st.Title.Render("Remove this saved search?"), "",
		common.Trunc("Name: "+sanitize.Line(m.removeName), w),
		common.Trunc("Query: "+sanitize.Line(m.removeQuery()), w), "",
		common.Trunc("No member will see it; the audit trail records the removal.", w), "",
		st.StatusKey.Render(k.Confirm.Help().Key) + " remove · " + st.StatusKey.Render(k.Cancel.Help().Key) + " cancel",
	}
}

// removeQuery is the query of the saved search being removed.
func (m *Model) removeQuery() string {
	for _, s := range m.saved {
		if s.Name == m.removeName {
			return s.Query
		}
	}
	return ""
}

func savedSearchCmd(s *access.Session, seq int, name string, sort access.Sort) tea.Cmd {
	return func() tea.Msg {
		res, err := s.SearchSaved(context.Background(), name, access.Request{Sort: sort, Limit: searchLimit, Facets: true}, false)
		return searchMsg{seq: seq, res: res, err: err, saved: name}
	}
}

// toggleSaved shows the saved searches in the left pane, or the
// conversations again.
func (m *Model) toggleSaved() tea.Cmd { return m.toggleLeft(leftSaved, savedListCmd) }

// openSaveName opens the dialog that names query for saving; back is
// the overlay it returns to.
func (m *Model) openSaveName(query string, back overlay) tea.Cmd {
	query = strings.TrimSpace(query)
	if query == "" {
		m.setStatus("nothing to save: type a query (/) or run one first", true)
		return nil
	}
	m.saveQuery, m.saveReturn = query, back
	m.saveErr = ""
	m.input.Blur()
	m.saveInput.SetValue("")
	m.overlay = overlaySaveName
	return m.saveInput.Focus()
}

// saveNameKey handles the naming dialog: letters are the name's; enter
// saves, esc goes back to where it was opened.
func (m *Model) saveNameKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.saveInput.Blur()
		m.overlay = m.saveReturn
		if m.overlay == overlaySearch {
			return m.input.Focus()
		}
		return nil
	case "enter":
		name := strings.TrimSpace(m.saveInput.Value())
		if err := vault.ValidSavedName(name); err != nil {
			m.saveErr = err.Error()
			return nil
		}
		m.saveInput.Blur()
		m.overlay = overlayNone
		return saveCmd(m.sess, name, m.saveQuery)
	}
	m.saveErr = ""
	var cmd tea.Cmd
	m.saveInput, cmd = m.saveInput.Update(msg)
	common.CleanInput(&m.saveInput)
	return cmd
}

// runSaved runs saved search i of the pane.
func (m *Model) runSaved(i int) tea.Cmd {
	if !m.ixOpen {
		m.setStatus("search starts when indexing does: a moment", true)
		return nil
	}
	s := m.saved[i]
	m.remember(s.Query)
	m.seq++
	m.busy = true
	return savedSearchCmd(m.sess, m.seq, s.Name, resultSorts[m.resSort].sort)
}

func (m *Model) updateSaved(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case savedListMsg:
		if msg.err != nil {
			m.setStatus("saved searches not read: "+msg.err.Error(), true)
			return nil
		}
		m.saved = msg.list
		m.savedList.SetLen(len(m.saved))
	case savedMsg:
		if msg.err != nil {
			m.setStatus("not saved: "+msg.err.Error(), true)
			return nil
		}
		m.setStatus(fmt.Sprintf("saved %s: %s (S lists saved searches)", sanitize.Line(msg.name), sanitize.Line(msg.query)), false)
		return savedListCmd(m.sess)
	case removedSavedMsg:
		if msg.err != nil {
			m.setStatus("not removed: "+msg.err.Error(), true)
			return nil
		}
		m.setStatus("removed the saved search "+sanitize.Line(msg.name), false)
		return savedListCmd(m.sess)
	}
	return nil
}

func (m *Model) renderSaved(i, w int, sel bool) []string {
	s := m.saved[i]
	st := m.c.Styles
	name, query := common.Trunc(sanitize.Line(s.Name), w), common.Trunc("  "+sanitize.Line(s.Query), w)
	if !sel || !m.savedList.Focused {
		name, query = st.Sender.Render(name), st.Dim.Render(query)
	}
	return []string{name, query}
}

// saveLines is the naming dialog.
func (m *Model) saveLines(w int) []string {
	st := m.c.Styles
	k := m.c.Keys
	lines := []string{
		st.Title.Render("Save this search"), "",
		common.Trunc("Query: "+sanitize.Line(m.saveQuery), w), "",
		common.Trunc(m.saveInput.View(), w),
	}
	if m.saveErr != "" {
		lines = append(lines, st.Error.Render(common.Trunc(sanitize.Line(m.saveErr), w)))
	} else {
		lines = append(lines, st.Dim.Render(common.Trunc("1–64 characters, no spaces", w)))
	}
	return append(lines, "",
		common.Trunc("Every member of the vault sees it; the audit trail records it.", w), "",
		st.StatusKey.Render("enter")+" save · "+st.StatusKey.Render("esc")+" cancel · "+
			st.Dim.Render(k.SavedPane.Help().Key+" lists saved searches"))
}

// savedHints are the status-bar keys of the saved-searches pane.
func (m *Model) savedHints() []key.Binding {
	k := m.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		key.NewBinding(key.WithKeys(k.RemoveSaved.Keys()...), key.WithHelp(k.RemoveSaved.Help().Key, "remove")),
		k.SavedPane, k.Search, k.Quit,
	}
}
