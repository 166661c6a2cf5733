// Package index makes an unlocked vault searchable, entirely in memory.
//
// # Guarantees
//
// The index never touches disk: full text goes into bleve's scorch engine
// opened with an empty path (no persister, no files), bleve's slow-query log
// is never enabled, and everything else (time order, senders,
// conversations, tags, facets) lives in plain Go slices. No query, term or
// tag is logged. A test builds an index with HOME, TMPDIR and the working
// directory pointed at empty folders and checks they stay empty.
// BuildSegment's output holds the messages' words: the caller must store
// it encrypted, like the messages.
//
// # Design
//
// Messages get an ordinal: their rank in time order. bleve holds only the
// text (subject and body, words only: phrases are checked against the
// message text) in parallel shards, one per core; queries read its zap
// segments directly and map each hit back to its ordinal. Everything
// else is answered from memory: a query is evaluated into a bitset of
// ordinals, so "newest first" is a reverse bit scan, a date range is a run
// of bits, and facets are counted over precomputed per-message ordinals.
// Tags come from outside the vault message and can change at any time;
// they are never in bleve, so SetTags costs microseconds.
//
// Segments can also be built at import time (BuildSegment), stored
// encrypted by the vault, and opened at unlock without re-indexing (Open).
//
// Queries use a notmuch-like language documented in the top-level README.md; README.md
// has the measurements.
package index
