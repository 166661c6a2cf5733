package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// imessage-exporter's text output (one .txt per conversation, named for
// it): each message is a date line, a sender line and the text, with a
// blank line before the next date line.
//
//	Apr 1, 2024 10:45:00 AM (Read by you after 12 seconds)
//	Dana Edgecase
//	yes trivia is on
//	Tapbacks: ♥ by Me
//
// The date line may carry a read receipt in parentheses; a date line
// followed by more words is an announcement ("... You renamed the
// conversation to X"). Inside the text, "Tapbacks:" starts the reactions
// (on its line, or one a line below), a path into Attachments is an
// attachment, and "This message responded to an earlier message."
// introduces the quoted message, indented by four spaces. The exporter
// writes times in the Mac's zone without saying which: Options.Location.

// imTextDate matches a date line: the exporter writes "%b %d, %Y %l:%M:%S %p",
// so hours and days may be padded with a space or a zero. Detection uses
// it; the parser reads date lines with imTextDateLine, which accepts the
// same lines faster.
var imTextDate = regexp.MustCompile(`^([A-Z][a-z]{2}) {1,2}(\d{1,2}), (\d{4}) {1,2}(\d{1,2}:\d{2}:\d{2} [AP]M)(?: (.*))?$`)

const (
	imTextDateLayout = "Jan 2, 2006 3:04:05 PM"
	imTextReplyLine  = "This message responded to an earlier message."
)

// imTextHeader parses a date line: the time, a receipt ("Read by you
// after 4 seconds") and an announcement's words.
func imTextHeader(line string, loc *time.Location) (t time.Time, receipt, announce string, ok bool) {
	// Most lines are text: rule them out before parsing. A date line
	// starts "Mmm ".
	if len(line) < 20 || line[0] < 'A' || line[0] > 'Z' || line[3] != ' ' {
		return t, "", "", false
	}
	t, rest, ok := imTextDateLine(line, loc)
	if !ok {
		return t, "", "", false
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		return t, rest[1 : len(rest)-1], "", true
	}
	return t, "", rest, true
}

// looksLikeIMessageText reports whether head starts with a date line and
// a sender line.
func looksLikeIMessageText(head []byte) bool {
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	second, _, _ := bytes.Cut(rest, []byte("\n"))
	_, _, announce, ok := imTextHeader(string(bytes.TrimRight(first, "\r")), time.UTC)
	return ok && (announce != "" || len(bytes.TrimSpace(second)) > 0 && !imTextDate.Match(second))
}

type imTextParser struct {
	opt     Options
	loc     *time.Location // opt.location(), looked up once
	emit    Emit
	name    string
	sum     string
	now     time.Time
	conv    vault.Conversation
	root    exportRoot
	seq     seqCounter
	replies replyIndex[uint64] // by a hash of the body text, for "responded to" quotes
	seed    maphash.Seed
	// quotes, when known (imTextQuotes), are the only bodies replies
	// need to hold.
	quotes map[uint64]struct{}
	quoted bool

	// The message being read.
	m     *vault.Message
	line  int // of its date line
	lines []string
	size  int64 // bytes of text read for it, kept or not
}

