package vault

import (
	"coffer/vault/store"
	"fmt"
	"time"
)

// Report is what Verify found.
type Report struct {
	Manifest *Manifest
	Files    int     // files checked
	Problems []error // each a *TamperError (or an I/O error), naming the file
	// Unknown lists files the manifest does not name (planted or junk):
	// never read, and no listed file is changed by them, but someone put
	// them in the vault folder. Each is a *TamperError naming the file.
	Unknown []error
	Notes   []Unlisted // leftovers of interrupted writes: harmless
	// Retention is the Object Lock state of a vault on object storage
	// (nil for a folder). When the bucket has a retention rule, an object
	// without a retain-until date in the future is a problem: the storage
	// would let it be deleted.
	Retention *Retention
}

// OK reports whether the vault verified clean: no file changed and none
// unknown, and on a bucket with a retention rule every object retained.
func (r *Report) OK() bool {
	return len(r.Problems) == 0 && len(r.Unknown) == 0 && !r.Unretained()
}

// Unretained reports objects the bucket's retention rule should keep and
// does not.
func (r *Report) Unretained() bool {
	return r.Retention != nil && !r.Retention.Rule.IsZero() && len(r.Retention.Unlocked) > 0
}

// Verify checks a vault without unlocking it: the manifest's chain and
// signatures, the pin of what this machine saw before, and the size and
// SHA-256 of every file the manifest names; it lists files it does not
// name. It decrypts nothing and reads no content. The error is non-nil
// only when the manifest itself cannot be trusted (then nothing else can).
func Verify(dir string) (*Report, error) {
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	m, p, err := readManifestPinned(st)
	if err != nil {
		return nil, err
	}
	rep := &Report{Manifest: m}
	rollback := checkRollback(st, m, p != nil)
	if rollback != nil {
		// Not pinned either: the next unlock here must see it too.
		rep.Problems = append(rep.Problems, rollback)
	} else if err := recordPin(m, p); err != nil {
		return nil, err
	}
	buf := make([]byte, 1<<20)
	check := func(e *FileEntry) { // hashed as it streams: nothing held
		rep.Files++
		if err := checkFile(st, e, buf); err != nil {
			rep.Problems = append(rep.Problems, err)
		}
	}
	for _, e := range m.allFiles() {
		check(e)
	}
	for _, u := range unlistedFiles(st, m) {
		switch {
		case u.Leftover:
			rep.Notes = append(rep.Notes, u)
			continue
		case u.Beyond > 0 && rollback != nil:
			continue // the rollback problem names it
		}
		rep.Unknown = append(rep.Unknown, &TamperError{File: u.Name, Reason: unlistedReason(u, m)})
	}
	if rep.Retention, err = checkRetention(st, time.Now()); err != nil {
		return nil, err
	}
	return rep, nil
}

// unlistedReason says what an unlisted file is for `coffer verify`. One
// named for a record beyond the manifest is rollback evidence only when no
// pin vouches for the manifest (checkRollback reports that case); with a
// pin it is junk like any other planted file.
func unlistedReason(u Unlisted, m *Manifest) string {
	if u.Beyond > 0 {
		return fmt.Sprintf("unknown file, not named by the manifest: named for record %d, and the manifest, which this machine's pin vouches for, has %d; planted or junk, not a rollback; ignored", u.Beyond, m.Seq()+1)
	}
	return "unknown file, not named by the manifest (planted, or its name altered); ignored"
}

// checkRollback looks for the one sign of a rollback the folder itself can
// give: files named for records two or more beyond the manifest's last
// (one beyond is an interrupted import). It fails on one only when the
// manifest is not pinned (this machine never saw the vault): then nothing
// else can tell an older manifest put back from a planted file. With a
// pin the manifest extends, the pin is the rollback check, and such a
// file is junk: it is reported (Verify, Vault.Warnings) and never read,
// and must not keep anyone from unlocking.
func checkRollback(st store.Store, m *Manifest, pinned bool) error {
	if pinned {
		return nil
	}
	for _, u := range unlistedFiles(st, m) {
		if u.Beyond > 0 && st.Shared() {
			// Without a lock, writers may have appended since m was read
			// and written files named for their records: only a file
			// beyond the manifest as it is now is evidence.
			if now, err := readManifest(st); err == nil && now.Seq() >= m.Seq() && u.Beyond <= now.Seq()+1 {
				continue
			}
		}
		if u.Beyond > 0 {
			return &TamperError{File: ManifestFile, Reason: fmt.Sprintf(
				"rolled back, or a planted file: %s is named for record %d, the manifest has %d records, "+
					"and this machine holds no pin of this vault to tell which (it has not read the vault before); "+
					"check the manifest against another copy of the vault, or remove the file if it is junk",
				u.Name, u.Beyond, m.Seq()+1)}
		}
	}
	return nil
}

// Exists reports whether dir holds a vault.
func Exists(dir string) bool {
	st, err := openStore(dir)
	if err != nil {
		return false
	}
	_, err = st.ReadChain(ManifestFile, 0, maxManifestBytes)
	return err == nil
}
