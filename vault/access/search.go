package access

import (
	"context"
	"errors"
	"time"

	"coffer/vault"
	"coffer/vault/audit"
)

// Sort orders search hits.
type Sort int

const (
	Relevance Sort = iota // best score first; equal scores newest first
	Newest                // newest first
	Oldest                // oldest first
)

// Request says which page of results to return and whether to count
// facets.
type Request struct {
	Sort   Sort
	Offset int // hits to skip
	Limit  int // hits to return; 0 means the engine's default, < 0 none (counts and facets only)
	// Facets asks for counts by sender, conversation, source, tag and
	// month over all hits (not only the page).
	Facets bool
	// FacetLimit caps the values returned per facet (most frequent
	// first; months are all returned, in time order); 0 means 10.
	FacetLimit int
	// NoHighlights skips computing Hit.Highlights.
	NoHighlights bool
	// Only, when not nil, restricts the hits to the messages with these
	// IDs: the highlights of a query in messages already chosen.
	Only []string
}

// Result is one page of hits and the total number of matches. It holds
// no message content: hits are ids, positions and spans. Facets name
// senders and conversations, so a search that returns them records it.
type Result struct {
	// Partial is set when the text index was still being built: text
	// matches then cover only the newest Progress().Done messages.
	Partial bool
	Total   int
	Hits    []Hit
	Facets  *Facets // nil unless requested
	Took    time.Duration
}

// Hit is a matching message: its id, its position in the vault's time
// order, its score and where the query's words occur.
type Hit struct {
	ID         string
	Pos        int     // ordinal in time order (ties by id)
	Score      float64 // 0 unless sorted by relevance
	Highlights []Span  // where the query's words occur, in order
}

// Span is a match in a message's Subject or Body, as byte offsets into
// that string: [Start, End).
type Span struct {
	Field      string // "subject" or "body"
	Start, End int
}

// Facets count the hits of a query by value.
type Facets struct {
	Sender       []FacetCount // Value: sender name
	Conversation []FacetCount // Value: conversation id, Label: title
	Source       []FacetCount
	Tag          []FacetCount
	Month        []FacetCount // Value: "2024-03", in time order, all months with hits
}

// FacetCount is one facet value and how many hits have it.
type FacetCount struct {
	Value string
	Label string `json:",omitempty"`
	Count int
}

// RuleRequest says what Searcher.Rules returns beside counts.
type RuleRequest struct {
	// Within, when not empty, is a query that bounds every rule (a date
	// range, a source): rules count only the messages it matches.
	Within string
	// Matches asks for every matched message and the rules that fired
	// on it.
	Matches bool
	// Groups, when not empty, splits the rules into consecutive groups
	// of these sizes (the rules of each policy of a run), each counted
	// in RuleSet.Groups: a word or prefix the groups share is then read
	// from the index once.
	Groups []int
}

// RuleSet is what a set of rules matched, each rule evaluated once: a
// policy run needs each rule's count and how many messages any rule
// matched, and a review queue which rules fired on each message. Ids and
// counts only, as Result.
type RuleSet struct {
	// Totals holds the number of messages each rule matched, in the
	// order of the rules.
	Totals []int
	// Union is the number of messages any rule matched.
	Union int
	// Groups holds, when RuleRequest.Groups is set, each group's union.
	Groups []RuleGroup
	// Matches, when asked for, lists those messages oldest first.
	Matches []RuleMatch
	// Partial is set when a rule searched text while the text index was
	// still being built (see Result.Partial).
	Partial bool
}

// RuleGroup is what a group of rules matched, as a RuleSet of its rules
// alone would say.
type RuleGroup struct {
	Union   int
	Partial bool
}

// RuleMatch is a message some rules matched.
type RuleMatch struct {
	ID    string
	Pos   int   // ordinal in time order, as Hit.Pos
	Rules []int // the indexes of the rules that fired on it, ascending
}

// RuleError is the error of one rule of a Searcher.Rules call, for the
// caller to name the rule; Err is as Search would return for its query
// alone (a *QueryError has the column within the rule).
type RuleError struct {
	Rule int // index into the rules
	Err  error
}

func (e *RuleError) Error() string { return e.Err.Error() }
func (e *RuleError) Unwrap() error { return e.Err }

// IndexProgress describes an index build in flight.
type IndexProgress struct {
	Done, Total int           // messages indexed, and to index
	Elapsed     time.Duration // since Start
	Rate        float64       // messages per second so far
	ETA         time.Duration // estimate of the time left
}

