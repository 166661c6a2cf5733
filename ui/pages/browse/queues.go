package browse

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/components/list"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/access"
)

// The review pane (R) is the supervisor's queue page: it lists the review
// queues (coffer supervision queue makes them); enter opens one, a row per
// item with the rules that flagged it, or "sample", and its decision.
// enter on an item opens its conversation at the message, recorded as any
// conversation shown; 1, 2 and 3 decide it (no issue, escalated: also
// tagged "escalated" for the investigators, closed), c adds a comment to
// the next decision, u undoes the item's latest decision, m shows only
// the items assigned to this member (or all again). A decision moves to
// the next pending item shown. Each decision is recorded before it is
// written (access.Session.Decide); the pane itself shows no message
// content, only ids, rule names and decisions.

// EscalationTag is the tag an escalated item gets, so that investigators
// find it with tag:escalated.
const EscalationTag = "escalated"

// reviewState is the review pane's state.
type reviewState struct {
	sup    *vault.Supervision
	queues list.Model
	open   int // the queue whose items show, -1 for the list of queues
	items  list.Model
	// shown are the indices in the open queue of the items listed: all,
	// or with mine those assigned to this member now.
	shown []int
	mine  bool
	// counts are each queue's flagged and pending items, counted when
	// the journal is read rather than at every frame.
	counts [][2]int
	// comment goes with the next decision on item commentFor; input is
	// the dialog that types it.
	comment, commentFor string
	input               textinput.Model
	// rules are the rules of each queue's policy version, by
	// "POLICY/VERSION"; opening names the flagged item being opened by
	// a search of its rules, whose first hit opens in context.
	rules   map[string][]vault.Rule
	opening string
}

// supervisionMsg: the queues and decisions, read, and the rules of the
// policy versions the queues were made from that were not known yet.
type supervisionMsg struct {
	sup   *vault.Supervision
	rules map[string][]vault.Rule
	err   error
}

// loadSupervision reads the supervision journal, and the rules of policy
// versions not read before: a version never changes, so after a decision
// only the journal is read again.
func (m *Model) loadSupervision(s *access.Session) tea.Cmd {
	known := make(map[string]bool, len(m.rv.rules))
	for k := range m.rv.rules {
		known[k] = true
	}
	return func() tea.Msg {
		sup, err := s.Supervision()
		if err != nil {
			return supervisionMsg{err: err}
		}
		rules := map[string][]vault.Rule{}
		for _, q := range sup.Queues {
			k := ruleKey(q.Policy, q.Version)
			if known[k] {
				continue
			}
			known[k] = true
			vs, err := s.PolicyVersions(q.Policy)
			if err == nil && q.Version <= len(vs) {
				rules[k] = vs[q.Version-1].Rules
			}
		}
		return supervisionMsg{sup: sup, rules: rules}
	}
}

func ruleKey(policy string, version int) string { return policy + "/" + strconv.Itoa(version) }

// decidedMsg: a decision written (and, for an escalation, the tag
// applied), or why not.
type decidedMsg struct {
	d   vault.Decision
	err error
}

func decideCmd(s *access.Session, d vault.Decision) tea.Cmd {
	return func() tea.Msg {
		out, err := s.Decide(d)
		if err == nil && d.Kind == vault.DecisionEscalated {
			_, err = s.Tag(true, EscalationTag, []string{d.Item})
		}
		return decidedMsg{d: out, err: err}
	}
}

func (m *Model) initReview(c common.Common) {
	m.rv.open = -1
	m.rv.queues = list.New(c, 2, m.renderQueue)
	m.rv.queues.Empty = "no review queues yet: coffer supervision queue makes them"
	m.rv.items = list.New(c, 2, m.renderItem)
	m.rv.items.Empty = "no items"
	m.rv.input = newInput(c, "comment: ")
	m.rv.input.CharLimit = 4096
}

// toggleReview shows the review queues in the left pane, or the
// conversations again.
func (m *Model) toggleReview() tea.Cmd { return m.toggleLeft(leftReview, m.loadSupervision) }

func (m *Model) updateReview(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case supervisionMsg:
		if msg.err != nil {
			m.setStatus("review queues not read: "+msg.err.Error(), true)
			return nil
		}
		m.rv.sup = msg.sup
		m.rv.counts = m.rv.counts[:0]
		for i := range msg.sup.Queues {
			f, p := msg.sup.Counts(&msg.sup.Queues[i])
			m.rv.counts = append(m.rv.counts, [2]int{f, p})
		}
		if m.rv.rules == nil {
			m.rv.rules = map[string][]vault.Rule{}
		}
		maps.Copy(m.rv.rules, msg.rules)
		m.rv.queues.SetLen(len(msg.sup.Queues))
		if m.rv.open >= len(msg.sup.Queues) {
			m.rv.open = -1
		}
		m.reviewShow()
	case decidedMsg:
		if msg.err != nil {
			m.setStatus("not decided: "+msg.err.Error(), true)
			return m.loadSupervision(m.sess)
		}
		what := msg.d.Kind
		if msg.d.Kind == vault.DecisionUndone {
			what = "latest decision undone"
		} else if msg.d.Kind == vault.DecisionEscalated {
			what += ", tagged " + EscalationTag
		}
		m.setStatus(fmt.Sprintf("%s: %s", shortID(msg.d.Item), what), false)
		return m.loadSupervision(m.sess)
	}
	return nil
}

