package browse

import (
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"coffer/vault/access"
)

// The conversation list: its order (s cycles it) and its filter (f).

// setFilter filters the conversation list by f and puts the cursor on the
// first match.
func (m *Model) setFilter(f string) {
	if f == m.filter {
		return
	}
	m.filter = f
	m.filterInput.SetValue(f)
	m.applyOrder()
	m.convs.Select(0)
}

// applyOrder sorts and filters the conversation list.
func (m *Model) applyOrder() {
	cs := m.dir.Convs
	m.order = m.order[:0]
	f := strings.ToLower(m.filter)
	for i := range cs {
		if f != "" {
			hay := strings.ToLower(cs[i].Title + " " + cs[i].Source + " " + strings.Join(cs[i].Participants, " "))
			if !strings.Contains(hay, f) {
				continue
			}
		}
		m.order = append(m.order, i)
	}
	sort.SliceStable(m.order, func(a, b int) bool {
		x, y := &cs[m.order[a]], &cs[m.order[b]]
		switch m.sortBy {
		case 1:
			return strings.ToLower(x.Title) < strings.ToLower(y.Title)
		case 2:
			return len(x.IDs) > len(y.IDs)
		}
		return x.Last.After(y.Last)
	})
	m.convs.SetLen(len(m.order))
}

// toggleLeft shows mode (the saved searches, the policies, the review
// queues) in the left pane, reading its content with load, or the
// conversations again when it shows already.
func (m *Model) toggleLeft(mode leftMode, load func(*access.Session) tea.Cmd) tea.Cmd {
	m.focusPane(paneLeft)
	if m.left == mode {
		m.left = leftConvs
		return nil
	}
	m.left = mode
	return load(m.sess)
}
