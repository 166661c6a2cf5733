package browse

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/components/picker"
	"coffer/ui/sanitize"
	"coffer/vault"
)

// Keys and mouse: what each input does depends on the overlay, then on
// the focused pane.

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	m.status, m.statusErr = "", false
	switch m.overlay {
	case overlaySearch:
		return m.searchKey(msg)
	case overlaySaveName:
		return m.saveNameKey(msg)
	case overlayRemoveSaved:
		return m.removeSavedKey(msg)
	case overlayComment:
		return m.commentKey(msg)
	case overlayFilter:
		switch msg.String() {
		case "enter": // keep the filter
			m.overlay = overlayNone
			m.filterInput.Blur()
			m.focusPane(paneLeft)
			return nil
		case "esc": // clear it
			m.overlay = overlayNone
			m.filterInput.Blur()
			m.setFilter("")
			return nil
		}
		return m.updateOverlayInput(msg)
	case overlayPicker:
		switch {
		case msg.Text != "": // a letter of the tag, even y or n
		case key.Matches(msg, k.Cancel):
			m.overlay = m.pickReturn
			return nil
		case key.Matches(msg, k.Confirm):
			tag := m.picker.Value()
			if err := vault.ValidTag(tag); err != nil {
				m.setStatus(err.Error(), true)
				return nil
			}
			m.overlay = m.pickReturn
			if m.pickAll {
				return allHitsCmd(m.sess, m.res.Query, tag)
			}
			return tagCmd(m.sess, m.pickAdd, tag, m.pickIDs, false)
		}
		return m.updateOverlayInput(msg)
	case overlayConfirm:
		switch {
		case key.Matches(msg, k.Confirm):
			m.overlay = overlayNone
			ids := m.confirmIDs
			m.confirmIDs = nil
			return tagCmd(m.sess, true, m.confirmTag, ids, true)
		case key.Matches(msg, k.Cancel):
			m.overlay = overlayNone
			m.confirmIDs = nil
			m.setStatus("nothing tagged", false)
		}
		return nil
	case overlayDetail:
		switch {
		case key.Matches(msg, k.Down):
			m.detailTop++
		case key.Matches(msg, k.Up):
			m.detailTop = max(m.detailTop-1, 0)
		case key.Matches(msg, k.HalfDown, k.PageDown):
			m.detailTop += m.c.Height / 2
		case key.Matches(msg, k.HalfUp, k.PageUp):
			m.detailTop = max(m.detailTop-m.c.Height/2, 0)
		case key.Matches(msg, k.Top):
			m.detailTop = 0
		case key.Matches(msg, k.Tag):
			return m.openPicker(true)
		case key.Matches(msg, k.Untag):
			return m.openPicker(false)
		case key.Matches(msg, k.Help):
			m.helpReturn, m.overlay = overlayDetail, overlayHelp
		case key.Matches(msg, k.CopyID):
			return copyCmd(m.sess, m.detailID, "id")
		case key.Matches(msg, k.CopyCitation):
			return copyCmd(m.sess, m.detailID, "citation")
		case key.Matches(msg, k.Attachments):
			return m.openAttachments()
		case key.Matches(msg, k.NextMsg, k.PrevMsg):
			// The next (previous) message of the conversation, in detail.
			d := 1
			if key.Matches(msg, k.PrevMsg) {
				d = -1
			}
			before := m.msgs.Cursor()
			m.msgs.Move(d)
			if m.msgs.Cursor() == before {
				m.setStatus("no more messages", true)
				return nil
			}
			return m.openDetail()
		case key.Matches(msg, k.Back, k.Quit, k.Open):
			m.overlay = overlayNone
			m.detail, m.detailErr = nil, nil
			m.closeAttachments()
		}
		return nil
	case overlayAttach, overlayPager:
		return m.attachKey(msg)
	case overlayHelp:
		m.overlay, m.helpReturn = m.helpReturn, overlayNone
		return nil
	case overlayProduce:
		return m.produceKey(msg)
	}

	if m.focus == paneLeft && m.left == leftReview {
		if cmd, ok := m.reviewKey(msg); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Quit), key.Matches(msg, k.Back):
		return m.back(key.Matches(msg, k.Quit))
	case key.Matches(msg, k.Help):
		m.helpReturn, m.overlay = overlayNone, overlayHelp
	case key.Matches(msg, k.NextPane):
		m.focusPane(1 - m.focus)
	case key.Matches(msg, k.Search):
		// The last query comes back, editable, whether it parsed or not.
		m.overlay = overlaySearch
		m.qErr = nil
		m.histPos = len(m.history)
		m.input.SetValue("")
		if n := len(m.history); n > 0 {
			m.input.SetValue(m.history[n-1])
			m.input.CursorEnd()
			m.prefilled = true
		}
		return m.input.Focus()
	case key.Matches(msg, k.NextHit):
		return m.jumpHit(+1)
	case key.Matches(msg, k.PrevHit):
		return m.jumpHit(-1)
	case key.Matches(msg, k.NextFlag):
		m.nextFlag()
	case key.Matches(msg, k.TagsPane):
		if m.left != leftTags {
			m.left = leftTags
		} else {
			m.left = leftConvs
		}
		m.focusPane(paneLeft)
	case key.Matches(msg, k.SavedPane):
		return m.toggleSaved()
	case key.Matches(msg, k.PoliciesPane):
		return m.togglePolicies()
	case key.Matches(msg, k.ReviewPane):
		return m.toggleReview()
	case key.Matches(msg, k.RemoveSaved) && m.left == leftSaved && m.focus == paneLeft:
		if i := m.savedList.Cursor(); i >= 0 {
			m.removeName = m.saved[i].Name
			m.overlay = overlayRemoveSaved
		}
	case key.Matches(msg, k.SaveSearch):
		if m.res == nil {
			m.setStatus("ctrl+s saves a search: type one (/) or run one first", true)
			return nil
		}
		return m.openSaveName(m.res.Query, overlayNone)
	case key.Matches(msg, k.ResultSort) && m.right == rightResults && m.focus == paneRight && m.res != nil:
		m.resSort = (m.resSort + 1) % len(resultSorts)
		return m.runSearch(m.res.Query)
	case key.Matches(msg, k.Sort):
		m.sortBy = (m.sortBy + 1) % len(sortNames)
		m.applyOrder()
		m.setStatus("conversations by "+sortNames[m.sortBy], false)
	case key.Matches(msg, k.Filter):
		m.left = leftConvs
		m.overlay = overlayFilter
		m.filterInput.SetValue(m.filter)
		return m.filterInput.Focus()
	case key.Matches(msg, k.Tag):
		return m.openPicker(true)
	case key.Matches(msg, k.Untag):
		return m.openPicker(false)
	case key.Matches(msg, k.Produce):
		return m.startProduce()
	case key.Matches(msg, k.TagAll):
		if m.res == nil || m.res.Total == 0 {
			m.setStatus("tag all works on search results: search first (/)", true)
			return nil
		}
		var cmd tea.Cmd
		m.picker, cmd = picker.New(m.c, fmt.Sprintf("Tag all %d results of %s", m.res.Total, sanitize.Line(m.res.Query)), m.tagNames())
		m.pickAll, m.pickAdd = true, true
		m.pickReturn, m.overlay = overlayNone, overlayPicker
		return cmd
	case key.Matches(msg, k.Thread) && m.conv >= 0 && m.right == rightConversation:
		// Keep the selected message selected across the change of layout.
		p := m.pos(m.msgs.Cursor())
		m.threaded = !m.threaded
		m.openConv(m.conv, p)
		if m.threaded {
			m.setStatus("thread view: replies under what they answer (v: time order)", false)
		} else {
			m.setStatus("time order (v: thread view)", false)
		}
	case key.Matches(msg, k.CopyID, k.CopyCitation):
		id := m.selectedID()
		if id == "" {
			m.setStatus("select a message first", true)
			return nil
		}
		what := "id"
		if key.Matches(msg, k.CopyCitation) {
			what = "citation"
		}
		return copyCmd(m.sess, id, what)
	case key.Matches(msg, k.Open):
		return m.open()
	default:
		m.move(msg)
	}
	return nil
}

