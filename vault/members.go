package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
)

// newPassphraseMember makes a passphrase member: a personal hybrid
// identity, encrypted under the passphrase (scrypt) in keys/<id>.pass.age,
// and the vault secrets wrapped to that identity's recipient. The extra
// layer lets a member removal re-wrap new secrets for passphrase members
// without knowing their passphrases.
func newPassphraseMember(st store.Store, vaultID, name, passphrase string, epochs map[int]*epochKey) (*memberBody, error) {
	personal, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, err
	}
	sr, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	sr.SetWorkFactor(scryptWorkFactor)
	id := randomID(6)
	ct, err := wrap([]byte(personal.String()+"\n"), sr)
	if err != nil {
		return nil, err
	}
	pass, err := writeKeyFile(st, "keys/"+id+".pass.age", ct)
	if err != nil {
		return nil, err
	}
	b := &memberBody{Op: "add", ID: id, Name: name, Kind: KindPassphrase, Recipient: personal.Recipient().String(), PassFile: pass}
	b.KeyFiles, err = wrapEpochs(st, vaultID, id, personal.Recipient(), epochs)
	return b, err
}

// newRecipientMember makes a member for an age, hybrid, SSH or plugin
// recipient.
func newRecipientMember(st store.Store, vaultID, name, recipient string, epochs map[int]*epochKey) (*memberBody, error) {
	r, kind, err := ParseRecipient(recipient)
	if err != nil {
		return nil, fmt.Errorf("vault: recipient %q: %v", recipient, err)
	}
	recipient = strings.TrimSpace(recipient)
	if name == "" {
		name = kind + "-" + Fingerprint(recipient)
	}
	id := randomID(6)
	b := &memberBody{Op: "add", ID: id, Name: name, Kind: kind, Recipient: recipient}
	b.KeyFiles, err = wrapEpochs(st, vaultID, id, r, epochs)
	return b, err
}

// wrapEpochs writes one key file per epoch secret, wrapped to r.
func wrapEpochs(st store.Store, vaultID, member string, r age.Recipient, epochs map[int]*epochKey) ([]epochRef, error) {
	tag := writerTag(st)
	var refs []epochRef
	for e, k := range epochs {
		ct, err := wrap(encodeKeyFile(keyFile{VaultID: vaultID, Member: member, Epoch: e, Identity: k.Identity.String()}), r)
		if err != nil {
			return nil, fmt.Errorf("vault: wrap key for member %s: %v", member, err)
		}
		ref, err := writeKeyFile(st, keyFilePath(member, e, tag), ct)
		if err != nil {
			return nil, err
		}
		refs = append(refs, epochRef{Epoch: e, fileRef: *ref})
	}
	return refs, nil
}

func writeKeyFile(st store.Store, name string, data []byte) (*fileRef, error) {
	if err := st.Create(name, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return nil, fmt.Errorf("vault: write %s: %w", name, err)
	}
	return &fileRef{Name: name, SHA256: sha256Hex(data), Size: int64(len(data))}, nil
}

func decodeKeyFile(b []byte) (keyFile, error) {
	var k keyFile
	err := json.Unmarshal(b, &k)
	return k, err
}

// AddMember gives a new member every vault secret this vault holds, so
// they can read everything, past and future. Exactly one of passphrase and
// recipient is set. Messages are not re-encrypted. announcement is the
// audit event that recorded the addition first (audit.Log.Announce); the
// manifest record links it.
func (v *Vault) AddMember(name, passphrase, recipient string, announcement audit.Link) (mem *Member, err error) {
	err = retry(func() error {
		mem, err = v.addMember(name, passphrase, recipient, announcement)
		return err
	})
	return mem, err
}

func (v *Vault) addMember(name, passphrase, recipient string, announcement audit.Link) (*Member, error) {
	lock, err := v.beginWrite()
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	m := v.Manifest
	var b *memberBody
	if passphrase != "" {
		b, err = newPassphraseMember(v.st, m.VaultID, name, passphrase, v.epochs)
	} else {
		b, err = newRecipientMember(v.st, m.VaultID, name, recipient, v.epochs)
	}
	if err != nil {
		return nil, err
	}
	if err := m.appendRecords(v.st, v.now(), signedRecord{&record{Type: recMember, Member: b, Audit: announced(announcement)}, v.signer()}); err != nil {
		return nil, err
	}
	return m.member(b.ID), nil
}

