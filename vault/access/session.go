package access

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"

	"coffer/vault"
	"coffer/vault/audit"
)

// Session is an unlocked vault and the audit session that records what is
// done with it. Its methods may be slow (decryption, fsync, search) and
// are safe for concurrent use; after Lock every one returns ErrLocked.
type Session struct {
	// mu orders the calls that may still be running when the vault locks:
	// reads hold it shared, writes and Lock exclusively.
	mu     sync.RWMutex
	v      *vault.Vault
	log    *audit.Log
	engine Engine

	// tagsAtLoad is the vault's tags as loaded, copied before any write
	// can change the vault's own map (the index reads it in another
	// goroutine).
	tagsAtLoad map[string][]string
	dirOnce    sync.Once
	dir        *Directory // see directory

	ixMu     sync.Mutex
	ix       Searcher
	ixCancel context.CancelFunc
}

// ErrLocked is returned by a call that came after the lock.
var ErrLocked = errors.New("the vault is locked")

// reading holds the session for a read, or says it is locked.
func (s *Session) reading() (func(), error) {
	s.mu.RLock()
	if s.v == nil {
		s.mu.RUnlock()
		return nil, ErrLocked
	}
	return s.mu.RUnlock, nil
}

// writing holds the session for a change, or says it is locked.
func (s *Session) writing() (func(), error) {
	s.mu.Lock()
	if s.v == nil {
		s.mu.Unlock()
		return nil, ErrLocked
	}
	return s.mu.Unlock, nil
}

// maxIDsPerEvent keeps an event listing ids well inside the audit
// trail's record size: a larger list is recorded as several events with
// the same fields, all before anything is shown or done.
const maxIDsPerEvent = 4096

// maxSender and maxTitle bound, in bytes, what an event records of a
// sender's name and a conversation's title. Both come from the archive
// and have no bound of their own: the start is enough to say whose and
// which, and an event too large for a record would keep its messages
// from being shown at all.
const (
	maxSender = 128
	maxTitle  = 256
)

// record appends ev durably. An event listing more ids than fit in one
// record is split into consecutive events that differ only in their ids
// (and senders): at most maxIDsPerEvent each, fewer when the senders are
// long.
func (s *Session) record(ev audit.Event) error {
	ids, sent := ev.Messages, ev.Sent
	limit := maxIDsPerEvent
	for {
		part := ev
		n := min(len(ids), limit)
		part.Messages = slices.Clone(ids[:n])
		if sent != nil {
			part.Sent = slices.Clone(sent[:n])
		}
		err := s.log.Append(part)
		if errors.Is(err, audit.ErrEventTooBig) && n > 1 {
			limit = n / 2 // nothing was written: try a smaller part
			continue
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotRecorded, err)
		}
		ids = ids[n:]
		if sent != nil {
			sent = sent[n:]
		}
		if len(ids) == 0 {
			return nil
		}
	}
}

// sentOf is who sent each of msgs and when, as an event records it.
func sentOf(msgs []*vault.Message) []audit.Sent {
	out := make([]audit.Sent, len(msgs))
	for i, m := range msgs {
		out[i] = audit.Sent{Sender: clip(m.Sender, maxSender), Time: m.Time}
	}
	return out
}

// clip cuts s to at most n bytes, at a character boundary, marking the
// cut with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// lookup returns the messages ids, in order; an unknown id is an error,
// so that a view of it records nothing.
func (s *Session) lookup(ids []string) ([]*vault.Message, error) {
	msgs := make([]*vault.Message, len(ids))
	for i, id := range ids {
		m, err := s.v.Lookup(id)
		if err != nil {
			var te *vault.TamperError
			if errors.As(err, &te) {
				return nil, err
			}
			return nil, fmt.Errorf("access: no message %q", id)
		}
		msgs[i] = m
	}
	return msgs, nil
}

// lookupHits returns the messages of hits, by the position the index
// gave (after LoadCatalog, finding an id means sorting them all), each
// checked to be the hit's.
func (s *Session) lookupHits(hits []Hit) ([]*vault.Message, error) {
	msgs := make([]*vault.Message, len(hits))
	for i, h := range hits {
		m, err := s.v.MessageAt(h.Pos)
		if err != nil || m.ID != h.ID {
			ms, err := s.lookup([]string{h.ID})
			if err != nil {
				return nil, err
			}
			m = ms[0]
		}
		msgs[i] = m
	}
	return msgs, nil
}

// Load decrypts every message into memory. It shows nothing, so it
// records nothing; on failure the session is locked (its plaintext
// wiped, the audit session closed) and the error returned.
func (s *Session) Load(progress func(vault.Progress)) error {
	return s.load(func() error { return s.v.Load(progress) })
}

