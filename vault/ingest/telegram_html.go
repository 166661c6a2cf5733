package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"coffer/vault"
)

// Telegram Desktop's HTML export ("Human-readable HTML"): a chat folder
// of messages.html, messages2.html, ... each a page of <div
// class="message"> elements. It says less than the JSON export (no chat
// or user ids, no time on service messages), so JSON is preferred when
// both exist; HTML is what many people chose when exporting, though.

// tgHTMLPage matches the page files of an HTML chat export.
var tgHTMLPage = regexp.MustCompile(`^messages(\d*)\.html$`)

// maxHTMLPage bounds one page file (Telegram writes ~1000 messages a
// page, a megabyte or two): a larger page is refused, unread.
const maxHTMLPage = 16 << 20

func isTelegramHTML(head []byte) bool {
	return bytes.HasPrefix(bytes.ToLower(head), []byte("<!doctype html")) &&
		bytes.Contains(head, []byte(`class="page_wrap"`)) && bytes.Contains(head, []byte(`class="page_header"`))
}

// telegramHTMLPages lists the pages of the export that path names: all
// pages of a chat folder, or the one page file given.
func telegramHTMLPages(path string) []string {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return []string{path}
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil
	}
	type page struct {
		n    int
		name string
	}
	var pages []page
	for _, e := range ents {
		if g := tgHTMLPage.FindStringSubmatch(e.Name()); g != nil && e.Type().IsRegular() {
			n, _ := strconv.Atoi(g[1]) // "" (messages.html) is page 0
			pages = append(pages, page{n, e.Name()})
		}
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].n < pages[j].n })
	var out []string
	for _, p := range pages {
		out = append(out, filepath.Join(path, p.name))
	}
	return out
}

type tgHTMLParser struct {
	check    textCheck // validate with memory of the file's shared strings
	opt      Options
	emit     Emit
	now      time.Time
	conv     vault.Conversation
	root     exportRoot
	replies  replyIndex[int64]
	seq      seqCounter
	sender   string    // of the previous message, for "joined" ones
	lastTime time.Time // for service messages, which carry no time
	file     string
	sum      string
}

func parseTelegramHTML(pages []string, opt Options, emit Emit) error {
	opt = opt.resolved()
	if len(pages) == 0 {
		return errors.New("no messages.html in this folder")
	}
	p := &tgHTMLParser{opt: opt, emit: emit, now: opt.now(), root: exportRoot{dir: filepath.Dir(pages[0]), meter: opt.Meter}}
	defer p.root.close()
	for _, page := range pages {
		if err := p.page(page); err != nil {
			return err
		}
	}
	return nil
}

func (p *tgHTMLParser) page(path string) error {
	p.file = filepath.Base(path)
	f, err := p.opt.open(path)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxHTMLPage+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", p.file, err)
	}
	if len(b) > maxHTMLPage {
		return &Error{File: p.file, Line: 1, Err: fmt.Errorf("page larger than %s", sizeText(maxHTMLPage))}
	}
	sum := sha256.Sum256(b)
	p.sum = hex.EncodeToString(sum[:])
	doc, err := htmlTree(b)
	if err != nil {
		return &Error{File: p.file, Line: 1, Err: err}
	}
	if p.conv.ID == "" {
		name := ""
		if h := tgFind(doc, "page_header"); h != nil {
			name = strings.TrimSpace(tgHTMLText(h))
		}
		// The HTML export has no chat id; the name is all there is.
		p.conv = vault.Conversation{ID: "telegram:name:" + name, Title: name}
		if name == "" {
			p.conv.ID = "telegram:unnamed"
		}
	}
	hist := tgFind(doc, "history")
	if hist == nil {
		return &Error{File: p.file, Line: 1, Err: errors.New(`no <div class="history">: not a Telegram chat page`)}
	}
	n := 0
	for c := hist.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || !tgHasClass(c, "message") {
			continue
		}
		n++
		m, err := p.message(c)
		if err != nil {
			if err := p.opt.skip(&Error{File: p.file, Pos: fmt.Sprintf("message %d (%s)", n, tgAttr(c, "id")), Err: err}); err != nil {
				return err
			}
			continue
		}
		if m == nil {
			continue
		}
		m.Provenance.Position = fmt.Sprintf("message %d", n)
		m.Seq = p.seq.next(m)
		if err := p.check.validate(m); err != nil {
			if err := p.opt.skip(&Error{File: p.file, Pos: fmt.Sprintf("message %d", n), Err: err}); err != nil {
				return err
			}
			continue
		}
		if id, err := strconv.ParseInt(m.Provenance.OriginalID, 10, 64); err == nil {
			p.replies.put(id, m.ID)
		}
		if err := p.emit(m); err != nil {
			return err
		}
	}
	return nil
}

var tgHTMLGoTo = regexp.MustCompile(`go_to_message(\d+)`)

