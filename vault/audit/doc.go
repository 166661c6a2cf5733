// Package audit keeps coffer's access trail: who unlocked a vault and what
// they saw, searched and tagged, written before it is shown, readable only
// by the vault's auditors, and tamper-evident against anyone who gets the
// machine afterwards. The file format is specified in FORMAT.md.
//
// # Writing (the reviewer's side)
//
// Open starts a session: one log, audit/<session>.log in the vault's
// store.Store, written by one process only, so reviewers sharing a vault
// never write the same log. In a folder it is a file the process locks
// while it runs; in an S3 bucket, a series of objects, one per record,
// each created only if absent (FORMAT.md, "On object storage"). Every
// event goes through Log.Append, which returns only after the record is
// durable: written and fsynced (and, for a new file, the folder), or its
// PUT acknowledged. After a failed append the session records nothing
// more. Message content reaches a caller only through vault/access, whose
// methods record the view first and return nothing if the record fails:
//
//	l, err := audit.Open(st, auditorRecipients, audit.Actor{Member: name, Fingerprint: fpr})
//	err = l.Append(audit.Event{Action: audit.ActionViewConversation, Conversation: conv, Title: title, Messages: ids, Sent: sent})
//	// only now: show the messages
//	l.Close(audit.LockManual)
//
// # What is encrypted to whom
//
// Each session draws a random seed and seals it once, with age, to the
// auditors' recipients from the manifest. Every record has its own key,
// derived from the seed by a one-way chain; events are encrypted with
// AES-256-GCM under it. The vault key plays no part: a reviewer can append
// to the trail but cannot read any of it back, their own session included
// (ErrNotAuditor), and an auditor's key opens the trail but no message.
// Events are padded to a multiple of 256 bytes, so file sizes tell the
// number of events and roughly how many ids each lists, not the length of
// a query or a tag. No message text, query, tag, title, sender, member
// name or id is written in plaintext; session ids, record counts, and
// whether and when (file times) sessions closed are public.
//
// # What auditors see
//
// What was shown, as it was shown: a view or tag event names the
// conversation's title and each message's sender and time (Event.Title,
// Event.Sent), not only ids, so an auditor reads "Ann, 12 March, in
// Trading desk" from the trail without the vault's key. An auditor thus
// sees titles and sender names, never a message's text, and sees them
// only for the messages a reviewer was shown; that is what an access log
// must show. Sessions written before these were recorded list ids only.
//
// # What the trail proves
//
// Verify, run by an auditor, proves for every session file that it is
// exactly what the process that held the session key wrote, in order, up to
// its last complete record: no record edited, inserted, removed or moved.
// Each record's tag is an HMAC, under that record's key, of a hash chain
// over every record before it; the record keys evolve by SHA-256 and the
// writer erases each one once its record is on disk (Schneier and Kelsey).
// Whoever takes the machine later, with the vault key, the auditors'
// recipients and the process's memory, holds only the key of the next
// record: they cannot alter or forge any record already written.
//
// Across sessions: each new session records, in its header, the head (size
// and last tag) of the sessions it found that no other session already
// vouches for at their current head, and whether each was open, closed or
// had ended without closing. So deleting, cutting or replacing a session
// file that a later session saw is detected. A session that ended without
// closing (killed, crashed) is recorded by the next session to open, once,
// as a lock with reason "crash"; its trail still verifies. A final record
// cut short by a crash is reported as torn (Report.Sessions[i].Torn), not
// as tampering; in a bucket a record is one object and cannot be torn.
// A bucket has no lock to tell a live session from a dead one: there a
// session written to in the last 15 minutes counts as live
// (store.DefaultLiveWindow), so a dead one is recorded as crashed by the
// first session after that, and one idle longer without closing is taken
// for crashed (noise, never a failure), as a session on a network folder
// whose flock is not shared between hosts always is.
//
// Against the vault: a change to the vault (an import, by a member or an
// ingest key; a member or ingest key added or removed; a compaction; the
// production numbers a production reserves) is
// announced first, with Log.Announce, and the signed manifest record the
// change writes carries the announcement's Link (session and entry).
// VerifyChanges checks every such record against the trail: its
// announcement must be there, in a session that verifies, of the right
// kind, claimed by no other record. So deleting the session of a change,
// or the whole trail, fails verification and names the record; and each
// such session, through its header, vouches for the sessions it found.
// The manifest is coffer/vault's, which imports this package: it passes
// the list of its changes (vault.Manifest.Changes; vault.VerifyTrail does
// both). An announcement no record links is a change abandoned before the
// vault changed (it is written first), reported, not a failure; a crash
// between the manifest write and the "committed" event leaves a linked
// announcement, which verifies. Records from before links are reported as
// unchecked, and fail only when the trail records no change at all.
//
// Each session's records are also the leaves of an RFC 6962 Merkle tree
// (golang.org/x/mod/sumdb/tlog hashing). A Checkpoint is an auditor-signed
// list of every session's tree head; verifying against one proves, by
// recomputing each tree and checking a consistency proof, that every
// session it names still extends it.
//
// # What it cannot prove
//
//   - The latest sessions, which no later session has seen and which
//     changed nothing in the vault (views, searches, tags, exports), can be
//     deleted or cut at a record boundary without trace unless the auditor
//     holds a checkpoint taken after them. A cut tail looks like a session
//     that ended without closing. Take checkpoints often and keep them away
//     from the vault.
//   - Anyone with the auditors' recipients (they are in the manifest) can
//     add a whole new, valid session claiming any actor. The trail proves
//     what was recorded, not who was at the keyboard; binding sessions to a
//     member's key is up to the vault (see the issue).
//   - A manifest link proves that the trail holds an announcement of the
//     change, not that coffer wrote it: whoever can sign records (a member
//     with the vault secret, an ingest key's holder) and writes them with
//     another tool can also add a session to link to.
//   - While a session runs, whoever controls the process (root, a debugger)
//     holds the current record key and can write false records from then
//     on, or stop recording. Forward security protects the past only.
//   - It records what coffer shows through vault/access, the only code
//     that turns ids into message content (its construction test fails on
//     a new path around it). A member's key decrypts the vault files with
//     any age implementation, and nothing records that.
//   - Times come from the writer's clock; order within a session is
//     proven, order between sessions only as far as headers record it.
//   - Go cannot guarantee erasure: keys are overwritten in the arrays this
//     package owns, but the runtime may have copied them.
//
// # Reading (the auditor's side)
//
// Verify checks and reports (*Report, first problem as a *TamperError
// naming the file, the entry and the Reason); VerifyChanges also checks
// the trail against the manifest's changes (*MismatchError naming the
// record); Read returns the events, filtered; NewCheckpoint,
// ParseCheckpoint and Checkpoint.Marshal make and keep checkpoints; Render
// prints events as a table, JSON lines or CSV with every string passed
// through Sanitize.
package audit
