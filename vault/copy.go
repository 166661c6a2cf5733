package vault

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"coffer/vault/store"
)

// CopyStats is what Copy did.
type CopyStats struct {
	Files     int   // vault files copied (and verified)
	Bytes     int64 // their size
	AuditLogs int   // audit trail files copied
}

// Copy copies the vault at src to dst (each a folder or
// s3://BUCKET/PREFIX; dst must be empty): every file the manifest names,
// each checked against the manifest's SHA-256 as it is read, then the
// audit trail (copyLogs, handed the two stores), then the manifest last,
// so that dst is a vault only once everything it names is there. It
// decrypts nothing: no key is needed. Files the manifest does not name
// are left behind. Then dst is verified as `coffer verify` would.
func Copy(src, dst string, copyLogs func(src, dst store.Store) (int, error)) (CopyStats, error) {
	var stats CopyStats
	from, err := openStore(src)
	if err != nil {
		return stats, err
	}
	to, err := openStore(dst)
	if err != nil {
		return stats, err
	}
	m, err := readManifest(from)
	if err != nil {
		return stats, err
	}
	if err := requireEmpty(to); err != nil {
		return stats, err
	}
	files := m.allFiles()
	// Files are read whole (readChecked: the hash is checked before a
	// byte is written) by a few workers at once: object storage answers
	// each request slowly and many in parallel.
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		work = make(chan *FileEntry)
	)
	for range max(8, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for e := range work {
				var ct []byte
				var err error
				ct, buf, err = readChecked(from, e, buf)
				if err == nil {
					err = to.Create(e.Name, func(w io.Writer) error { _, err := w.Write(ct); return err })
					if err != nil {
						err = fmt.Errorf("vault: copy %s: %w", e.Name, err)
					}
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					stats.Files++
					stats.Bytes += e.Size
				}
				mu.Unlock()
			}
		}()
	}
	for _, e := range files {
		work <- e
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return stats, err
	}
	if copyLogs != nil {
		if stats.AuditLogs, err = copyLogs(from, to); err != nil {
			return stats, err
		}
	}
	var whole []byte
	for _, l := range m.lines {
		whole = append(append(whole, l...), '\n')
	}
	if err := to.AppendChain(ManifestFile, 0, whole, whole); err != nil {
		return stats, fmt.Errorf("vault: copy the manifest: %w", err)
	}
	rep, err := Verify(dst)
	if err != nil {
		return stats, err
	}
	if len(rep.Problems) > 0 || len(rep.Unknown) > 0 {
		return stats, fmt.Errorf("vault: the copy in %s does not verify: %v", to, errors.Join(append(rep.Problems, rep.Unknown...)...))
	}
	return stats, nil
}
