package access

import (
	"errors"
	"fmt"
	"slices"

	"coffer/vault"
	"coffer/vault/audit"
)

// Tag adds (or removes) tag on ids: recorded (with each message's sender
// and time), then written to the vault, then set in the index. It returns
// the new tags of each id. If the write fails after the record, the
// failure is recorded too.
func (s *Session) Tag(add bool, tag string, ids []string) (map[string][]string, error) {
	if err := vault.ValidTag(tag); err != nil {
		return nil, err
	}
	done, err := s.writing()
	if err != nil {
		return nil, err
	}
	defer done()
	// Unknown ids are refused before anything is recorded, as views do.
	msgs, err := s.lookup(ids)
	if err != nil {
		return nil, err
	}
	a := audit.ActionTagRemove
	if add {
		a = audit.ActionTagAdd
	}
	ev := audit.Event{Action: a, Tag: tag, Messages: ids, Sent: sentOf(msgs)}
	if err := s.record(ev); err != nil {
		return nil, err
	}
	if err := s.v.ApplyTag(add, tag, ids); err != nil {
		ev.Reason = "failed"
		if rerr := s.record(ev); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, err
	}
	ix := s.searcher()
	out := make(map[string][]string, len(ids))
	var ixErr error
	for _, id := range ids {
		ts := slices.Clone(s.v.MessageTags(id))
		out[id] = ts
		if ix != nil && ixErr == nil {
			ixErr = ix.SetTags(id, ts)
		}
	}
	if ixErr != nil {
		return out, fmt.Errorf("tagged, but the search index was not updated (search after unlocking again): %w", ixErr)
	}
	return out, nil
}
