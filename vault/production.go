package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	"filippo.io/age"

	"coffer/vault/audit"
)

// Productions hand a tagged set to another party (coffer/vault/production
// builds the package). Each document in one gets a production number, a
// prefix and a zero-padded sequence (Bates numbering) that continues
// across the productions of a vault, so the numbers a vault hands out
// must be stored in it: each production reserves its range in a small
// journal file under productions/, age-encrypted to the vault recipient
// (the prefix and the range are the reviewers' words, like tag names) and
// named by a signed, audit-linked manifest record. The reservation is
// made under the vault's write lock after re-reading the manifest, so two
// productions running at once never hand out the same number; a
// production that fails after reserving leaves a gap, never a reuse.
const recProduction = "production"

const productionsMagic = "coffer-productions-v1\n"

// productionEntry is the plaintext of one productions journal file.
type productionEntry struct {
	VaultID string `json:"vault_id"`
	Name    string `json:"name"`
	Actor   string `json:"actor"`
	Prefix  string `json:"prefix"`
	First   int64  `json:"first"`
	Last    int64  `json:"last"`
}

// MaxProductionNumber bounds the sequence: 12 digits.
const MaxProductionNumber = 999_999_999_999

var validPrefix = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$`)

// ValidPrefix reports why prefix cannot start production numbers, or nil:
// 1 to 16 ASCII letters, digits, '_', '-' or '.', starting with a letter
// or digit, so that numbers are file names on every system.
func ValidPrefix(prefix string) error {
	if !validPrefix.MatchString(prefix) {
		return fmt.Errorf("production prefix %q: want 1 to 16 letters, digits, '_', '-' or '.' (starting with a letter or digit)", prefix)
	}
	return nil
}

// ReserveNumbers reserves n consecutive production numbers for prefix,
// the next ones after every number this vault handed out for it, and
// records the reservation in the vault before returning the first.
// announcement is the audit event that recorded the production first
// (audit.Log.Announce); the manifest record links it.
func (v *Vault) ReserveNumbers(prefix string, n int, announcement audit.Link) (first int64, err error) {
	err = retry(func() error {
		first, err = v.reserveNumbers(prefix, n, announcement)
		return err
	})
	return first, err
}

func (v *Vault) reserveNumbers(prefix string, n int, announcement audit.Link) (int64, error) {
	if !v.opened() {
		return 0, errNotLoaded
	}
	if err := ValidPrefix(prefix); err != nil {
		return 0, fmt.Errorf("vault: %w", err)
	}
	if n < 1 {
		return 0, errors.New("vault: a production needs at least one number")
	}
	lock, err := v.beginWrite()
	if err != nil {
		return 0, err
	}
	defer lock.unlock()
	m := v.Manifest
	last, err := v.lastNumber(prefix)
	if err != nil {
		return 0, err
	}
	first := last + 1
	if first+int64(n)-1 > MaxProductionNumber {
		return 0, fmt.Errorf("vault: production numbers for %q would pass %d", prefix, int64(MaxProductionNumber))
	}
	r, err := age.ParseHybridRecipient(m.Recipient())
	if err != nil {
		return 0, tamper(ManifestFile, "bad vault recipient: %v", err)
	}
	seq := m.Seq() + 1
	name := newName("productions", seq, 0, writerTag(v.st))
	plain, err := json.Marshal(productionEntry{VaultID: m.VaultID, Name: name, Actor: v.Member.Name, Prefix: prefix, First: first, Last: first + int64(n) - 1})
	if err != nil {
		return 0, err
	}
	ct, err := wrap(append([]byte(productionsMagic), plain...), r)
	if err != nil {
		return 0, err
	}
	ref, err := writeKeyFile(v.st, name, ct)
	if err != nil {
		return 0, err
	}
	rec := &record{Type: recProduction, Production: &importBody{Epoch: m.Epoch, Files: []importRef{{Kind: "production", fileRef: *ref}}},
		Audit: announced(announcement)}
	if err := m.appendRecords(v.st, v.now(), signedRecord{rec, v.signer()}); err != nil {
		return 0, err
	}
	_, err = checkPinIn(v.st, m)
	return first, err
}

// lastNumber replays the productions journal: the highest number handed
// out for prefix, 0 for none.
func (v *Vault) lastNumber(prefix string) (int64, error) {
	var last int64
	for _, e := range v.Manifest.Files("production") {
		data, _, err := readChecked(v.st, e, nil)
		if err != nil {
			return 0, err
		}
		k, err := v.keyFor(e)
		if err != nil {
			return 0, err
		}
		plain, err := unwrap(data, k.Identity)
		if err != nil || !bytes.HasPrefix(plain, []byte(productionsMagic)) {
			return 0, tamper(e.Name, "cannot be decrypted as a productions journal entry")
		}
		var pe productionEntry
		dec := json.NewDecoder(bytes.NewReader(plain[len(productionsMagic):]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&pe); err != nil && err != io.EOF {
			return 0, tamper(e.Name, "malformed productions journal entry: %v", err)
		}
		if pe.VaultID != v.Manifest.VaultID || pe.Name != e.Name {
			return 0, tamper(e.Name, "belongs to another vault or file")
		}
		if pe.First < 1 || pe.Last < pe.First || pe.Last > MaxProductionNumber {
			return 0, tamper(e.Name, "holds an impossible range %d-%d", pe.First, pe.Last)
		}
		if pe.Prefix == prefix && pe.Last > last {
			last = pe.Last
		}
	}
	return last, nil
}

// productionSigContext separates signatures of production manifests from
// those of vault manifest records, made with the same key.
const productionSigContext = "coffer production manifest v1\x00"

// ProductionSignature is a production manifest's signature and the key
// that made it: the vault's signing key of Epoch (FORMAT.md, Keys).
type ProductionSignature struct {
	Signature []byte
	PublicKey ed25519.PublicKey
	Epoch     int
}

// SignProduction signs a production's manifest with the vault's signing
// key of the current epoch, so that its receiver can check that the vault
// made it (VerifyProductionSignature).
func (v *Vault) SignProduction(manifest []byte) ProductionSignature {
	k := v.epochs[v.Manifest.Epoch]
	return SignProductionWith(k.Signing, k.Epoch, manifest)
}

// SignProductionWith signs a production manifest with key, as
// SignProduction does with the vault's: for tests and tools (a signature
// by any other key is caught by a receiver who pins the vault's).
func SignProductionWith(key ed25519.PrivateKey, epoch int, manifest []byte) ProductionSignature {
	msg := append([]byte(productionSigContext), manifest...)
	return ProductionSignature{Signature: ed25519.Sign(key, msg), PublicKey: key.Public().(ed25519.PublicKey), Epoch: epoch}
}

// ProductionKey is the key SignProduction signs with and its epoch.
func (v *Vault) ProductionKey() (ed25519.PublicKey, int) {
	k := v.epochs[v.Manifest.Epoch]
	return k.Signing.Public().(ed25519.PublicKey), k.Epoch
}

// VerifyProductionSignature checks sig over a production manifest with
// key.
func VerifyProductionSignature(key ed25519.PublicKey, manifest, sig []byte) bool {
	if len(key) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(key, append([]byte(productionSigContext), manifest...), sig)
}

// SigningKey is the vault's signing key of epoch (nil if the vault has no
// such epoch): what a production made in that epoch is signed with.
func (m *Manifest) SigningKey(epoch int) ed25519.PublicKey { return m.signingKeys[epoch] }
