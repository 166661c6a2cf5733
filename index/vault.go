package index

import (
	"coffer/vault"
)

// Sidecar is the vault.Indexer that importers use: it builds the text
// index of one vault segment's messages (BuildSegment, with that
// segment's own common words), which the vault stores encrypted beside
// the segment. It moves the cost of indexing from every unlock to the
// one import.
func Sidecar(msgs []*vault.Message) ([]byte, error) {
	return BuildSegment(msgs, CommonWords(msgs))
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
	segs, err := v.IndexSegments()
	if err != nil {
		return nil, err // tampering or I/O: the caller must hear of it
	}
	ix, err := Open(v.Messages(), tags, segs, opt)
	if err != nil {
		if ix, err = New(v.Messages(), tags, opt); err != nil {
			return nil, err
		}
	}
	return ix, nil
}
