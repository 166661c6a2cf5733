// Package keymap holds every key binding of the TUI. The help screen and
// the status-bar hints are generated from these bindings, so what the
// help says is what the keys do.
package keymap

import "charm.land/bubbles/v2/key"

// KeyMap is the reviewer's and the auditor's bindings.
type KeyMap struct {
	Up, Down, Top, Bottom, HalfDown, HalfUp, PageDown, PageUp key.Binding

	NextPane, Open, Back, Quit, Help, Lock key.Binding

	Search, NextHit, PrevHit key.Binding
	NextFlag                 key.Binding // the next message the policies flag
	NextMsg, PrevMsg         key.Binding // in message detail
	ResultSort               key.Binding
	Sort, Filter             key.Binding

	Tag, Untag, TagAll, TagsPane key.Binding
	Produce                      key.Binding
	SavedPane, SaveSearch        key.Binding
	RemoveSaved                  key.Binding
	PoliciesPane                 key.Binding
	// The review pane: queues of supervision, decided an item at a time.
	ReviewPane                                 key.Binding
	DecideNoIssue, DecideEscalate, DecideClose key.Binding
	Comment, UndoDecision, MineOnly            key.Binding
	CopyID, CopyCitation                       key.Binding
	Thread                                     key.Binding
	// In message detail and its attachments.
	Attachments, AttachOpen, AttachSave, AttachPipe key.Binding

	Confirm, Cancel key.Binding
}

// Default returns the bindings described in the README.
func Default() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b([]string{"k", "up"}, "k/↑", "up"),
		Down:     b([]string{"j", "down"}, "j/↓", "down"),
		Top:      b([]string{"g", "home"}, "g", "first"),
		Bottom:   b([]string{"G", "end"}, "G", "last"),
		HalfDown: b([]string{"ctrl+d"}, "ctrl+d", "half page down"),
		HalfUp:   b([]string{"ctrl+u"}, "ctrl+u", "half page up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
		PageUp:   b([]string{"pgup"}, "pgup", "page up"),

		NextPane: b([]string{"tab", "shift+tab"}, "tab", "next pane"),
		Open:     b([]string{"enter"}, "enter", "open"),
		Back:     b([]string{"esc"}, "esc", "back"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "back/quit"),
		Help:     b([]string{"?"}, "?", "help"),
		Lock:     b([]string{"ctrl+l"}, "ctrl+l", "lock now"),

		Search:  b([]string{"/"}, "/", "search"),
		NextHit: b([]string{"n"}, "n", "next hit"),
		PrevHit: b([]string{"N"}, "N", "previous hit"),
		// F, for flag: the next message of the conversation that a
		// supervision policy flags.
		NextFlag: b([]string{"F"}, "F", "next flagged message in the conversation"),
		Sort:     b([]string{"s"}, "s", "sort conversations"),
		NextMsg:  b([]string{"J"}, "J", "next message"),
		PrevMsg:  b([]string{"K"}, "K", "previous message"),
		// In search results s sorts the results, not the conversations.
		ResultSort: b([]string{"s"}, "s", "sort results (newest, oldest, relevance)"),
		Filter:     b([]string{"f"}, "f", "filter conversations"),

		Tag:      b([]string{"t"}, "t", "tag message"),
		Untag:    b([]string{"T"}, "T", "remove tag"),
		TagAll:   b([]string{"A"}, "A", "tag all results"),
		TagsPane: b([]string{"#"}, "#", "tags pane"),
		Produce:  b([]string{"P"}, "P", "produce results (or the tag) for another party"),

		// Saved searches: S lists them (enter runs one); ctrl+s, which
		// the search box leaves to it as it is no letter, names the
		// search typed or shown and saves it for every member.
		SavedPane:  b([]string{"S"}, "S", "saved searches pane"),
		SaveSearch: b([]string{"ctrl+s"}, "ctrl+s", "save this search (type a name)"),
		// D, as the pane's only change, cannot be typed by mistake for d.
		RemoveSaved: b([]string{"D"}, "D", "remove the saved search (in its pane)"),
		// L, for lexicon: the supervision policies' rules (enter searches one).
		PoliciesPane: b([]string{"L"}, "L", "policies pane (their rules)"),
		// R, for review: the supervision queues; in a queue's items one
		// key decides (1 no issue, 2 escalated and tagged, 3 closed).
		ReviewPane:     b([]string{"R"}, "R", "review queues pane"),
		DecideNoIssue:  b([]string{"1"}, "1", "queue item: no issue"),
		DecideEscalate: b([]string{"2"}, "2", "queue item: escalate, tag it"),
		DecideClose:    b([]string{"3"}, "3", "queue item: closed with action"),
		Comment:        b([]string{"c"}, "c", "queue item: comment"),
		UndoDecision:   b([]string{"u"}, "u", "queue item: undo decision"),
		MineOnly:       b([]string{"m"}, "m", "queue: your items only / all"),

		Thread:       b([]string{"v"}, "v", "thread view / time order"),
		CopyID:       b([]string{"y"}, "y", "copy the message's id"),
		CopyCitation: b([]string{"Y"}, "Y", "copy a citation (vault, conversation, date, sender, id)"),

		Attachments: b([]string{"a"}, "a", "attachments"),
		AttachOpen:  b([]string{"enter", "o"}, "enter/o", "view attachment"),
		AttachSave:  b([]string{"s"}, "s", "save to a file"),
		AttachPipe:  b([]string{"|"}, "|", "pipe to a command"),

		// In the tag dialog, a text field, letters are the tag's: there
		// only enter and esc confirm and cancel.
		Confirm: b([]string{"y", "Y", "enter"}, "y/enter", "confirm"),
		Cancel:  b([]string{"n", "N", "esc", "q"}, "n/esc", "cancel"),
	}
}

