package ingest

// The message rows of a chat.db made into messages, with their
// attachments, edits, unsends and the tapbacks aimed at them (the rows
// are read oldest first in imessage_db_read.go).

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coffer/vault"

	// modernc.org/sqlite is SQLite compiled to pure Go: reading chat.db
	// needs a real SQLite, and this one keeps the build static and
	// cgo-free (make cross builds macOS and FreeBSD from Linux).
	_ "modernc.org/sqlite"
)

// chatDBRow is one message row as the query reads it.
type chatDBRow struct {
	row                          int64
	guid, text, subject, service sql.NullString
	// body is attributedBody, read in place (valid until the next row):
	// Messages writes one for nearly every message since Ventura, and
	// only a message without text reads it.
	body                            sql.RawBytes
	handle, fromMe, date            sql.NullInt64
	edited, retracted, itemType     sql.NullInt64
	groupAction, otherHandle        sql.NullInt64
	thread, groupTitle, app, effect sql.NullString
	chat                            sql.NullInt64
	audio                           sql.NullInt64
}

// messageRow emits the message of row r.
func (c *chatDB) messageRow(r *chatDBRow, emit Emit) error {
	r.chat.Int64, r.chat.Valid = c.msgChat.get(r.row)
	if err := c.emitOrphans(r.date.Int64, r.row, emit); err != nil {
		return err
	}
	m, err := c.message(r)
	if err == nil {
		err = validate(m)
	}
	if err != nil {
		return c.opt.skip(&Error{File: c.name, Pos: fmt.Sprintf("message row %d", r.row), Err: err})
	}
	c.replies.put(r.guid.String, m.ID)
	return emit(m)
}

// conversation returns the chat a row belongs to; a row in no chat is
// filed under its handle.
func (c *chatDB) conversation(chat sql.NullInt64, handle int64) vault.Conversation {
	if conv, ok := c.chats[chat.Int64]; ok && chat.Valid {
		return conv
	}
	if h := c.handles[handle]; h != "" {
		return vault.Conversation{ID: "imessage:handle:" + h, Title: h, Participants: []string{h}}
	}
	return vault.Conversation{ID: "imessage:no chat", Title: "Messages in no chat"}
}

// message builds the message of row r.
func (c *chatDB) message(r *chatDBRow) (*vault.Message, error) {
	if !r.date.Valid || r.date.Int64 == 0 {
		return nil, errors.New("no date")
	}
	m := &vault.Message{Source: "imessage", Conversation: c.conversation(r.chat, r.handle.Int64),
		Time: appleTime(r.date.Int64), Subject: r.subject.String}
	m.Sender, m.SenderID = c.sender(r.fromMe.Int64 != 0, r.handle.Int64)
	m.Provenance = vault.Provenance{Format: "imessage", File: c.name, FileSHA256: c.sum,
		Position: "message row " + strconv.FormatInt(r.row, 10), OriginalID: r.guid.String, ImportedAt: c.now}
	text := r.text.String
	if text == "" && len(r.body) > 0 {
		s, err := typedstreamText(r.body)
		if err != nil {
			return nil, fmt.Errorf("attributedBody: %w", err)
		}
		text = s
		setHeader(m, "text_from", "attributedBody")
	}
	// U+FFFC marks where each attachment sat in the text.
	m.Body = strings.TrimSpace(strings.ReplaceAll(text, "\ufffc", ""))
	if r.itemType.Int64 != 0 {
		m.Kind = "system"
		if m.Body == "" {
			m.Body = c.event(r)
		}
	}
	setHeader(m, "service", r.service.String)
	setHeader(m, "app", r.app.String)
	setHeader(m, "effect", r.effect.String)
	if r.audio.Int64 != 0 {
		setHeader(m, "audio_message", "true")
	}
	if r.edited.Int64 != 0 {
		t := appleTime(r.edited.Int64)
		m.Edited = &t
	}
	if r.retracted.Int64 != 0 {
		setHeader(m, "unsent", appleTime(r.retracted.Int64).Format(time.RFC3339))
	}
	if g := r.thread.String; g != "" {
		if id, ok := c.replies.get(g); ok {
			m.ReplyTo = id
		} else {
			m.ReplyTo = "imessage:" + g
		}
	}
	// Most rows have neither attachments nor tapbacks: an empty map
	// costs no lookup.
	var atts []chatDBAttachment
	if len(c.atts) > 0 {
		atts = c.atts[r.row]
	}
	for _, a := range atts {
		m.Attachments = append(m.Attachments, c.attachment(m, a))
	}
	var tapbacks []chatDBReaction
	if len(c.tapbacks) > 0 && c.reacted.has(r.row) {
		tapbacks = c.tapbacks[r.row]
	}
	for _, t := range tapbacks {
		if !t.removed {
			m.Reactions = append(m.Reactions, vault.Reaction{Emoji: t.emoji, By: t.by})
		}
	}
	truncateBody(m)
	return m, nil
}

