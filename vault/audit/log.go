package audit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// Test hooks (STYLE.md 8): the clock, the randomness, how the session file
// is opened (to simulate a full disk) and whether writes are synced (off
// only to generate large benchmark trails quickly).
var (
	now                  = time.Now
	randReader io.Reader = rand.Reader
	openFile             = func(name string) (file, error) {
		return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, fileMode)
	}
	noSync = false
)

// file is what a Log needs of its session file.
type file interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
	Fd() uintptr
}

// Subdir is the folder of the vault that holds the trail.
const Subdir = "audit"

// Group permissions let reviewers who share a vault folder through a Unix
// group read each other's framing (every new session must) and add their
// own files; the umask still applies. The content is encrypted and the
// framing is public by design; the vault folder's own mode is what keeps
// other users out.
const (
	dirMode  = 0o770
	fileMode = 0o640
)

// Log is one session's append-only trail, held by the process that
// writes it. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	dir     string // DIR/audit
	session string
	path    string
	f       file
	actor   Actor
	k       key      // K_n: the key of the next record
	chain   [32]byte // C_{n-1}
	n       uint64   // next record index
	size    int64    // bytes durably written
	err     error    // sticky: the file is in an unknown state
	closed  bool
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: session closed")

// Open starts a new session in the vault at dir: it creates
// DIR/audit/<session>.log, seals a fresh session key to the auditors'
// recipients, records the heads of the other sessions it finds, records a
// crash (a lock with reason "crash") for every session that ended without
// closing and that no other session has recorded yet, and records actor.
// Everything is on disk when Open returns. Open fills actor's HostUser,
// Host and PID.
func Open(dir string, recipients []age.Recipient, actor Actor) (*Log, error) {
	if len(recipients) == 0 {
		return nil, errors.New("audit: no auditor recipients")
	}
	adir := filepath.Join(dir, Subdir)
	if err := ensureDir(adir); err != nil {
		return nil, err
	}
	session, err := newSessionID()
	if err != nil {
		return nil, err
	}
	others, err := scanDir(adir, session)
	if err != nil {
		return nil, err
	}
	seen, crashed := plan(others)

	seed := make([]byte, seedSize)
	if _, err := io.ReadFull(randReader, seed); err != nil {
		return nil, fmt.Errorf("audit: random: %w", err)
	}
	sealed, err := sealSeed(seed, recipients)
	if err != nil {
		clear(seed)
		return nil, fmt.Errorf("audit: seal session key: %v", err)
	}
	l := &Log{dir: adir, session: session, path: filepath.Join(adir, session+".log"),
		k: initialKey(seed), chain: initialChain(session), actor: fillActor(actor)}
	clear(seed)

	if err := l.create(encodeHeader(&header{session: session, sealed: sealed, seen: seen})); err != nil {
		return nil, err
	}
	if err := l.Append(Event{Action: ActionSession, Actor: l.actor}); err != nil {
		l.abandon()
		return nil, err
	}
	// These come right after the session event, in header order: plan
	// relies on it to know whether they were all written.
	for _, c := range crashed {
		e := Event{Action: ActionLock, Reason: LockCrash, Target: c.session, Count: int(c.size)}
		if err := l.Append(e); err != nil {
			l.abandon()
			return nil, err
		}
	}
	return l, nil
}

