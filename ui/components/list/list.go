// Package list is a virtualised list of fixed-height rows: only the rows
// on screen are rendered, so a list of a million entries moves as fast as
// one of ten. The caller renders each row (already sanitized and styled);
// the list owns the cursor and the scroll position.
package list

import (
	"coffer/ui/common"
)

// RenderFunc returns the lines of row i, at most rowHeight of them, each
// no wider than width.
type RenderFunc func(i, width int, selected bool) []string

// Model is the list state.
type Model struct {
	common      common.Common
	Width       int
	Height      int
	RowHeight   int
	Len         int
	cursor, top int
	Focused     bool
	Render      RenderFunc
	Empty       string // shown when Len is 0
}

// New returns an empty list with rows of rowHeight lines.
func New(c common.Common, rowHeight int, render RenderFunc) Model {
	return Model{common: c, RowHeight: max(rowHeight, 1), Render: render}
}

// SetSize sets the list's cell size.
func (m *Model) SetSize(c common.Common, w, h int) {
	m.common, m.Width, m.Height = c, w, h
	m.clamp()
}

// SetLen changes the number of rows, keeping the cursor in range.
func (m *Model) SetLen(n int) {
	m.Len = n
	m.clamp()
}

// Cursor is the selected row, or -1 when the list is empty.
func (m Model) Cursor() int {
	if m.Len == 0 {
		return -1
	}
	return m.cursor
}

// Select moves the cursor to row i.
func (m *Model) Select(i int) {
	m.cursor = i
	m.clamp()
}

// Move moves the cursor by delta rows.
func (m *Model) Move(delta int) { m.Select(m.cursor + delta) }

// Page is the number of whole rows on screen.
func (m Model) Page() int { return max(m.Height/m.RowHeight, 1) }

// Visible returns the rows on screen, [from, to).
func (m Model) Visible() (int, int) {
	return m.top, min(m.top+m.Page(), m.Len)
}

// CursorRow is the screen line where the cursor's row starts, or -1 when
// it is not on screen.
func (m Model) CursorRow() int {
	if from, to := m.Visible(); m.Len == 0 || m.cursor < from || m.cursor >= to {
		return -1
	}
	return (m.cursor - m.top) * m.RowHeight
}

// At returns the row at screen line y, or -1.
func (m Model) At(y int) int {
	i := m.top + y/m.RowHeight
	if y < 0 || i >= m.Len {
		return -1
	}
	return i
}

func (m *Model) clamp() {
	if m.cursor >= m.Len {
		m.cursor = m.Len - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	p := m.Page()
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+p {
		m.top = m.cursor - p + 1
	}
	if m.top > max(m.Len-p, 0) {
		m.top = max(m.Len-p, 0)
	}
	if m.top < 0 {
		m.top = 0
	}
}

// View renders exactly Width×Height cells.
func (m Model) View() string {
	if m.Len == 0 {
		return common.Box([]string{m.common.Styles.Placeholder.Render(m.Empty)}, m.Width, m.Height)
	}
	lines := make([]string, 0, m.Height)
	from, to := m.Visible()
	for i := from; i < to; i++ {
		sel := i == m.cursor
		row := m.Render(i, m.Width, sel)
		for j := range m.RowHeight {
			l := ""
			if j < len(row) {
				l = row[j]
			}
			l = common.Pad(common.Trunc(l, m.Width), m.Width)
			if sel && m.Focused {
				l = m.common.Styles.Selected.Render(l)
			}
			lines = append(lines, l)
		}
	}
	return common.Box(lines, m.Width, m.Height)
}
