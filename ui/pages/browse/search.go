package browse

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Search: the query box with its in-memory history, and moving through
// the hits in their conversations (n/N).

// openHit opens search hit i in its conversation, in context.
func (m *Model) openHit(i int) {
	p, ok := m.dir.Place(m.res.Hits[i].ID)
	if !ok {
		return
	}
	m.hitPos = i
	m.hits.Select(i)
	m.openConv(p.Conv, p.Pos)
	m.focusPane(paneRight)
	m.setStatus(fmt.Sprintf("hit %d of %d · n/N next/previous · q back to results", i+1, len(m.res.Hits)), false)
}

func (m *Model) jumpHit(d int) tea.Cmd {
	if m.res == nil || len(m.res.Hits) == 0 {
		m.setStatus("no search results: search first (/)", true)
		return nil
	}
	i := m.hitPos + d
	if m.hitPos < 0 {
		i = max(m.hits.Cursor(), 0)
	}
	if i < 0 || i >= len(m.res.Hits) {
		m.setStatus("no more hits", true)
		return nil
	}
	m.openHit(i)
	return nil
}

func (m *Model) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.prefilled {
		// The last query came back: typing replaces it, moving or
		// deleting edits it.
		m.prefilled = false
		if msg.Text != "" {
			m.input.SetValue("")
		}
	}
	switch msg.String() {
	case "esc":
		m.overlay = overlayNone
		m.input.Blur()
		return nil
	case "enter":
		q := strings.TrimSpace(m.input.Value())
		if q == "" {
			return nil
		}
		return m.runSearch(q)
	case "up":
		if m.histPos > 0 {
			m.histPos--
			m.input.SetValue(m.history[m.histPos])
			m.input.CursorEnd()
		}
		return nil
	case "down":
		if m.histPos < len(m.history)-1 {
			m.histPos++
			m.input.SetValue(m.history[m.histPos])
		} else {
			m.histPos = len(m.history)
			m.input.SetValue("")
		}
		return nil
	}
	m.qErr = nil
	return m.updateOverlayInput(msg)
}

// runSearch records the query in the (in-memory) history and runs it.
func (m *Model) runSearch(q string) tea.Cmd {
	if !m.ixOpen {
		m.setStatus("search starts when indexing does: a moment", true)
		return nil
	}
	if i := slices.Index(m.history, q); i >= 0 {
		m.history = slices.Delete(m.history, i, i+1)
	}
	m.history = append(m.history, q)
	m.histPos = len(m.history)
	m.overlay = overlayNone
	m.input.Blur()
	m.input.SetValue(q)
	m.seq++
	m.busy = true
	return searchCmd(m.sess, m.seq, q)
}
