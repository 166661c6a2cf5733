package access

import (
	"context"
	"errors"
	"fmt"

	"coffer/vault"
	"coffer/vault/audit"
)

// Saved searches are named queries stored, encrypted, in the vault and
// shared by its members (vault/saved.go). A name and a query are the
// reviewers' own words, as tags are, not the archive's content: listing
// them records nothing. Adding and removing one are recorded (saved-add,
// saved-remove, with the name and the query: the trail is encrypted to the
// auditors) before the vault changes, and running one is recorded as the
// search it is, naming it.

// SavedSearches lists the vault's saved searches, by name.
func (s *Session) SavedSearches() ([]vault.SavedSearch, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.v.SavedSearches()
}

// SaveSearch saves query under name for every member. The query must
// parse and the name be free; the addition is recorded, then written. If
// the write fails after the record, the failure is recorded too.
func (s *Session) SaveSearch(name, query string) error {
	if err := vault.ValidSavedName(name); err != nil {
		return err
	}
	if s.engine == nil {
		return errors.New("access: no search engine")
	}
	if err := s.engine.Check(query); err != nil {
		return err
	}
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	// A taken name is refused before anything is recorded; the vault
	// checks again under its write lock.
	if _, err := s.v.SavedQuery(name); err == nil {
		return fmt.Errorf("%w: %q", vault.ErrSavedExists, name)
	}
	ev := audit.Event{Action: audit.ActionSavedAdd, Target: name, Query: query}
	return s.change(ev, func() error { return s.v.AddSaved(name, query) })
}

// RemoveSearch deletes the saved search name: recorded (with the query it
// held), then written.
func (s *Session) RemoveSearch(name string) error {
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	query, err := s.v.SavedQuery(name)
	if err != nil {
		return err
	}
	ev := audit.Event{Action: audit.ActionSavedRemove, Target: name, Query: query}
	return s.change(ev, func() error { return s.v.RemoveSaved(name) })
}

// change records ev, then makes the change; a change that fails after
// its record is recorded as failed.
func (s *Session) change(ev audit.Event, write func() error) error {
	if err := s.record(ev); err != nil {
		return err
	}
	if err := write(); err != nil {
		ev.Reason = "failed"
		if rerr := s.record(ev); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return nil
}

// SearchSaved runs the saved search name as Search runs a query, and
// records it the same way, the event naming the saved search.
func (s *Session) SearchSaved(ctx context.Context, name string, req Request, show bool) (*Results, error) {
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	query, err := s.v.SavedQuery(name)
	if err != nil {
		return nil, err
	}
	return s.search(ctx, ix, query, name, req, show)
}