func (m *Model) back(quit bool) tea.Cmd {
	switch {
	case m.focus == paneLeft && m.left == leftConvs && m.filter != "" && !quit:
		m.setFilter("") // esc clears a filter first
		m.setStatus("filter cleared", false)
	case m.focus == paneLeft && m.reviewBack():
		// Back from a queue's items to the queues.
	case m.right == rightConversation && m.res != nil && m.hitPos >= 0:
		// Back from a hit opened in context to the results.
		m.newContext()
		m.right = rightResults
		m.focusPane(paneRight)
	case m.right == rightResults:
		m.newContext()
		m.res = nil
		m.right = rightConversation
		if m.conv >= 0 {
			m.openConv(m.conv, m.pos(m.msgs.Cursor()))
		}
		m.SetSize(m.c)
	case m.focus == paneRight:
		m.focusPane(paneLeft)
	case m.left == leftTags || m.left == leftSaved || m.left == leftPolicies || m.left == leftReview:
		m.left = leftConvs
	case quit:
		return func() tea.Msg { return QuitMsg{} }
	}
	return nil
}

func (m *Model) move(msg tea.KeyPressMsg) {
	k := m.c.Keys
	type mover interface {
		Move(int)
		Select(int)
	}
	var l mover
	page := 10
	switch {
	case m.focus == paneLeft && m.left == leftConvs:
		l, page = &m.convs, m.convs.Page()
	case m.focus == paneLeft && m.left == leftSaved:
		l, page = &m.savedList, m.savedList.Page()
	case m.focus == paneLeft && m.left == leftPolicies:
		l, page = &m.ruleList, m.ruleList.Page()
	case m.focus == paneLeft && m.left == leftReview && m.openQueue() != nil:
		l, page = &m.rv.items, m.rv.items.Page()
	case m.focus == paneLeft && m.left == leftReview:
		l, page = &m.rv.queues, m.rv.queues.Page()
	case m.focus == paneLeft:
		l, page = &m.tagList, m.tagList.Page()
	case m.right == rightResults:
		l, page = &m.hits, m.hits.Page()
	default:
		switch {
		case key.Matches(msg, k.Up):
			m.msgs.Move(-1)
		case key.Matches(msg, k.Down):
			m.msgs.Move(1)
		case key.Matches(msg, k.Top):
			m.msgs.Top()
		case key.Matches(msg, k.Bottom):
			m.msgs.Bottom()
		case key.Matches(msg, k.HalfDown, k.PageDown):
			m.msgs.HalfPage(1)
		case key.Matches(msg, k.HalfUp, k.PageUp):
			m.msgs.HalfPage(-1)
		}
		return
	}
	switch {
	case key.Matches(msg, k.Up):
		l.Move(-1)
	case key.Matches(msg, k.Down):
		l.Move(1)
	case key.Matches(msg, k.Top):
		l.Select(0)
	case key.Matches(msg, k.Bottom):
		l.Select(1 << 30)
	case key.Matches(msg, k.HalfDown):
		l.Move(max(page/2, 1))
	case key.Matches(msg, k.HalfUp):
		l.Move(-max(page/2, 1))
	case key.Matches(msg, k.PageDown):
		l.Move(page)
	case key.Matches(msg, k.PageUp):
		l.Move(-page)
	}
}