// message converts one <div class="message">; nil for a date separator.
func (p *tgHTMLParser) message(div *html.Node) (*vault.Message, error) {
	id := strings.TrimPrefix(tgAttr(div, "id"), "message")
	m := &vault.Message{
		Source: "telegram", Conversation: p.conv,
		Provenance: vault.Provenance{Format: "telegram", File: p.file, FileSHA256: p.sum, OriginalID: id, ImportedAt: p.now},
	}
	if tgHasClass(div, "service") {
		text := strings.TrimSpace(tgHTMLText(div))
		if strings.HasPrefix(id, "-") { // date separators: "23 August 2023"
			if d, err := time.ParseInLocation("2 January 2006", text, p.opt.location()); err == nil && d.After(p.lastTime) {
				p.lastTime = d
			}
			return nil, nil
		}
		if p.lastTime.IsZero() {
			return nil, errors.New("service message before any dated message")
		}
		m.Kind = "system"
		m.Body = text
		m.Time = p.lastTime
		setHeader(m, "time", "approximate: the HTML export gives service messages no time")
		return m, nil
	}
	body := tgChild(div, "body")
	if body == nil {
		return nil, errors.New(`no <div class="body">`)
	}
	date := tgChild(body, "date")
	if date == nil {
		return nil, errors.New("no date")
	}
	if err := p.htmlTime(tgAttr(date, "title"), m); err != nil {
		return nil, err
	}
	p.lastTime = m.Time
	if from := tgChild(body, "from_name"); from != nil {
		p.sender = strings.TrimSpace(tgOwnText(from))
	} else if !tgHasClass(div, "joined") {
		p.sender = ""
	}
	m.Sender = p.sender
	if r := tgChild(body, "reply_to"); r != nil {
		if g := tgHTMLGoTo.FindStringSubmatch(tgHref(r)); g != nil {
			n, _ := strconv.ParseInt(g[1], 10, 64)
			if vid, ok := p.replies.get(n); ok {
				m.ReplyTo = vid
			} else {
				m.ReplyTo = p.conv.ID + ":" + g[1]
			}
		}
	}
	content := body
	if fw := tgChild(body, "forwarded"); fw != nil {
		if from := tgChild(fw, "from_name"); from != nil {
			m.ForwardedFrom = strings.TrimSpace(tgOwnText(from))
		}
		content = fw
	}
	if t := tgChild(content, "text"); t != nil {
		m.Body = strings.TrimSpace(tgHTMLText(t))
	}
	if mw := tgChild(content, "media_wrap"); mw != nil {
		p.media(mw, m)
	}
	truncateBody(m)
	return m, nil
}

// htmlTime parses a date title: "23.08.2023 13:11:23 UTC-08:00", or
// without the zone in exports before 2021 (then opt's zone applies).
func (p *tgHTMLParser) htmlTime(s string, m *vault.Message) error {
	if t, err := time.Parse("02.01.2006 15:04:05 UTC-07:00", s); err == nil {
		_, m.Offset = t.Zone()
		m.Time = t.UTC()
		return nil
	}
	loc := p.opt.location()
	t, err := time.ParseInLocation("02.01.2006 15:04:05", s, loc)
	if err != nil {
		return fmt.Errorf("bad date %q", s)
	}
	_, m.Offset = t.Zone()
	m.Time = t.UTC()
	m.Provenance.Timezone = loc.String()
	return nil
}

// media reads the media block: a link to the file when the export has
// it, else a title such as "Photo" with "Not included, ...".
func (p *tgHTMLParser) media(mw *html.Node, m *vault.Message) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if href := tgAttr(c, "href"); c.Data == "a" && href != "" && !strings.HasPrefix(href, "#") && !strings.Contains(href, ":") {
				a := vault.Attachment{Name: filepath.Base(filepath.FromSlash(href))}
				if content, why := p.root.read(href); why != "" {
					a.Missing = true
					setHeader(m, "missing_"+a.Name, href+": "+why)
				} else {
					a.Content = content
				}
				m.Attachments = append(m.Attachments, a)
				continue
			}
			if tgHasClass(c, "media") {
				title := ""
				if t := tgFind(c, "title"); t != nil {
					title = strings.TrimSpace(tgHTMLText(t))
				}
				a := vault.Attachment{Name: firstNonEmpty(title, "media"), Missing: true}
				if d := tgFind(c, "description"); d != nil {
					setHeader(m, "missing_"+a.Name, strings.TrimSpace(tgHTMLText(d)))
				}
				m.Attachments = append(m.Attachments, a)
				continue
			}
			walk(c)
		}
	}
	walk(mw)
}

func tgAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func tgHasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(tgAttr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// tgChild finds a direct element child with the class.
func tgChild(n *html.Node, class string) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && tgHasClass(c, class) {
			return c
		}
	}
	return nil
}

// tgFind is a depth-first search for an element with the class.
func tgFind(n *html.Node, class string) *html.Node {
	if n.Type == html.ElementNode && tgHasClass(n, class) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := tgFind(c, class); f != nil {
			return f
		}
	}
	return nil
}

func tgHref(n *html.Node) string {
	if h := tgAttr(n, "href"); h != "" {
		return h
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if h := tgHref(c); h != "" {
			return h
		}
	}
	return ""
}

// tgOwnText is the text directly in n, leaving out child elements (the
// "via @bot" or forward date spans inside a from_name).
func tgOwnText(n *html.Node) string {
	var sb strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

// tgHTMLText renders an element's text: <br> as a newline, links as
// "label (url)" when the label is not the URL itself, and the source's
// indentation white space collapsed.
func tgHTMLText(n *html.Node) string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			// Newlines in the source are indentation; <br> is a newline.
			sb.WriteString(tgSpace.ReplaceAllString(n.Data, " "))
			return
		case n.Type == html.ElementNode && n.Data == "br":
			sb.WriteByte('\n')
			return
		case n.Type == html.ElementNode && n.Data == "a":
			href := tgAttr(n, "href")
			label := strings.TrimSpace(tgHTMLText(&html.Node{Type: html.DocumentNode, FirstChild: n.FirstChild}))
			switch {
			case href == "" || strings.HasPrefix(href, "#") || href == label:
				sb.WriteString(label)
			case label == "":
				sb.WriteString(href)
			default:
				sb.WriteString(label + " (" + href + ")")
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	lines := strings.Split(sb.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

var tgSpace = regexp.MustCompile(`\s+`)
