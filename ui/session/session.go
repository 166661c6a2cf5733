// Package session is the TUI's only way to a vault: it unlocks, loads and
// indexes it, and hands message content out only through the audit gate,
// so a view is recorded before anything of it can be drawn.
//
// Every method here may be slow (scrypt, decryption, fsync, bleve) and is
// called from a tea.Cmd, never from Update. What the UI reads without the
// gate is metadata the conversation list needs (ids, times, titles,
// participants, counts), computed once after Load.
package session

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/audit"
)

// Conversation is what the conversations pane lists.
type Conversation struct {
	ID, Title, Source string
	Participants      []string
	Last              time.Time
	// IDs are the conversation's messages in time order and Times their
	// Unix seconds (for day separators without reading content).
	IDs   []string
	Times []int64
}

// Place is where a message sits: its conversation and position.
type Place struct{ Conv, Pos int }

// Session is an unlocked, loaded vault with its audit session.
type Session struct {
	Dir   string
	Vault *vault.Vault
	Log   *audit.Log
	Gate  *audit.Gate[*vault.Message]

	Convs  []Conversation
	Places map[string]Place

	// tags is the vault's tags as loaded, copied before any write can
	// change the vault's own map (the index is built from it in another
	// goroutine).
	tags map[string][]string

	// mu orders the commands that may still be running when the vault
	// locks: reads hold it shared, tag writes and Lock exclusively.
	mu sync.RWMutex
}

