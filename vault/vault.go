package vault

import (
	"coffer/vault/store"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
)

// Folders inside a vault.
var vaultDirs = []string{"keys", "segments", "blobs", "tags", "index", "productions", "saved", "policies", "supervision", "audit"}

// InitOptions configures a new vault.
type InitOptions struct {
	Name string
	// Passphrase, when not empty, makes a passphrase member called
	// PassphraseMember (default "passphrase").
	Passphrase       string
	PassphraseMember string
	// Recipients make one member each (age, hybrid, SSH or plugin), named
	// by the matching entry of RecipientNames when given.
	Recipients     []string
	RecipientNames []string
	// Auditors may read the audit trail. At least one is required.
	Auditors []string
	Now      time.Time
	// Retention, on object storage, is the Object Lock retention every
	// object of the vault gets (store.ParseRetention); the bucket must be
	// versioned with Object Lock. Init refuses it on a folder.
	Retention store.Retention
}

// Init creates a vault in dir (a folder, or s3://BUCKET/PREFIX), which
// must not exist or be empty. The manifest is written last and in one
// piece, so a crash leaves either no vault or a complete one.
func Init(dir string, opt InitOptions) (*Manifest, error) {
	return initWithID(dir, opt, randomID(16))
}

func initWithID(dir string, opt InitOptions, vaultID string) (*Manifest, error) {
	if opt.Passphrase == "" && len(opt.Recipients) == 0 {
		return nil, errors.New("vault: a vault needs at least one member (a passphrase or a recipient)")
	}
	if len(opt.Auditors) == 0 {
		return nil, errors.New("vault: a vault needs at least one auditor recipient")
	}
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(st); err != nil {
		return nil, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var auditors []auditorBody
	for _, a := range opt.Auditors {
		if _, _, err := ParseRecipient(a); err != nil {
			return nil, fmt.Errorf("vault: auditor %q: %v", a, err)
		}
		auditors = append(auditors, auditorBody{Op: "add", Name: "auditor-" + Fingerprint(a), Recipient: strings.TrimSpace(a)})
	}
	if err := setRetention(st, opt.Retention); err != nil {
		return nil, err
	}
	if !st.Shared() {
		// A folder gets its layout at once (FORMAT.md); object storage
		// has no folders, and a folder's files make their own as needed.
		for _, d := range vaultDirs {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
				return nil, fmt.Errorf("vault: %w", err)
			}
		}
	}
	k, err := newEpochKey(vaultID, 1)
	if err != nil {
		return nil, err
	}
	name := opt.Name
	if name == "" {
		name = path.Base(strings.TrimRight(dir, "/"))
	}
	vaultSigner := signer{name: "vault", key: k.Signing}
	recs := []signedRecord{{&record{Type: recGenesis, Genesis: &genesisBody{
		VaultID: vaultID, Name: name, Format: 1,
		Recipient: k.Identity.Recipient().String(), SigningKey: k.publicKey(),
	}}, vaultSigner}}
	keys := map[int]*epochKey{1: k}
	if opt.Passphrase != "" {
		mname := opt.PassphraseMember
		if mname == "" {
			mname = "passphrase"
		}
		b, err := newPassphraseMember(st, vaultID, mname, opt.Passphrase, keys)
		if err != nil {
			return nil, err
		}
		recs = append(recs, signedRecord{&record{Type: recMember, Member: b}, vaultSigner})
	}
	for i, r := range opt.Recipients {
		mname := ""
		if i < len(opt.RecipientNames) {
			mname = opt.RecipientNames[i]
		}
		b, err := newRecipientMember(st, vaultID, mname, r, keys)
		if err != nil {
			return nil, err
		}
		recs = append(recs, signedRecord{&record{Type: recMember, Member: b}, vaultSigner})
	}
	for i := range auditors {
		recs = append(recs, signedRecord{&record{Type: recAuditor, Auditor: &auditors[i]}, vaultSigner})
	}
	m := newManifest()
	if err := m.appendRecords(st, now, recs...); err != nil {
		if errorsIsConflict(err) {
			return nil, fmt.Errorf("vault: %s: another init made a vault here first", st)
		}
		return nil, err
	}
	if err := checkPin(m); err != nil {
		return nil, err
	}
	return m, nil
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// Key is what a user presents to unlock: passphrases and identities.
type Key struct {
	Passphrases []string
	Identities  []age.Identity
}

// Vault is an unlocked vault: the manifest, the member who unlocked it and
// the vault secrets that member holds. Load decrypts the messages.
type Vault struct {
	Dir      string // where it is: a folder, or s3://BUCKET/PREFIX
	st       store.Store
	Manifest *Manifest
	Member   *Member
	Method   string // how the member unlocked: passphrase, x25519, ssh, ...

	epochs map[int]*epochKey
	now    func() time.Time

	loaded   bool
	segments []*segment
	messages []*Message
	pos      map[string]uint32   // ID -> index in messages
	byName   map[string]*segment // loaded segments by file name, built on first use
	tags     map[string][]string
	// lazy is set instead of the above by LoadCatalog.
	lazy *lazy
	// journals keeps the plaintext of the journal files read so far
	// (journal.go), so that replaying a journal decrypts only the files
	// added since; wiped by Close.
	journals journalCache
	// Warnings lists files in the vault folder that the manifest does not
	// name: ignored, reported here and by Verify.
	Warnings []string
}

// Unlock reads and verifies the manifest, finds a member key that key
// opens, and checks that the vault secrets in it are the ones the
// manifest's signing keys were derived from. It decrypts no messages.
func Unlock(dir string, key Key) (*Vault, error) {
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	return UnlockStore(st, key)
}

// UnlockStore is Unlock of the vault in st (OpenStore), for a caller that
// has opened its storage already (for the audit trail).
func UnlockStore(st store.Store, key Key) (*Vault, error) {
	dir := st.String()
	m, p, err := readManifestPinned(st)
	if err != nil {
		return nil, err
	}
	if err := checkRollback(st, m, p != nil); err != nil {
		return nil, err
	}
	if err := recordPin(m, p); err != nil {
		return nil, err
	}
	v := &Vault{Dir: dir, st: st, Manifest: m, now: time.Now}
	var lastErr error
	for _, mem := range m.ActiveMembers() {
		var ids []age.Identity
		switch {
		case mem.Kind == KindPassphrase && len(key.Passphrases) > 0:
			ids, err = passphraseIdentities(st, mem, key.Passphrases)
		case mem.Kind != KindPassphrase && len(key.Identities) > 0:
			ids = key.Identities
		default:
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrWrongKey) {
				return nil, err
			}
			continue
		}
		epochs, err := openKeyFiles(st, m, mem, ids)
		if errors.Is(err, ErrWrongKey) {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, err
		}
		v.Member, v.epochs, v.Method = mem, epochs, mem.Kind
		return v, nil
	}
	if lastErr == nil {
		lastErr = ErrWrongKey
	}
	return nil, fmt.Errorf("vault: %w", lastErr)
}

