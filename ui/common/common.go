// Package common holds what every page and component of the TUI shares:
// the window size, the styles and the key map, and the few text helpers
// that keep untrusted strings safe and inside their cells.
package common

import (
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"coffer/ui/keymap"
	"coffer/ui/sanitize"
	"coffer/ui/styles"
)

// Common is passed by value to every component's SetSize.
type Common struct {
	Width, Height int
	Styles        styles.Styles
	Keys          keymap.KeyMap
}

// New returns a Common with default keys and dark styles.
func New(noColor bool) Common {
	return Common{Styles: styles.New(true, noColor), Keys: keymap.Default()}
}

// method is how the terminal counts cells, which is how Bubble Tea's
// renderer counts them: per code point (wcwidth) unless the terminal
// confirms grapheme clustering (mode 2027). Layout must count the same
// way, or a line holding an emoji sequence is wider on screen than
// planned and the frame shifts. It is process-wide because the terminal
// is; the root model sets it from the terminal's report.
var method atomic.Int32 // ansi.Method; zero is WcWidth

// SetWidthMethod sets how cells are counted (ansi.WcWidth or
// ansi.GraphemeWidth).
func SetWidthMethod(m ansi.Method) { method.Store(int32(m)) }

// WidthMethod returns how cells are counted.
func WidthMethod() ansi.Method { return ansi.Method(method.Load()) }

// Fit makes a single line of untrusted text safe and exactly w cells wide:
// sanitized, truncated by display width with an ellipsis, padded with
// spaces.
func Fit(s string, w int) string {
	return Pad(Trunc(sanitize.Line(s), w), w)
}

// Trunc cuts an already safe line to at most w display cells. It is
// escape-aware, so styled text may be passed.
func Trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	m := WidthMethod()
	if m.StringWidth(s) <= w {
		return s
	}
	// ansi's wcwidth Truncate keeps a grapheme cluster whole even when
	// its code points add up past the limit (👍🏽 counts 4): aim lower
	// until the result fits.
	for n := w; n > 0; n-- {
		if t := m.Truncate(s, n, "…"); m.StringWidth(t) <= w {
			return t
		}
	}
	return strings.Repeat("…", min(w, 1))
}

// Pad pads a safe line with spaces to w cells.
func Pad(s string, w int) string {
	n := WidthMethod().StringWidth(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}

// Wrap splits already sanitized text into lines of at most w cells,
// breaking at spaces where it can and anywhere when a word is too long.
func Wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		para = strings.ReplaceAll(para, "\t", "    ")
		if para == "" {
			out = append(out, "")
			continue
		}
		m := WidthMethod()
		out = append(out, strings.Split(m.Hardwrap(m.Wordwrap(para, w, ""), w, true), "\n")...)
	}
	return out
}

// Box fits a block of lines into exactly w×h cells: each line truncated
// and padded, missing lines blank, extra lines dropped.
func Box(lines []string, w, h int) string {
	var b strings.Builder
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(Pad(Trunc(lines[i], w), w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// JoinColumns puts blocks of equal height and exact widths side by side
// with a separator, line by line (no width measuring: the blocks come
// from Box).
func JoinColumns(sep string, blocks ...string) string {
	cols := make([][]string, len(blocks))
	h := 0
	for i, b := range blocks {
		cols[i] = strings.Split(b, "\n")
		h = max(h, len(cols[i]))
	}
	var b strings.Builder
	for y := range h {
		if y > 0 {
			b.WriteByte('\n')
		}
		for i, c := range cols {
			if i > 0 {
				b.WriteString(sep)
			}
			if y < len(c) {
				b.WriteString(c[y])
			}
		}
	}
	return b.String()
}

// Width is the display width of a line (escape-aware).
func Width(s string) int { return WidthMethod().StringWidth(s) }

// Frame draws a rounded border around lines already fitted to w-4
// cells (a space of padding each side): drawn here rather than by
// lipgloss so that it counts cells the way the terminal does.
func Frame(lines []string, w, h int, border func(string) string) []string {
	inner := max(w-4, 1)
	out := []string{border("╭" + strings.Repeat("─", w-2) + "╮")}
	body := strings.Split(Box(lines, inner, max(h-2, 0)), "\n")
	for _, l := range body {
		out = append(out, border("│")+" "+l+" "+border("│"))
	}
	return append(out, border("╰"+strings.Repeat("─", w-2)+"╯"))
}

// CleanInput replaces what cannot be shown safely in a text input's
// value (a pasted escape sequence, a bidi override): textinput draws its
// value as is.
func CleanInput(ti *textinput.Model) {
	v := ti.Value()
	if s := sanitize.Line(v); s != v {
		pos := ti.Position()
		ti.SetValue(s)
		ti.SetCursor(min(pos, len([]rune(s))))
	}
}

// InputStyles are the text inputs' styles for the background, without
// cursor blink (a blinking cursor redraws by itself and makes views
// nondeterministic).
func InputStyles(c Common) textinput.Styles {
	st := textinput.DefaultStyles(c.Styles.Dark)
	st.Cursor.Blink = false
	return st
}