// create writes the header under a name no reader looks at, takes the
// session lock, then renames it into place and syncs the folder, so a
// <session>.log file is always whole and locked from the moment it
// appears.
func (l *Log) create(hdr []byte) error {
	tmp := l.path + ".new"
	f, err := openFile(tmp)
	if err != nil {
		return fmt.Errorf("audit: create session file: %w", err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := lockFile(f.Fd()); err != nil {
		return fail(fmt.Errorf("audit: lock %s: %w", filepath.Base(tmp), err))
	}
	rec, tag := l.seal(kindHeader, hdr)
	buf := appendRecord([]byte(magic), kindHeader, 0, rec, &tag)
	if _, err := f.Write(buf); err != nil {
		return fail(fmt.Errorf("audit: write %s: %w", filepath.Base(tmp), err))
	}
	if err := syncFile(f); err != nil {
		return fail(fmt.Errorf("audit: sync %s: %w", filepath.Base(tmp), err))
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return fail(fmt.Errorf("audit: %w", err))
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return fmt.Errorf("audit: sync folder: %w", err)
	}
	l.f = f
	l.size = int64(len(buf))
	l.commit(kindHeader, rec)
	return nil
}

// seal returns the payload (encrypted unless it is the header) and the tag
// of the next record, without changing any state.
func (l *Log) seal(kind byte, plain []byte) ([]byte, [tagSize]byte) {
	payload := plain
	if kind != kindHeader {
		payload = sealEntry(&l.k, l.session, kind, l.n, plain)
	}
	ch := nextChain(&l.chain, tlog.RecordHash(leafData(kind, l.n, payload)))
	return payload, recordTag(&l.k, l.session, l.n, &ch)
}

// commit advances the chain and the key once a record is on disk,
// erasing the key that wrote it.
func (l *Log) commit(kind byte, payload []byte) {
	l.chain = nextChain(&l.chain, tlog.RecordHash(leafData(kind, l.n, payload)))
	l.k.evolve()
	l.n++
}

// Session returns the session id.
func (l *Log) Session() string { return l.session }

// Path returns the session file's path.
func (l *Log) Path() string { return l.path }

// Actor returns the actor events are currently attributed to.
func (l *Log) Actor() Actor {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.actor
}

// SetActor changes who the session's later events are attributed to (a
// different member unlocking in the same process) and records it.
func (l *Log) SetActor(a Actor) error {
	a = fillActor(a)
	if err := l.Append(Event{Action: ActionSession, Actor: a}); err != nil {
		return err
	}
	l.mu.Lock()
	l.actor = a
	l.mu.Unlock()
	return nil
}

// Append records e and returns only once it is on disk (written and
// fsynced). Time is set here; Session, Seq and Actor are ignored (the
// session's actor applies). After an error nothing of e is on disk.
func (l *Log) Append(e Event) error {
	_, err := l.append(kindEntry, e)
	return err
}

// Announce records e as the announcement of a vault change (Intent set),
// to be called before the vault changes, and returns where it is: the
// manifest record the change writes carries that Link, which is how
// VerifyChanges finds, for every change the manifest proves, the event
// that recorded it. Like Append, it returns once e is on disk.
func (l *Log) Announce(e Event) (Link, error) {
	e.Intent = true
	i, err := l.append(kindEntry, e)
	if err != nil {
		return Link{}, err
	}
	return Link{Session: l.session, Entry: i}, nil
}

// Close records a lock with reason (LockManual, LockIdle, LockExit) as
// the session's final record and closes the file. It is safe to call more
// than once.
func (l *Log) Close(reason string) error {
	_, err := l.append(kindClose, Event{Action: ActionLock, Reason: reason})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shutdown()
	return err
}

// abandon closes the file without a close record, as a crash would.
func (l *Log) abandon() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shutdown()
}

func (l *Log) shutdown() {
	if !l.closed {
		l.closed = true
		l.f.Close() // releases the lock
		clear(l.k[:])
	}
}

// append writes e as record kind and returns its index.
func (l *Log) append(kind byte, e Event) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.err != nil {
		return 0, l.err
	}
	e.Time = now().UTC()
	if e.Action == ActionSession {
		e.Actor = fillActor(e.Actor)
	}
	plain, err := encodeEvent(&e)
	if err != nil {
		return 0, err
	}
	name := filepath.Base(l.path)
	payload, tag := l.seal(kind, plain)
	clear(plain)
	buf := appendRecord(nil, kind, l.n, payload, &tag)
	if _, err := l.f.Write(buf); err != nil {
		// Take back a partial write so the file stays a valid trail; if
		// that fails too, nothing more may be written to this file.
		if terr := l.f.Truncate(l.size); terr != nil || syncFile(l.f) != nil {
			l.err = fmt.Errorf("audit: %s is unusable after a failed write (lock and unlock again): %w", name, err)
		}
		return 0, fmt.Errorf("audit: write %s: %w", name, err)
	}
	if err := syncFile(l.f); err != nil {
		// After a failed fsync the kernel may have dropped the data while
		// marking it clean: the file's state is unknown.
		l.err = fmt.Errorf("audit: %s is unusable after a failed sync (lock and unlock again): %w", name, err)
		return 0, fmt.Errorf("audit: sync %s: %w", name, err)
	}
	l.size += int64(len(buf))
	i := l.n
	l.commit(kind, payload)
	if kind == kindClose {
		l.shutdown()
	}
	return i, nil
}

func syncFile(f file) error {
	if noSync {
		return nil
	}
	return f.Sync()
}

func syncDir(dir string) error {
	if noSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ensureDir creates DIR/audit if needed and makes its entry durable.
func ensureDir(adir string) error {
	fi, err := os.Stat(adir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("audit: %s is not a folder", adir)
		}
		return nil
	}
	if err := os.Mkdir(adir, dirMode); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("audit: %w", err)
	}
	if err := syncDir(filepath.Dir(adir)); err != nil {
		return fmt.Errorf("audit: sync folder: %w", err)
	}
	return nil
}

// newSessionID returns "<UTC start time>-<48 random bits>": unique across
// hosts sharing the folder, and sorting by start time.
func newSessionID() (string, error) {
	var r [6]byte
	if _, err := io.ReadFull(randReader, r[:]); err != nil {
		return "", fmt.Errorf("audit: random: %w", err)
	}
	return now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:]), nil
}

// validSessionID accepts exactly what newSessionID produces.
func validSessionID(s string) bool {
	if len(s) != 29 || s[8] != 'T' || s[15] != 'Z' || s[16] != '-' {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 15 || i == 16:
		case i < 15:
			if c < '0' || c > '9' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// sessionOf returns the session id of a trail file name, or "".
func sessionOf(name string) string {
	s, ok := strings.CutSuffix(name, ".log")
	if !ok || !validSessionID(s) {
		return ""
	}
	return s
}

func fillActor(a Actor) Actor {
	if a.HostUser == "" {
		if u, err := user.Current(); err == nil {
			a.HostUser = u.Username
		} else {
			a.HostUser = os.Getenv("USER")
		}
	}
	if a.Host == "" {
		a.Host, _ = os.Hostname()
	}
	if a.PID == 0 {
		a.PID = os.Getpid()
	}
	return a
}