// passphraseIdentities opens a passphrase member's personal identity.
func passphraseIdentities(st store.Store, mem *Member, passphrases []string) ([]age.Identity, error) {
	if mem.passFile == nil {
		return nil, tamper(ManifestFile, "passphrase member %q has no pass file", mem.ID)
	}
	data, _, err := readChecked(st, &FileEntry{Name: mem.passFile.Name, SHA256: mem.passFile.SHA256, Size: mem.passFile.Size}, nil)
	if err != nil {
		return nil, err
	}
	for _, p := range passphrases {
		sid, err := age.NewScryptIdentity(p)
		if err != nil {
			return nil, err
		}
		plain, err := unwrap(data, sid)
		if err != nil {
			continue
		}
		id, err := age.ParseHybridIdentity(strings.TrimSpace(string(plain)))
		if err != nil {
			return nil, tamper(mem.passFile.Name, "does not hold an identity")
		}
		return []age.Identity{id}, nil
	}
	return nil, ErrWrongKey
}

// openKeyFiles decrypts every epoch key file of mem and checks each
// secret against the signing key the manifest recorded for its epoch.
func openKeyFiles(st store.Store, m *Manifest, mem *Member, ids []age.Identity) (map[int]*epochKey, error) {
	epochs := map[int]*epochKey{}
	nums := make([]int, 0, len(mem.keyFiles))
	for e := range mem.keyFiles {
		nums = append(nums, e)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(nums))) // newest first: fails fast on a wrong key
	for _, e := range nums {
		ref := mem.keyFiles[e]
		data, _, err := readChecked(st, &FileEntry{Name: ref.Name, SHA256: ref.SHA256, Size: ref.Size}, nil)
		if err != nil {
			return nil, err
		}
		plain, err := unwrap(data, ids...)
		if err != nil {
			var nm *age.NoIdentityMatchError
			if errors.As(err, &nm) {
				return nil, ErrWrongKey
			}
			return nil, tamper(ref.Name, "cannot be decrypted: %v", err)
		}
		kf, err := decodeKeyFile(plain)
		if err != nil || kf.VaultID != m.VaultID || kf.Epoch != e || kf.Member != mem.ID {
			return nil, tamper(ref.Name, "does not hold this member's key for epoch %d", e)
		}
		id, err := age.ParseHybridIdentity(kf.Identity)
		if err != nil {
			return nil, tamper(ref.Name, "does not hold a valid identity")
		}
		k, err := epochFromIdentity(m.VaultID, e, id)
		if err != nil {
			return nil, err
		}
		if !k.Signing.Public().(ed25519.PublicKey).Equal(m.signingKeys[e]) {
			return nil, tamper(ref.Name, "holds a secret that is not this vault's (epoch %d)", e)
		}
		epochs[e] = k
	}
	if epochs[m.Epoch] == nil {
		return nil, tamper(ManifestFile, "member %q has no key for the current epoch %d", mem.ID, m.Epoch)
	}
	return epochs, nil
}

// Store is where the vault's files are: the audit trail is written there
// too (audit.Open).
func (v *Vault) Store() store.Store { return v.st }

// OpenStore returns the storage of the vault at loc: a folder, or
// s3://BUCKET/PREFIX. Its audit trail is read and written there.
func OpenStore(loc string) (store.Store, error) { return openStore(loc) }

func openStore(loc string) (store.Store, error) {
	st, err := store.Open(loc)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return st, nil
}

// requireEmpty refuses storage that holds anything: a new vault (Init,
// Copy) never mixes with other files.
func requireEmpty(st store.Store) error {
	empty, err := st.Empty()
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if !empty {
		return fmt.Errorf("vault: %s exists and is not empty", st)
	}
	return nil
}

// setRetention gives every object of a new vault on object storage the
// retention r (and makes it the bucket's default rule).
func setRetention(st store.Store, r store.Retention) error {
	if r.IsZero() {
		return nil
	}
	s3, ok := st.(*store.S3)
	if !ok {
		return fmt.Errorf("vault: %s: retention needs object storage with Object Lock (s3://BUCKET/PREFIX); a folder is kept by its own backups", st)
	}
	if err := s3.SetRetention(r); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return nil
}

// signer returns the vault signer of the current epoch.
func (v *Vault) signer() signer {
	return signer{name: "vault", key: v.epochs[v.Manifest.Epoch].Signing}
}