// event describes a row that records a change to the chat rather than
// words (item_type not 0).
func (c *chatDB) event(r *chatDBRow) string {
	other := c.handles[r.otherHandle.Int64]
	switch r.itemType.Int64 {
	case 1:
		if r.groupAction.Int64 == 1 {
			return strings.TrimSpace("removed " + other + " from the conversation")
		}
		return strings.TrimSpace("added " + other + " to the conversation")
	case 2:
		return "named the conversation " + strconv.Quote(r.groupTitle.String)
	case 3:
		if r.groupAction.Int64 == 0 {
			return "left the conversation"
		}
		return "changed the group photo"
	case 4:
		return "shared their location"
	}
	return "conversation event (item type " + strconv.FormatInt(r.itemType.Int64, 10) + ")"
}

// attachment reads an attachment where Messages keeps it: filename is
// "~/Library/Messages/Attachments/..." (or the absolute form), which
// maps to Attachments/ beside chat.db. A file not there is recorded as
// missing, with the path the database gives.
func (c *chatDB) attachment(m *vault.Message, a chatDBAttachment) vault.Attachment {
	att := vault.Attachment{Name: firstNonEmpty(a.transfer, filepath.Base(a.filename)), Type: a.mime, Size: a.size}
	if att.Name == "" || att.Name == "." {
		att.Name = "attachment"
	}
	rel, why := "", "the database names no file"
	if a.filename != "" {
		why = "not beside the database"
		if _, after, ok := strings.Cut(a.filename, "Library/Messages/"); ok {
			rel = after
		}
	}
	if rel != "" {
		var content []byte
		if content, why = c.root.read(rel); why == "" {
			att.Content = content
			return att
		}
	}
	att.Missing = true
	setHeader(m, "missing_"+att.Name, strings.TrimSpace(a.filename+": "+why))
	return att
}

// emitOrphans emits, as messages of their own, the tapbacks whose target
// is not in the database (deleted, or never synced) and that are older
// than (date, row), so that no row is lost and the order holds.
func (c *chatDB) emitOrphans(date, row int64, emit Emit) error {
	for len(c.orphans) > 0 {
		t := c.orphans[0]
		if t.date > date || t.date == date && t.row > row {
			return nil
		}
		c.orphans = c.orphans[1:]
		m := &vault.Message{Source: "imessage", Kind: "system", Conversation: c.conversation(sql.NullInt64{Int64: t.chat, Valid: t.chat != 0}, t.handle),
			Sender: t.by, SenderID: t.byID, Time: appleTime(t.date)}
		verb := "reacted " + t.emoji + " to"
		if t.kind >= 3000 {
			verb = "took back " + t.emoji + " from"
		}
		m.Body = verb + " a message not in this database"
		setHeader(m, "tapback_target", t.target)
		m.Provenance = vault.Provenance{Format: "imessage", File: c.name, FileSHA256: c.sum,
			Position: fmt.Sprintf("message row %d", t.row), OriginalID: t.guid, ImportedAt: c.now}
		if err := validate(m); err != nil {
			if err := c.opt.skip(&Error{File: c.name, Pos: m.Provenance.Position, Err: err}); err != nil {
				return err
			}
			continue
		}
		if err := emit(m); err != nil {
			return err
		}
	}
	return nil
}
