package vault

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"coffer/vault/store"
)

// writeAtomic writes a file of this machine's own (the pin, outside any
// vault) so that after a crash at any instant the final name holds either
// the old or the complete new content: write to a temporary name in the
// same folder, fsync it, rename it over the final name, then fsync the
// folder so the rename itself is durable. Vault files go through the
// vault's store instead.
func writeAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	var b [8]byte
	rand.Read(b[:])
	tmp := filepath.Join(dir, store.TempPrefix+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// newName names a new vault file in folder for record seq: "<seq>-<n>.age",
// and, on storage writers share without a lock, "<seq>-<n>-<writer>.age"
// with the writer's random tag (writerTag): two writers racing for one
// record number then never pick one name (Create would refuse the second,
// and an import cannot rename what it wrote).
func newName(folder string, seq, n int, writer string) string {
	if writer == "" {
		return fmt.Sprintf("%s/%06d-%04d.age", folder, seq, n)
	}
	return fmt.Sprintf("%s/%06d-%04d-%s.age", folder, seq, n, writer)
}

// writerTag returns a new writer's tag for newName: "" where one writer
// holds the lock, else 8 random hex digits.
func writerTag(st store.Store) string {
	if !st.Shared() {
		return ""
	}
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// conflictRetries bounds how often a write that lost a race for its
// manifest record is made again against the newer manifest.
const conflictRetries = 20

// retry runs a write again when another writer appended its manifest
// record first (store.ErrConflict): the write re-reads the manifest and
// checks its change is still allowed (beginWrite, prepare), so a change
// that is no longer valid fails with its own error then. Only storage
// without a lock (object storage) ever conflicts.
func retry(op func() error) error {
	var err error
	for try := 0; try < conflictRetries; try++ {
		if err = op(); !errorsIsConflict(err) {
			return err
		}
		time.Sleep(time.Duration(1+try) * 10 * time.Millisecond)
	}
	return fmt.Errorf("%w (gave up after %d tries: writers keep racing)", err, conflictRetries)
}
