// Package vault keeps archived messages encrypted at rest, in a folder
// that can be copied, backed up and verified without any key. The format
// is specified in vault/FORMAT.md; the threat model it serves is
// SECURITY.md, at the root of the repository.
//
// [Init] creates a vault. [Unlock] verifies the manifest and opens a
// member's key, decrypting no message; [Vault.Load] decrypts the messages
// into memory. Messages are added through an [Appender], from
// [Vault.NewAppender] for a member or [OpenIngest] for a capture host
// holding an ingest key, and become part of the vault only at
// [Appender.Commit]. [Verify] checks a vault without a key.
//
// # What is encrypted to whom
//
// Every file but the manifest is an age file.
//
//   - Messages (segments/), attachment content (blobs/), search index files
//     (index/, which say which words each message holds), the tags
//     journal (tags/) and the productions journal (productions/) are
//     encrypted to the vault recipient of the epoch they were written
//     in: a post-quantum hybrid (ML-KEM-768 + X25519)
//     age recipient, whose identity is that epoch's vault secret.
//   - Each member has a key file per epoch they may read,
//     keys/<member>.e<N>.age, holding that epoch's vault secret encrypted
//     to the member's own recipient: age X25519 or hybrid, SSH
//     (ssh-ed25519, ssh-rsa) or an age plugin.
//   - A passphrase member has a personal hybrid identity, encrypted under
//     the passphrase with scrypt (work factor 2^18) in
//     keys/<member>.pass.age, and their key files are encrypted to its
//     recipient. The extra layer lets [Vault.RemoveMember] wrap a new
//     secret for them without knowing their passphrase.
//   - The audit trail (audit/) is encrypted to the auditors, whose keys
//     open nothing else: see package coffer/vault/audit.
//   - The manifest is plaintext by design: anyone can verify it without a
//     key, and a capture host, which holds no secret, learns the current
//     vault recipient from it. It shows the vault's name, the names and
//     recipients of members and auditors, the names of ingest keys, and per
//     import the names, sizes and hashes of its files and how many messages
//     it added. It holds no message content.
//   - An ingest key ([Vault.NewIngestKey]) is an Ed25519 key that a manifest
//     record authorises to sign imports. Its file also carries the vault's
//     genesis signing key, with which [OpenIngest] checks that the
//     manifest is this vault's before encrypting to its recipient. It holds
//     no vault secret: the host that has it can add to the vault and read
//     nothing in it.
//
// # What is authenticated, and how
//
// age does not authenticate who encrypted a file, and anyone can encrypt
// to the vault recipient, which the manifest publishes. Authenticity comes
// from the manifest.
//
//   - The manifest is a chain of records, each naming the SHA-256 of the
//     line before it and signed with Ed25519: by the vault signing key of
//     the current epoch, which is derived from the epoch's vault secret
//     (so only a member can make it), or, for imports only, by an ingest
//     key that an earlier record authorised. [ReadManifest] replays every
//     record and refuses the manifest at the first that is malformed, out
//     of order, badly signed or not allowed by those before it (a file
//     named twice, a name outside the vault's folders, a removal of an
//     unknown member).
//   - The manifest names every file with its size and SHA-256, and readers
//     check both before decrypting a byte of it. A file the manifest does
//     not name is never read; [Verify] and [Vault.Warnings] list it.
//   - The secret in a key file must derive the signing key the manifest
//     recorded for its epoch, so a substituted key file is refused, not
//     used. A segment's encrypted header must name the vault, epoch and
//     file that the manifest says it is.
//   - A signed chain cannot tell a reader that newer records once existed.
//     Each machine keeps a pin per vault ($COFFER_STATE_DIR, else
//     $XDG_STATE_HOME/coffer, else ~/.local/state/coffer): the genesis
//     signing key, and the number and hash of the last record it verified.
//     A manifest with fewer records, another record at the pinned position,
//     or another genesis key under the same vault id is refused. Where no
//     pin vouches for the manifest, files named for records two or more
//     beyond its last are taken as evidence of a rollback too.
//   - A record that changes what the vault holds or who may write to it (an
//     import, a compaction, a member added or removed, an ingest key added
//     or revoked) names the audit event that announced it, under the
//     record's signature, so that verifying the audit trail against the
//     manifest can tell whether the trail still holds each announcement.
//
// These checks fail with a [*TamperError] naming the file, and the line
// for the manifest. Nothing read from a file that fails is returned.
//
// # Writes
//
// Every file is written under a temporary name, fsynced, renamed into
// place, and its folder fsynced. Writers hold the vault's lock and check
// that the manifest on disk extends the one they verified. Renaming the
// new manifest into place is the commit point: an import, a member change,
// a tag or a compaction lands whole or not at all, wherever the process is
// killed. Files of an interrupted write are not named by the manifest, so
// they are never read, and the next import removes what an interrupted
// one left.
//
// # Limits
//
//   - Whoever copies the folder learns what the manifest shows and the
//     sizes and times of files. Segments are not compressed, so their sizes
//     tell how much text there is and nothing about what it repeats
//     (vault/FORMAT.md says why).
//   - A member can decrypt the vault with their key and any age
//     implementation, and nothing records it: the audit trail records what
//     coffer shows.
//   - Removing a member rotates the vault secret, so what is written after
//     is closed to them. What was written in the epochs they held stays
//     readable to them, from any copy of the folder.
//   - On a machine with no pin, the first unlock trusts what it finds, and a
//     rollback by exactly one import looks like an interrupted import.
//   - The holder of an ingest key can add imports, signed by it and so
//     attributable, until [Vault.RemoveIngestKey] revokes it.
//   - [Vault.Close] zeroes the decrypted segments, but copies that callers
//     made of message strings are left to the garbage collector.
package vault
