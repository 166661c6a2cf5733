// Package browse is the reviewer's main screen: conversations (or tags)
// on the left, the open conversation or the search results on the right,
// and the overlays (detail, help, tag picker, confirmation) above them.
//
// Content reaches this page only in viewedMsg and detailMsg, which the
// session sends after the audit record is durable. Until then a message
// is drawn as a placeholder; if the record fails, as an error.
package browse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/components/list"
	"coffer/ui/components/msgpane"
	"coffer/ui/components/picker"
	"coffer/ui/lookalike"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/access"
)

// searchLimit is how many hits a search lists (the total is always
// counted); tag-all works on every hit.
const searchLimit = 500

type pane int

const (
	paneLeft pane = iota
	paneRight
)

type leftMode int

const (
	leftConvs leftMode = iota
	leftTags
	leftSaved
	leftPolicies
	leftReview
)

type rightMode int

const (
	rightConversation rightMode = iota
	rightResults
)

type overlay int

const (
	overlayNone overlay = iota
	overlayDetail
	overlayHelp
	overlayPicker
	overlayConfirm
	overlaySearch
	overlayFilter
	overlayProduce
	overlaySaveName
	overlayRemoveSaved
	overlayAttach  // the attachments of the message in detail
	overlayPager   // one attachment, or a command's output
	overlayComment // a comment for a review decision
)

// Conversation sort orders, cycled with s.
var sortNames = []string{"last activity", "title", "messages"}

// Search result orders, cycled with s in the results.
var resultSorts = []struct {
	name string
	sort access.Sort
}{{"newest", access.Newest}, {"oldest", access.Oldest}, {"relevance", access.Relevance}}

// Model is the browse page. It is used through a pointer: the list
// components render through closures over it.
type Model struct {
	c    common.Common
	sess *access.Session
	dir  *access.Directory
	loc  *time.Location
	// name and member head the screen: the vault's name and who unlocked.
	name, member string

	ixOpen  bool // search works (text may still be indexing)
	ixProg  access.IndexProgress
	ixReady bool
	ixErr   error
	cancel  context.CancelFunc
	bg      context.Context // ended by cancel: what background work runs in

	tags      map[string][]string
	tagCounts []vault.Count

	focus pane
	left  leftMode
	right rightMode

	order   []int // conversations shown, as indices into dir.Convs
	sortBy  int
	filter  string
	convs   list.Model
	tagList list.Model
	// saved is the vault's saved searches as last read, savedList their
	// pane.
	saved     []vault.SavedSearch
	savedList list.Model
	// rules are the policies' rules as last read, ruleList their pane;
	// ruleRun names the rule whose search is running, for the status.
	rules    []policyRule
	ruleList list.Model
	ruleRun  string
	// rv is the review pane (queues.go).
	rv reviewState

	conv int // the open conversation, -1 for none
	msgs msgpane.Model
	// threaded shows conversations as reply trees (v toggles); rows and
	// depth are the open one's layout (pane item -> position, depth),
	// rowOf its inverse; nil in time order.
	threaded           bool
	rows, depth, rowOf []int

	// Content recorded for the current context (an open conversation, or
	// a result list); ctx changes with the context, so late replies for
	// an old one are dropped.
	ctx     int
	shown   map[string]*vault.Message
	pending map[string]bool
	viewErr error

	input textinput.Model
	// prefilled: the box holds the last query as it reopened; the first
	// letter typed replaces it, a move or a deletion edits it.
	prefilled bool
	// completions are what tab offered when it could not choose.
	completions []string
	history     []string
	histPos     int
	seq         int
	resSort     int // index into resultSorts
	res         *access.Results
	hits        list.Model
	hitPos      int // the hit opened in context, for n/N
	hitHL       map[string][]access.Span
	// flags are what the supervision policies flag (flags.go), flagHL
	// the highlights of the flagged messages shown (nil: asked for).
	flags    *access.Flags
	flagHL   map[string][]access.Span
	flagConv map[int]int // flagged messages by conversation (index in dir.Convs)
	qErr     error
	busy     bool

	overlay     overlay
	helpReturn  overlay // where the help overlay goes back to
	pickReturn  overlay // where the tag dialog goes back to (none, or detail)
	detailID    string
	detail      *vault.Message
	detailErr   error
	detailTop   int
	picker      picker.Model
	pickAdd     bool
	pickAll     bool
	pickIDs     []string
	confirmTag  string
	confirmIDs  []string
	filterInput textinput.Model
	prod        *produceForm // the production dialog (produce.go)
	// The dialog that names a search to save: the query, what it returns
	// to, the name typed and why it was refused.
	saveInput  textinput.Model
	saveQuery  string
	saveReturn overlay
	saveErr    string
	// removeName is the saved search the removal dialog asks about.
	removeName string
	att        attachState

	// suspects caches lookalike.Check of each conversation's participants.
	suspects map[int]map[string]string

	status    string
	statusErr bool
	// lockIn, when not zero, is the time left before the idle lock.
	lockIn time.Duration
}