func (m *Model) open() tea.Cmd {
	switch {
	case m.focus == paneLeft && m.left == leftConvs:
		if i := m.convs.Cursor(); i >= 0 {
			m.res, m.hitPos = nil, -1
			m.openConv(m.order[i], -1)
			m.SetSize(m.c)
			m.focusPane(paneRight)
		}
	case m.focus == paneLeft && m.left == leftSaved:
		if i := m.savedList.Cursor(); i >= 0 {
			return m.runSaved(i)
		}
	case m.focus == paneLeft && m.left == leftPolicies:
		if i := m.ruleList.Cursor(); i >= 0 {
			return m.runRule(i)
		}
	case m.focus == paneLeft && m.left == leftReview:
		return m.reviewOpen()
	case m.focus == paneLeft:
		if i := m.tagList.Cursor(); i >= 0 {
			return m.runSearch(tagQuery(m.tagCounts[i].Name))
		}
	case m.right == rightResults:
		if i := m.hits.Cursor(); i >= 0 {
			m.openHit(i)
		}
	case m.right == rightConversation:
		return m.openDetail()
	}
	return nil
}

// openDetail shows the selected message in detail (recorded first).
func (m *Model) openDetail() tea.Cmd {
	id := m.selectedID()
	if id == "" {
		return nil
	}
	m.overlay = overlayDetail
	m.detailID, m.detail, m.detailErr, m.detailTop = id, nil, nil, 0
	m.closeAttachments()
	return detailCmd(m.sess, id)
}

