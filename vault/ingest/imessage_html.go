package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"coffer/vault"
)

// imessage-exporter's HTML output (one .html per conversation): each
// message a <div class="message"> holding a "sent" or "received" div
// with a timestamp and sender, one "message_part" per bubble (text,
// attachment, link preview, or an "edited" table of the versions), the
// "reactions", and the thread's "replies" as nested messages.
// Announcements (renames, members joining) are <div class="announcement">.

// maxIMessageHTML bounds the HTML file, read whole, and htmlTree the tree
// made of it. Larger conversations import from chat.db itself, or from
// imessage-exporter's text, which is read a line at a time.
const maxIMessageHTML = 64 << 20

// looksLikeIMessageHTML reports whether head is imessage-exporter HTML.
func looksLikeIMessageHTML(head []byte) bool {
	return bytes.HasPrefix(bytes.ToLower(head), []byte("<html")) &&
		(bytes.Contains(head, []byte(`<div class="message">`)) || bytes.Contains(head, []byte(`<div class="announcement">`))) &&
		bytes.Contains(head, []byte(`<span class="timestamp">`))
}

type imHTMLParser struct {
	opt  Options
	loc  *time.Location // opt.location(), looked up once
	emit Emit
	name string
	sum  string
	now  time.Time
	conv vault.Conversation
	root exportRoot
	seq  seqCounter
	n    int // messages and announcements seen, for positions
}

func parseIMessageHTML(path string, opt Options, emit Emit) error {
	name := filepath.Base(path)
	f, err := opt.open(path)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxIMessageHTML+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxIMessageHTML {
		return &Error{File: name, Line: 1, Err: fmt.Errorf("HTML export larger than %s; import the conversation from chat.db instead", sizeText(maxIMessageHTML))}
	}
	sum := sha256.Sum256(b)
	doc, err := htmlTree(b)
	if errors.Is(err, errHTMLNodes) {
		err = fmt.Errorf("%w; import the conversation from chat.db or imessage-exporter's text instead", err)
	}
	if err != nil {
		return &Error{File: name, Line: 1, Err: err}
	}
	title := strings.TrimSuffix(name, filepath.Ext(name))
	p := &imHTMLParser{opt: opt, loc: opt.location(), emit: emit, name: name, sum: hex.EncodeToString(sum[:]), now: opt.now(),
		conv: vault.Conversation{ID: "imessage:export:" + title, Title: title},
		root: exportRoot{dir: filepath.Dir(path)}}
	defer p.root.close()
	return p.walk(doc, "")
}

// walk emits the messages and announcements under n; replyTo is the ID
// of the message whose replies n holds.
func (p *imHTMLParser) walk(n *html.Node, replyTo string) error {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case c.Data == "div" && tgHasClass(c, "message"):
			if err := p.message(c, replyTo); err != nil {
				return err
			}
		case c.Data == "div" && tgHasClass(c, "announcement"):
			p.n++
			m := p.newMessage()
			m.Kind = "system"
			ts := tgFind(c, "timestamp")
			if ts != nil {
				p.setTime(m, strings.TrimSpace(tgHTMLText(ts)))
				ts.Parent.RemoveChild(ts)
			}
			m.Body = strings.TrimSpace(tgHTMLText(c))
			if _, err := p.finish(m); err != nil {
				return err
			}
		default:
			if err := p.walk(c, replyTo); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *imHTMLParser) newMessage() *vault.Message {
	return &vault.Message{Source: "imessage", Conversation: p.conv,
		Provenance: vault.Provenance{Format: "imessage", File: p.name, FileSHA256: p.sum,
			Position: fmt.Sprintf("message %d", p.n), ImportedAt: p.now, Timezone: p.loc.String()}}
}

// setTime reads a timestamp span: the exporter's date, then maybe a
// read receipt in parentheses.
func (p *imHTMLParser) setTime(m *vault.Message, s string) {
	t, receipt, _, ok := imTextHeader(strings.Join(strings.Fields(s), " "), p.loc)
	if ok {
		m.Time = t
		setHeader(m, "receipt", receipt)
	}
}

// message converts one <div class="message">, then its replies.
func (p *imHTMLParser) message(div *html.Node, replyTo string) error {
	p.n++
	m := p.newMessage()
	m.ReplyTo = replyTo
	var box *html.Node // the "sent" or "received" div
	for c := div.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (tgHasClass(c, "sent") || tgHasClass(c, "received")) {
			box = c
			break
		}
	}
	if box == nil {
		return p.opt.skip(&Error{File: p.name, Pos: m.Provenance.Position, Err: fmt.Errorf(`no "sent" or "received" div in the message`)})
	}
	for _, svc := range []string{"iMessage", "SMS", "RCS"} {
		if tgHasClass(box, svc) {
			setHeader(m, "service", svc)
		}
	}
	var replies *html.Node
	var body []string
	for c := box.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case c.Data == "p" && m.Time.IsZero():
			if ts := tgFind(c, "timestamp"); ts != nil {
				p.setTime(m, tgHTMLText(ts))
			}
			if s := tgFind(c, "sender"); s != nil {
				m.Sender = strings.TrimSpace(tgHTMLText(s))
			}
		case tgHasClass(c, "subject"):
			m.Subject = strings.TrimSpace(tgHTMLText(c))
		case tgHasClass(c, "message_part"):
			if s := p.part(m, c); s != "" {
				body = append(body, s)
			}
		case tgHasClass(c, "reactions"):
			p.reactions(m, c)
		case tgHasClass(c, "replies"):
			replies = c
		}
	}
	m.Body = strings.Join(body, "\n")
	m.SenderID = imSenderID(m.Sender)
	id, err := p.finish(m)
	if err != nil || replies == nil {
		return err
	}
	if id == "" {
		// The message was skipped: its replies keep no link to it.
		id = replyTo
	}
	return p.walk(replies, id)
}

