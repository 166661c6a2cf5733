package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"coffer/vault"
)

// Telegram reads Telegram Desktop's machine-readable export: result.json
// of a single chat, or of a whole account (chats.list and left_chats.list).
// Every schema vintage seen in the wild is accepted: integer or "user123"
// from_id, "date" alone (local time, no zone) or with "date_unixtime",
// text as a string or as an array of entities.
//
// The file is streamed a message object at a time with encoding/json's
// token API, so a 2 GB export is read with flat memory. Media the export
// included (paths relative to result.json's folder) become attachments
// with their content; media it left out are attachments marked Missing.
//
// The HTML export (messages.html, messages2.html, ... of a chat folder)
// is read too, see telegram_html.go; it carries less (no ids).
var Telegram = Format{
	Name:   "telegram",
	Detect: detectTelegram,
	Parse:  parseTelegram,
}

// telegramInput says what an input is: a result.json (the file itself,
// or the one in an export folder: Telegram Desktop's "DataExport_..." or
// "ChatExport_..."), or the pages of an HTML chat export.
func telegramInput(path string) (jsonFile string, htmlPages []string) {
	st, err := os.Stat(path)
	if err == nil && st.IsDir() {
		if rj := filepath.Join(path, "result.json"); readHead(rj, 1) != nil {
			return rj, nil
		}
		if isTelegramHTML(readHead(filepath.Join(path, "messages.html"), detectBytes)) {
			return "", telegramHTMLPages(path)
		}
		return filepath.Join(path, "result.json"), nil
	}
	if isTelegramHTML(readHead(path, detectBytes)) {
		return "", []string{path}
	}
	return path, nil
}

func detectTelegram(path string) bool {
	path, pages := telegramInput(path)
	if pages != nil {
		return true
	}
	head := readHead(path, detectBytes)
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	// Facebook Messenger and Instagram exports also have "messages".
	if has(`"timestamp_ms"`) || has(`"sender_name"`) {
		return false
	}
	if has(`"personal_information"`) || (has(`"chats"`) && has(`"list"`)) {
		return true
	}
	return has(`"messages"`) && (has(`"date"`) || has(`"date_unixtime"`)) &&
		(has(`"from"`) || has(`"actor"`) || has(`"text"`))
}

// tgChat is what a chat object says about itself before its messages.
type tgChat struct {
	name    *string
	id      string
	conv    vault.Conversation
	ready   bool
	replies replyIndex[int64]
	// seq numbers messages of exports without message ids (chat-miner's
	// minimal samples); ids otherwise tell identical messages apart.
	seq seqCounter
}

func (c *tgChat) conversation() vault.Conversation {
	if c.ready {
		return c.conv
	}
	c.ready = true
	switch {
	case c.id != "":
		c.conv.ID = "telegram:" + c.id
	case c.name != nil && *c.name != "":
		c.conv.ID = "telegram:name:" + *c.name
	default:
		c.conv.ID = "telegram:unnamed"
	}
	if c.name != nil {
		c.conv.Title = *c.name
	}
	return c.conv
}

type tgParser struct {
	check textCheck // validate with memory of the file's shared strings
	jsonStream
	path, sum string
	opt       Options
	emit      Emit
	now       time.Time
	root      exportRoot
	n         int // messages read so far, for positions
	tm        tgMessage
}

func parseTelegram(path string, opt Options, emit Emit) error {
	path, pages := telegramInput(path)
	if pages != nil {
		return parseTelegramHTML(pages, opt, emit)
	}
	name := filepath.Base(path)
	sum, err := HashFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	f, err := opt.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return readTelegram(f, path, sum, opt, emit)
}

