package vault

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"coffer/vault/audit"

	"filippo.io/age"
)

// An ingest key lets a capture host append to a vault without being able
// to read it: it holds an Ed25519 key the manifest authorises to sign
// import records, and the vault's genesis signing key, with which it
// verifies the manifest to learn the current vault recipient. It holds no
// vault secret.
const ingestKeyPrefix = "COFFER-INGEST-KEY-1:"

type ingestKeyFile struct {
	VaultID    string `json:"vault_id"`
	VaultName  string `json:"vault_name"`
	GenesisKey string `json:"genesis_key"`
	ID         string `json:"id"`
	Name       string `json:"name"`
	PrivateKey string `json:"private_key"` // Ed25519 seed, base64
}

// NewIngestKey authorises a new ingest key and returns its file content.
// announcement is the audit event that recorded it first
// (audit.Log.Announce); the manifest record links it.
func (v *Vault) NewIngestKey(name string, announcement audit.Link) (file []byte, k *IngestKey, err error) {
	err = retry(func() error {
		file, k, err = v.newIngestKey(name, announcement)
		return err
	})
	return file, k, err
}

func (v *Vault) newIngestKey(name string, announcement audit.Link) ([]byte, *IngestKey, error) {
	lock, err := v.beginWrite()
	if err != nil {
		return nil, nil, err
	}
	defer lock.unlock()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, err
	}
	id := randomID(6)
	if name == "" {
		name = "ingest-" + id
	}
	m := v.Manifest
	rec := &record{Type: recIngestKey, IngestKey: &ingestKeyBody{Op: "add", ID: id, Name: name, PublicKey: base64.StdEncoding.EncodeToString(pub)}, Audit: announced(announcement)}
	if err := m.appendRecords(v.st, v.now(), signedRecord{rec, v.signer()}); err != nil {
		return nil, nil, err
	}
	kf, _ := json.Marshal(ingestKeyFile{
		VaultID: m.VaultID, VaultName: m.Name, GenesisKey: base64.StdEncoding.EncodeToString(m.GenesisKey()),
		ID: id, Name: name, PrivateKey: base64.StdEncoding.EncodeToString(priv.Seed()),
	})
	var out bytes.Buffer
	fmt.Fprintf(&out, "# coffer ingest key %q for vault %q (%s)\n", name, m.Name, m.VaultID)
	fmt.Fprintf(&out, "# It can append to the vault and cannot read it. Keep it on the capture host only.\n")
	fmt.Fprintf(&out, "%s%s\n", ingestKeyPrefix, base64.StdEncoding.EncodeToString(kf))
	return out.Bytes(), m.ingestKey(id), nil
}

// RemoveIngestKey revokes an ingest key: imports it signs from now on are
// refused. What it imported before stays. announcement is as for
// NewIngestKey.
func (v *Vault) RemoveIngestKey(idOrName string, announcement audit.Link) error {
	return retry(func() error { return v.removeIngestKey(idOrName, announcement) })
}

func (v *Vault) removeIngestKey(idOrName string, announcement audit.Link) error {
	lock, err := v.beginWrite()
	if err != nil {
		return err
	}
	defer lock.unlock()
	m := v.Manifest
	for _, k := range m.IngestKeys {
		if !k.Removed && (k.ID == idOrName || k.Name == idOrName) {
			rec := &record{Type: recIngestKey, IngestKey: &ingestKeyBody{Op: "remove", ID: k.ID}, Audit: announced(announcement)}
			return m.appendRecords(v.st, v.now(), signedRecord{rec, v.signer()})
		}
	}
	return fmt.Errorf("vault: no ingest key %q", idOrName)
}

func parseIngestKey(data []byte) (*ingestKeyFile, ed25519.PrivateKey, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(l, ingestKeyPrefix) {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(l[len(ingestKeyPrefix):])
		if err != nil {
			return nil, nil, errors.New("malformed ingest key")
		}
		var kf ingestKeyFile
		if err := json.Unmarshal(raw, &kf); err != nil {
			return nil, nil, errors.New("malformed ingest key")
		}
		seed, err := base64.StdEncoding.DecodeString(kf.PrivateKey)
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, nil, errors.New("malformed ingest key")
		}
		return &kf, ed25519.NewKeyFromSeed(seed), nil
	}
	return nil, nil, errors.New("not a coffer ingest key (no " + strings.TrimSuffix(ingestKeyPrefix, ":") + " line)")
}

// OpenIngest starts an import with an ingest key. The manifest is checked
// against the genesis key the ingest key carries, so a substituted vault
// is refused. Without the vault secret it cannot see what is stored, so
// it skips only duplicates within this import; readers keep one copy of
// each message.
func OpenIngest(dir string, keyData []byte, now time.Time) (*Appender, error) {
	kf, priv, err := parseIngestKey(keyData)
	if err != nil {
		return nil, fmt.Errorf("vault: %v", err)
	}
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	lock, err := lockVault(st)
	if err != nil {
		return nil, err
	}
	m, err := readManifest(st)
	if err == nil && (m.VaultID != kf.VaultID || base64.StdEncoding.EncodeToString(m.GenesisKey()) != kf.GenesisKey) {
		err = &TamperError{File: ManifestFile, Reason: "is not the vault this ingest key belongs to"}
	}
	if err == nil {
		m, err = checkPinIn(st, m)
	}
	if err != nil {
		lock.unlock()
		return nil, err
	}
	k := m.ingestKey(kf.ID)
	if k == nil || k.Removed || !bytes.Equal(k.PublicKey, priv.Public().(ed25519.PublicKey)) {
		lock.unlock()
		return nil, fmt.Errorf("vault: ingest key %q is not (or no longer) authorised by this vault", kf.Name)
	}
	r, err := age.ParseHybridRecipient(m.Recipient())
	if err != nil {
		lock.unlock()
		return nil, tamper(ManifestFile, "bad vault recipient: %v", err)
	}
	if now.IsZero() {
		now = time.Now()
	}
	return newAppender(st, dir, m, lock, r, signer{name: "ingest:" + kf.ID, key: priv}, nil, now), nil
}

// IngestKeyName returns the name an ingest key file carries, or "" when
// it is not one; for the audit trail's actor.
func IngestKeyName(data []byte) string {
	kf, _, err := parseIngestKey(data)
	if err != nil {
		return ""
	}
	return kf.Name
}