// Searcher is an in-memory search index over the session's messages
// (package index). Only the session holds one.
type Searcher interface {
	Search(ctx context.Context, query string, req Request) (*Result, error)
	// IDs returns every hit of query, oldest first.
	IDs(ctx context.Context, query string) ([]string, error)
	// Rules evaluates every query of rules once (the rules of a policy,
	// or of several in groups), within the messages req.Within matches
	// when it is not empty; an error in one rule is a *RuleError naming
	// it.
	Rules(ctx context.Context, rules []string, req RuleRequest) (*RuleSet, error)
	SetTags(id string, tags []string) error
	// Start indexes in the background what Open could not take from the
	// vault's stored index files; Wait blocks until that is done.
	Start(ctx context.Context)
	Wait(ctx context.Context) error
	Progress() IndexProgress
	Close() error
}

// Engine is the search engine: it opens the index of an unlocked vault
// and builds the stored index file of messages being imported. coffer's
// is index.Engine; the session is its only caller.
type Engine interface {
	Open(v *vault.Vault, tags map[string][]string, progress func(IndexProgress)) (Searcher, error)
	Segment(texts *vault.Texts) ([]byte, error)
	// Check reports why a query does not parse, or nil.
	Check(query string) error
}

// ErrNoIndex is returned by Search before the index exists.
var ErrNoIndex = errors.New("search is not ready yet")

// OpenIndex makes the loaded vault searchable: it opens the index files
// the imports stored and starts indexing the rest in the background,
// reporting progress. Search works from when it returns (metadata queries
// and stored text at once, the rest as it is indexed); WaitIndex tells
// when the text is complete. The session closes the index when it locks.
func (s *Session) OpenIndex(progress func(IndexProgress)) error {
	if s.engine == nil {
		return errors.New("access: no search engine")
	}
	done, err := s.reading()
	if err != nil {
		return err
	}
	defer done()
	ix, err := s.engine.Open(s.v, s.tagsAtLoad, progress)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ix.Start(ctx)
	s.ixMu.Lock()
	s.ix, s.ixCancel = ix, cancel
	s.ixMu.Unlock()
	return nil
}

// WaitIndex blocks until the index is complete, ctx ends, or the session
// locks.
func (s *Session) WaitIndex(ctx context.Context) error {
	ix := s.searcher()
	if ix == nil {
		return ErrNoIndex
	}
	return ix.Wait(ctx)
}

// IndexProgress reports the build of the index.
func (s *Session) IndexProgress() IndexProgress {
	if ix := s.searcher(); ix != nil {
		return ix.Progress()
	}
	return IndexProgress{}
}

func (s *Session) searcher() Searcher {
	s.ixMu.Lock()
	defer s.ixMu.Unlock()
	return s.ix
}

// Results is a recorded search.
type Results struct {
	Query string
	*Result
	// Messages holds the content of the page's hits, in order, when the
	// request asked for it (Show); they were recorded as shown.
	Messages []*vault.Message
}

// Search runs query and records it (the query, the total number of hits,
// and that facets were disclosed when they were requested) before it
// returns anything. With show, the page's messages are returned too and
// the same event lists their ids as shown; without, the caller shows hits
// later through View, which records them then.
func (s *Session) Search(ctx context.Context, query string, req Request, show bool) (*Results, error) {
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.search(ctx, ix, query, "", req, show)
}

// search is Search with the session held; saved names the saved search
// the query came from, if any, for the event's Target.
func (s *Session) search(ctx context.Context, ix Searcher, query, saved string, req Request, show bool) (*Results, error) {
	res, err := ix.Search(ctx, query, req)
	if err != nil {
		return nil, err
	}
	ev := audit.Event{Action: audit.ActionSearch, Query: query, Results: res.Total, Target: saved}
	if res.Facets != nil {
		ev.Detail = DetailFacets
	}
	var msgs []*vault.Message
	if show {
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		if msgs, err = s.lookupHits(res.Hits); err != nil {
			return nil, err
		}
		ev.Messages, ev.Sent = ids, sentOf(msgs)
	}
	if err := s.record(ev); err != nil {
		return nil, err
	}
	return &Results{Query: query, Result: res, Messages: msgs}, nil
}

// DetailFacets is the Detail of a search event whose facets (counts by
// sender, conversation, source, tag and month) were disclosed.
const DetailFacets = "facets shown"

// AllHits returns the id of every hit of query, for acting on all of them
// (tagging all results records the ids then). Ids carry no content.
func (s *Session) AllHits(ctx context.Context, query string) ([]string, error) {
	ix, done, err := s.readingIndex()
	if err != nil {
		return nil, err
	}
	defer done()
	return ix.IDs(ctx, query)
}

// readingIndex holds the session for a read and returns its index, or
// says why there is none.
func (s *Session) readingIndex() (Searcher, func(), error) {
	done, err := s.reading()
	if err != nil {
		return nil, nil, err
	}
	ix := s.searcher()
	if ix == nil {
		done()
		return nil, nil, ErrNoIndex
	}
	return ix, done, nil
}
