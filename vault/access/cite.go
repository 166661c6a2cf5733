package access

import (
	"fmt"
	"time"

	"coffer/vault/audit"
)

// Copy records that message id's identity (what "id"), or a citation of
// it (what "citation": vault, conversation, date, sender, id, the form a
// report quotes), leaves coffer for the clipboard, then returns the text.
// It never returns the message's text.
func (s *Session) Copy(id, what string) (string, error) {
	done, err := s.reading()
	if err != nil {
		return "", err
	}
	defer done()
	msgs, err := s.lookup([]string{id})
	if err != nil {
		return "", err
	}
	m := msgs[0]
	var text string
	switch what {
	case "id":
		text = m.ID
	case "citation":
		conv := m.Conversation.Title
		if conv == "" {
			conv = m.Conversation.ID
		}
		text = fmt.Sprintf("%s, %s, %s, %s, %s message %s", s.v.Manifest.Name, conv, m.Time.UTC().Format(time.RFC3339), m.Sender, m.Source, m.ID)
	default:
		return "", fmt.Errorf("access: copy %q: want id or citation", what)
	}
	ev := audit.Event{Action: audit.ActionCopy, Messages: []string{id}, Detail: what,
		Conversation: m.Conversation.ID, Title: s.directory().title(m.Conversation.ID), Sent: sentOf(msgs)}
	if err := s.record(ev); err != nil {
		return "", err
	}
	return text, nil
}
