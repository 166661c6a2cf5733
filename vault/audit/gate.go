package audit

import (
	"errors"
	"fmt"
)

// Source is where the Gate takes messages from: the unlocked vault's
// in-memory store (M is *vault.Message). Only the Gate should hold it;
// code that draws messages gets a *Gate, so there is no unaudited path to
// a message's content.
//
// The Gate is generic so that this package does not import coffer/vault:
// the vault may then use the audit package without an import cycle.
type Source[M any] interface {
	Message(id string) (M, bool)
}

// Gate is the audited accessor to message content. Each method records
// its event durably (written and fsynced) before it returns anything; if
// the record cannot be written it returns nothing and an error that says
// so.
type Gate[M any] struct {
	log *Log
	src Source[M]
}

// NewGate returns a gate over src that records into log:
//
//	g := audit.NewGate[*vault.Message](log, store)
func NewGate[M any](log *Log, src Source[M]) *Gate[M] {
	return &Gate[M]{log: log, src: src}
}

// Log returns the gate's session log, for events that show no content
// (unlock, lock, import, export, member changes).
func (g *Gate[M]) Log() *Log { return g.log }

// ErrNotRecorded wraps every failure to record a view: nothing was shown.
var ErrNotRecorded = errors.New("audit: not recorded, so not shown")

func (g *Gate[M]) lookup(ids []string) ([]M, error) {
	msgs := make([]M, len(ids))
	for i, id := range ids {
		m, ok := g.src.Message(id)
		if !ok {
			return nil, fmt.Errorf("audit: no message %q", id)
		}
		msgs[i] = m
	}
	return msgs, nil
}

func (g *Gate[M]) record(e Event) error {
	if err := g.log.Append(e); err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	return nil
}

// ViewMessages returns the messages ids (in order) for a list on screen,
// recording which ids were shown.
func (g *Gate[M]) ViewMessages(ids []string) ([]M, error) {
	return g.view(Event{Action: ActionViewMessages, Messages: ids})
}

// ViewConversation returns the messages ids of conversation conv for
// display, recording which ids were on screen.
func (g *Gate[M]) ViewConversation(conv string, ids []string) ([]M, error) {
	return g.view(Event{Action: ActionViewConversation, Conversation: conv, Messages: ids})
}

// ViewMessage returns one message for the detail view, recording it.
func (g *Gate[M]) ViewMessage(id string) (M, error) {
	ms, err := g.view(Event{Action: ActionViewMessage, Messages: []string{id}})
	if err != nil {
		var zero M
		return zero, err
	}
	return ms[0], nil
}

func (g *Gate[M]) view(e Event) ([]M, error) {
	// Look up first so that a view of unknown ids records nothing, then
	// record, then hand the messages over.
	msgs, err := g.lookup(e.Messages)
	if err != nil {
		return nil, err
	}
	e.Messages = append([]string(nil), e.Messages...)
	if err := g.record(e); err != nil {
		return nil, err
	}
	return msgs, nil
}

// Search runs query with run (the in-memory index), records the query and
// the number of hits, and only then returns the hit ids. Showing the hits'
// content goes through ViewMessages.
func (g *Gate[M]) Search(query string, run func(query string) ([]string, error)) ([]string, error) {
	ids, err := run(query)
	if err != nil {
		return nil, err
	}
	if err := g.record(Event{Action: ActionSearch, Query: query, Results: len(ids)}); err != nil {
		return nil, err
	}
	return ids, nil
}

// AddTag records that tag is being added to ids, then calls apply, which
// stores it. Write-ahead: if the record fails, apply is not called.
func (g *Gate[M]) AddTag(tag string, ids []string, apply func() error) error {
	return g.tag(ActionTagAdd, tag, ids, apply)
}

// RemoveTag is AddTag for removal.
func (g *Gate[M]) RemoveTag(tag string, ids []string, apply func() error) error {
	return g.tag(ActionTagRemove, tag, ids, apply)
}

func (g *Gate[M]) tag(a Action, tag string, ids []string, apply func() error) error {
	if err := g.record(Event{Action: a, Tag: tag, Messages: append([]string(nil), ids...)}); err != nil {
		return err
	}
	if err := apply(); err != nil {
		// The trail says it was attempted; say that it failed too.
		g.log.Append(Event{Action: a, Tag: tag, Messages: ids, Reason: "failed"})
		return err
	}
	return nil
}