func (m *Model) openPicker(add bool) tea.Cmd {
	id := m.selectedID()
	if id == "" {
		m.setStatus("select a message first", true)
		return nil
	}
	opts := m.tagNames()
	title := "Tag this message"
	if !add {
		opts = m.tags[id]
		title = "Remove a tag from this message"
		if len(opts) == 0 {
			m.setStatus("this message has no tags", true)
			return nil
		}
	}
	var cmd tea.Cmd
	m.picker, cmd = picker.New(m.c, title, opts)
	m.pickAdd, m.pickAll, m.pickIDs = add, false, []string{id}
	m.pickReturn, m.overlay = m.overlay, overlayPicker
	return cmd
}

func (m *Model) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	lw, _, _ := m.layout()
	d := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return nil
	}
	switch {
	case m.overlay == overlayDetail:
		m.detailTop = max(m.detailTop+d, 0)
	case m.overlay == overlayPager:
		m.att.top = max(m.att.top+d, 0)
	case msg.X < lw && m.left == leftConvs:
		m.convs.Move(d)
	case msg.X < lw && m.left == leftSaved:
		m.savedList.Move(d)
	case msg.X < lw && m.left == leftPolicies:
		m.ruleList.Move(d)
	case msg.X < lw:
		m.tagList.Move(d)
	case m.right == rightResults:
		m.hits.Move(d)
	default:
		m.msgs.Move(d / 3)
	}
	return nil
}

func (m *Model) click(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || m.overlay != overlayNone {
		return nil
	}
	lw, _, _ := m.layout()
	y := msg.Y - 2 // header and pane title
	if msg.X < lw {
		m.focusPane(paneLeft)
		if m.left == leftConvs {
			if i := m.convs.At(y); i >= 0 {
				m.convs.Select(i)
				return m.open()
			}
		} else if m.left == leftSaved {
			if i := m.savedList.At(y); i >= 0 {
				m.savedList.Select(i)
			}
		} else if m.left == leftPolicies {
			if i := m.ruleList.At(y); i >= 0 {
				m.ruleList.Select(i)
			}
		} else if i := m.tagList.At(y); i >= 0 {
			m.tagList.Select(i)
		}
		return nil
	}
	m.focusPane(paneRight)
	if m.right == rightResults {
		if i := m.hits.At(y - m.facetLines()); i >= 0 {
			m.hits.Select(i)
		}
	} else if i := m.msgs.At(y); i >= 0 {
		m.msgs.Select(i)
	}
	return nil
}

// tagQuery quotes a tag for a tag: query when it needs it.
func tagQuery(tag string) string {
	if strings.ContainsAny(tag, " \"():") {
		return `tag:"` + strings.ReplaceAll(tag, `"`, ``) + `"`
	}
	return "tag:" + tag
}