// New returns the page for a loaded session whose conversation list dir
// was recorded as shown, with the index build under way once Init's
// command runs.
func New(c common.Common, s *access.Session, dir *access.Directory, loc *time.Location) *Model {
	if loc == nil {
		loc = time.Local
	}
	m := &Model{c: c, sess: s, dir: dir, loc: loc, conv: -1, shown: map[string]*vault.Message{}, pending: map[string]bool{}}
	if man := s.Manifest(); man != nil {
		m.name = man.Name
	}
	m.member, _ = s.Member()
	m.tags = s.Tags()
	m.convs = list.New(c, 2, m.renderConv)
	m.convs.Empty = "no conversations"
	m.tagList = list.New(c, 1, m.renderTag)
	m.tagList.Empty = "no tags yet: t tags a message"
	m.savedList = list.New(c, 2, m.renderSaved)
	m.savedList.Empty = "no saved searches yet: ctrl+s saves a search"
	m.ruleList = list.New(c, 2, m.renderRule)
	m.ruleList.Empty = "no policies yet: coffer policy add or import makes them"
	m.initReview(c)
	m.hits = list.New(c, 2, m.renderHit)
	m.hits.Empty = "no matches"
	m.msgs = msgpane.New(c, m.renderMessage)
	m.msgs.Empty = "select a conversation (enter)"
	m.input = newInput(c, "/ ")
	m.filterInput = newInput(c, "filter> ")
	m.saveInput = newInput(c, "name: ")
	m.saveInput.CharLimit = 64
	m.recount()
	m.applyOrder()
	m.focusPane(paneLeft)
	return m
}

func newInput(c common.Common, prompt string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.CharLimit = 1024
	ti.SetStyles(common.InputStyles(c))
	return ti
}

// Init starts indexing.
func (m *Model) Init() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.bg = cancel, ctx
	return startIndex(ctx, m.sess)
}

// Close drops the page's references to plaintext and stops (and
// closes) the index.
func (m *Model) Close() {
	if m.cancel != nil {
		m.cancel()
	}
	m.ixOpen = false
	m.closeAttachments()
	m.dir, m.shown, m.detail, m.res, m.tags, m.hitHL = nil, nil, nil, nil, nil, nil
	m.flags, m.flagHL, m.flagConv = nil, nil, nil
	m.msgs.Invalidate()
}

// suspect says why sender's name is suspect in conversation conv (mixed
// scripts, or a lookalike of another participant), or "".
func (m *Model) suspect(conv int, sender string) string {
	if sender == "" || conv < 0 || conv >= len(m.dir.Convs) {
		return ""
	}
	if m.suspects == nil {
		m.suspects = map[int]map[string]string{}
	}
	s, ok := m.suspects[conv]
	if !ok {
		s = lookalike.Check(m.dir.Convs[conv].Participants)
		m.suspects[conv] = s
	}
	if why, ok := s[sender]; ok {
		return why
	}
	if sc := lookalike.Scripts(sender); sc != nil { // a sender not among the participants
		return "mixes " + strings.Join(sc, " and ") + " letters"
	}
	return ""
}

// SetLockCountdown shows the time left before the idle lock in the
// status bar; 0 hides it.
func (m *Model) SetLockCountdown(d time.Duration) { m.lockIn = d }

// Invalidate drops rendered message blocks (the width method changed).
func (m *Model) Invalidate() { m.msgs.Invalidate() }

// Searching reports whether the search box is open.
func (m *Model) Searching() bool { return m.overlay == overlaySearch }

