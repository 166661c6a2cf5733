package access

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"coffer/vault"
	"coffer/vault/audit"
)

// Import is an import in progress. It is recorded before anything is
// written, and its outcome after: committed (with the number of messages
// added) or aborted.
type Import struct {
	a   *vault.Appender
	log *audit.Log
	// own is set for an ingest-key import, whose audit session belongs to
	// the import alone and ends with it.
	own  bool
	done bool
}

// Import starts an import of files (named in the audit trail by their
// base names) into the unlocked, loaded vault. Messages the vault holds
// already are skipped. The session holds the vault's write lock until
// Commit or Abort.
func (s *Session) Import(files []string) (*Import, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	a, err := s.v.NewAppender()
	if err != nil {
		return nil, err
	}
	return begin(a, s.log, false, s.engine, files)
}

// OpenIngest starts an import with the ingest key keyData into the vault
// in dir, without its secret: the import can add messages it cannot read
// back. The import has an audit session of its own (actor "ingest key
// NAME"), which Commit or Abort ends.
func OpenIngest(dir string, keyData []byte, engine Engine, files []string, now time.Time) (*Import, error) {
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	rs, err := auditRecipients(m)
	if err != nil {
		return nil, err
	}
	st, err := vault.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	log, err := audit.Open(st, rs, audit.Actor{Member: "ingest key " + vault.IngestKeyName(keyData)})
	if err != nil {
		return nil, err
	}
	a, err := vault.OpenIngest(dir, keyData, now)
	if err != nil {
		return nil, errors.Join(err, log.Close(audit.LockExit))
	}
	im, err := begin(a, log, true, engine, files)
	if err != nil {
		return nil, errors.Join(err, log.Close(audit.LockExit))
	}
	return im, nil
}

func begin(a *vault.Appender, log *audit.Log, own bool, engine Engine, files []string) (*Import, error) {
	if engine != nil {
		// The importer sees the plaintext anyway: it builds the search
		// index of each segment now, so that unlock need not.
		a.SetIndexer(engine.Segment)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = baseName(f)
	}
	// Write-ahead: the trail names the import before the vault changes,
	// and the import's manifest record names that event.
	link, err := log.Announce(audit.Event{Action: audit.ActionImport, Target: strings.Join(names, ", ")})
	if err != nil {
		a.Abort()
		return nil, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	a.SetAnnouncement(link)
	return &Import{a: a, log: log, own: own}, nil
}

func baseName(path string) string {
	path = strings.TrimRight(path, string(os.PathSeparator))
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Add stages m unless the vault holds it already, and reports whether it
// was new.
func (im *Import) Add(m *vault.Message) (bool, error) { return im.a.Add(m) }

// Commit writes the import's manifest record, then records that it was
// committed. If that record fails the import stands (it is in the vault)
// and the error says so.
func (im *Import) Commit() (vault.ImportStats, error) {
	if im.done {
		return vault.ImportStats{}, errors.New("access: import already finished")
	}
	im.done = true
	st, err := im.a.Commit()
	if err != nil {
		im.end()
		return st, err
	}
	if rerr := im.log.Append(audit.Event{Action: audit.ActionImport, Reason: audit.ReasonCommitted, Count: st.Added}); rerr != nil {
		err = fmt.Errorf("the import is committed, but its outcome was not recorded: %w", rerr)
	}
	return st, errors.Join(err, im.end())
}

// Abort discards everything staged and records that the import was
// abandoned; reason says why (the first bad record, say).
func (im *Import) Abort(reason string) error {
	if im.done {
		return nil
	}
	im.done = true
	im.a.Abort()
	err := im.log.Append(audit.Event{Action: audit.ActionImport, Reason: "aborted", Detail: reason})
	return errors.Join(err, im.end())
}

func (im *Import) end() error {
	if im.own {
		return im.log.Close(audit.LockExit)
	}
	return nil
}
