// Package production builds and verifies productions: the package a
// review hands to another party (opposing counsel, a regulator) holding a
// set of messages, the way review platforms exchange them.
//
// A production is one age-encrypted file to the receiving party's
// recipients, so it is never plaintext on disk, whose plaintext is a tar
// archive (sequential, so it streams through age and `age -d | tar x`
// unpacks it with standard tools, where a zip needs its central directory
// and so a decrypted file on disk first). Its entries, in this order:
//
//	messages/<NUM>.eml     an email, rebuilt from its stored fields
//	messages/<NUM>.txt     a chat message as a transcript line
//	messages/<NUM>.jsonl   ... and its record in coffer's JSONL format
//	attachments/<NUM><.ext> an attachment, numbered after its message
//	loadfile.csv           one row per document, for review platforms
//	manifest.json          every file above with its size and SHA-256
//	manifest.sig           the vault's signature over manifest.json
//
// <NUM> is the production number, prefix plus zero-padded sequence
// (Bates numbering), reserved in the vault (vault.ReserveNumbers) so that
// it continues across productions. Messages are numbered in the vault's
// time order (ties by id), each message's attachments right after it.
// The package is deterministic: the same messages and numbers give the
// same bytes except manifest.json's "produced" time, its signature and
// their tar header times (age encryption is randomised).
//
// The package is built by vault/access (Session.Produce), which records
// the release first; this package only formats what it is given.
package production
