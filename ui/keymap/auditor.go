package keymap

import "charm.land/bubbles/v2/key"

// Auditor is the auditor's screen's bindings: the reviewer's moves, and
// keys of its own. Its help and status-bar hints are generated from them.
type Auditor struct {
	Up, Down, Top, Bottom, HalfDown, HalfUp, PageDown, PageUp key.Binding

	Filter, Open, Back, IDs, Reload, Help, Quit key.Binding

	// In the filter box, a text field: only enter and esc are keys.
	Keep, Clear key.Binding
}

// Auditor returns the auditor's bindings, sharing k's moves.
func (k KeyMap) Auditor() Auditor {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Auditor{
		Up: k.Up, Down: k.Down, Top: k.Top, Bottom: k.Bottom,
		HalfDown: k.HalfDown, HalfUp: k.HalfUp, PageDown: k.PageDown, PageUp: k.PageUp,

		Filter: b([]string{"/", "f"}, "/", "filter"),
		Open:   b([]string{"enter"}, "enter", "detail"),
		Back:   b([]string{"esc"}, "esc", "back, clear filter"),
		IDs:    b([]string{"i"}, "i", "show ids"),
		Reload: b([]string{"r"}, "r", "verify again"),
		Help:   k.Help,
		Quit:   b([]string{"q", "ctrl+c"}, "q", "quit"),

		Keep:  b([]string{"enter"}, "enter", "keep the filter"),
		Clear: b([]string{"esc"}, "esc", "clear it"),
	}
}

// ShortHelp is the status-bar hint of the table of events.
func (a Auditor) ShortHelp() []key.Binding {
	return []key.Binding{a.Filter, a.Open, a.IDs, a.Help, a.Quit}
}

// DetailHelp is the status-bar hint of one event in detail, where esc
// only goes back.
func (a Auditor) DetailHelp() []key.Binding {
	back := a.Back
	back.SetHelp(back.Help().Key, "back")
	return []key.Binding{a.Down, a.Up, a.IDs, back}
}

// FilterHelp is the status-bar hint while the filter is typed.
func (a Auditor) FilterHelp() []key.Binding { return []key.Binding{a.Keep, a.Clear} }

// FullHelp is the help screen, by theme.
func (a Auditor) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{a.Up, a.Down, a.Top, a.Bottom, a.HalfDown, a.HalfUp, a.PageDown, a.PageUp},
		{a.Filter, a.Open, a.Back, a.IDs, a.Reload, a.Help, a.Quit},
	}
}
