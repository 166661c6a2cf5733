package access

import (
	"errors"
	"fmt"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/audit"
	"coffer/vault/store"
)

// ErrNotRecorded wraps every failure to record an event: nothing was
// shown or changed.
var ErrNotRecorded = errors.New("not recorded, so not shown or done")

// Gate is a vault about to be unlocked: its audit session is open, so
// that every attempt, failed or not, is recorded before the key is tried.
type Gate struct {
	dir    string
	st     store.Store // where the vault and its trail are
	man    *vault.Manifest
	engine Engine
	log    *audit.Log
}

// Open reads nothing secret: it opens the audit session of the vault in
// dir, whose manifest (read and verified by vault.ReadManifest) is m.
// engine is the search engine sessions use (index.Engine); nil for
// commands that neither search nor import.
func Open(dir string, m *vault.Manifest, engine Engine) (*Gate, error) {
	rs, err := auditRecipients(m)
	if err != nil {
		return nil, err
	}
	st, err := vault.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	log, err := audit.Open(st, rs, audit.Actor{})
	if err != nil {
		return nil, err
	}
	return &Gate{dir: dir, st: st, man: m, engine: engine, log: log}, nil
}

// auditRecipients parses the auditors of a manifest.
func auditRecipients(m *vault.Manifest) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, a := range m.Auditors {
		r, _, err := vault.ParseRecipient(a.Recipient)
		if err != nil {
			return nil, fmt.Errorf("access: auditor %q: %v", a.Name, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("access: the vault has no auditor")
	}
	return out, nil
}

// Unlock tries key. A failure is recorded (without the key) and returned,
// and the gate stays open for another attempt; on success the session
// takes over the audit session and the gate is spent.
func (g *Gate) Unlock(key vault.Key) (*Session, error) {
	if g.log == nil {
		return nil, errors.New("access: the gate is closed")
	}
	v, err := vault.UnlockStore(g.st, key)
	if err != nil {
		reason := "error"
		if errors.Is(err, vault.ErrWrongKey) {
			reason = wrongKey(key)
		}
		if aerr := g.log.Append(audit.Event{Action: audit.ActionUnlockFailed, Reason: reason}); aerr != nil {
			// No retry without a record of the failure: not ErrWrongKey.
			return nil, fmt.Errorf("%w: the failed unlock could not be recorded, so no retry: %w", ErrNotRecorded, aerr)
		}
		return nil, err
	}
	actor := audit.Actor{Member: v.Member.Name}
	if v.Member.Recipient != "" {
		actor.Fingerprint = vault.Fingerprint(v.Member.Recipient)
	}
	if err := g.log.SetActor(actor); err != nil {
		v.Close()
		return nil, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	if err := g.log.Append(audit.Event{Action: audit.ActionUnlock, Method: v.Method}); err != nil {
		v.Close()
		return nil, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	s := &Session{v: v, log: g.log, engine: g.engine}
	g.log = nil
	return s, nil
}

// wrongKey says what was tried, for the record of a failed attempt: a
// passphrase that opened no member's key, identities none of which is a
// member's, or both.
func wrongKey(k vault.Key) string {
	switch {
	case len(k.Passphrases) > 0 && len(k.Identities) > 0:
		return audit.ReasonWrongPassphrase + " and identity"
	case len(k.Passphrases) > 0:
		return audit.ReasonWrongPassphrase
	}
	return audit.ReasonWrongIdentity
}

// Close ends the audit session of a gate that was never unlocked,
// recording why (audit.LockExit, ...). It is a no-op after a successful
// Unlock.
func (g *Gate) Close(reason string) error {
	if g.log == nil {
		return nil
	}
	err := g.log.Close(reason)
	g.log = nil
	return err
}

// InterruptAudit is Session.InterruptAudit for a gate: the next attempt
// cannot be recorded, so it is refused.
func (g *Gate) InterruptAudit() error {
	if g.log == nil {
		return errors.New("access: the gate is closed")
	}
	return g.log.Close(audit.LockManual)
}
