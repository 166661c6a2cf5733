package browse

import (
	"fmt"

	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault"
)

func (m *Model) renderConv(i, w int, sel bool) []string {
	c := &m.dir.Convs[m.order[i]]
	st := m.c.Styles
	title := sanitize.Line(c.Title)
	if m.order[i] == m.conv {
		title = "› " + title
	}
	if !sel || !m.convs.Focused {
		title = st.Sender.Render(common.Trunc(title, w))
	}
	sub := fmt.Sprintf("%s · %d · %s", sanitize.Line(c.Source), len(c.IDs), common.When(c.Last, m.loc, "2006-01-02"))
	if n := m.flagConv[m.order[i]]; n > 0 {
		sub += fmt.Sprintf(" · ⚑ %d", n)
	}
	if len(c.Participants) > 0 {
		sub += " · " + sanitize.Line(strings.Join(c.Participants, ", "))
	}
	if !sel || !m.convs.Focused {
		sub = st.Dim.Render(common.Trunc(sub, w))
	}
	return []string{title, sub}
}

func (m *Model) renderTag(i, w int, sel bool) []string {
	t := m.tagCounts[i]
	n := fmt.Sprint(t.Count)
	return []string{common.Pad(common.Trunc(sanitize.Line(t.Name), max(w-len(n)-1, 1)), max(w-len(n), 1)) + n}
}

// renderMessage draws item i of the open conversation: the message if
// its view is recorded, else a placeholder or the audit error; in the
// thread view, indented by its depth in the reply tree.
func (m *Model) renderMessage(i, w int) []string {
	if m.conv < 0 {
		return nil
	}
	ind := m.indent(i)
	lines := m.messageLines(m.pos(i), max(w-common.Width(ind), 10))
	if ind != "" {
		pad := strings.Repeat(" ", common.Width(ind))
		for j := range lines {
			if j == 0 {
				lines[j] = m.c.Styles.Dim.Render(ind) + lines[j]
			} else {
				lines[j] = pad + lines[j]
			}
		}
	}
	return lines
}

// messageLines draws the message at position p of the open conversation.
func (m *Model) messageLines(p, w int) []string {
	c := &m.dir.Convs[m.conv]
	id := c.IDs[p]
	msg := m.shown[id]
	st := m.c.Styles
	if msg == nil {
		t := common.WhenUnix(c.Times[p], m.loc, "15:04")
		if m.viewErr != nil {
			return []string{st.Error.Render(common.Trunc(t+"  not shown: "+sanitize.Line(m.viewErr.Error()), w))}
		}
		return []string{st.Placeholder.Render(t + "  ⋯ recording view")}
	}
	var reply *vault.Message
	if id, ok := m.dir.Resolve(msg.ReplyTo); ok {
		reply = m.shown[id]
	}
	return messageBlock(st, msg, m.tags[id], reply, m.highlights(id), m.flagLine(id), m.loc, w, m.suspect(m.conv, msg.Sender))
}

func (m *Model) renderHit(i, w int, sel bool) []string {
	h := m.res.Hits[i]
	st := m.c.Styles
	p, ok := m.dir.Place(h.ID)
	meta := ""
	if ok {
		c := &m.dir.Convs[p.Conv]
		meta = sanitize.Line(c.Title) + " · " + common.WhenUnix(c.Times[p.Pos], m.loc, "2006-01-02 15:04")
	}
	msg := m.shown[h.ID]
	if msg == nil {
		if m.viewErr != nil {
			return []string{meta, st.Error.Render(common.Trunc("not shown: "+sanitize.Line(m.viewErr.Error()), w))}
		}
		return []string{meta, st.Placeholder.Render("⋯ recording view")}
	}
	head := st.Sender.Render(common.Trunc(sanitize.Line(orDash(msg.Sender)), w/3))
	if ok && m.suspect(p.Conv, msg.Sender) != "" {
		head += st.Error.Render(" ⚠")
	}
	head += " " + st.Dim.Render(meta)
	if ts := m.tags[h.ID]; len(ts) > 0 {
		head += " " + chips(st, ts)
	}
	return []string{common.Trunc(head, w), "  " + snippet(st, msg, h.Highlights, w-2)}
}