// openQueue is the queue whose items show, or nil.
func (m *Model) openQueue() *vault.Queue {
	if m.rv.sup == nil || m.rv.open < 0 || m.rv.open >= len(m.rv.sup.Queues) {
		return nil
	}
	return &m.rv.sup.Queues[m.rv.open]
}

// reviewOpen opens the queue under the cursor, or the conversation of
// the item under it, at the message (recorded as any conversation shown).
func (m *Model) reviewOpen() tea.Cmd {
	q := m.openQueue()
	if q == nil {
		if i := m.rv.queues.Cursor(); i >= 0 {
			m.rv.open = i
			m.reviewShow()
			m.rv.items.Select(m.nextPending(-1))
		}
		return nil
	}
	it, ok := m.reviewItem()
	if !ok {
		return nil
	}
	if query := m.itemQuery(q, it); query != "" && m.ixOpen {
		// A flagged item opens through a search of the rules that fired,
		// narrowed to it: recorded as any search, and its words show
		// highlighted.
		m.rv.opening = fmt.Sprintf("%s v%d: %s", q.Policy, q.Version, strings.Join(it.Rules, ", "))
		return m.runSearch(query)
	}
	p, ok := m.dir.Place(it.ID)
	if !ok {
		m.setStatus("that message is not in this vault's conversations", true)
		return nil
	}
	m.res, m.hitPos = nil, -1
	m.openConv(p.Conv, p.Pos)
	m.SetSize(m.c)
	m.focusPane(paneLeft) // decide from here; tab reads around it
	return nil
}

