package browse

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"coffer/ui/common"
	"coffer/ui/emoji"
	"coffer/ui/excerpt"
	"coffer/ui/sanitize"
	"coffer/ui/styles"
	"coffer/vault"
	"coffer/vault/access"
)

// maxBodyLines caps a message's body in the chat pane; the detail view
// shows all of it.
const maxBodyLines = 8

// Presentation functions: model in, display lines out, no terminal and
// no state, so they are tested directly.

// highlight sanitizes text and styles the byte ranges spans of field
// (offsets into the original text, as the index reports them).
// draw, when not nil, is the source's display transform (emoji.For).
func highlight(st styles.Styles, text string, spans []access.Span, field string, oneLine bool, draw func(string) string) string {
	return excerpt.Render(excerpt.Map(excerpt.Pieces(text, spans, field, oneLine), draw), func(s string) string { return st.Highlight.Render(s) })
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// chips renders tags as chips on one line.
func chips(st styles.Styles, tags []string) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, st.Chip.Render(" "+sanitize.Line(t)+" "))
	}
	return strings.Join(parts, " ")
}

// messageBlock renders one message for the chat pane. reply is the
// message replied to when it is on screen (recorded), else nil; senderNote
// says why the sender's name is suspect (lookalike.Check), "" when it is
// not.
func messageBlock(st styles.Styles, m *vault.Message, tags []string, reply *vault.Message, hl []access.Span, flagged string, loc *time.Location, width int, senderNote string) []string {
	var out []string
	clock := common.When(m.Time, loc, "15:04")
	head := st.Sender.Render(common.Trunc(sanitize.Line(orDash(m.Sender)), max(width/2, 8)))
	if senderNote != "" {
		head += " " + st.Error.Render("⚠ "+senderNote)
	}
	head += "  " + st.Time.Render(clock)
	if m.Edited != nil {
		head += " " + st.Edited.Render("(edited "+m.Edited.In(loc).Format("15:04")+")")
	}
	if m.ForwardedFrom != "" {
		head += " " + st.Dim.Render("forwarded from "+sanitize.Line(m.ForwardedFrom))
	}
	if m.Kind == "system" {
		// A notice; some have a sender (a deleted message, a missed call).
		text := sanitize.Line(m.Body)
		if m.Sender != "" {
			text = sanitize.Line(m.Sender) + " · " + text
		}
		body := st.Dim.Render(common.Trunc(text, width-8))
		return []string{st.Time.Render(clock) + "  " + body}
	}
	out = append(out, common.Trunc(head, width))
	if flagged != "" {
		out = append(out, st.Error.Render(common.Trunc(flagged, width)))
	}
	if m.ReplyTo != "" {
		q := "↪ reply to a message not on screen"
		if reply != nil {
			q = "↪ " + sanitize.Line(orDash(reply.Sender)) + ": " + sanitize.Line(reply.Body)
		}
		out = append(out, st.Quote.Render(common.Trunc("│ "+q, width)))
	}
	if m.Source == "email" || m.Subject != "" {
		if m.Subject != "" {
			out = append(out, common.Trunc(st.Title.Render("Subject: ")+highlight(st, m.Subject, hl, "subject", true, emoji.For(m.Source)), width))
		}
		if m.SenderID != "" {
			out = append(out, st.Dim.Render(common.Trunc("From: "+sanitize.Line(m.SenderID), width)))
		}
		if len(m.To) > 0 {
			out = append(out, st.Dim.Render(common.Trunc("To: "+sanitize.Line(strings.Join(m.To, ", ")), width)))
		}
	}
	body := common.Wrap(highlight(st, strings.TrimRight(m.Body, "\n"), hl, "body", false, emoji.For(m.Source)), width)
	if len(body) > maxBodyLines {
		more := len(body) - maxBodyLines
		body = append(body[:maxBodyLines], st.Dim.Render("… "+plural(more, "more line")+" (enter for the whole message)"))
	}
	out = append(out, body...)
	for _, a := range m.Attachments {
		out = append(out, st.Attachment.Render(common.Trunc(attachmentLine(a), width)))
	}
	if len(m.Reactions) > 0 {
		out = append(out, st.Dim.Render(common.Trunc(reactionsLine(m.Reactions), width)))
	}
	if len(tags) > 0 {
		out = append(out, common.Trunc(chips(st, tags), width))
	}
	return out
}

