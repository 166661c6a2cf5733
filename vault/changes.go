package vault

import (
	"fmt"

	"coffer/vault/audit"

	"filippo.io/age"
)

// Which manifest records the audit trail must account for, and the check
// that it does (FORMAT.md, "Audit links"; vault/audit, VerifyChanges).

// setupPhase follows the records Init writes after the genesis record
// (member adds, then auditor adds): they need no audit session, because
// the trail cannot exist before the vault does.
type setupPhase int

const (
	setupDone setupPhase = iota
	setupMembers
	setupAuditors
)

// linked reports whether r is a record that carries an audit link: one
// that changes what the vault holds (import, reindex) or who may read or
// write it (member add or remove, ingest key add or remove).
func linked(r *record) bool {
	switch r.Type {
	case recImport, recIngestKey, recReindex, recProduction:
		return true
	case recMember:
		return r.Member != nil && (r.Member.Op == "add" || r.Member.Op == "remove")
	}
	return false
}

// noteChange adds r, applied, to the changes the trail must hold the
// announcement of. A removal's rotation and rewraps are part of the
// removal; tags records are announced by tag-add and tag-remove events,
// which the trail holds but the manifest does not link yet.
func (m *Manifest) noteChange(r *record) {
	switch {
	case m.setup == setupMembers && r.Type == recMember && r.Member.Op == "add":
		return
	case m.setup != setupDone && r.Type == recAuditor && r.Auditor.Op == "add":
		m.setup = setupAuditors
		return
	}
	m.setup = setupDone
	if !linked(r) {
		return
	}
	c := audit.Change{Record: r.Seq, Time: r.Time, By: "a member", Link: r.Audit}
	if id, ok := ingestSigner(r.Signer); ok {
		c.By = fmt.Sprintf("ingest key %q", m.ingestKey(id).Name)
	}
	switch r.Type {
	case recImport:
		c.What, c.Action = "import", audit.ActionImport
	case recReindex:
		c.What, c.Action = "compaction", audit.ActionCompact
	case recProduction:
		c.What, c.Action = "production", audit.ActionProduce
	case recIngestKey:
		op := "add"
		if r.IngestKey.Op == "remove" {
			op = "revoke"
		}
		c.What, c.Action = fmt.Sprintf("ingest key %s %q", op, m.ingestKey(r.IngestKey.ID).Name), audit.ActionIngestKey
	case recMember:
		mem := m.member(r.Member.ID)
		c.What, c.Action = fmt.Sprintf("member add %q", mem.Name), audit.ActionMemberAdd
		if r.Member.Op == "remove" {
			c.What, c.Action = fmt.Sprintf("member remove %q", mem.Name), audit.ActionMemberRemove
		}
	}
	m.changes = append(m.changes, c)
}

// Changes lists, in record order, the manifest records that the audit
// trail must hold the announcement of: imports, compactions, member and
// ingest key additions and removals, except the members and auditors
// Init writes.
func (m *Manifest) Changes() []audit.Change {
	return append([]audit.Change(nil), m.changes...)
}

// VerifyTrail verifies the audit trail of the vault in dir with the
// auditors' identities (audit.Verify) and checks it against the vault's
// manifest (audit.VerifyChanges): every change the manifest records must
// have its announcement in the trail. It reads and verifies the manifest
// but does not compare it with this machine's pin: `coffer verify` does.
func VerifyTrail(dir string, identities []age.Identity, cp *audit.Checkpoint) (*audit.Report, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	return audit.VerifyChanges(st, identities, cp, m.Changes())
}

// announced returns l for a record's Audit field, nil for the zero Link
// (a caller that recorded nothing; audit verification will say so).
func announced(l audit.Link) *audit.Link {
	if l == (audit.Link{}) {
		return nil
	}
	return &l
}