// View renders the whole screen.
func (m *Model) View() string {
	w, h := m.c.Width, m.c.Height
	lw, rw, bh := m.layout()

	header := m.header(w)
	var body string
	switch {
	case m.overlay == overlayPicker || m.overlay == overlayConfirm || m.overlay == overlayProduce || m.overlay == overlaySaveName || m.overlay == overlayRemoveSaved || m.overlay == overlayComment:
		body = m.dialogView(w, bh)
	case m.overlay == overlayDetail || m.overlay == overlayHelp || m.overlay == overlayAttach || m.overlay == overlayPager:
		body = m.overlayView(w, bh)
	default:
		body = m.columns(lw, rw, bh)
	}
	return header + "\n" + body + "\n" + m.statusView(w) + strings.Repeat("\n", max(h-bh-2, 0))
}

func (m *Model) columns(lw, rw, bh int) string {
	return common.JoinColumns(m.c.Styles.Border.Render("│"), m.leftView(lw, bh), m.rightView(rw, bh))
}

// dialogView draws the tag dialog (or the tag-all confirmation) over the
// screen it was opened from, in the half away from the message being
// tagged, so that the message stays in view.
func (m *Model) dialogView(w, bh int) string {
	st := m.c.Styles
	lw, rw, _ := m.layout()
	var base string
	cursor := -1 // screen line of the message being tagged, in the body
	if m.pickReturn == overlayDetail && m.overlay == overlayPicker {
		base, cursor = m.overlayView(w, bh), 1
	} else {
		base = m.columns(lw, rw, bh)
		switch {
		case m.right == rightResults && m.res != nil:
			if r := m.hits.CursorRow(); r >= 0 {
				cursor = bh - m.hits.Height + r
			}
		case m.conv >= 0:
			if r := m.msgs.CursorRow(); r >= 0 {
				cursor = 1 + r
			}
		}
	}
	bw := min(w-2, 72)
	var lines []string
	switch m.overlay {
	case overlayPicker:
		lines = m.picker.View(bw - 4)
	case overlayProduce:
		lines = m.produceLines(bw - 4)
	case overlaySaveName:
		lines = m.saveLines(bw - 4)
	case overlayRemoveSaved:
		lines = m.removeSavedLines(bw - 4)
	case overlayComment:
		lines = m.commentLines(bw - 4)
	default:
		lines = m.confirmLines()
	}
	box := common.Frame(lines, bw, len(lines)+2, func(s string) string { return st.Border.Render(s) })
	rows := strings.Split(base, "\n")
	top := len(rows) - len(box) // the bottom half, unless the message is there
	if cursor >= len(rows)/2 {
		top = 0
	}
	pad := strings.Repeat(" ", max((w-bw)/2, 0))
	for i, l := range box {
		if r := top + i; r >= 0 && r < len(rows) {
			rows[r] = common.Pad(pad+l, w)
		}
	}
	return strings.Join(rows, "\n")
}

func (m *Model) confirmLines() []string {
	st := m.c.Styles
	return []string{
		st.Title.Render("Tag every result?"), "",
		fmt.Sprintf("Add the tag %s to %s matching %s.", st.Chip.Render(" "+sanitize.Line(m.confirmTag)+" "), plural(len(m.confirmIDs), "message"), sanitize.Line(m.res.Query)),
		"", "The change is written to the vault and to the audit trail.", "",
		st.StatusKey.Render(m.c.Keys.Confirm.Help().Key) + " tag them · " + st.StatusKey.Render(m.c.Keys.Cancel.Help().Key) + " cancel",
	}
}

func (m *Model) header(w int) string {
	st := m.c.Styles
	left := " coffer · " + sanitize.Line(m.name)
	right := fmt.Sprintf("%s · %s · %s ", sanitize.Line(m.member), plural(len(m.dir.Convs), "conversation"), plural(m.dir.Len(), "message"))
	gap := w - len([]rune(left)) - common.Width(right)
	if gap < 1 {
		return st.Header.Render(common.Fit(left, w))
	}
	return st.Header.Render(left) + st.HeaderDim.Render(strings.Repeat(" ", gap)+right)
}