// reactionsLine lists reactions in one line, who reacted where the export
// says, else how many: "👍 Ann, Bob · 🎉 3".
func reactionsLine(rs []vault.Reaction) string {
	var order []string
	by := map[string][]string{}
	count := map[string]int{}
	for _, r := range rs {
		e := sanitize.Line(r.Emoji)
		if _, ok := count[e]; !ok {
			order = append(order, e)
		}
		if r.By != "" {
			by[e] = append(by[e], sanitize.Line(r.By))
			count[e]++
		}
		count[e] += r.Count
	}
	parts := make([]string, len(order))
	for i, e := range order {
		if len(by[e]) == count[e] {
			parts[i] = e + " " + strings.Join(by[e], ", ")
		} else {
			parts[i] = fmt.Sprintf("%s %d", e, count[e])
		}
	}
	return strings.Join(parts, " · ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// detailLines renders the whole message for the detail overlay: headers,
// provenance and ids included.
func detailLines(st styles.Styles, m *vault.Message, tags []string, hl []access.Span, flagged string, loc *time.Location, width int, senderNote string) []string {
	var out []string
	kv := func(k, v string) {
		if v == "" {
			return
		}
		out = append(out, common.Trunc(st.Dim.Render(fmt.Sprintf("%-14s", k))+sanitize.Line(v), width))
	}
	kv("From", strings.TrimSpace(m.Sender+" "+angle(m.SenderID)))
	if senderNote != "" {
		out = append(out, common.Trunc(strings.Repeat(" ", 14)+st.Error.Render("⚠ this name "+senderNote), width))
	}
	kv("To", strings.Join(m.To, ", "))
	kv("Date", common.When(m.Time, loc, "Mon 2 Jan 2006 15:04:05 MST"))
	if m.Edited != nil {
		kv("Edited", m.Edited.In(loc).Format("2006-01-02 15:04:05"))
	}
	if m.Subject != "" {
		out = append(out, common.Trunc(st.Dim.Render(fmt.Sprintf("%-14s", "Subject"))+highlight(st, m.Subject, hl, "subject", true, emoji.For(m.Source)), width))
	}
	kv("Conversation", m.Conversation.Title+" ("+m.Conversation.ID+")")
	kv("Source", m.Source)
	kv("Reply to", m.ReplyTo)
	kv("Forwarded", m.ForwardedFrom)
	if len(m.Reactions) > 0 {
		kv("Reactions", reactionsLine(m.Reactions))
	}
	if len(tags) > 0 {
		out = append(out, common.Trunc(st.Dim.Render(fmt.Sprintf("%-14s", "Tags"))+chips(st, tags), width))
	}
	if flagged != "" {
		out = append(out, st.Error.Render(common.Trunc(flagged, width)))
	}
	out = append(out, "")
	out = append(out, common.Wrap(highlight(st, m.Body, hl, "body", false, emoji.For(m.Source)), width)...)
	if len(m.Attachments) > 0 {
		out = append(out, "")
		for _, a := range m.Attachments {
			s := "▸ " + sanitize.Line(a.Name) + " " + humanSize(a.Size)
			if a.SHA256 != "" {
				s += " sha256:" + a.SHA256[:min(16, len(a.SHA256))]
			}
			if a.Missing {
				s += " (not in the export)"
			}
			out = append(out, st.Attachment.Render(common.Trunc(s, width)))
		}
		if slices.ContainsFunc(m.Attachments, func(a vault.Attachment) bool { return !a.Missing }) {
			out = append(out, st.Dim.Render(common.Trunc("a: view, save or pipe an attachment (recorded)", width)))
		}
	}
	out = append(out, "", st.Title.Render("Provenance"))
	p := m.Provenance
	kv("Format", p.Format)
	kv("File", p.File)
	kv("Position", p.Position)
	kv("Original id", p.OriginalID)
	kv("File sha256", p.FileSHA256)
	if !p.ImportedAt.IsZero() {
		kv("Imported", p.ImportedAt.In(loc).Format("2006-01-02 15:04"))
	}
	kv("Timezone", p.Timezone)
	kv("Time from", timeSourceText(p.TimeSource))
	kv("Bytes sha256", p.SHA256) // of the message as received
	kv("Message id", m.ID)
	if len(m.Headers) > 0 {
		out = append(out, "", st.Title.Render("Headers"))
		keys := make([]string, 0, len(m.Headers))
		for k := range m.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, common.Trunc(st.Dim.Render(sanitize.Line(k)+": ")+sanitize.Line(m.Headers[k]), width))
		}
	}
	return out
}

// timeSourceText says where a message's time came from
// (vault.Provenance.TimeSource), "" for the export's own timestamp.
func timeSourceText(s string) string {
	switch s {
	case vault.TimeFromDate:
		return "Date header"
	case vault.TimeFromReceived:
		return "Received header (no usable Date)"
	case vault.TimeFromFromLine:
		return "mbox From line (no usable Date or Received)"
	case vault.TimeFromManifest:
		return "archive manifest: when the drop was made (no usable Date, Received or From line)"
	case vault.TimeUnknown:
		return "unknown: no Date, Received or From line (find such mail with date:unknown)"
	}
	return s
}

func angle(s string) string {
	if s == "" {
		return ""
	}
	return "<" + s + ">"
}

// snippet is one line of a search hit around its first match, as
// `coffer search` prints it.
func snippet(st styles.Styles, m *vault.Message, hl []access.Span, width int) string {
	return excerpt.Render(excerpt.Map(excerpt.Line(m.Subject, m.Body, hl, width), emoji.For(m.Source)), func(s string) string { return st.Highlight.Render(s) })
}

// attachmentLine describes an attachment in one line: name, type and
// size when known, and whether the export left it out.
func attachmentLine(a vault.Attachment) string {
	name := sanitize.Line(a.Name)
	if name == "" {
		name = "unnamed attachment"
	}
	var info []string
	if a.Type != "" {
		info = append(info, sanitize.Line(a.Type))
	}
	if a.Size > 0 || !a.Missing {
		info = append(info, humanSize(a.Size))
	}
	if a.Missing {
		info = append(info, "not in the export")
	}
	s := "▸ " + name
	if len(info) > 0 {
		s += " (" + strings.Join(info, ", ") + ")"
	}
	return s
}
