package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Report is what Verify found.
type Report struct {
	Manifest *Manifest
	Files    int        // files checked
	Problems []error    // each a *TamperError (or an I/O error), naming the file
	Notes    []Unlisted // leftovers of interrupted writes: harmless
}

// OK reports whether the vault verified clean.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks a vault without unlocking it: the manifest's chain and
// signatures, the pin of what this machine saw before, and the size and
// SHA-256 of every file the manifest names; it lists files it does not
// name. It decrypts nothing and reads no content. The error is non-nil
// only when the manifest itself cannot be trusted (then nothing else can).
func Verify(dir string) (*Report, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if err := checkPin(m); err != nil {
		return nil, err
	}
	rep := &Report{Manifest: m}
	if err := checkRollback(dir, m); err != nil {
		rep.Problems = append(rep.Problems, err)
	}
	check := func(e *FileEntry) {
		rep.Files++
		if _, err := readVaultFile(dir, e); err != nil {
			rep.Problems = append(rep.Problems, err)
		}
	}
	for _, e := range m.Files("") {
		check(e)
	}
	for _, mem := range m.Members {
		if mem.passFile != nil {
			check(&FileEntry{Name: mem.passFile.Name, SHA256: mem.passFile.SHA256, Size: mem.passFile.Size})
		}
		for _, k := range mem.keyFiles {
			check(&FileEntry{Name: k.Name, SHA256: k.SHA256, Size: k.Size})
		}
	}
	for _, u := range unlistedFiles(dir, m) {
		if u.Leftover {
			rep.Notes = append(rep.Notes, u)
			continue
		}
		rep.Problems = append(rep.Problems, &TamperError{File: u.Name, Reason: unlistedReason(u, m)})
	}
	return rep, nil
}

// unlistedReason tells a planted file from evidence of a rollback: a
// segment named for a record the manifest does not have yet means a newer
// manifest existed and an older one was put back.
func unlistedReason(u Unlisted, m *Manifest) string {
	if seq, ok := fileSeq(filepath.Base(u.Name)); ok && seq > m.Seq()+1 {
		return fmt.Sprintf("not named by the manifest, and named for record %d of a manifest that has only %d: the manifest was rolled back", seq, m.Seq()+1)
	}
	return "not named by the manifest (planted, or altered name); ignored"
}

// checkRollback fails when the vault folder holds files of a newer
// manifest than the one present.
func checkRollback(dir string, m *Manifest) error {
	for _, u := range unlistedFiles(dir, m) {
		if seq, ok := fileSeq(filepath.Base(u.Name)); ok && seq > m.Seq()+1 {
			return &TamperError{File: ManifestFile, Reason: fmt.Sprintf("rolled back: %s belongs to record %d, the manifest has %d records", u.Name, seq, m.Seq()+1)}
		}
	}
	return nil
}

// IsTamper reports whether err is (or wraps) a *TamperError.
func IsTamper(err error) bool {
	var te *TamperError
	return errors.As(err, &te)
}

// Exists reports whether dir holds a vault.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ManifestFile))
	return err == nil
}