func (m *Model) paneTitle(s string, w int, focused bool) string {
	st := m.c.Styles.Pane
	if focused {
		st = m.c.Styles.PaneFocused
	}
	return common.Pad(st.Render(common.Trunc(s, w)), w)
}

func (m *Model) leftView(w, h int) string {
	focused := m.focus == paneLeft
	if m.left == leftTags {
		return m.paneTitle(fmt.Sprintf("Tags (%d)", len(m.tagCounts)), w, focused) + "\n" + m.tagList.View()
	}
	if m.left == leftSaved {
		return m.paneTitle(fmt.Sprintf("Saved searches (%d)", len(m.saved)), w, focused) + "\n" + m.savedList.View()
	}
	if m.left == leftPolicies {
		return m.paneTitle(m.policyTitle(), w, focused) + "\n" + m.ruleList.View()
	}
	if m.left == leftReview && m.openQueue() != nil {
		return m.paneTitle(m.reviewTitle(), w, focused) + "\n" + m.rv.items.View()
	}
	if m.left == leftReview {
		return m.paneTitle(m.reviewTitle(), w, focused) + "\n" + m.rv.queues.View()
	}
	title := fmt.Sprintf("Conversations (%d) · %s", len(m.order), sortNames[m.sortBy])
	if m.overlay == overlayFilter {
		return common.Pad(common.Trunc(m.filterInput.View(), w), w) + "\n" + m.convs.View()
	}
	if m.filter != "" {
		title = fmt.Sprintf("%d of %d · filter: %s · esc clears", len(m.order), len(m.dir.Convs), sanitize.Line(m.filter))
	}
	return m.paneTitle(title, w, focused) + "\n" + m.convs.View()
}

func (m *Model) rightView(w, h int) string {
	focused := m.focus == paneRight
	st := m.c.Styles
	if m.overlay == overlaySearch {
		lines := []string{common.Trunc(m.input.View(), w)}
		if m.qErr != nil {
			lines = append(lines, m.queryError(w)...)
		} else {
			hint := "enter search · tab complete · ↑/↓ history · esc cancel · words, \"phrases\", from: in: tag: date: has:attachment"
			switch {
			case len(m.completions) > 0:
				hint = "tab: " + sanitize.Line(strings.Join(m.completions, "  "))
			case m.prefilled:
				hint = "the last query: type to replace it, ←/→ or backspace to edit it · enter search · esc cancel"
			}
			lines = append(lines, st.Dim.Render(common.Trunc(hint, w)))
		}
		if m.busy {
			lines = append(lines, st.Dim.Render("searching…"))
		}
		return common.Box(lines, w, h)
	}
	if m.right == rightResults && m.res != nil {
		r := m.res
		title := fmt.Sprintf("Results: %d for %s · %s first", r.Total, sanitize.Line(r.Query), resultSorts[m.resSort].name)
		if r.Partial {
			title += " · partial (indexing)"
		}
		if r.Total > len(r.Hits) {
			title += fmt.Sprintf(" · first %d", len(r.Hits))
		}
		lines := []string{m.paneTitle(title, w, focused)}
		lines = append(lines, m.facetView(w)...)
		return common.Box(lines, w, h-m.hits.Height) + "\n" + m.hits.View()
	}
	if m.conv < 0 {
		return m.paneTitle("Messages", w, focused) + "\n" + m.msgs.View()
	}
	c := &m.dir.Convs[m.conv]
	title := fmt.Sprintf("%s · %s · %d · %s", sanitize.Line(c.Title), sanitize.Line(c.Source), len(c.IDs), sanitize.Line(strings.Join(c.Participants, ", ")))
	if m.threaded {
		title = "thread · " + title
	}
	return m.paneTitle(title, w, focused) + "\n" + m.msgs.View()
}

