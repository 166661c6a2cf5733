// Package store is where a vault's files live: a folder on disk (Dir) or
// a bucket of S3-compatible object storage (S3). The vault and its audit
// trail read and write through this one small interface and never learn
// which they have.
//
// Everything a vault stores is written once under a new name (segments,
// blobs, index files, journal entries, key files) except two kinds of
// append-only chain: the manifest, whose records are added by whoever
// writes to the vault, and an audit session file, to which only the
// process that created it appends. A folder serialises writers with a
// lock file and rewrites the manifest whole by rename; a bucket has no
// lock shared between hosts, so there every chain record is an object
// created with a conditional write (If-None-Match: *) and of two writers
// racing for a record exactly one wins (ErrConflict for the other).
package store

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"time"
)

// Errors a Store returns, wrapped; test them with errors.Is.
var (
	// ErrExist: Create found the name taken.
	ErrExist = fs.ErrExist
	// ErrNotExist: no object of that name.
	ErrNotExist = fs.ErrNotExist
	// ErrConflict: another writer appended the chain record this one
	// tried to write. Re-read the chain and try again.
	ErrConflict = errors.New("store: another writer appended first")
	// ErrLocked: another process holds a folder's write lock.
	ErrLocked = errors.New("store: locked by another writer")
)

// Store holds the named files of one vault. Names are slash-separated
// and relative ("segments/000001-0000.age"); a Store never sees a name
// that carries message content (the vault names files by number).
type Store interface {
	// Open reads a file. A missing file is ErrNotExist.
	Open(name string) (io.ReadCloser, error)
	// Create writes a new file whole: after a crash or a failed call it
	// either does not exist or holds everything write wrote. It refuses
	// a name that exists (ErrExist): a vault never overwrites.
	Create(name string, write func(w io.Writer) error) error
	// List returns what dir holds directly, sorted by name. A missing
	// dir is empty. Files a write left half-done are listed with Temp.
	List(dir string) ([]Entry, error)
	// Remove deletes a file (leftovers of interrupted writes). Object
	// storage under retention refuses, which callers ignore.
	Remove(name string) error

	// Lock serialises writers where the storage can (a folder's flock);
	// where it cannot, it returns at once and Shared reports true.
	Lock(wait time.Duration) (unlock func(), err error)
	// Shared reports that writers on several hosts may append at once,
	// with no lock between them: names of new files must then be unique
	// to their writer, and a file no record names may belong to a write
	// still under way rather than to one that crashed.
	Shared() bool

	// ReadChain returns the records of the chain name from record from
	// on, as lines each ending in '\n'. from must be 0 or a number of
	// records this Store has read or appended before. A missing chain
	// is ErrNotExist.
	ReadChain(name string, from, max int) ([]byte, error)
	// AppendChain adds lines (whole records, each ending in '\n') after
	// the first n records; whole is the entire chain with them, for
	// storage that rewrites it. ErrConflict when record n exists.
	AppendChain(name string, n int, whole, lines []byte) error

	// CreateLog creates the append-only file name with first as its
	// first bytes, durably, and returns it for appending; ErrExist when
	// name exists. Only the process that created a log appends to it.
	CreateLog(name string, first []byte) (Log, error)
	// OpenLog reads everything appended to a log so far.
	OpenLog(name string) (io.ReadCloser, error)
	// LogState tells whether a live process still holds the log open
	// (Live), and its length. Object storage cannot tell a live writer
	// from a dead one: there a log written to recently is live
	// (S3Options.LiveWindow).
	LogState(name string) (size int64, live bool, err error)

	// Empty reports whether nothing is stored yet (init refuses
	// otherwise).
	Empty() (bool, error)
	// String is where the store is, for messages: a path or
	// s3://bucket/prefix. It never holds a credential.
	String() string
}

// Summer is a Store that keeps, with each file, the SHA-256 it checked
// when the file was written (object storage: x-amz-checksum-sha256), so
// a file can be checked against a known hash without reading it.
type Summer interface {
	StoredSHA256(name string) (size int64, sum []byte, ok bool, err error)
}

// Log is an append-only file held by the process that created it.
type Log interface {
	// Append adds p; when it returns nil, p is durable (fsynced, or the
	// PUT acknowledged). On error nothing of p is in the log.
	Append(p []byte) error
	// Close releases the log; a later process sees it ended.
	Close() error
}

// Entry is a file in a listing.
type Entry struct {
	Name    string // base name
	Size    int64
	ModTime time.Time
	// Temp marks a file a write left half-done (never read).
	Temp bool
}

// Open returns the store at loc: s3://BUCKET/PREFIX for object storage,
// anything else a folder.
func Open(loc string) (Store, error) {
	if IsURL(loc) {
		return OpenS3(loc, S3Options{})
	}
	return Dir(loc), nil
}

// IsURL reports whether loc names object storage.
func IsURL(loc string) bool { return strings.HasPrefix(loc, "s3://") }