// SetSize lays the page out.
func (m *Model) SetSize(c common.Common) {
	m.c = c
	lw, rw, bh := m.layout()
	m.convs.SetSize(c, lw, bh-1)
	m.tagList.SetSize(c, lw, bh-1)
	m.savedList.SetSize(c, lw, bh-1)
	m.ruleList.SetSize(c, lw, bh-1)
	m.rv.queues.SetSize(c, lw, bh-1)
	m.rv.items.SetSize(c, lw, bh-1)
	m.rv.input.SetWidth(max(min(c.Width-2, 72)-14, 10))
	m.rv.input.SetStyles(common.InputStyles(c))
	m.saveInput.SetWidth(max(min(c.Width-2, 72)-14, 10))
	m.saveInput.SetStyles(common.InputStyles(c))
	m.msgs.SetSize(c, rw, bh-1)
	m.hits.SetSize(c, rw, max(bh-1-m.facetLines(), 1))
	m.input.SetWidth(max(rw-4, 10))
	m.input.SetStyles(common.InputStyles(c))
	m.filterInput.SetStyles(common.InputStyles(c))
	m.filterInput.SetWidth(max(lw-10, 5))
}

// layout returns the left and right pane widths and the body height.
func (m *Model) layout() (int, int, int) {
	w := m.c.Width
	lw := max(min(w*32/100, 44), 20)
	if w < 50 {
		lw = w / 2
	}
	return lw, max(w-lw-1, 1), max(m.c.Height-2, 2)
}

func (m *Model) facetLines() int {
	if m.res == nil || m.res.Facets == nil {
		return 1
	}
	if m.c.Height >= 40 {
		return 4
	}
	return 2
}

