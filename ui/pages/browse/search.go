package browse

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/sanitize"
	"coffer/vault/access"
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
	if msg.String() != "tab" {
		m.completions = nil
	}
	if key.Matches(msg, m.c.Keys.SaveSearch) {
		return m.openSaveName(m.input.Value(), overlaySearch)
	}
	switch msg.String() {
	case "tab":
		m.complete()
		return nil
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
	m.remember(q)
	m.seq++
	m.busy = true
	return searchCmd(m.sess, m.seq, q, resultSorts[m.resSort].sort)
}

// remember puts q last in the (in-memory) history and in the box, closed.
func (m *Model) remember(q string) {
	if i := slices.Index(m.history, q); i >= 0 {
		m.history = slices.Delete(m.history, i, i+1)
	}
	m.history = append(m.history, q)
	m.histPos = len(m.history)
	m.overlay = overlayNone
	m.input.Blur()
	m.input.SetValue(q)
}

// completionFields are the fields tab offers, in the order shown.
var completionFields = []string{"from:", "to:", "in:", "tag:", "source:", "subject:", "has:attachment", "attachment:", "date:", "after:", "before:", "id:", "policy:"}

// complete completes the word before the cursor in the search box: a
// field name, or the value of from:, to:, in:, tag: and source: from what
// the conversation list (already recorded as shown) and the tags hold.
// One candidate is filled in; several fill in what they share and are
// listed under the box.
func (m *Model) complete() {
	v := m.input.Value()
	cur := m.input.Position()
	runes := []rune(v)
	cur = min(cur, len(runes))
	start := cur
	for start > 0 && runes[start-1] != ' ' && runes[start-1] != '(' {
		start--
	}
	word := string(runes[start:cur])
	neg := ""
	if strings.HasPrefix(word, "-") {
		neg, word = "-", word[1:]
	}
	var cands []string
	field, val, hasField := strings.Cut(word, ":")
	if !hasField {
		for _, f := range completionFields {
			if strings.HasPrefix(f, strings.ToLower(word)) {
				cands = append(cands, f)
			}
		}
	} else {
		val = strings.TrimPrefix(val, `"`)
		for _, c := range m.fieldValues(strings.ToLower(field)) {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(val)) {
				q := c
				if strings.ContainsAny(c, ` ():"`) {
					q = `"` + strings.ReplaceAll(c, `"`, "") + `"`
				}
				cands = append(cands, field+":"+q)
			}
		}
	}
	m.completions = nil
	switch len(cands) {
	case 0:
		return
	case 1:
		fill := cands[0]
		if !strings.HasSuffix(fill, ":") {
			fill += " "
		}
		m.setInput(string(runes[:start])+neg+fill+string(runes[cur:]), start+len([]rune(neg+fill)))
	default:
		m.completions = cands
		shared := cands[0]
		for _, c := range cands[1:] {
			for !strings.HasPrefix(c, shared) {
				_, n := utf8.DecodeLastRuneInString(shared)
				shared = shared[:len(shared)-n]
			}
		}
		if len([]rune(shared)) > len([]rune(word)) {
			m.setInput(string(runes[:start])+neg+shared+string(runes[cur:]), start+len([]rune(neg+shared)))
		}
	}
}

func (m *Model) setInput(v string, cursor int) {
	m.input.SetValue(v)
	m.input.SetCursor(cursor)
}

// fieldValues are the values tab offers after field:, sorted, at most a
// few hundred.
func (m *Model) fieldValues(field string) []string {
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && len(seen) < 500 {
			seen[s] = true
		}
	}
	switch field {
	case "from", "to", "with":
		for _, c := range m.dir.Convs {
			for _, p := range c.Participants {
				add(p)
			}
		}
	case "in":
		for _, c := range m.dir.Convs {
			add(c.Title)
		}
	case "source":
		for _, c := range m.dir.Convs {
			add(c.Source)
		}
	case "tag":
		for _, t := range m.tagCounts {
			add(t.Name)
		}
	case "has":
		add("attachment")
	case "policy":
		for _, r := range m.flags.Rules() {
			add(r.Policy)
			add(r.Policy + "/" + r.Rule)
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// updateSearch shows the results of a search, or its error in the box.
func (m *Model) updateSearch(msg searchMsg) tea.Cmd {
	if msg.seq != m.seq {
		return nil
	}
	m.busy = false
	if msg.err != nil && msg.saved != "" {
		m.setStatus("saved search "+msg.saved+" not run: "+msg.err.Error(), true)
		return nil
	}
	if msg.err != nil {
		m.rv.opening = ""
		m.qErr = msg.err
		m.overlay = overlaySearch
		return m.input.Focus()
	}
	m.qErr = nil
	m.res = msg.res
	m.hitHL = map[string][]access.Span{}
	for _, h := range m.res.Hits {
		m.hitHL[h.ID] = h.Highlights
	}
	m.newContext()
	m.right = rightResults
	m.hits.SetLen(len(m.res.Hits))
	m.hits.Select(0)
	m.hitPos = -1
	m.SetSize(m.c)
	m.focusPane(paneRight)
	m.setStatus(fmt.Sprintf("%s for %s", plural(m.res.Total, "match"), sanitize.Line(m.res.Query)), false)
	if msg.saved != "" {
		m.setStatus(fmt.Sprintf("%s for the saved search %s: %s", plural(m.res.Total, "match"), sanitize.Line(msg.saved), sanitize.Line(m.res.Query)), false)
	}
	if m.ruleRun != "" {
		m.setStatus(fmt.Sprintf("%s for the rule %s: %s", plural(m.res.Total, "match"), sanitize.Line(m.ruleRun), sanitize.Line(m.res.Query)), false)
		m.ruleRun = ""
	}
	m.openedItem()
	return nil
}