// itemQuery is the search that finds item by the rules that flagged it,
// or "" for a sampled item or rules no longer known.
func (m *Model) itemQuery(q *vault.Queue, it vault.QueueItem) string {
	var parts []string
	for _, r := range m.rv.rules[ruleKey(q.Policy, q.Version)] {
		if slices.Contains(it.Rules, r.Name) {
			parts = append(parts, "("+r.Query+")")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "id:" + it.ID + " AND (" + strings.Join(parts, " OR ") + ")"
}

// openedItem, on the results of itemQuery, opens the item in context
// and leaves the focus on the queue; it reports whether it did.
func (m *Model) openedItem() bool {
	if m.rv.opening == "" {
		return false
	}
	what := m.rv.opening
	m.rv.opening = ""
	if m.res == nil || len(m.res.Hits) == 0 {
		m.setStatus("the rules of "+sanitize.Line(what)+" no longer find this message", true)
		return true
	}
	m.openHit(0)
	m.focusPane(paneLeft)
	m.setStatus("flagged by "+sanitize.Line(what)+" · matches highlighted · tab to read around it", false)
	return true
}

// nextPending returns the first row after i whose item has no decision,
// else i (or 0).
func (m *Model) nextPending(i int) int {
	q := m.openQueue()
	if q == nil {
		return 0
	}
	for j := i + 1; j < len(m.rv.shown); j++ {
		if _, ok := m.rv.sup.Verdict(q.Name, q.Items[m.rv.shown[j]].ID); !ok {
			return j
		}
	}
	return max(i, 0)
}

// reviewShow lists the open queue's items: all, or with mine those
// assigned to this member now.
func (m *Model) reviewShow() {
	m.rv.shown = m.rv.shown[:0]
	q := m.openQueue()
	if q == nil {
		return
	}
	me, _ := m.sess.Member()
	for i, it := range q.Items {
		if !m.rv.mine || m.rv.sup.Assignee(q.Name, it) == me {
			m.rv.shown = append(m.rv.shown, i)
		}
	}
	m.rv.items.SetLen(len(m.rv.shown))
}

// reviewItem is the item under the cursor of the open queue.
func (m *Model) reviewItem() (vault.QueueItem, bool) {
	q := m.openQueue()
	i := m.rv.items.Cursor()
	if q == nil || i < 0 || i >= len(m.rv.shown) {
		return vault.QueueItem{}, false
	}
	return q.Items[m.rv.shown[i]], true
}

// reviewKey handles the review pane's own keys, reporting whether it
// took msg.
func (m *Model) reviewKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.Keys
	q := m.openQueue()
	if q == nil {
		return nil, false
	}
	if key.Matches(msg, k.MineOnly) {
		m.rv.mine = !m.rv.mine
		m.reviewShow()
		m.rv.items.Select(m.nextPending(-1))
		if m.rv.mine {
			m.setStatus(fmt.Sprintf("only your items (%d) · m: all items", len(m.rv.shown)), false)
		} else {
			m.setStatus("all items · m: only yours", false)
		}
		return nil, true
	}
	it, ok := m.reviewItem()
	if !ok {
		return nil, false
	}
	i := m.rv.items.Cursor()
	item := it.ID
	kind := ""
	switch {
	case key.Matches(msg, k.DecideNoIssue):
		kind = vault.DecisionNoIssue
	case key.Matches(msg, k.DecideEscalate):
		kind = vault.DecisionEscalated
	case key.Matches(msg, k.DecideClose):
		kind = vault.DecisionClosed
	case key.Matches(msg, k.UndoDecision):
		return decideCmd(m.sess, vault.Decision{Queue: q.Name, Item: item, Kind: vault.DecisionUndone}), true
	case key.Matches(msg, k.Comment):
		m.rv.input.SetValue("")
		if m.rv.commentFor == item {
			m.rv.input.SetValue(m.rv.comment)
		}
		m.overlay = overlayComment
		return m.rv.input.Focus(), true
	default:
		return nil, false
	}
	d := vault.Decision{Queue: q.Name, Item: item, Kind: kind}
	if m.rv.commentFor == item {
		d.Comment = m.rv.comment
	}
	m.rv.comment, m.rv.commentFor = "", ""
	m.rv.items.Select(m.nextPending(i))
	return decideCmd(m.sess, d), true
}

// commentKey edits the comment dialog: enter keeps the comment for the
// item's next decision, esc drops it.
func (m *Model) commentKey(msg tea.KeyPressMsg) tea.Cmd {
	q := m.openQueue()
	switch msg.String() {
	case "esc":
		m.overlay = overlayNone
		m.rv.input.Blur()
		return nil
	case "enter":
		m.overlay = overlayNone
		m.rv.input.Blur()
		if it, ok := m.reviewItem(); q != nil && ok {
			m.rv.comment, m.rv.commentFor = strings.TrimSpace(m.rv.input.Value()), it.ID
			m.setStatus("comment kept for the next decision: 1, 2 or 3", false)
		}
		return nil
	}
	var cmd tea.Cmd
	m.rv.input, cmd = m.rv.input.Update(msg)
	common.CleanInput(&m.rv.input)
	return cmd
}

// commentLines is the comment dialog.
func (m *Model) commentLines(w int) []string {
	st := m.c.Styles
	return []string{
		st.Title.Render("Comment on this item"), "",
		m.rv.input.View(),
		"", st.Dim.Render("enter: keep it for the next decision (1, 2, 3) · esc: drop it"),
	}
}

// reviewBack leaves a queue's items for the list of queues, reporting
// whether it did.
func (m *Model) reviewBack() bool {
	if m.left != leftReview || m.rv.open < 0 {
		return false
	}
	m.rv.open = -1
	return true
}

func (m *Model) reviewTitle() string {
	if q := m.openQueue(); q != nil {
		pending := m.rv.counts[m.rv.open][1]
		mine := ""
		if m.rv.mine {
			mine = " · yours"
		}
		return fmt.Sprintf("%s · %d pending%s", sanitize.Line(q.Name), pending, mine)
	}
	n := 0
	if m.rv.sup != nil {
		n = len(m.rv.sup.Queues)
	}
	return fmt.Sprintf("Review queues (%d)", n)
}

func (m *Model) renderQueue(i, w int, sel bool) []string {
	q := &m.rv.sup.Queues[i]
	st := m.c.Styles
	flagged, pending := m.rv.counts[i][0], m.rv.counts[i][1]
	head := common.Trunc(sanitize.Line(q.Name)+" · v"+strconv.Itoa(q.Version), w)
	counts := common.Trunc(fmt.Sprintf("  %d pending · %d flagged · %d sampled", pending, flagged, len(q.Items)-flagged), w)
	if !sel || !m.rv.queues.Focused {
		head, counts = st.Sender.Render(head), st.Dim.Render(counts)
	}
	return []string{head, counts}
}

func (m *Model) renderItem(i, w int, sel bool) []string {
	q := m.openQueue()
	it := q.Items[m.rv.shown[i]]
	why := "sample"
	if len(it.Rules) > 0 {
		why = strings.Join(it.Rules, ", ")
	}
	state := "pending"
	d, decided := m.rv.sup.Verdict(q.Name, it.ID)
	if decided {
		state = d.Kind
	}
	head := common.Trunc(state+" · "+sanitize.Line(why), w)
	id := "  " + shortID(it.ID)
	if a := m.rv.sup.Assignee(q.Name, it); a != "" {
		id += " → " + sanitize.Line(a)
	}
	id = common.Trunc(id, w)
	if !sel || !m.rv.items.Focused {
		st := m.c.Styles
		if decided {
			return []string{st.Dim.Render(head), st.Dim.Render(id)}
		}
		return []string{st.Sender.Render(head), st.Dim.Render(id)}
	}
	return []string{head, id}
}

// shortID is the start of a message id, as the pane shows it.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// reviewHints are the status-bar keys of the review pane.
func (m *Model) reviewHints() []key.Binding {
	k := m.c.Keys
	if m.openQueue() == nil {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the queue")), k.ReviewPane, k.Quit}
	}
	short := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read it")),
		short(k.DecideNoIssue, "no issue"), short(k.DecideEscalate, "escalate"), short(k.DecideClose, "closed"),
		short(k.Comment, "comment"), short(k.UndoDecision, "undo"), short(k.MineOnly, "mine/all"), k.Back,
	}
}