// LoadCatalog prepares the session for searching without decrypting
// every message: from the catalogs of the vault's index files
// (vault.LoadCatalog), a search decrypts only the segments of the
// messages it shows. It shows nothing, so it records nothing. A vault
// whose segments are not all catalogued is loaded whole (Load). What
// shows messages decrypts their segments then; what needs every message
// (an export, the first proximity search of frequent words) decrypts
// them all.
func (s *Session) LoadCatalog(progress func(vault.Progress)) error {
	err := s.load(func() error { return s.v.LoadCatalog(progress) })
	if errors.Is(err, vault.ErrNoCatalog) {
		return s.Load(progress)
	}
	return err
}

// load runs a vault load under the session's write hold, then copies the
// tags as loaded; on failure other than ErrNoCatalog (after which nothing
// is held) the session is locked.
func (s *Session) load(do func() error) error {
	done, err := s.writing()
	if err != nil {
		return err
	}
	if err := do(); err != nil {
		done()
		if errors.Is(err, vault.ErrNoCatalog) {
			return err
		}
		return errors.Join(err, s.Lock(audit.LockExit))
	}
	s.tagsAtLoad = make(map[string][]string, len(s.v.Tags()))
	for id, ts := range s.v.Tags() {
		s.tagsAtLoad[id] = slices.Clone(ts)
	}
	done()
	return nil
}

// CheckSegments checks every segment file against the manifest without
// decrypting it (vault.Vault.CheckSegments): after LoadCatalog, the TUI
// refuses a changed segment at unlock, as Load does. On failure the
// session is locked and the error returned. It shows nothing.
func (s *Session) CheckSegments(progress func(vault.Progress)) error {
	done, err := s.reading()
	if err != nil {
		return err
	}
	if !s.v.Lazy() {
		done()
		return nil // Load checked them
	}
	err = s.v.CheckSegments(progress)
	done()
	if err != nil {
		return errors.Join(err, s.Lock(audit.LockExit))
	}
	return nil
}

// LimitSegments bounds the memory of segments decrypted for a moment
// (vault.SegmentBudget) after LoadCatalog: a one-shot command keeps
// little, a review keeps the default.
func (s *Session) LimitSegments(bytes int64) {
	done, err := s.reading()
	if err != nil {
		return
	}
	defer done()
	s.v.SetSegmentBudget(bytes)
}

// Catalogued reports whether the session was opened from the vault's
// catalogs (LoadCatalog) rather than loaded whole.
func (s *Session) Catalogued() bool {
	done, err := s.reading()
	if err != nil {
		return false
	}
	defer done()
	return s.v.Lazy()
}

// directory is the conversation directory, made from the messages'
// metadata at its first use (the catalogs' after LoadCatalog: a one-shot
// search never needs it). The session must be held.
func (s *Session) directory() *Directory {
	s.dirOnce.Do(func() { s.dir = newDirectory(s.v) })
	return s.dir
}

// Lock records the lock, closes the index, wipes and drops the
// plaintext, and asks the runtime to collect it. reason is one of
// audit.LockManual, LockIdle, LockExit, LockPipe. Calls still running
// finish first; later ones return ErrLocked. Lock may be called more than
// once.
func (s *Session) Lock(reason string) error {
	s.ixMu.Lock()
	ix, cancel := s.ix, s.ixCancel
	s.ix, s.ixCancel = nil, nil
	s.ixMu.Unlock()
	if cancel != nil {
		cancel() // stops a build in flight, so that Close does not wait for it
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v == nil {
		return nil
	}
	var err error
	if ix != nil {
		err = ix.Close()
	}
	err = errors.Join(err, s.log.Close(reason))
	s.v.Close()
	s.v, s.dir, s.tagsAtLoad = nil, nil, nil
	runtime.GC()
	return err
}

// Member is the name of the member who unlocked, and how.
func (s *Session) Member() (name, method string) {
	done, err := s.reading()
	if err != nil {
		return "", ""
	}
	defer done()
	return s.v.Member.Name, s.v.Method
}

// Manifest is the vault's verified manifest (public metadata).
func (s *Session) Manifest() *vault.Manifest {
	done, err := s.reading()
	if err != nil {
		return nil
	}
	defer done()
	return s.v.Manifest
}

// Warnings lists files in the vault folder that its manifest does not
// name (ignored), found by Load.
func (s *Session) Warnings() []string {
	done, err := s.reading()
	if err != nil {
		return nil
	}
	defer done()
	return slices.Clone(s.v.Warnings)
}

// Tags returns a copy of every message's tags as loaded, for the caller
// to own; later changes come back from Tag. Tags are the reviewers' own
// words, not the archive's content.
func (s *Session) Tags() map[string][]string {
	done, err := s.reading()
	if err != nil {
		return nil
	}
	defer done()
	out := make(map[string][]string, len(s.tagsAtLoad))
	for id, ts := range s.v.Tags() {
		out[id] = slices.Clone(ts)
	}
	return out
}

// InterruptAudit ends the audit session as a failing disk would: every
// later record fails, so from then on nothing more is shown or done and
// each call says why. Tests use it to prove that coffer fails closed.
func (s *Session) InterruptAudit() error { return s.log.Close(audit.LockManual) }