func (m *Model) facetView(w int) []string {
	f := m.res.Facets
	if f == nil {
		return nil
	}
	st := m.c.Styles
	row := func(name string, vals []string) string {
		return common.Trunc(st.Dim.Render(name+": ")+strings.Join(vals, "  "), w)
	}
	var from, in, src, tag []string
	for _, c := range f.Sender {
		from = append(from, fmt.Sprintf("%s %d", sanitize.Line(c.Value), c.Count))
	}
	for _, c := range f.Conversation {
		l := c.Label
		if l == "" {
			l = c.Value
		}
		in = append(in, fmt.Sprintf("%s %d", sanitize.Line(l), c.Count))
	}
	for _, c := range f.Source {
		src = append(src, fmt.Sprintf("%s %d", sanitize.Line(c.Value), c.Count))
	}
	for _, c := range f.Tag {
		tag = append(tag, fmt.Sprintf("%s %d", sanitize.Line(c.Value), c.Count))
	}
	if m.facetLines() == 2 {
		return []string{row("from", from), common.Trunc(row("source", src)+"  "+row("in", in), w)}
	}
	return []string{row("from", from), row("in", in), row("source", src) + "  " + row("tag", tag)}
}

// queryError shows the parse error with a caret under its column.
func (m *Model) queryError(w int) []string {
	st := m.c.Styles
	var out []string
	if e, ok := asQueryError(m.qErr); ok && e.Col > 0 {
		// Col counts runes; the caret goes under the character's cell.
		v := []rune(m.input.Value())
		cells := common.Width(sanitize.Line(string(v[:min(e.Col-1, len(v))])))
		out = append(out, strings.Repeat(" ", common.Width(m.input.Prompt)+cells)+st.Error.Render("^"))
	}
	return append(out, st.Error.Render(common.Trunc(sanitize.Line(m.qErr.Error()), w)))
}

func (m *Model) statusView(w int) string {
	st := m.c.Styles
	right := ""
	switch {
	case m.lockIn > 0:
		right = fmt.Sprintf(" locks in %ds · any key stays ", int((m.lockIn+time.Second-1)/time.Second))
	case m.ixErr != nil:
		right = " search unavailable "
	case !m.ixReady && m.ixProg.Total > 0:
		p := m.ixProg
		right = fmt.Sprintf(" indexing %d%% · ETA %s ", 100*p.Done/max(p.Total, 1), p.ETA.Round(time.Second))
		if w >= 120 {
			right = fmt.Sprintf(" indexing %d/%d · %.0f msg/s · ETA %s ", p.Done, p.Total, p.Rate, p.ETA.Round(time.Second))
		}
	case !m.ixReady:
		right = " indexing… "
	case m.flags.Len() > 0 && w >= 120:
		right = fmt.Sprintf(" search ready · ⚑ %d flagged ", m.flags.Len())
	case m.flags.Len() > 0:
		right = fmt.Sprintf(" search ready ⚑%d ", m.flags.Len())
	default:
		right = " search ready "
	}
	left := ""
	switch {
	case m.busy:
		left = st.StatusOK.Render(common.Trunc(" searching…", max(w-common.Width(right)-1, 1)))
	case m.status != "" && m.statusErr:
		left = st.StatusErr.Render(common.Trunc(" "+sanitize.Line(m.status), max(w-common.Width(right)-1, 1)))
	case m.status != "":
		left = st.StatusOK.Render(common.Trunc(" "+sanitize.Line(m.status), max(w-common.Width(right)-1, 1)))
	default:
		var parts []string
		for _, b := range m.hints() {
			parts = append(parts, st.StatusKey.Render(b.Help().Key)+st.Status.Render(" "+b.Help().Desc))
		}
		left = st.Status.Render(" ") + strings.Join(parts, st.Status.Render(" · "))
		left = common.Trunc(left, max(w-common.Width(right)-1, 1))
	}
	gap := max(w-common.Width(left)-common.Width(right), 0)
	s := left + st.Status.Render(strings.Repeat(" ", gap)+right)
	if m.lockIn > 0 {
		s = left + st.Status.Render(strings.Repeat(" ", gap)) + st.StatusErr.Render(right)
	}
	return common.Trunc(s, w)
}