// RemoveMember removes a member and rotates the vault secret: a new epoch
// secret is made and wrapped to every remaining member (passphrase members
// through their personal recipient), and everything written from now on is
// encrypted to it. The removed member keeps what they could already read:
// every segment of earlier epochs (they held those secrets, and may have
// kept copies). They cannot read anything written after removal.
// announcement is as for AddMember.
func (v *Vault) RemoveMember(idOrName string, announcement audit.Link) (mem *Member, err error) {
	err = retry(func() error {
		mem, err = v.removeMember(idOrName, announcement)
		return err
	})
	return mem, err
}

func (v *Vault) removeMember(idOrName string, announcement audit.Link) (*Member, error) {
	lock, err := v.beginWrite()
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	m := v.Manifest
	target := m.findMember(idOrName)
	if target == nil {
		return nil, fmt.Errorf("vault: no member %q", idOrName)
	}
	if target.ID == v.Member.ID {
		return nil, errors.New("vault: a member cannot remove themselves; unlock as another member")
	}
	if len(m.ActiveMembers()) < 2 {
		return nil, errors.New("vault: cannot remove the last member")
	}
	oldSigner := v.signer()
	next, err := newEpochKey(m.VaultID, m.Epoch+1)
	if err != nil {
		return nil, err
	}
	newSigner := signer{name: "vault", key: next.Signing}
	recs := []signedRecord{
		{&record{Type: recMember, Member: &memberBody{Op: "remove", ID: target.ID}, Audit: announced(announcement)}, oldSigner},
		{&record{Type: recRotate, Rotate: &rotateBody{Epoch: next.Epoch, Recipient: next.Identity.Recipient().String(), SigningKey: next.publicKey(), Reason: "member " + target.ID + " removed"}}, oldSigner},
	}
	only := map[int]*epochKey{next.Epoch: next}
	for _, mem := range m.ActiveMembers() {
		if mem.ID == target.ID {
			continue
		}
		r, _, err := parseMemberRecipient(mem)
		if err != nil {
			return nil, err
		}
		refs, err := wrapEpochs(v.st, m.VaultID, mem.ID, r, only)
		if err != nil {
			return nil, err
		}
		recs = append(recs, signedRecord{&record{Type: recMember, Member: &memberBody{Op: "rewrap", ID: mem.ID, KeyFiles: refs}}, newSigner})
	}
	if err := m.appendRecords(v.st, v.now(), recs...); err != nil {
		return nil, err
	}
	v.epochs[next.Epoch] = next
	return target, nil
}

func parseMemberRecipient(mem *Member) (age.Recipient, string, error) {
	if mem.Kind == KindPassphrase {
		r, err := age.ParseHybridRecipient(mem.Recipient)
		return r, KindPassphrase, err
	}
	return ParseRecipient(mem.Recipient)
}

func (m *Manifest) findMember(idOrName string) *Member {
	for _, mem := range m.ActiveMembers() {
		if mem.ID == idOrName || mem.Name == idOrName {
			return mem
		}
	}
	return nil
}

// beginWrite takes the vault's write lock and brings the manifest up to
// date with what other writers committed since Unlock, refusing a
// manifest that does not extend the one this process verified.
func (v *Vault) beginWrite() (*writeLock, error) {
	lock, err := lockVault(v.st)
	if err != nil {
		return nil, err
	}
	m, err := readManifestSince(v.st, v.Manifest)
	if err == nil {
		err = extends(m, v.Manifest)
	}
	if err == nil {
		m, err = checkPinIn(v.st, m)
	}
	if err != nil {
		lock.unlock()
		return nil, err
	}
	if m.Epoch != v.Manifest.Epoch && v.epochs[m.Epoch] == nil {
		lock.unlock()
		return nil, errors.New("vault: the vault secret was rotated since unlock; unlock again")
	}
	v.Manifest = m
	removeLeftovers(v.st, m)
	return lock, nil
}

// extends reports whether newer starts with every record of older.
func extends(newer, older *Manifest) error {
	if newer.Seq() < older.Seq() || lineHash(newer.lines[older.Seq()]) != older.Head() {
		return &TamperError{File: ManifestFile, Reason: "changed under this process in a way that does not extend what it verified"}
	}
	return nil
}

// keyFilePath names member's key file of epoch e: "keys/<m>.e<N>.age", and
// with a writer's tag (object storage, newName) "keys/<m>.e<N>-<tag>.age",
// so that a removal that lost a race, or crashed, never blocks the next.
func keyFilePath(member string, e int, tag string) string {
	if tag == "" {
		return fmt.Sprintf("keys/%s.e%d.age", member, e)
	}
	return fmt.Sprintf("keys/%s.e%d-%s.age", member, e, tag)
}
