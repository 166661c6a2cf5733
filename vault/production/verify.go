package production

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"coffer/vault"
)

// maxManifest bounds manifest.json as Verify reads it: about a million
// files' entries.
const maxManifest = 256 << 20

// Pin is what the receiver trusts to have made the production. Without
// one, Verify checks the package against its own manifest and key, which
// anyone could have re-signed: the report says so.
type Pin struct {
	// Key is the vault signing key the producer told the receiver
	// (coffer produce prints it).
	Key ed25519.PublicKey
	// Vault is the producing vault's verified manifest: the package must
	// name its id and be signed by its signing key of the epoch named.
	Vault *vault.Manifest
}

// Report is what Verify found.
type Report struct {
	Manifest *Manifest // nil when manifest.json is missing or unreadable
	Key      ed25519.PublicKey
	// Pinned says what vouched for the key: "" (nothing), "key" or
	// "vault".
	Pinned string
	Files  int   // entries read, manifest and signature included
	Bytes  int64 // their sizes
	// Problems lists each failure, one line each, naming the file.
	Problems []string
}

// OK reports whether the package verified.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// ErrNotForIdentity is returned when none of the identities opens the
// package.
var ErrNotForIdentity = errors.New("not encrypted to any identity given")

// Verify decrypts a production with the receiver's identities and checks
// it: every file against manifest.json (present, same size and SHA-256,
// none extra, none twice), the signature over manifest.json with the key
// it names, and that key against pin. It returns an error only when the
// package cannot be read at all (not age, not for these identities, not
// a tar archive, corrupted ciphertext); everything else is a Problem.
func Verify(r io.Reader, ids []age.Identity, pin Pin) (*Report, error) {
	dec, err := age.Decrypt(r, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrNotForIdentity
		}
		return nil, fmt.Errorf("not an age-encrypted production: %v", err)
	}
	return verifyTar(dec, pin)
}

// verifyTar checks the decrypted package.
func verifyTar(dec io.Reader, pin Pin) (*Report, error) {
	rep := &Report{}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	seen := map[string]File{}
	var order []string
	var manifest, sig []byte
	tr := tar.NewReader(dec)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("corrupted (the ciphertext or the archive inside it was altered): %v", err)
		}
		rep.Files++
		if h.Typeflag != tar.TypeReg {
			problem("%s: not a regular file (type %q)", h.Name, h.Typeflag)
			continue
		}
		if _, dup := seen[h.Name]; dup || h.Name == ManifestFile && manifest != nil || h.Name == SigFile && sig != nil {
			problem("%s: in the package twice", h.Name)
			continue
		}
		// Documents are hashed as they stream; only the manifest and its
		// signature are kept, and bounded.
		hw := sha256.New()
		var keep *bytes.Buffer
		var src io.Reader = tr
		var dst io.Writer = hw
		if h.Name == ManifestFile || h.Name == SigFile {
			keep = &bytes.Buffer{}
			src, dst = io.LimitReader(tr, maxManifest+1), io.MultiWriter(hw, keep)
		}
		n, err := io.Copy(dst, src)
		if err != nil {
			return nil, fmt.Errorf("corrupted (the ciphertext or the archive inside it was altered): %s: %v", h.Name, err)
		}
		if keep != nil && n > maxManifest {
			return nil, fmt.Errorf("%s is larger than any production coffer writes", h.Name)
		}
		rep.Bytes += n
		switch h.Name {
		case ManifestFile:
			manifest = keep.Bytes()
		case SigFile:
			sig = keep.Bytes()
		default:
			seen[h.Name] = File{Path: h.Name, Size: n, SHA256: hex.EncodeToString(hw.Sum(nil))}
			order = append(order, h.Name)
		}
	}
	if manifest == nil {
		problem("%s: missing: nothing can be checked", ManifestFile)
		return rep, nil
	}
	var man Manifest
	d := json.NewDecoder(bytes.NewReader(manifest))
	d.DisallowUnknownFields()
	if err := d.Decode(&man); err != nil || man.Format != Format {
		problem("%s: not a production manifest (%v)", ManifestFile, err)
		return rep, nil
	}
	rep.Manifest = &man
	key, err := base64.StdEncoding.DecodeString(man.Signer.PublicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		problem("%s: malformed signer key", ManifestFile)
	} else {
		rep.Key = key
	}
	switch s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig))); {
	case sig == nil:
		problem("%s: missing: the manifest is not signed", SigFile)
	case err != nil:
		problem("%s: malformed", SigFile)
	case rep.Key != nil && !vault.VerifyProductionSignature(rep.Key, manifest, s):
		problem("%s: the signature does not match manifest.json and the key it names (the manifest was altered)", SigFile)
	}
	if rep.Key != nil {
		switch {
		case pin.Key != nil:
			rep.Pinned = "key"
			if !pin.Key.Equal(rep.Key) {
				problem("%s: signed by key %s, not the pinned %s (re-signed by someone else)", SigFile, man.Signer.PublicKey, base64.StdEncoding.EncodeToString(pin.Key))
			}
		case pin.Vault != nil:
			rep.Pinned = "vault"
			vk := pin.Vault.SigningKey(man.Signer.Epoch)
			if man.VaultID != pin.Vault.VaultID {
				problem("%s: names vault %s, not %s", ManifestFile, man.VaultID, pin.Vault.VaultID)
			} else if vk == nil || !vk.Equal(rep.Key) {
				problem("%s: signed by key %s, which is not vault %s's key of epoch %d (re-signed by someone else)", SigFile, man.Signer.PublicKey, man.VaultID, man.Signer.Epoch)
			}
		}
	}
	listed := map[string]bool{}
	for _, f := range man.Files {
		if listed[f.Path] {
			problem("%s: listed twice in the manifest", f.Path)
			continue
		}
		listed[f.Path] = true
		if f.Path == ManifestFile || f.Path == SigFile {
			problem("%s: the manifest lists itself or its signature", f.Path)
			continue
		}
		got, ok := seen[f.Path]
		switch {
		case !ok:
			problem("%s: missing (listed in the manifest)", f.Path)
		case got.Size != f.Size:
			problem("%s: %d bytes, the manifest says %d (truncated or altered)", f.Path, got.Size, f.Size)
		case got.SHA256 != f.SHA256:
			problem("%s: content does not match the manifest's SHA-256 (altered)", f.Path)
		}
	}
	for _, name := range order {
		if !listed[name] {
			problem("%s: not listed in the manifest (added)", name)
		}
	}
	return rep, nil
}