func (m *Model) overlayView(w, h int) string {
	st := m.c.Styles
	bw := min(w-2, 100)
	inner := bw - 4
	var lines []string
	switch m.overlay {
	case overlayHelp:
		lines = m.helpLines(inner, h-2)
	case overlayAttach, overlayPager:
		lines = m.attachLines(inner, h-2)
	case overlayDetail, overlayPicker:
		switch {
		case m.detailErr != nil:
			lines = []string{st.Error.Render("not shown: " + sanitize.Line(m.detailErr.Error()))}
		case m.detail == nil:
			lines = []string{st.Placeholder.Render("⋯ recording view")}
		default:
			note := ""
			if p, ok := m.dir.Place(m.detail.ID); ok {
				note = m.suspect(p.Conv, m.detail.Sender)
			}
			all := detailLines(st, m.detail, m.tags[m.detail.ID], m.highlights(m.detail.ID), m.flagLine(m.detail.ID), m.loc, inner, note)
			m.detailTop = min(m.detailTop, max(len(all)-(h-3), 0))
			lines = all[m.detailTop:]
		}
	}
	var out []string
	pad := strings.Repeat(" ", max((w-bw)/2, 0))
	for _, l := range common.Frame(lines, bw, h, func(s string) string { return st.Border.Render(s) }) {
		out = append(out, pad+l)
	}
	return common.Box(out, w, h)
}

// helpLines lays the cheatsheet out in as many columns as the height
// needs (three at 80×24).
func (m *Model) helpLines(w, h int) []string {
	st := m.c.Styles
	sheet := m.c.Keys.Cheatsheet()
	switch m.helpReturn {
	case overlayDetail:
		sheet = m.c.Keys.DetailCheatsheet()
	case overlayAttach, overlayPager:
		sheet = m.c.Keys.AttachCheatsheet()
	}
	rows := max(h-4, 1)
	cols := (len(sheet) + rows - 1) / rows
	if cols <= 1 {
		return append(append([]string{st.Title.Render("Keys"), ""}, sheet...), "", st.Dim.Render("any key closes"))
	}
	cw := w / cols
	out := []string{st.Title.Render("Keys"), ""}
	for r := range rows {
		line := ""
		for c := range cols {
			if i := c*rows + r; i < len(sheet) {
				line += common.Pad(common.Trunc(sheet[i], cw-1), cw)
			}
		}
		out = append(out, line)
	}
	return append(out, "", st.Dim.Render("any key closes"))
}

// hints are the status-bar keys for what is on screen, from the keymap.
func (m *Model) hints() []key.Binding {
	k := m.c.Keys
	switch {
	case m.overlay == overlayDetail && m.detail != nil && len(m.detail.Attachments) > 0:
		return []key.Binding{k.NextMsg, k.PrevMsg, k.Attachments, k.Tag, k.Help, k.Back}
	case m.overlay == overlayDetail:
		return []key.Binding{k.NextMsg, k.PrevMsg, k.Tag, k.Untag, k.Help, k.Back}
	case m.overlay == overlayAttach || m.overlay == overlayPager:
		return m.attachHints()
	case m.overlay == overlayPicker || m.overlay == overlaySaveName || m.overlay == overlayComment:
		return nil
	case m.overlay == overlaySearch:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search")),
			key.NewBinding(key.WithKeys(k.SaveSearch.Keys()...), key.WithHelp(k.SaveSearch.Help().Key, "save it")),
			key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	case m.overlay == overlayConfirm || m.overlay == overlayRemoveSaved:
		return []key.Binding{k.Confirm, k.Cancel}
	case m.overlay == overlayProduce:
		return produceHints
	case m.overlay == overlayFilter:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear it")),
		}
	case m.right == rightResults && m.focus == paneRight:
		return []key.Binding{k.Open, k.Tag, k.TagAll, k.Produce, k.ResultSort, k.SaveSearch, k.Search, k.Quit}
	case m.res != nil && m.hitPos >= 0 && m.focus == paneRight:
		return []key.Binding{k.NextHit, k.PrevHit, k.Open, k.Tag, k.Quit}
	case m.focus == paneRight && m.conv >= 0:
		return []key.Binding{k.Open, k.Tag, k.Search, k.NextPane, k.Quit}
	case m.focus == paneLeft && m.left == leftSaved:
		return m.savedHints()
	case m.focus == paneLeft && m.left == leftPolicies:
		return m.policyHints()
	case m.focus == paneLeft && m.left == leftReview:
		return m.reviewHints()
	}
	return k.ShortHelp()
}
