package index

import (
	"fmt"
	"time"

	"coffer/vault"
	"coffer/vault/access"
)

// Sidecar is the vault.Indexer that importers use: it builds the text
// index of a run of messages (BuildSegment, with the run's own common
// words), which the vault stores encrypted beside their segments. It
// moves the cost of indexing from every unlock to the one import.
func Sidecar(texts *vault.Texts) ([]byte, error) {
	return BuildSegment(texts, CommonWords(texts))
}

// OpenVault makes the loaded vault v searchable: it opens the prebuilt
// segments its imports stored; Start then indexes, in the background,
// whatever they do not cover (call Wait, or watch Progress). If a stored
// segment cannot be used (say, one written by a coffer with another zap
// version), everything is indexed from the messages instead, which is
// slower but complete.
//
// tags is the message tags to index (the vault's, or a snapshot the
// caller owns when tag writes may run meanwhile).
func OpenVault(v *vault.Vault, tags map[string][]string, opt Options) (*Index, error) {
	opt.Position = v.Position
	opt.Policies = v.Policies
	segs, err := v.IndexSegments()
	if err != nil {
		return nil, err // tampering or I/O: the caller must hear of it
	}
	if v.Lazy() {
		// Every message is in an index file (LoadCatalog checked): no
		// rebuilding from text, which would decrypt every segment.
		ix, err := newLazy(v, tags, opt)
		if err != nil {
			return nil, err
		}
		if ix, err = ix.open(segs); err != nil {
			return nil, err
		}
		if ix.prebuilt != ix.n {
			ix.Close()
			return nil, fmt.Errorf("index: the index files cover %d of %d messages", ix.prebuilt, ix.n)
		}
		return ix, nil
	}
	ix, err := Open(v.Messages(), tags, segs, opt)
	if err != nil {
		if ix, err = New(v.Messages(), tags, opt); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// Engine is this package as vault/access's search engine: the session
// opens the index through it and is the only holder of the result.
type Engine struct {
	// Location is the time zone of calendar dates in queries and of
	// month facets; nil means UTC.
	Location *time.Location
	// Now is the clock for relative dates; nil means time.Now.
	Now func() time.Time
	// OneShot is Options.OneShot: for the CLI's processes.
	OneShot bool
}

// Open is OpenVault with e's options.
func (e Engine) Open(v *vault.Vault, tags map[string][]string, progress func(access.IndexProgress)) (access.Searcher, error) {
	ix, err := OpenVault(v, tags, Options{Location: e.Location, Now: e.Now, Progress: progress, OneShot: e.OneShot})
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// Segment is Sidecar.
func (Engine) Segment(texts *vault.Texts) ([]byte, error) { return Sidecar(texts) }

// Check reports why query does not parse (a *QueryError, with its
// column), or nil: a query is checked before it is saved.
func (e Engine) Check(query string) error {
	now, loc := time.Now(), e.Location
	if e.Now != nil {
		now = e.Now()
	}
	if loc == nil {
		loc = time.UTC
	}
	_, err := parseQuery(query, &queryContext{now: now, loc: loc})
	return err
}