// plural counts what in words: "1 match", "2 matches", "1 message".
func plural(n int, what string) string {
	switch {
	case n == 1:
		return "1 " + what
	case strings.HasSuffix(what, "ch") || strings.HasSuffix(what, "s") || strings.HasSuffix(what, "x"):
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (m *Model) focusPane(p pane) {
	m.focus = p
	m.convs.Focused = p == paneLeft
	m.tagList.Focused = p == paneLeft
	m.savedList.Focused = p == paneLeft
	m.ruleList.Focused = p == paneLeft
	m.rv.queues.Focused = p == paneLeft
	m.rv.items.Focused = p == paneLeft
	m.msgs.Focused = p == paneRight
	m.hits.Focused = p == paneRight
}

// newContext forgets what was recorded for the previous context: what
// is drawn next is recorded again.
func (m *Model) newContext() {
	m.ctx++
	m.shown = map[string]*vault.Message{}
	m.pending = map[string]bool{}
	m.viewErr = nil
	m.msgs.Invalidate()
}

// openConv opens conversation ci with the cursor on message pos (-1: the
// newest).
func (m *Model) openConv(ci, pos int) {
	m.newContext()
	m.conv = ci
	m.right = rightConversation
	c := &m.dir.Convs[ci]
	m.setLayout()
	times := c.Times
	if m.threaded {
		times = nil // no day rules in a tree
	}
	m.msgs.SetItems(len(c.IDs), times, m.loc)
	if pos >= 0 {
		m.msgs.Select(m.item(pos))
	}
}

// selectedIDs is what t and T act on: the message under the cursor.
func (m *Model) selectedID() string {
	switch m.right {
	case rightConversation:
		if m.conv >= 0 && m.msgs.Cursor() >= 0 {
			return m.dir.Convs[m.conv].IDs[m.pos(m.msgs.Cursor())]
		}
	case rightResults:
		if m.res != nil && m.hits.Cursor() >= 0 {
			return m.res.Hits[m.hits.Cursor()].ID
		}
	}
	return ""
}

// requestViews records the messages on screen that are not recorded yet.
func (m *Model) requestViews() tea.Cmd {
	var ids []string
	conv := ""
	switch m.right {
	case rightConversation:
		if m.conv < 0 {
			return nil
		}
		c := &m.dir.Convs[m.conv]
		from, to := m.msgs.Visible()
		for i := from; i < to; i++ {
			if id := c.IDs[m.pos(i)]; m.shown[id] == nil && !m.pending[id] {
				ids = append(ids, id)
			}
		}
		conv = c.ID
	case rightResults:
		if m.res == nil {
			return nil
		}
		from, to := m.hits.Visible()
		for _, h := range m.res.Hits[from:to] {
			if m.shown[h.ID] == nil && !m.pending[h.ID] {
				ids = append(ids, h.ID)
			}
		}
	}
	if len(ids) == 0 || m.viewErr != nil {
		return nil
	}
	for _, id := range ids {
		m.pending[id] = true
	}
	return viewCmd(m.sess, m.ctx, conv, ids)
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = s, isErr
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	cmd := m.update(msg)
	return tea.Batch(cmd, m.requestViews())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ixMsg:
		if msg.open {
			m.ixOpen = true
		}
		m.ixProg = msg.prog
		if msg.done {
			m.ixReady = msg.err == nil
			m.ixErr = msg.err
			if msg.err != nil && msg.err != context.Canceled {
				m.setStatus("indexing failed: "+msg.err.Error(), true)
				return nil
			}
			if msg.err == nil {
				return flagsCmd(m.bg, m.sess)
			}
			return nil
		}
		return listenIndex(msg.ch)
	case viewedMsg:
		if msg.ctx != m.ctx {
			return nil
		}
		for _, id := range msg.ids {
			delete(m.pending, id)
		}
		if msg.err != nil {
			m.viewErr = msg.err
			m.setStatus(msg.err.Error(), true)
			m.msgs.Invalidate()
			return nil
		}
		for i, id := range msg.ids {
			m.shown[id] = msg.msgs[i]
			if p, ok := m.dir.Place(id); ok && p.Conv == m.conv {
				m.msgs.InvalidateItem(m.item(p.Pos))
				m.msgs.InvalidateItem(m.item(p.Pos + 1)) // a reply below may quote it
			}
		}
		m.msgs.Refresh() // heights changed: keep the cursor in view, the pane full
		return m.wantFlagSpans(msg.ids)
	case detailMsg:
		if msg.id == m.detailID {
			m.detail, m.detailErr = msg.msg, msg.err
		}
		return nil
	case searchMsg:
		return m.updateSearch(msg)
	case produceCountMsg, producedMsg:
		return m.produceUpdate(msg)
	case savedListMsg, savedMsg, removedSavedMsg:
		return m.updateSaved(msg)
	case policiesMsg:
		m.updatePolicies(msg)
		return nil
	case supervisionMsg, decidedMsg:
		return m.updateReview(msg)
	case flagsMsg, flagSpansMsg:
		return m.updateFlags(msg)
	case allHitsMsg:
		if msg.err != nil {
			m.setStatus(msg.err.Error(), true)
			return nil
		}
		m.confirmTag, m.confirmIDs = msg.tag, msg.ids
		m.overlay = overlayConfirm
		return nil
	case taggedMsg:
		if msg.err != nil {
			m.setStatus("tag not changed: "+msg.err.Error(), true)
			return nil
		}
		requery := m.countTagFacet(msg)
		for id, ts := range msg.tags {
			if len(ts) == 0 {
				delete(m.tags, id)
			} else {
				m.tags[id] = ts
			}
		}
		m.recount()
		m.msgs.Invalidate()
		verb := "tagged"
		if !msg.add {
			verb = "untagged"
		}
		m.setStatus(fmt.Sprintf("%s %s: %s", verb, plural(len(msg.tags), "message"), sanitize.Line(msg.tag)), false)
		if requery {
			return facetsCmd(m.sess, m.seq, m.res.Query)
		}
		return nil
	case copiedMsg:
		if msg.err != nil {
			m.setStatus("not copied: "+msg.err.Error(), true)
			return nil
		}
		m.setStatus("copied the "+msg.what+" (recorded)", false)
		return tea.SetClipboard(sanitize.Line(msg.text))
	case attachViewedMsg, attachSavedMsg, attachPipedMsg:
		return m.attachUpdate(msg)
	case facetsMsg:
		if msg.seq == m.seq && m.res != nil {
			m.res.Facets = msg.facets
		}
		return nil
	case tea.MouseWheelMsg:
		return m.wheel(msg)
	case tea.MouseClickMsg:
		return m.click(msg)
	case tea.PasteMsg:
		return m.updateOverlayInput(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) updateOverlayInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.overlay {
	case overlaySearch:
		m.input, cmd = m.input.Update(msg)
		common.CleanInput(&m.input)
	case overlayFilter:
		m.filterInput, cmd = m.filterInput.Update(msg)
		common.CleanInput(&m.filterInput)
		m.setFilter(m.filterInput.Value())
	case overlayPicker:
		m.picker, cmd = m.picker.Update(msg)
	case overlaySaveName:
		m.saveInput, cmd = m.saveInput.Update(msg)
		common.CleanInput(&m.saveInput)
	case overlayComment:
		m.rv.input, cmd = m.rv.input.Update(msg)
		common.CleanInput(&m.rv.input)
	case overlayAttach, overlayPager:
		if m.att.prompt == promptSave || m.att.prompt == promptPipe {
			m.att.input, cmd = m.att.input.Update(msg)
			common.CleanInput(&m.att.input)
		}
	}
	return cmd
}
