package vault

import (
	"coffer/vault/store"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// Reading the files the manifest names. Every reader checks a file's
// size and SHA-256 against the manifest before anything looks at its
// content (age does not authenticate who encrypted a file): readChecked
// for a file read whole, checkFile for one only checked.

// readKeyed is readChecked with the identity of the epoch e was written
// in: what every reader of a whole vault file does first.
func (v *Vault) readKeyed(e *FileEntry, buf []byte) (age.Identity, []byte, []byte, error) {
	k, err := v.keyFor(e)
	if err != nil {
		return nil, nil, buf, err
	}
	ct, buf, err := readChecked(v.st, e, buf)
	return k.Identity, ct, buf, err
}

// maxVaultFile bounds the size a manifest entry may claim for a file that
// is read whole (segments and index files are a few MB).
const maxVaultFile = 1 << 31

// readChecked reads the file e names (in st) into buf, growing
// it if needed (buf may be nil), and checks its size and SHA-256 against
// the manifest before anything looks at it. Reading into a worker's buffer rather than a new one per
// file (or decrypting as it streams in, whose reader allocates per
// chunk) keeps unlock from making garbage the size of the vault.
func readChecked(st store.Store, e *FileEntry, buf []byte) (ct, grown []byte, err error) {
	f, err := st.Open(e.Name)
	if errors.Is(err, store.ErrNotExist) {
		return nil, buf, tamper(e.Name, "missing (named by the manifest)")
	}
	if err != nil {
		return nil, buf, fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	if e.Size < 0 || e.Size > maxVaultFile {
		return nil, buf, tamper(e.Name, "implausible size %d in the manifest", e.Size)
	}
	if int64(cap(buf)) < e.Size+1 {
		// A buffer grown with room to spare: files of about one size,
		// each a little larger than the last, made a new buffer each
		// (130 MB of garbage opening 23 index files of 12 MB).
		spare := int64(0)
		if buf != nil {
			spare = e.Size / 4
		}
		buf = make([]byte, e.Size+1, e.Size+1+spare)
	}
	// One byte more than the manifest says, to notice a longer file.
	n, err := io.ReadFull(f, buf[:e.Size+1])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, buf, fmt.Errorf("vault: %s: %w", e.Name, err)
	}
	ct = buf[:n]
	if err := checkSum(e, int64(n), sha256Hex(ct)); err != nil {
		return nil, buf, err
	}
	return ct, buf, nil
}

// checkFile hashes the file e names, through buf, and checks it against
// the manifest.
func checkFile(st store.Store, e *FileEntry, buf []byte) error {
	f, err := st.Open(e.Name)
	if errors.Is(err, store.ErrNotExist) {
		return tamper(e.Name, "missing (named by the manifest)")
	}
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, buf)
	if err != nil {
		return fmt.Errorf("vault: %s: %w", e.Name, err)
	}
	return checkSum(e, n, hex.EncodeToString(h.Sum(nil)))
}

// checkStored is checkFile that, where the store keeps the SHA-256 it
// checked when each file was written (object storage), compares that
// instead of reading the file: coffer review's unlock then costs a HEAD
// a segment, not the segment. It trusts the store's own integrity check;
// what is later read for use is hashed again (readChecked), so a store
// that lied here could only delay finding a change until the file is
// read. coffer verify reads everything (checkFile).
func checkStored(st store.Store, e *FileEntry, buf []byte) error {
	if s, ok := st.(store.Summer); ok {
		size, sum, ok, err := s.StoredSHA256(e.Name)
		if errors.Is(err, store.ErrNotExist) {
			return tamper(e.Name, "missing (named by the manifest)")
		}
		if err != nil {
			return fmt.Errorf("vault: %w", err)
		}
		if ok {
			return checkSum(e, size, hex.EncodeToString(sum))
		}
	}
	return checkFile(st, e, buf)
}

// checkSum compares a file's size and SHA-256 with its manifest entry.
func checkSum(e *FileEntry, size int64, sum string) error {
	if size != e.Size {
		return tamper(e.Name, "size %d, manifest says %d (truncated or altered)", size, e.Size)
	}
	if sum != e.SHA256 {
		return tamper(e.Name, "content does not match the manifest's SHA-256 (altered or swapped)")
	}
	return nil
}