// ShortHelp is the status-bar hint.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.NextPane, k.Tag, k.Help, k.Quit}
}

// FullHelp is the help screen, by theme.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp},
		{k.NextPane, k.Open, k.Back, k.Quit, k.Help, k.Lock, k.Sort, k.Filter, k.Thread},
		{k.Search, k.NextHit, k.PrevHit, k.NextFlag, k.ResultSort, k.Tag, k.Untag, k.TagAll, k.TagsPane, k.Produce, k.SavedPane, k.SaveSearch, k.RemoveSaved, k.PoliciesPane},
		{k.NextMsg, k.PrevMsg, k.CopyID, k.CopyCitation},
		{k.ReviewPane, k.DecideNoIssue, k.DecideEscalate, k.DecideClose, k.Comment, k.UndoDecision, k.MineOnly},
		{k.Attachments, k.AttachOpen, k.AttachSave, k.AttachPipe},
		{k.Confirm, k.Cancel},
	}
}

// DetailHelp is the help of the message detail view.
func (k KeyMap) DetailHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Down, k.Up, k.Top, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp},
		{k.NextMsg, k.PrevMsg, k.Tag, k.Untag, k.CopyID, k.CopyCitation, k.Attachments, k.Back, k.Help, k.Lock},
	}
}

// AttachHelp is the help of the attachment list and the pager: every
// attachment leaves through these keys, each recorded first.
func (k KeyMap) AttachHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Down, k.Up, k.Top, k.Bottom, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp},
		{k.AttachOpen, k.AttachSave, k.AttachPipe, k.Back, k.Help, k.Lock},
	}
}

// AttachCheatsheet is Cheatsheet for the attachment list and the pager.
func (k KeyMap) AttachCheatsheet() []string { return cheatsheet(k.AttachHelp()) }

// DetailCheatsheet is Cheatsheet for the message detail view.
func (k KeyMap) DetailCheatsheet() []string { return cheatsheet(k.DetailHelp()) }

// Cheatsheet renders FullHelp as plain lines ("key  description"), for
// the help overlay and for documentation.
func (k KeyMap) Cheatsheet() []string { return cheatsheet(k.FullHelp()) }

func cheatsheet(groups [][]key.Binding) []string {
	var out []string
	for _, group := range groups {
		for _, b := range group {
			h := b.Help()
			out = append(out, padRight(h.Key, 8)+"  "+h.Desc)
		}
		out = append(out, "")
	}
	return out[:len(out)-1]
}

func padRight(s string, n int) string {
	for len([]rune(s)) < n {
		s += " "
	}
	return s
}
