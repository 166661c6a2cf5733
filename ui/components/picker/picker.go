// Package picker is the tag picker: a one-line input with completion from
// the tags already in use (tab accepts the first match) and a short list
// of the matches below it.
package picker

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/sanitize"
)

// Model is the picker state.
type Model struct {
	common  common.Common
	Title   string
	input   textinput.Model
	options []string
}

// New returns a focused picker offering options.
func New(c common.Common, title string, options []string) (Model, tea.Cmd) {
	ti := textinput.New()
	ti.Prompt = "tag> "
	ti.CharLimit = 64
	ti.ShowSuggestions = true
	ti.SetSuggestions(options)
	ti.SetStyles(common.InputStyles(c))
	ti.SetWidth(40)
	cmd := ti.Focus()
	return Model{common: c, Title: title, input: ti, options: options}, cmd
}

// Value is the typed tag.
func (m Model) Value() string { return strings.TrimSpace(m.input.Value()) }

// Update handles typing and completion.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	common.CleanInput(&m.input)
	return m, cmd
}

// Matches are the options that start with (or contain) the typed text.
func (m Model) Matches() []string {
	v := strings.ToLower(m.Value())
	var pre, in []string
	for _, o := range m.options {
		lo := strings.ToLower(o)
		switch {
		case strings.HasPrefix(lo, v):
			pre = append(pre, o)
		case strings.Contains(lo, v):
			in = append(in, o)
		}
	}
	return append(pre, in...)
}

// View renders the picker as lines for an overlay of width w.
func (m Model) View(w int) []string {
	s := m.common.Styles
	m.input.SetWidth(max(w-8, 8))
	out := []string{s.Title.Render(common.Trunc(sanitize.Line(m.Title), w)), "", m.input.View(), ""}
	ms := m.Matches()
	if len(ms) == 0 && m.Value() != "" {
		out = append(out, s.Dim.Render("new tag"))
	}
	for i, o := range ms {
		if i == 6 {
			out = append(out, s.Dim.Render("…"))
			break
		}
		out = append(out, "  "+s.Chip.Render(" "+common.Trunc(sanitize.Line(o), w-6)+" "))
	}
	out = append(out, "", s.Dim.Render("tab complete · enter apply · esc cancel"))
	return out
}