func parseIMessageText(path string, opt Options, emit Emit) error {
	f, name, sum, err := openHashed(path, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	title := strings.TrimSuffix(name, filepath.Ext(name))
	p := &imTextParser{seed: maphash.MakeSeed(), opt: opt, loc: opt.location(), emit: emit, name: name, sum: sum, now: opt.now(),
		conv: vault.Conversation{ID: "imessage:export:" + title, Title: title},
		root: exportRoot{dir: filepath.Dir(path)}}
	defer p.root.close()
	p.quotes, p.quoted = imTextQuotes(path, name, p.seed)
	r := newLineReader(f, name)
	blank := true // before the first line, as after a blank one
	wantSender := false
	for {
		b, more, err := r.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		line := string(b)
		if more {
			// A line longer than the buffer is text: keep its first part.
			if err := r.skip(more); err != nil {
				return err
			}
		}
		if wantSender {
			wantSender = false
			if strings.TrimSpace(line) == "" {
				if err := p.fail(p.line, errors.New("no sender line after the date line")); err != nil {
					return err
				}
				blank = true
				continue
			}
			p.m.Sender = strings.TrimSpace(line)
			continue
		}
		if blank && !more {
			if t, receipt, announce, ok := imTextHeader(line, p.loc); ok {
				if err := p.flush(); err != nil {
					return err
				}
				p.start(r.n, t, receipt)
				if announce != "" {
					p.m.Kind = "system"
					p.add(announce)
					if err := p.flush(); err != nil {
						return err
					}
				} else {
					wantSender = true
				}
				blank = false
				continue
			}
		}
		blank = strings.TrimSpace(line) == ""
		if p.m == nil {
			if !blank {
				if err := p.fail(r.n, fmt.Errorf("expected a date line like %q", "Jan 5, 2024 9:00:00 AM")); err != nil {
					return err
				}
			}
			continue
		}
		p.add(line)
	}
	if wantSender {
		if err := p.fail(p.line, errors.New("no sender line after the date line")); err != nil {
			return err
		}
	}
	return p.flush()
}

// fail reports a bad record at line n, dropping the message being read.
func (p *imTextParser) fail(n int, err error) error {
	p.m, p.lines = nil, p.lines[:0]
	return p.opt.skip(&Error{File: p.name, Line: n, Err: err})
}

func (p *imTextParser) start(n int, t time.Time, receipt string) {
	p.m = &vault.Message{Source: "imessage", Conversation: p.conv, Time: t}
	p.m.Provenance = vault.Provenance{Format: "imessage", File: p.name, FileSHA256: p.sum,
		Position: "line " + strconv.Itoa(n), ImportedAt: p.now, Timezone: p.loc.String()}
	setHeader(p.m, "receipt", receipt)
	p.line, p.lines, p.size = n, p.lines[:0], 0
}

// add keeps a text line, up to MaxMessageBodySize of text a message.
func (p *imTextParser) add(line string) {
	p.size += int64(len(line)) + 1
	if p.size <= MaxMessageBodySize {
		p.lines = append(p.lines, line)
	}
}

// flush completes and emits the message being read.
func (p *imTextParser) flush() error {
	m := p.m
	if m == nil {
		return nil
	}
	p.m = nil
	lines := p.lines
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	var body []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l == imTextReplyLine:
			var quote []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") {
				i++
				quote = append(quote, strings.TrimSpace(lines[i]))
			}
			q := strings.Join(quote, "\n")
			setHeader(m, "quote", q)
			if id, ok := p.replies.get(maphash.String(p.seed, q)); ok {
				m.ReplyTo = id
			}
		case strings.HasPrefix(l, "Tapbacks:"):
			if r, ok := imReaction(strings.TrimPrefix(l, "Tapbacks:")); ok {
				m.Reactions = append(m.Reactions, r)
			}
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
				r, ok := imReaction(lines[i+1])
				if !ok {
					break
				}
				i++
				m.Reactions = append(m.Reactions, r)
			}
		case imAttachmentPath(l):
			m.Attachments = append(m.Attachments, p.attachment(m, strings.TrimSpace(l)))
		default:
			body = append(body, l)
		}
	}
	m.Body = strings.Join(body, "\n")
	if p.size > MaxMessageBodySize {
		noteTruncated(m, p.size)
	}
	m.SenderID = imSenderID(m.Sender)
	m.Seq = p.seq.next(m)
	if err := validate(m); err != nil {
		return p.opt.skip(&Error{File: p.name, Line: p.line, Err: err})
	}
	if !p.quoted || len(p.quotes) > 0 {
		h := maphash.String(p.seed, m.Body) // 64 bits: a body's own copy is not kept
		if _, ok := p.quotes[h]; ok || !p.quoted {
			p.replies.put(h, m.ID)
		}
	}
	return p.emit(m)
}

// imSenderID is a sender's id when the export shows a number or an
// address (no contact name was known for it).
func imSenderID(sender string) string {
	if strings.HasPrefix(sender, "+") || strings.Contains(sender, "@") {
		return sender
	}
	return ""
}

// imReactionEmoji maps the exporters' tapback words to their emoji.
var imReactionEmoji = map[string]string{
	"Loved": "❤️", "Liked": "👍", "Disliked": "👎", "Laughed": "😂", "Emphasized": "‼️", "Questioned": "❓",
	"♥": "❤️", "♥️": "❤️",
}

// imReaction parses "Loved by Me" or "♥ by Me".
func imReaction(s string) (vault.Reaction, bool) {
	what, by, ok := strings.Cut(strings.TrimSpace(s), " by ")
	what, by = strings.TrimSpace(what), strings.TrimSpace(by)
	if !ok || what == "" || by == "" {
		return vault.Reaction{}, false
	}
	if e, ok := imReactionEmoji[what]; ok {
		what = e
	}
	return vault.Reaction{Emoji: what, By: by}, true
}

// imAttachmentPath reports whether a text line is the path the exporter
// writes for an attachment: into Messages' Attachments folder, or into
// the attachments folder it copies them to.
func imAttachmentPath(l string) bool {
	l = strings.TrimSpace(l)
	return !strings.ContainsAny(l, "\t") && (strings.HasPrefix(l, "/") || strings.HasPrefix(l, "~/") || strings.HasPrefix(l, "attachments/")) &&
		(strings.Contains(l, "/Attachments/") || strings.HasPrefix(l, "attachments/")) && filepath.Ext(l) != ""
}

// attachment reads an attachment the export copied beside itself; a path
// into the Mac's own Library is recorded, not followed.
func (p *imTextParser) attachment(m *vault.Message, path string) vault.Attachment {
	return imExportAttachment(&p.root, m, path)
}

// imExportAttachment reads path, relative to the export's folder, or
// records it as missing with why.
func imExportAttachment(root *exportRoot, m *vault.Message, path string) vault.Attachment {
	a := vault.Attachment{Name: filepath.Base(path)}
	why := "a path on the Mac the export was made on"
	if !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "~") {
		var content []byte
		if content, why = root.read(path); why == "" {
			a.Content = content
			return a
		}
	}
	a.Missing = true
	setHeader(m, "missing_"+a.Name, path+": "+why)
	return a
}
