package access

import (
	"fmt"

	"coffer/vault"
	"coffer/vault/audit"
)

// AddMember records, then adds, a member: a passphrase member when
// passphrase is set, else one for recipient.
func (s *Session) AddMember(name, passphrase, recipient string) (*vault.Member, error) {
	done, err := s.writing()
	if err != nil {
		return nil, err
	}
	defer done()
	link, err := s.announce(audit.Event{Action: audit.ActionMemberAdd, Target: name, Detail: recipient})
	if err != nil {
		return nil, err
	}
	mem, err := s.v.AddMember(name, passphrase, recipient, link)
	if err != nil {
		return nil, s.failed(audit.ActionMemberAdd, name, err)
	}
	return mem, nil
}

// RemoveMember records, then removes a member, which rotates the vault
// secret.
func (s *Session) RemoveMember(idOrName string) (*vault.Member, error) {
	done, err := s.writing()
	if err != nil {
		return nil, err
	}
	defer done()
	link, err := s.announce(audit.Event{Action: audit.ActionMemberRemove, Target: idOrName})
	if err != nil {
		return nil, err
	}
	mem, err := s.v.RemoveMember(idOrName, link)
	if err != nil {
		return nil, s.failed(audit.ActionMemberRemove, idOrName, err)
	}
	return mem, nil
}

// NewIngestKey records, then authorises a new ingest key called name, and
// returns the key file's bytes (a secret: the caller writes it where the
// user asked).
func (s *Session) NewIngestKey(name string) ([]byte, *vault.IngestKey, error) {
	done, err := s.writing()
	if err != nil {
		return nil, nil, err
	}
	defer done()
	link, err := s.announce(audit.Event{Action: audit.ActionIngestKey, Target: name, Detail: "add"})
	if err != nil {
		return nil, nil, err
	}
	data, k, err := s.v.NewIngestKey(name, link)
	if err != nil {
		return nil, nil, s.failed(audit.ActionIngestKey, name, err)
	}
	return data, k, nil
}

// RevokeIngestKey records, then revokes an ingest key.
func (s *Session) RevokeIngestKey(idOrName string) error {
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	link, err := s.announce(audit.Event{Action: audit.ActionIngestKey, Target: idOrName, Detail: "revoke"})
	if err != nil {
		return err
	}
	if err := s.v.RemoveIngestKey(idOrName, link); err != nil {
		return s.failed(audit.ActionIngestKey, idOrName, err)
	}
	return nil
}

// Compact merges runs of at least minUnits small search-index files
// (vault.CompactIndex), recording it before it writes anything and what
// it did afterwards. It records nothing when there is nothing to do.
func (s *Session) Compact(minUnits int) (vault.CompactStats, error) {
	done, err := s.writing()
	if err != nil {
		return vault.CompactStats{}, err
	}
	defer done()
	if s.engine == nil {
		return vault.CompactStats{}, fmt.Errorf("access: no search engine")
	}
	st, err := s.v.CompactIndex(s.engine.Segment, vault.IndexTarget/2, minUnits, func() (audit.Link, error) {
		return s.announce(audit.Event{Action: audit.ActionCompact})
	})
	if err != nil {
		return st, err
	}
	if st.Written > 0 {
		if err := s.record(audit.Event{Action: audit.ActionCompact, Reason: audit.ReasonCommitted, Count: st.Messages}); err != nil {
			return st, fmt.Errorf("the compaction is committed, but its outcome was not recorded: %w", err)
		}
	}
	return st, nil
}

// announce records ev as the announcement of a change to the vault,
// before the change, and returns the link that the change's manifest
// record carries (so that audit verification can find it).
func (s *Session) announce(ev audit.Event) (audit.Link, error) {
	l, err := s.log.Announce(ev)
	if err != nil {
		return l, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	return l, nil
}

// failed records that a recorded change did not happen and returns err
// (joined with the recording's own failure, if any).
func (s *Session) failed(a audit.Action, target string, err error) error {
	if rerr := s.log.Append(audit.Event{Action: a, Target: target, Reason: "failed", Detail: err.Error()}); rerr != nil {
		return fmt.Errorf("%w (and the failure was not recorded: %v)", err, rerr)
	}
	return err
}
