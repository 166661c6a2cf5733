// Package msgpane is the chat-style messages pane: variable-height
// message blocks with day separators, virtualised so that only the blocks
// on screen are ever rendered. A 100k-message conversation scrolls at the
// cost of the twenty blocks in view.
package msgpane

import (
	"strings"
	"time"

	"coffer/ui/common"
)

// RenderFunc returns the lines of item i (without the day separator),
// each at most width cells.
type RenderFunc func(i, width int) []string

// Model is the pane state.
type Model struct {
	common      common.Common
	Width       int
	Height      int
	n           int
	times       []int64 // Unix seconds per item, for day separators; may be nil
	loc         *time.Location
	cursor, top int
	// skip is how many lines of the top block are scrolled off above the
	// pane: only at the end of a conversation, so that its newest message
	// sits at the bottom with as much of what came before as fits (fill).
	skip    int
	Focused bool
	Render  RenderFunc
	Empty   string

	// cache of rendered blocks for the current width; Invalidate clears it.
	cache map[int][]string
}

// New returns an empty pane.
func New(c common.Common, render RenderFunc) Model {
	return Model{common: c, Render: render, loc: time.Local, cache: map[int][]string{}}
}

// SetSize sets the pane's cell size.
func (m *Model) SetSize(c common.Common, w, h int) {
	if w != m.Width {
		m.cache = map[int][]string{}
	}
	m.common, m.Width, m.Height = c, w, h
	m.ensureVisible()
}

// SetItems replaces the items; the cursor goes to the last (newest).
func (m *Model) SetItems(n int, times []int64, loc *time.Location) {
	m.n, m.times = n, times
	if loc != nil {
		m.loc = loc
	}
	m.cache = map[int][]string{}
	m.top, m.cursor, m.skip = 0, 0, 0
	m.Bottom()
}

// Invalidate drops the rendered blocks (content or tags changed).
func (m *Model) Invalidate() { m.cache = map[int][]string{} }

// InvalidateItem drops one rendered block.
func (m *Model) InvalidateItem(i int) { delete(m.cache, i) }

// Cursor is the selected item, -1 when empty.
func (m Model) Cursor() int {
	if m.n == 0 {
		return -1
	}
	return m.cursor
}

// Select moves the cursor to item i and scrolls it into view.
func (m *Model) Select(i int) {
	m.cursor = max(min(i, m.n-1), 0)
	m.ensureVisible()
}

// Move moves the cursor by delta items.
func (m *Model) Move(delta int) { m.Select(m.cursor + delta) }

// Top selects the first item.
func (m *Model) Top() { m.Select(0) }

// Bottom selects the last item and shows as much as fits above it.
func (m *Model) Bottom() {
	if m.n == 0 {
		return
	}
	m.cursor = m.n - 1
	m.top = m.cursor
	m.ensureVisible()
}

// Refresh lays the pane out again after blocks changed height (a view
// was recorded and the placeholder became the message), keeping the
// cursor in view.
func (m *Model) Refresh() { m.ensureVisible() }

// fill uses rows left blank below the last block for what comes before
// the top block, scrolling a block partly off the top if need be: a chat
// shows its newest message at the bottom, not alone over empty rows.
func (m *Model) fill() {
	bh := m.bodyH()
	used := 0
	for i := m.top; i < m.n && used < bh; i++ {
		used += m.shown(i)
	}
	free := bh - used
	for free > 0 && m.top > 0 {
		// The old top block shows its own day line once it is not on top.
		need := 0
		if m.sticky() && m.separator(m.top) {
			need = 1
		}
		if free <= need {
			return
		}
		free -= need
		m.top--
		if h := m.shown(m.top); h <= free {
			free -= h
			continue
		}
		m.skip = m.height(m.top) - free
		return
	}
}

// sticky reports whether the first line is the day of the top message
// (a chat keeps its date in view while scrolling).
func (m Model) sticky() bool { return m.times != nil && m.Height > 2 }

// bodyH is the height left for message blocks.
func (m Model) bodyH() int {
	if m.sticky() {
		return m.Height - 1
	}
	return m.Height
}

// shown is the number of lines block i takes on screen: the top block's
// day separator is the sticky line instead, and its first skip lines are
// scrolled off.
func (m Model) shown(i int) int {
	h := m.height(i)
	if i == m.top {
		if m.skip > 0 {
			return max(h-m.skip, 1)
		}
		if m.sticky() && m.separator(i) {
			h--
		}
	}
	return max(h, 1)
}

// HalfPage moves the cursor by about half a screen of items.
func (m *Model) HalfPage(dir int) {
	from, to := m.Visible()
	m.Move(dir * max((to-from)/2, 1))
}

