// Package access is the one way from an unlocked vault to anything a
// person can see or take away: the reviewer's terminal interface and the
// command line both go through it, and nothing else can.
//
// # What it guarantees
//
// Every method that hands out message content, or a list that names
// senders and conversations, first writes the audit event that says what
// is being disclosed, durably (written and fsynced), and returns nothing
// if it cannot (ErrNotRecorded): views of conversations, lists and single
// messages (with the conversation's title and each message's sender and
// time, so that the trail alone says who and what was seen), searches (the query, the total number of hits, the ids whose
// content is returned, and whether facets, which name senders and
// conversations, were returned), statistics, exports, productions (every
// id released, before the package is written; Produce writes only
// ciphertext, to a new file), and each attachment shown, saved to a file
// or piped to a command (with its name, its SHA-256 and the path or
// command line). Every method that changes the vault
// (imports, tags, members, ingest keys, compaction, production numbers)
// records what it is about to do before it does it, and that it was done
// afterwards.
//
// # How it is enforced
//
// A Session holds the decrypted vault, the audit log and the search index
// in unexported fields: a caller gets message content only as the return
// value of a recorded method. The search index (package index) reads the
// messages to index them, but its results carry ids, positions, scores
// and highlight spans, never a message; it is opened by the session
// through the Engine it is given, and never handed to the caller.
// construction_test.go loads every package of the module and fails when an
// exported function outside this package's recorded methods returns
// message content, or when code outside vault, vault/access and index
// reaches the unlocked vault or its content accessors: a new way to show
// or release content has to be built here, with its audit event and a
// test that asserts it.
//
// # What it cannot stop
//
// A member holding their key can decrypt the vault files with any age
// implementation, and no record is made: the trail records what coffer
// shows, not what the key can open. SECURITY.md says what that means and
// what to do about it.
package access
