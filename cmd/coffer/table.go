package main

import (
	"io"
	"strings"

	"coffer/ui/common"
	"coffer/ui/sanitize"
)

// table lays out the columns of every table the CLI prints (stats,
// member list, audit show). text/tabwriter counts runes, so a title with
// an emoji (two cells) pushed the rest of its line one column right;
// here cells are measured in terminal cells, the way the TUI and
// truncateWidth measure them (ui/common.Width).
type table struct {
	rows   [][]string
	indent string // before every line
}

// newTable starts a table with a header row (none if header is empty).
func newTable(header ...string) *table {
	t := &table{}
	if len(header) > 0 {
		t.rows = append(t.rows, header)
	}
	return t
}

// row adds a row. Cells are untrusted text: each is made one safe line.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = sanitize.Line(c)
	}
	t.rows = append(t.rows, cells)
}

// write prints the table: columns two cells apart, left-aligned, and no
// spaces at the end of a line.
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], common.Width(c))
		}
	}
	var b strings.Builder
	var line strings.Builder
	for _, r := range t.rows {
		line.Reset()
		line.WriteString(t.indent)
		for i, c := range r {
			if i == len(r)-1 {
				line.WriteString(c)
				break
			}
			line.WriteString(common.Pad(c, widths[i]+2))
		}
		// An empty last cell would leave padding behind.
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
