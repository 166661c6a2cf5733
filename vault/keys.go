package vault

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/plugin"
)

// Member kinds, as recorded in the manifest.
const (
	KindPassphrase = "passphrase"
	KindX25519     = "x25519"
	KindHybrid     = "hybrid"
	KindSSH        = "ssh"
	KindPlugin     = "plugin"
)

// scryptWorkFactor is age's scrypt log2(N) for passphrase members. Tests
// lower it through this package-level hook; nothing else changes it.
var scryptWorkFactor = 18

// epochKey is the vault secret of one epoch: a post-quantum hybrid age
// identity that segments of that epoch are encrypted to, and the Ed25519
// key derived from it that signs the manifest records of that epoch.
type epochKey struct {
	Epoch    int
	Identity *age.HybridIdentity
	Signing  ed25519.PrivateKey
}

func newEpochKey(vaultID string, epoch int) (*epochKey, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, err
	}
	return epochFromIdentity(vaultID, epoch, id)
}

func epochFromIdentity(vaultID string, epoch int, id *age.HybridIdentity) (*epochKey, error) {
	seed, err := hkdf.Key(sha256.New, []byte(id.String()), []byte(vaultID), "coffer manifest signing key v1", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return &epochKey{Epoch: epoch, Identity: id, Signing: ed25519.NewKeyFromSeed(seed)}, nil
}

func (k *epochKey) publicKey() string {
	return base64.StdEncoding.EncodeToString(k.Signing.Public().(ed25519.PublicKey))
}

// keyFile is the plaintext of keys/<member>.e<N>.age: the vault secret of
// one epoch, wrapped to one member.
type keyFile struct {
	VaultID  string `json:"vault_id"`
	Member   string `json:"member"`
	Epoch    int    `json:"epoch"`
	Identity string `json:"identity"`
}

// ParseRecipient parses a member or auditor recipient: an age X25519
// (age1…) or hybrid (age1pq1…) recipient, an SSH public key, or a plugin
// recipient (age1name1…), and returns its kind.
func ParseRecipient(s string) (age.Recipient, string, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		return r, KindHybrid, err
	case strings.HasPrefix(s, "ssh-"):
		r, err := agessh.ParseRecipient(s)
		return r, KindSSH, err
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") >= 2 && !isX25519Recipient(s):
		r, err := plugin.NewRecipient(s, pluginUI)
		return r, KindPlugin, err
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		return r, KindX25519, err
	}
	return nil, "", errors.New("unknown recipient type (want age1…, age1pq1…, ssh-ed25519/ssh-rsa or a plugin recipient)")
}

func isX25519Recipient(s string) bool {
	_, err := age.ParseX25519Recipient(s)
	return err == nil
}

// pluginUI lets age plugins (age-plugin-yubikey, …) talk to the user on
// the terminal's standard error; their prompts are theirs to phrase.
var pluginUI = &plugin.ClientUI{
	DisplayMessage: func(name, msg string) error { return nil },
	WaitTimer:      func(name string) {},
}

// ParseIdentities reads an identity file: age X25519 or hybrid secret
// keys, age plugin identities, or an unencrypted SSH private key.
func ParseIdentities(data []byte) ([]age.Identity, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(data)
		if err != nil {
			var missing *ssh_passphraseMissing
			if errors.As(err, &missing) {
				return nil, errors.New("encrypted SSH keys are not supported: use an unencrypted copy or an age identity")
			}
			return nil, fmt.Errorf("SSH key: %v", err)
		}
		return []age.Identity{id}, nil
	}
	var ids []age.Identity
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "AGE-PLUGIN-") {
			id, err := plugin.NewIdentity(line, pluginUI)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			ids = append(ids, id)
			continue
		}
		parsed, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil {
			// age's message never includes the key itself.
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		ids = append(ids, parsed...)
	}
	if len(ids) == 0 {
		return nil, errors.New("no identities found")
	}
	return ids, nil
}

// ssh_passphraseMissing aliases the ssh package's error type without
// importing x/crypto/ssh under a second name.
type ssh_passphraseMissing = sshPassphraseMissingError

// wrap encrypts plaintext to recipients with age.
func wrap(plaintext []byte, recipients ...age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unwrap decrypts an age file held in memory.
func unwrap(ciphertext []byte, ids ...age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, len(ciphertext)))
	if _, err := io.Copy(out, r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func encodeKeyFile(k keyFile) []byte {
	b, _ := json.Marshal(k)
	return b
}

// Fingerprint is a short, stable name for a recipient, shown to users and
// recorded in the audit trail: the first 8 bytes of its SHA-256, hex.
func Fingerprint(recipient string) string {
	s := sha256.Sum256([]byte(strings.TrimSpace(recipient)))
	return hex.EncodeToString(s[:8])
}
