package access_test

import (
	"context"
	"errors"
	"testing"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
)

// TestSavedSearchRefusals: a query that does not parse, a bad or taken
// name, and an unknown saved search are refused before anything is
// recorded or written; the saved searches are shared with the next
// session.
func TestSavedSearchRefusals(t *testing.T) {
	tv := newTestVault(t, messages(3))
	s := tv.openIndexed(t)
	if err := s.SaveSearch("hot", "lunch"); err != nil {
		t.Fatal(err)
	}
	before := len(tv.last(t))
	var qe *index.QueryError
	if err := s.SaveSearch("bad", "from:"); !errors.As(err, &qe) {
		t.Errorf("a query that does not parse: %v, want a QueryError", err)
	}
	if err := s.SaveSearch("two words", "lunch"); err == nil {
		t.Error("a name with a space was saved")
	}
	if err := s.SaveSearch("hot", "other"); !errors.Is(err, vault.ErrSavedExists) {
		t.Errorf("a taken name: %v", err)
	}
	if err := s.RemoveSearch("nope"); !errors.Is(err, vault.ErrNoSaved) {
		t.Errorf("removing an unknown name: %v", err)
	}
	if _, err := s.SearchSaved(context.Background(), "nope", access.Request{}, false); !errors.Is(err, vault.ErrNoSaved) {
		t.Errorf("running an unknown name: %v", err)
	}
	if after := len(tv.last(t)); after != before {
		t.Errorf("refusals wrote %d events", after-before)
	}
	s.Lock("exit")
	s = tv.open(t)
	defer s.Lock("exit")
	ss, err := s.SavedSearches()
	if err != nil || len(ss) != 1 || ss[0].Name != "hot" || ss[0].Query != "lunch" || ss[0].Actor != "rita" {
		t.Fatalf("next session lists %+v %v", ss, err)
	}
}
