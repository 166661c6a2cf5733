// Package styles holds every colour and text style of the TUI in one
// Styles value, so no component picks a colour inline and NO_COLOR or a
// light terminal changes the whole interface at once.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is the palette and the text styles derived from it.
type Styles struct {
	NoColor bool
	Dark    bool

	App       lipgloss.Style
	Header    lipgloss.Style // the top bar
	HeaderDim lipgloss.Style
	Status    lipgloss.Style // the bottom bar
	StatusKey lipgloss.Style
	StatusErr lipgloss.Style
	StatusOK  lipgloss.Style

	Pane        lipgloss.Style // unfocused pane title
	PaneFocused lipgloss.Style // focused pane title
	Border      lipgloss.Style // vertical separator

	Selected    lipgloss.Style // the cursor row
	Dim         lipgloss.Style
	Sender      lipgloss.Style
	Time        lipgloss.Style
	DaySep      lipgloss.Style
	Quote       lipgloss.Style
	Edited      lipgloss.Style
	Attachment  lipgloss.Style
	Chip        lipgloss.Style // a tag
	Highlight   lipgloss.Style // a search hit inside text
	Error       lipgloss.Style
	Warning     lipgloss.Style
	OK          lipgloss.Style
	Title       lipgloss.Style
	Overlay     lipgloss.Style // box around the detail, help and pickers
	Placeholder lipgloss.Style
	Prompt      lipgloss.Style
}

// New returns the styles for a dark or light background. noColor keeps
// only attributes (bold, reverse, underline): NO_COLOR asks for no
// colour, not for no emphasis.
func New(dark, noColor bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkC string) color.Color {
		if noColor {
			return nil
		}
		return ld(lipgloss.Color(light), lipgloss.Color(darkC))
	}
	fg := func(st lipgloss.Style, col color.Color) lipgloss.Style {
		if col == nil {
			return st
		}
		return st.Foreground(col)
	}
	bg := func(st lipgloss.Style, col color.Color) lipgloss.Style {
		if col == nil {
			return st
		}
		return st.Background(col)
	}
	accent := c("#5A3FC0", "#A58BFF")
	dim := c("#6B6B6B", "#8A8A8A")
	red := c("#B00020", "#FF6B6B")
	green := c("#1B7F3B", "#6BD88A")
	yellow := c("#8A6A00", "#F2C94C")
	barBg := c("#E4E0F5", "#2B2540")

	s := Styles{NoColor: noColor, Dark: dark}
	s.App = lipgloss.NewStyle()
	s.Header = bg(fg(lipgloss.NewStyle().Bold(true), accent), barBg)
	s.HeaderDim = bg(fg(lipgloss.NewStyle(), dim), barBg)
	s.Status = bg(lipgloss.NewStyle(), barBg)
	s.StatusKey = bg(fg(lipgloss.NewStyle().Bold(true), accent), barBg)
	s.StatusErr = bg(fg(lipgloss.NewStyle().Bold(true), red), barBg)
	s.StatusOK = bg(fg(lipgloss.NewStyle(), green), barBg)
	s.Pane = fg(lipgloss.NewStyle(), dim)
	s.PaneFocused = fg(lipgloss.NewStyle().Bold(true).Underline(true), accent)
	s.Border = fg(lipgloss.NewStyle(), dim)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	if !noColor {
		s.Selected = lipgloss.NewStyle().Background(c("#D8D0F7", "#3D3360")).Bold(true)
	}
	s.Dim = fg(lipgloss.NewStyle(), dim)
	s.Sender = fg(lipgloss.NewStyle().Bold(true), accent)
	s.Time = fg(lipgloss.NewStyle(), dim)
	s.DaySep = fg(lipgloss.NewStyle(), dim)
	s.Quote = fg(lipgloss.NewStyle().Italic(true), dim)
	s.Edited = fg(lipgloss.NewStyle().Italic(true), yellow)
	s.Attachment = fg(lipgloss.NewStyle(), c("#005F87", "#7FC8F8"))
	s.Chip = bg(fg(lipgloss.NewStyle(), c("#FFFFFF", "#1E1E1E")), c("#5A3FC0", "#A58BFF"))
	if noColor {
		s.Chip = lipgloss.NewStyle().Reverse(true)
	}
	s.Highlight = bg(fg(lipgloss.NewStyle().Bold(true), c("#000000", "#000000")), c("#F2C94C", "#F2C94C"))
	if noColor {
		s.Highlight = lipgloss.NewStyle().Bold(true).Underline(true)
	}
	s.Error = fg(lipgloss.NewStyle().Bold(true), red)
	s.Warning = fg(lipgloss.NewStyle().Bold(true), yellow)
	s.OK = fg(lipgloss.NewStyle().Bold(true), green)
	s.Title = fg(lipgloss.NewStyle().Bold(true), accent)
	s.Overlay = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	if col := accent; col != nil {
		s.Overlay = s.Overlay.BorderForeground(col)
	}
	s.Placeholder = fg(lipgloss.NewStyle().Italic(true), dim)
	s.Prompt = fg(lipgloss.NewStyle().Bold(true), accent)
	return s
}