// Visible returns the items at least partly on screen, [from, to).
func (m Model) Visible() (int, int) {
	if m.n == 0 {
		return 0, 0
	}
	h := 0
	i := m.top
	for ; i < m.n && h < m.bodyH(); i++ {
		h += m.shown(i)
	}
	return m.top, i
}

// CursorRow is the screen line where the selected block starts (0 is the
// pane's first line), or -1 when it is not on screen.
func (m Model) CursorRow() int {
	if m.n == 0 || m.cursor < m.top {
		return -1
	}
	y := 0
	if m.sticky() {
		y = 1
	}
	for i := m.top; i < m.cursor; i++ {
		y += m.shown(i)
		if y >= m.Height {
			return -1
		}
	}
	return y
}

// At returns the item at screen line y, or -1.
func (m Model) At(y int) int {
	if m.sticky() {
		y--
	}
	h := 0
	for i := m.top; i < m.n && y >= 0; i++ {
		h += m.shown(i)
		if y < h {
			return i
		}
		if h >= m.bodyH() {
			break
		}
	}
	return -1
}

func (m *Model) ensureVisible() {
	m.skip = 0
	if m.n == 0 {
		m.top, m.cursor = 0, 0
		return
	}
	m.cursor = max(min(m.cursor, m.n-1), 0)
	defer m.fill()
	if m.cursor < m.top {
		m.top = m.cursor
		return
	}
	// Sum the heights from top to the cursor, giving up the top blocks
	// until the cursor's block ends on screen (or is the top one). The
	// sum counts every separator, so it errs on the safe side.
	bh := m.bodyH()
	h := 0
	for i := m.top; i <= m.cursor; i++ {
		h += m.height(i)
		if i-m.top > bh { // every block is at least one line
			break
		}
	}
	if m.cursor-m.top > bh {
		m.top = m.cursor
		h = m.height(m.cursor)
		for m.top > 0 && h+m.height(m.top-1) <= bh {
			m.top--
			h += m.height(m.top)
		}
		return
	}
	for h > bh && m.top < m.cursor {
		h -= m.height(m.top)
		m.top++
	}
}

func (m Model) separator(i int) bool {
	if m.times == nil || i >= len(m.times) {
		return false
	}
	if i == 0 {
		return true
	}
	a := time.Unix(m.times[i-1], 0).In(m.loc)
	b := time.Unix(m.times[i], 0).In(m.loc)
	return a.YearDay() != b.YearDay() || a.Year() != b.Year()
}

// block returns item i's lines, separator included.
func (m Model) block(i int) []string {
	if b, ok := m.cache[i]; ok {
		return b
	}
	var b []string
	if m.separator(i) {
		b = append(b, m.dayRule(i))
	}
	b = append(b, m.Render(i, max(m.Width-2, 1))...)
	if m.cache != nil {
		if len(m.cache) > 4096 {
			clear(m.cache)
		}
		m.cache[i] = b
	}
	return b
}

func (m Model) height(i int) int { return max(len(m.block(i)), 1) }

// View renders exactly Width×Height cells. The selected block has a bar
// in its gutter.
func (m Model) View() string {
	if m.n == 0 {
		return common.Box([]string{m.common.Styles.Placeholder.Render(m.Empty)}, m.Width, m.Height)
	}
	lines := make([]string, 0, m.Height)
	if m.sticky() {
		lines = append(lines, m.dayRule(m.top))
	}
	bar := "▌ "
	if m.Focused {
		bar = m.common.Styles.PaneFocused.UnsetUnderline().Render("▌") + " "
	}
	for i := m.top; i < m.n && len(lines) < m.Height; i++ {
		b := m.block(i)
		sep := 0
		if i == m.top && m.skip > 0 {
			sep = min(m.skip, len(b)) // scrolled off, day line included
		} else if m.separator(i) {
			if i != m.top || !m.sticky() {
				lines = append(lines, b[0])
			}
			sep = 1
		}
		for _, l := range b[sep:] {
			g := "  "
			if i == m.cursor {
				g = bar
			}
			lines = append(lines, g+l)
		}
	}
	return common.Box(lines, m.Width, m.Height)
}

// dayRule is the separator line naming item i's day.
func (m Model) dayRule(i int) string {
	day := common.WhenUnix(m.times[i], m.loc, "Mon 2 Jan 2006")
	rule := "── " + day + " "
	return m.common.Styles.DaySep.Render(rule + strings.Repeat("─", max(m.Width-len([]rune(rule)), 0)))
}