// AuditRecipients parses the auditors of a manifest.
func AuditRecipients(m *vault.Manifest) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, a := range m.Auditors {
		r, _, err := vault.ParseRecipient(a.Recipient)
		if err != nil {
			return nil, fmt.Errorf("session: auditor %q: %v", a.Name, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("session: the vault has no auditor")
	}
	return out, nil
}

// OpenLog starts the audit session that records unlock attempts; it is
// opened before the key is tried so that failures are recorded too.
func OpenLog(dir string, m *vault.Manifest) (*audit.Log, error) {
	rs, err := AuditRecipients(m)
	if err != nil {
		return nil, err
	}
	return audit.Open(dir, rs, audit.Actor{})
}

// Unlock tries key. A failure is recorded in log (without the key) and
// returned; success records the member and method.
func Unlock(dir string, log *audit.Log, key vault.Key) (*vault.Vault, error) {
	v, err := vault.Unlock(dir, key)
	if err != nil {
		reason := "error"
		if errors.Is(err, vault.ErrWrongKey) {
			reason = "wrong key"
		}
		if aerr := log.Append(audit.Event{Action: audit.ActionUnlockFailed, Reason: reason}); aerr != nil {
			// No retry without a record of the failure: not ErrWrongKey.
			return nil, fmt.Errorf("session: the failed unlock could not be recorded, so no retry: %v", aerr)
		}
		return nil, err
	}
	actor := audit.Actor{Member: v.Member.Name}
	if v.Member.Recipient != "" {
		actor.Fingerprint = vault.Fingerprint(v.Member.Recipient)
	}
	if err := log.SetActor(actor); err != nil {
		v.Close()
		return nil, err
	}
	if err := log.Append(audit.Event{Action: audit.ActionUnlock, Method: v.Method}); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// Load decrypts the vault and builds the conversation table.
func Load(dir string, v *vault.Vault, log *audit.Log, progress func(vault.Progress)) (*Session, error) {
	if err := v.Load(progress); err != nil {
		return nil, err
	}
	s := &Session{Dir: dir, Vault: v, Log: log, Gate: audit.NewGate[*vault.Message](log, v)}
	s.tags = make(map[string][]string, len(v.Tags()))
	for id, ts := range v.Tags() {
		s.tags[id] = slices.Clone(ts)
	}
	s.buildConversations()
	// The list shows titles, participants and senders: recorded before
	// the UI gets it, like any view.
	if err := log.Append(audit.Event{Action: audit.ActionViewConversationList, Count: len(s.Convs)}); err != nil {
		return nil, fmt.Errorf("%w: %w", audit.ErrNotRecorded, err)
	}
	return s, nil
}

func (s *Session) buildConversations() {
	byID := map[string]int{}
	parts := map[int]map[string]bool{}
	for _, m := range s.Vault.Messages() {
		i, ok := byID[m.Conversation.ID]
		if !ok {
			i = len(s.Convs)
			byID[m.Conversation.ID] = i
			s.Convs = append(s.Convs, Conversation{ID: m.Conversation.ID, Source: m.Source})
			parts[i] = map[string]bool{}
		}
		c := &s.Convs[i]
		if m.Conversation.Title != "" {
			c.Title = m.Conversation.Title
		}
		for _, p := range m.Conversation.Participants {
			parts[i][p] = true
		}
		if m.Sender != "" && len(parts[i]) < 64 {
			parts[i][m.Sender] = true
		}
		c.IDs = append(c.IDs, m.ID)
		c.Times = append(c.Times, m.Time.Unix())
		if m.Time.After(c.Last) {
			c.Last = m.Time
		}
	}
	s.Places = make(map[string]Place, len(s.Vault.Messages()))
	for i := range s.Convs {
		c := &s.Convs[i]
		if c.Title == "" {
			c.Title = c.ID
		}
		for p := range parts[i] {
			c.Participants = append(c.Participants, p)
		}
		sort.Strings(c.Participants)
		for j, id := range c.IDs {
			s.Places[id] = Place{i, j}
		}
	}
}

// Tags returns a copy of every message's tags as loaded, for the UI to
// own; later changes come back from Tag.
func (s *Session) Tags() map[string][]string {
	out := make(map[string][]string, len(s.tags))
	for id, ts := range s.tags {
		out[id] = slices.Clone(ts)
	}
	return out
}

// BuildIndex makes the loaded messages searchable: it opens the index
// segments the imports stored and indexes the rest in the background. It
// returns the index at once (metadata queries and prebuilt text work) and
// reports progress until the text is done.
func (s *Session) BuildIndex(ctx context.Context, progress func(index.Progress)) (*index.Index, error) {
	ix, err := index.OpenVault(s.Vault, s.tags, index.Options{Progress: progress, Location: time.Local})
	if err != nil {
		return nil, err
	}
	ix.Start(ctx)
	return ix, nil
}

// ErrNoIndex is returned by Search before the index exists.
var ErrNoIndex = errors.New("search is not ready yet")

// ErrLocked is returned by a command that ran after the lock.
var ErrLocked = errors.New("the vault is locked")

// reading holds the session for a read, or says it is locked.
func (s *Session) reading() (func(), error) {
	s.mu.RLock()
	if s.Vault == nil {
		s.mu.RUnlock()
		return nil, ErrLocked
	}
	return s.mu.RUnlock, nil
}

// Results is a recorded search.
type Results struct {
	Query string
	Total int
	Hits  []index.Hit // metadata and highlight spans only: content is shown through View
	Facet *index.Facets
	Took  time.Duration
	// Partial: the text index was still being built.
	Partial bool
}

// Search runs query, records it, and returns the first limit hits.
func (s *Session) Search(ctx context.Context, ix *index.Index, query string, limit int) (*Results, error) {
	if ix == nil {
		return nil, ErrNoIndex
	}
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	var res *index.Result
	_, err = s.Gate.Search(query, func(q string) ([]string, error) {
		r, err := ix.Search(ctx, q, index.Request{Sort: index.Newest, Limit: limit, Facets: true})
		if err != nil {
			return nil, err
		}
		res = r
		ids := make([]string, r.Total)
		for i, h := range r.Hits {
			ids[i] = h.ID
		}
		// Gate.Search counts len(ids) as the number of results; the ids
		// beyond the page are never shown, so they stay empty.
		return ids, nil
	})
	if err != nil {
		return nil, err
	}
	return &Results{Query: query, Total: res.Total, Hits: res.Hits, Facet: res.Facets, Took: res.Took, Partial: res.Partial}, nil
}

// AllHits returns every hit id of query (for tagging all results).
func (s *Session) AllHits(ctx context.Context, ix *index.Index, query string) ([]string, error) {
	if ix == nil {
		return nil, ErrNoIndex
	}
	r, err := ix.Search(ctx, query, index.Request{Sort: index.Oldest, Limit: 1})
	if err != nil {
		return nil, err
	}
	r, err = ix.Search(ctx, query, index.Request{Sort: index.Oldest, Limit: max(r.Total, 1)})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// View records that ids are on screen and returns them. conv is the
// conversation id when they are a conversation's messages, "" for a list
// of search hits.
func (s *Session) View(conv string, ids []string) ([]*vault.Message, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	if conv != "" {
		return s.Gate.ViewConversation(conv, ids)
	}
	return s.Gate.ViewMessages(ids)
}

// Detail records a detail view of one message and returns it.
func (s *Session) Detail(id string) (*vault.Message, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.Gate.ViewMessage(id)
}

// Tag adds or removes tag on ids: recorded, then written to the vault,
// then set in the index. It returns the new tags of each id.
func (s *Session) Tag(ix *index.Index, add bool, tag string, ids []string) (map[string][]string, error) {
	if err := vault.ValidTag(tag); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Vault == nil {
		return nil, ErrLocked
	}
	apply := func() error { return s.Vault.ApplyTag(add, tag, ids) }
	var err error
	if add {
		err = s.Gate.AddTag(tag, ids, apply)
	} else {
		err = s.Gate.RemoveTag(tag, ids, apply)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(ids))
	for _, id := range ids {
		ts := slices.Clone(s.Vault.MessageTags(id))
		out[id] = ts
		if ix != nil {
			ix.SetTags(id, ts)
		}
	}
	return out, nil
}

// Lock records the lock, wipes and drops the plaintext, and asks the
// runtime to collect it. reason is audit.LockManual, LockIdle or
// LockExit. The index is closed by its owner (the browse page's indexing
// goroutine) when the page is closed. The session must not be used
// afterwards.
func (s *Session) Lock(reason string) error {
	s.mu.Lock() // a view or tag being recorded finishes first
	defer s.mu.Unlock()
	if s.Vault == nil {
		return nil
	}
	err := s.Log.Close(reason)
	s.Vault.Close()
	s.Vault, s.Gate, s.Convs, s.Places, s.tags = nil, nil, nil, nil, nil
	runtime.GC()
	return err
}

// TagQuery quotes a tag for a tag: query when it needs it.
func TagQuery(tag string) string {
	if strings.ContainsAny(tag, " \"():") {
		return `tag:"` + strings.ReplaceAll(tag, `"`, ``) + `"`
	}
	return "tag:" + tag
}
