package browse

import "slices"

// The thread view: a conversation's messages as a reply tree, the way
// mutt and aerc draw a mail thread, instead of in time order. The tree
// comes from access.Directory.Parent (who replies to whom), which needs no
// message content; every message is still recorded before it is drawn.

// threadLayout orders the conversation's positions depth first, each
// message followed by its replies in time order, and returns that order
// and each row's depth. A message whose parent is not in the conversation
// is a root.
func (m *Model) threadLayout(ci int) (rows, depth []int) {
	c := &m.dir.Convs[ci]
	pos := make(map[string]int, len(c.IDs))
	for i, id := range c.IDs {
		pos[id] = i
	}
	children := make([][]int, len(c.IDs))
	var roots []int
	for i, id := range c.IDs {
		p, ok := m.dir.Parent(id)
		pi, in := pos[p]
		if !ok || !in || pi == i {
			roots = append(roots, i)
			continue
		}
		children[pi] = append(children[pi], i)
	}
	seen := make([]bool, len(c.IDs))
	var walk func(i, d int)
	walk = func(i, d int) {
		if seen[i] { // a reply cycle: each message once
			return
		}
		seen[i] = true
		rows, depth = append(rows, i), append(depth, d)
		for _, k := range children[i] { // positions are in time order
			walk(k, d+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for i := range c.IDs { // anything a cycle cut off
		if !seen[i] {
			walk(i, 0)
		}
	}
	return rows, depth
}

// setLayout lays out the open conversation as a thread or in time order.
func (m *Model) setLayout() {
	m.rows, m.depth, m.rowOf = nil, nil, nil
	if !m.threaded || m.conv < 0 {
		return
	}
	m.rows, m.depth = m.threadLayout(m.conv)
	m.rowOf = make([]int, len(m.rows))
	for item, p := range m.rows {
		m.rowOf[p] = item
	}
}

// pos is the conversation position of pane item i.
func (m *Model) pos(i int) int {
	if m.rows == nil || i < 0 || i >= len(m.rows) {
		return i
	}
	return m.rows[i]
}

// item is the pane item showing conversation position p.
func (m *Model) item(p int) int {
	if m.rowOf == nil || p < 0 || p >= len(m.rowOf) {
		return p
	}
	return m.rowOf[p]
}

// indent is the tree prefix of pane item i in the thread view.
func (m *Model) indent(i int) string {
	if m.depth == nil || i >= len(m.depth) || m.depth[i] == 0 {
		return ""
	}
	d := min(m.depth[i], 8) // deep threads stay readable
	return string(slices.Repeat([]rune("  "), d-1)) + "└ "
}