// readTelegram parses a result.json from r; path names it (for
// provenance, error lines and the folder media paths are relative to).
func readTelegram(r io.Reader, path, sum string, opt Options, emit Emit) error {
	opt = opt.resolved()
	p := &tgParser{
		jsonStream: newJSONStream(r, filepath.Base(path), fileLines(path)),
		path:       path, sum: sum,
		opt: opt, emit: emit, now: opt.now(),
		root: exportRoot{dir: filepath.Dir(path), meter: opt.Meter},
	}
	defer p.lines.close()
	defer p.root.close()
	p.dec.UseNumber()
	if err := p.expectDelim('{'); err != nil {
		if bytes.HasPrefix(readHead(path, 64), []byte("<")) {
			return &Error{File: p.name, Line: 1, Err: errors.New("HTML, but not a Telegram export page")}
		}
		return err
	}
	top := &tgChat{}
	if err := p.object(top, true); err != nil {
		return err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return p.syntax(errors.New("data after the top-level object"))
	}
	return nil
}

// object reads the members of a chat object whose '{' was consumed. The
// top level of a single-chat export is itself a chat; a full-account
// export also has chats and left_chats lists there.
func (p *tgParser) object(c *tgChat, top bool) error {
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch {
		case key == "messages":
			err = p.messages(c)
		case key == "name":
			var s *string
			err = p.decode(&s)
			c.name = s
		case key == "id":
			var v any
			if err = p.decode(&v); err == nil {
				c.id = idString(v, "")
			}
		case top && (key == "chats" || key == "left_chats"):
			err = p.chatList()
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
	_, err := p.token() // '}'
	return err
}

// decode reads one small value; a type mismatch there is structural.
// chatList reads {"about": ..., "list": [chat, ...]} (or a bare array).
func (p *tgParser) chatList() error {
	t, err := p.token()
	if err != nil {
		return err
	}
	switch t {
	case json.Delim('['):
		return p.chatArray()
	case json.Delim('{'):
	case nil:
		return nil
	default:
		return p.syntax(fmt.Errorf("chats: expected an object, found %s", tokenText(t)))
	}
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return err
		}
		if t == "list" {
			if err := p.expectDelim('['); err != nil {
				return err
			}
			err = p.chatArray()
		} else {
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
	_, err = p.token()
	return err
}

func (p *tgParser) chatArray() error {
	for p.dec.More() {
		if err := p.expectDelim('{'); err != nil {
			return err
		}
		if err := p.object(&tgChat{}, false); err != nil {
			return err
		}
	}
	_, err := p.token() // ']'
	return err
}

func (p *tgParser) messages(c *tgChat) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return p.syntax(fmt.Errorf("messages: expected an array, found %s", tokenText(t)))
	}
	for p.dec.More() {
		p.n++
		start := p.dec.InputOffset()
		p.lim.mark(start)
		// One tgMessage is reused: a fresh one per message would be the
		// largest allocation of the whole import.
		tm := &p.tm
		*tm = tgMessage{}
		if err := p.dec.Decode(tm); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return p.syntax(err)
			}
			field := te.Field
			if field == "" {
				field = "message"
			}
			if err := p.bad(start, fmt.Errorf("unexpected %s for %q", te.Value, field)); err != nil {
				return err
			}
			continue
		}
		m, err := p.message(c, tm)
		if err != nil {
			if err := p.bad(start, err); err != nil {
				return err
			}
			continue
		}
		if err := p.emit(m); err != nil {
			return err
		}
	}
	_, err = p.token() // ']'
	return err
}

// bad reports an unusable message object that started after byte off.
func (p *tgParser) bad(off int64, err error) error {
	return p.opt.skip(&Error{File: p.name, Line: p.lines.valueAt(off), Err: fmt.Errorf("message %d: %w", p.n, err)})
}

// idString renders a JSON id (number or string) as text; bare numbers
// get prefix, so 123 and "user123" (two vintages of one from_id) agree.
func idString(v any, prefix string) string {
	switch x := v.(type) {
	case json.Number:
		return prefix + x.String()
	case string:
		return x
	case float64:
		return prefix + strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}