// finish validates and emits m, returning its ID ("" when skipped).
func (p *imHTMLParser) finish(m *vault.Message) (string, error) {
	if m.Time.IsZero() {
		return "", p.opt.skip(&Error{File: p.name, Pos: m.Provenance.Position, Err: fmt.Errorf("no timestamp like %q", "Jul 17, 2022 5:04:04 PM")})
	}
	truncateBody(m)
	m.Seq = p.seq.next(m)
	if err := validate(m); err != nil {
		return "", p.opt.skip(&Error{File: p.name, Pos: m.Provenance.Position, Err: err})
	}
	return m.ID, p.emit(m)
}

// imHTMLEdited matches the note under an edited message's last version.
var imHTMLEdited = regexp.MustCompile(`^Edited (.+) later$`)

// part returns the text of one message_part, adding its attachments, link
// preview and edit history to m.
func (p *imHTMLParser) part(m *vault.Message, part *html.Node) string {
	if ed := tgFind(part, "edited"); ed != nil {
		return p.edited(m, ed)
	}
	if app := tgFind(part, "app"); app != nil {
		setHeader(m, "link", tgHref(app))
		var words []string
		for _, class := range []string{"name", "caption", "subcaption", "trailing_caption", "trailing_subcaption"} {
			if n := tgFind(app, class); n != nil {
				if s := strings.TrimSpace(tgHTMLText(n)); s != "" {
					words = append(words, s)
				}
			}
		}
		return strings.Join(words, "\n")
	}
	var text []string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch {
		case tgHasClass(n, "bubble"):
			if s := strings.TrimSpace(tgHTMLText(n)); s != "" {
				text = append(text, s)
			}
			return
		case n.Data == "img" || n.Data == "video" || n.Data == "audio" || n.Data == "source":
			if src := tgAttr(n, "src"); src != "" {
				m.Attachments = append(m.Attachments, imExportAttachment(&p.root, m, src))
				return
			}
		case n.Data == "a" && tgHasClass(n, "attachment") || n.Data == "a" && strings.HasPrefix(tgAttr(n, "href"), "attachments/"):
			m.Attachments = append(m.Attachments, imExportAttachment(&p.root, m, tgAttr(n, "href")))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for c := part.FirstChild; c != nil; c = c.NextSibling {
		visit(c)
	}
	if len(text) == 0 && len(m.Attachments) == 0 {
		// A part of another shape: keep its words rather than lose them.
		return strings.TrimSpace(tgHTMLText(part))
	}
	return strings.Join(text, "\n")
}

// edited reads an edit table: each row a version, the footer the last,
// under "Edited N seconds later". The last version is the text; earlier
// ones are kept as headers, and Edited is the time of the last edit.
func (p *imHTMLParser) edited(m *vault.Message, ed *html.Node) string {
	var versions []string
	var last time.Duration
	var rows func(n *html.Node)
	rows = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, strings.TrimSpace(tgHTMLText(c)))
				}
			}
			if len(cells) == 0 {
				return
			}
			if g := imHTMLEdited.FindStringSubmatch(cells[0]); g != nil {
				if d, ok := imDuration(g[1]); ok {
					last = d
				}
			}
			versions = append(versions, cells[len(cells)-1])
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rows(c)
		}
	}
	rows(ed)
	if len(versions) == 0 {
		return strings.TrimSpace(tgHTMLText(ed))
	}
	for i, v := range versions[:len(versions)-1] {
		setHeader(m, "edit."+strconv.Itoa(i+1), v)
	}
	if last > 0 && !m.Time.IsZero() {
		t := m.Time.Add(last)
		m.Edited = &t
	}
	return versions[len(versions)-1]
}

// imDuration parses the exporter's durations: "9 seconds", "1 minute, 3
// seconds", "2 days, 1 hour".
func imDuration(s string) (time.Duration, bool) {
	units := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	var d time.Duration
	for _, f := range strings.Split(s, ",") {
		n, unit, ok := strings.Cut(strings.TrimSpace(f), " ")
		v, err := strconv.Atoi(n)
		u, known := units[strings.TrimSuffix(unit, "s")]
		if !ok || err != nil || !known || v < 0 || v > 1<<20 {
			return 0, false
		}
		d += time.Duration(v) * u
	}
	return d, true
}

// reactions reads the reactions div: "<b>Loved</b> by X", or a sticker
// image "from X".
func (p *imHTMLParser) reactions(m *vault.Message, div *html.Node) {
	for c := div.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || !tgHasClass(c, "reaction") {
			continue
		}
		text := strings.TrimSpace(tgHTMLText(c))
		if r, ok := imReaction(text); ok {
			m.Reactions = append(m.Reactions, r)
			continue
		}
		if by, ok := strings.CutPrefix(text, "from "); ok {
			m.Reactions = append(m.Reactions, vault.Reaction{Emoji: "sticker", By: strings.TrimSpace(by)})
		}
	}
}
