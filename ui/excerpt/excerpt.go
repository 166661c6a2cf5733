// Package excerpt cuts what a list of messages shows of each: one line
// around the first match, the matched words marked. The terminal
// interface and `coffer search` both use it, so a search hit reads the
// same in both.
//
// Everything it returns is sanitized (ui/sanitize) piece by piece, so the
// byte offsets of the matches, which point into the original text, never
// point into rewritten text.
package excerpt

import (
	"sort"
	"strings"
	"unicode/utf8"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault/access"
)

// Piece is a run of sanitized text; Match marks the words the query
// matched.
type Piece struct {
	Text  string
	Match bool
}

// Pieces sanitizes text and splits it at the spans of field (byte
// offsets into text, as the index reports them). oneLine folds newlines
// and tabs into spaces (sanitize.Line) instead of keeping them.
func Pieces(text string, spans []access.Span, field string, oneLine bool) []Piece {
	clean := sanitize.Text
	if oneLine {
		clean = sanitize.Line
	}
	var rs []access.Span
	for _, sp := range spans {
		if sp.Field == field && sp.Start >= 0 && sp.End <= len(text) && sp.Start < sp.End {
			rs = append(rs, sp)
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	var out []Piece
	add := func(s string, match bool) {
		if s = clean(s); s != "" {
			out = append(out, Piece{s, match})
		}
	}
	pos := 0
	for _, sp := range rs {
		if sp.Start < pos {
			continue // overlaps the previous match
		}
		add(text[pos:sp.Start], false)
		add(text[sp.Start:sp.End], true)
		pos = sp.End
	}
	add(text[pos:], false)
	return out
}

// Line returns one line of at most width cells around the first match in
// body, or in subject when body has none (or the subject when nothing
// matched and the body is empty), with "…" where it was cut.
func Line(subject, body string, spans []access.Span, width int) []Piece {
	text, field := body, "body"
	first := -1
	for _, sp := range spans {
		if sp.Field == "body" && (first < 0 || sp.Start < first) {
			first = sp.Start
		}
	}
	if first < 0 && subject != "" {
		for _, sp := range spans {
			if sp.Field == "subject" {
				text, field, first = subject, "subject", 0
				break
			}
		}
		if body == "" {
			text, field = subject, "subject"
		}
	}
	start := 0
	if first > width/2 && len(text) > width {
		start = min(first-width/3, len(text))
		for start < len(text) && text[start]&0xC0 == 0x80 {
			start++ // not inside a UTF-8 sequence
		}
	}
	var shifted []access.Span
	for _, sp := range spans {
		if sp.Field == field && sp.Start >= start {
			shifted = append(shifted, access.Span{Field: field, Start: sp.Start - start, End: sp.End - start})
		}
	}
	ps := Pieces(text[start:], shifted, field, true)
	if start > 0 {
		ps = append([]Piece{{Text: "…"}}, ps...)
	}
	return Fit(ps, width)
}

// Fit cuts pieces to at most width cells, ending in "…" when it cut.
func Fit(ps []Piece, width int) []Piece {
	total := 0
	for _, p := range ps {
		total += common.Width(p.Text)
	}
	if total <= width {
		return ps
	}
	var out []Piece
	left := width - 1 // room for the ellipsis
	for _, p := range ps {
		if w := common.Width(p.Text); w <= left {
			out = append(out, p)
			left -= w
			continue
		}
		if p.Text = cut(p.Text, left); p.Text != "" {
			out = append(out, p)
		}
		break
	}
	if width <= 0 {
		return out
	}
	return append(out, Piece{Text: "…"})
}

// cut returns the longest prefix of s that takes at most w cells.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = common.WidthMethod().Truncate(s, w, "")
	for common.Width(s) > w { // a grapheme counted wider than its parts
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// Map applies draw (nil: nothing) to the text of every piece: a display
// transform such as drawing emoji shortcodes, after the matches were cut
// at their original offsets.
func Map(ps []Piece, draw func(string) string) []Piece {
	if draw == nil {
		return ps
	}
	out := make([]Piece, len(ps))
	for i, p := range ps {
		out[i] = Piece{draw(p.Text), p.Match}
	}
	return out
}

// Render joins pieces, passing matches through mark (nil: unmarked).
func Render(ps []Piece, mark func(string) string) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Match && mark != nil {
			b.WriteString(mark(p.Text))
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}
