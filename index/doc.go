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
//
// # Proximity
//
// Two forms find words near each other in one field: the text (subject
// and body, as indexed: the subject, then the body) or, with subject:,
// the subject. Distances count analyzer positions, the same tokens,
// folding, CJK bigrams and spaceless-script n-grams as phrase queries
// use, so café NEAR/2 Zürich folds like a word query, and a CJK or Thai
// word spans the positions of its bigrams.
//
// A NEAR/n B (NEAR alone is NEAR/10; n from 0 to 100; upper case, like
// AND and OR) matches where an occurrence of A and an occurrence of B,
// in either order and not overlapping, have at most n words strictly
// between them: a NEAR/0 b is the two words side by side, either way
// round. An operand is a word, a prefix (trad*), a fuzzy word, a phrase
// (whose span's nearer end counts) or a parenthesised OR of those; all
// operands are in one field (all subject: or none; body: is the text, as
// everywhere). A word the analyzer splits (non-public) is a phrase. The
// same word can be both operands: x NEAR/0 x needs two x side by side.
// A chain a NEAR/3 b NEAR/5 c needs every neighbouring pair within its
// distance, through one occurrence of each middle operand: an a within 3
// words of a b that is within 5 words of a c. NEAR binds tighter than
// NOT, AND and OR: -a NEAR b excludes the messages where a is near b, and
// a NEAR b OR c is (a NEAR b) OR c. NOT, metadata fields, dates, "*", an
// AND or another NEAR inside an operand are errors.
//
// "w1 w2 … wk"~n (n from 0 to 100, the ~ right after the quote) matches
// where the phrase's terms (as the analyzer makes them) occur in any
// order at distinct positions p1 … pk with max(p) - min(p) - (k-1) ≤ n:
// at most n other words among them. For two words and n ≥ 1, "a b"~n is
// a NEAR/n b.
// n = 0 is the exact phrase, in order, as in Lucene, rather than the
// rule's "adjacent in any order" (that is a NEAR/0 b). A phrase of one
// term is that term, whatever n. Unlike Lucene's slop, which counts the
// moves that put the words in order (so "a b"~1 does not find "b a"),
// the order is free from n = 1.
//
// A proximity query never matches a message lacking an operand: the
// index finds the messages holding every operand (every word of a sloppy
// phrase), and each is checked against its text (nearcheck.go) or, for
// words in at least 0.5% of the messages, against their positions, which
// the first query of such words with many candidates computes from the
// texts and keeps in memory only (nearpos.go). Hits highlight the words
// that take part in a match.
package index
