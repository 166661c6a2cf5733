package vault

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode"
)

// Saved searches are named queries the members share. A query says what
// the investigators look for ("from:marcus insider"), so it is as secret
// as a tag and is kept the way tags are: each change is a small journal
// file under saved/, age-encrypted to the vault recipient and named, with
// its hash, by a signed manifest record. Replaying the journal in
// manifest order gives the current searches. A vault from before saved
// searches simply has no such files and records.
const recSaved = "saved"

const savedMagic = "coffer-saved-v1\n"

// maxQuery bounds a saved query in bytes: a query is typed, and the
// search box takes 1024 characters.
const maxQuery = 4096

// SavedSearch is a named query.
type SavedSearch struct {
	Name  string
	Query string
	// Actor is the member who saved it, Time when.
	Actor string
	Time  time.Time
}

// SavedOp is one change in the saved-searches journal: an addition
// (Query set) or a removal of Name.
type SavedOp struct {
	Time  time.Time `json:"time"`
	Actor string    `json:"actor"` // member name
	Add   bool      `json:"add"`
	Name  string    `json:"name"`
	Query string    `json:"query,omitempty"`
}

// ValidSavedName reports why name cannot name a saved search, or nil: 1 to
// 64 characters, without spaces or control characters (it is typed on a
// command line and shown in a one-line pane).
func ValidSavedName(name string) error { return validName("saved-search name", name) }

// ErrSavedExists and ErrNoSaved are what AddSaved and RemoveSaved return
// when the name is taken, or unknown.
var (
	ErrSavedExists = errors.New("a saved search of that name exists")
	ErrNoSaved     = errors.New("no saved search of that name")
)

// validQuery checks what the vault can of a query (the search engine
// checks that it parses): not empty, not huge, no control characters.
func validQuery(q string) error {
	switch {
	case len(bytes.TrimSpace([]byte(q))) == 0:
		return errors.New("empty query")
	case len(q) > maxQuery:
		return fmt.Errorf("query longer than %d bytes", maxQuery)
	}
	for _, r := range q {
		if unicode.IsControl(r) {
			return errors.New("query has a control character")
		}
	}
	return nil
}

// SavedSearches returns the saved searches, by name, as of the manifest
// this process last read (at unlock, or at its last write).
func (v *Vault) SavedSearches() ([]SavedSearch, error) {
	if v.epochs == nil {
		return nil, errors.New("vault: locked")
	}
	all, err := v.replaySaved()
	if err != nil {
		return nil, err
	}
	out := make([]SavedSearch, 0, len(all))
	for _, s := range all {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// AddSaved saves query under name, which no saved search may hold, and
// records the change in the vault before returning. Names are checked
// under the write lock against the journal as it is then, so two members
// cannot take the same name at once.
func (v *Vault) AddSaved(name, query string) error {
	if err := ValidSavedName(name); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if err := validQuery(query); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return v.writeSaved(SavedOp{Add: true, Name: name, Query: query})
}

// RemoveSaved deletes the saved search name and records the change.
func (v *Vault) RemoveSaved(name string) error {
	if err := ValidSavedName(name); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return v.writeSaved(SavedOp{Name: name})
}

// SavedQuery returns the query saved under name.
func (v *Vault) SavedQuery(name string) (string, error) {
	all, err := v.SavedSearches()
	if err != nil {
		return "", err
	}
	for _, s := range all {
		if s.Name == name {
			return s.Query, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrNoSaved, name)
}

// savedJournal is where saved searches are kept (journal.go).
var savedJournal = journal{rec: recSaved, dir: "saved", magic: savedMagic, what: "saved-searches journal"}

func (v *Vault) writeSaved(op SavedOp) error {
	return appendJournal(v, savedJournal, func() (SavedOp, error) {
		cur, err := v.replaySaved()
		if err != nil {
			return op, err
		}
		_, exists := cur[op.Name]
		switch {
		case op.Add && exists:
			return op, fmt.Errorf("vault: %w: %q", ErrSavedExists, op.Name)
		case !op.Add && !exists:
			return op, fmt.Errorf("vault: %w: %q", ErrNoSaved, op.Name)
		}
		op.Time, op.Actor = v.now().UTC(), v.Member.Name
		return op, nil
	})
}

// replaySaved reads the saved-searches journal named by the manifest.
func (v *Vault) replaySaved() (map[string]SavedSearch, error) {
	out := map[string]SavedSearch{}
	err := readJournal(v, savedJournal, func(op SavedOp) error {
		if ValidSavedName(op.Name) != nil || (op.Add && validQuery(op.Query) != nil) {
			return errors.New("holds an invalid saved search")
		}
		if op.Add {
			out[op.Name] = SavedSearch{Name: op.Name, Query: op.Query, Actor: op.Actor, Time: op.Time}
		} else {
			delete(out, op.Name)
		}
		return nil
	})
	return out, err
}
