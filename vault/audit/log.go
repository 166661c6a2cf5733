package audit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"coffer/vault/store"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// Test hooks (STYLE.md 8): the clock and the randomness. Faults and
// fsync are the store's business: tests wrap a store.Store, benchmarks
// use store.DirNoSync.
var (
	now                  = time.Now
	randReader io.Reader = rand.Reader
)

// Subdir is the folder of the vault that holds the trail: session files
// are named Subdir + "/<session>.log" in the vault's store.
const Subdir = "audit"

// Log is one session's append-only trail, held by the process that
// writes it. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	st      store.Store
	session string
	name    string // Subdir/<session>.log
	f       store.Log
	actor   Actor
	k       key      // K_n: the key of the next record
	chain   [32]byte // C_{n-1}
	n       uint64   // next record index
	err     error    // sticky: the log is in an unknown state
	closed  bool
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: session closed")

// Open starts a new session in the vault stored in st: it creates
// audit/<session>.log, seals a fresh session key to the auditors'
// recipients, records the heads of the other sessions it finds, records a
// crash (a lock with reason "crash") for every session that ended without
// closing and that no other session has recorded yet, and records actor.
// Everything is durable (fsynced, or acknowledged by the object store)
// when Open returns. Open fills actor's HostUser, Host and PID.
func Open(st store.Store, recipients []age.Recipient, actor Actor) (*Log, error) {
	if len(recipients) == 0 {
		return nil, errors.New("audit: no auditor recipients")
	}
	session, err := newSessionID()
	if err != nil {
		return nil, err
	}
	others, err := scanDir(st, session)
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
	l := &Log{st: st, session: session, name: logName(session),
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

// create writes the magic and the header as the log's first bytes. The
// store makes a log appear whole (a folder writes it under another name,
// locks it and links it into place; object storage writes part 0 in one
// PUT), so a reader never sees a session without its header, and a
// folder's log is locked from the moment it appears.
func (l *Log) create(hdr []byte) error {
	rec, tag := l.seal(kindHeader, hdr)
	f, err := l.st.CreateLog(l.name, appendRecord([]byte(magic), kindHeader, 0, rec, &tag))
	if err != nil {
		return fmt.Errorf("audit: %s: create: %w", l.name, err)
	}
	l.f = f
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

// commit advances the chain and the key once a record is durable,
// erasing the key that wrote it.
func (l *Log) commit(kind byte, payload []byte) {
	l.chain = nextChain(&l.chain, tlog.RecordHash(leafData(kind, l.n, payload)))
	l.k.evolve()
	l.n++
}

// Session returns the session id.
func (l *Log) Session() string { return l.session }

// Name returns the session's name in the vault's store,
// "audit/<session>.log": a file in a folder, a prefix of parts in a
// bucket (FORMAT.md).
func (l *Log) Name() string { return l.name }

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

// Append records e and returns only once it is durable (written and
// fsynced, or acknowledged by the object store). Time is set here;
// Session, Seq and Actor are ignored (the session's actor applies). After
// an error the session records nothing more: the caller shows nothing,
// and a new session (lock and unlock again) goes on.
func (l *Log) Append(e Event) error {
	_, err := l.append(kindEntry, e)
	return err
}

// Announce records e as the announcement of a vault change (Intent set),
// to be called before the vault changes, and returns where it is: the
// manifest record the change writes carries that Link, which is how
// VerifyChanges finds, for every change the manifest proves, the event
// that recorded it. Like Append, it returns once e is durable.
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
		l.f.Close() // a folder's lock goes with it
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
	payload, tag := l.seal(kind, plain)
	clear(plain)
	if err := l.f.Append(appendRecord(nil, kind, l.n, payload, &tag)); err != nil {
		// A failed append may still reach the log: a folder cannot take
		// back a write whose fsync failed (the kernel may drop data it
		// then marks clean), and a PUT that timed out may land later. A
		// retry would write record n twice, so the log takes nothing more.
		l.err = fmt.Errorf("audit: %s is unusable after a failed write (lock and unlock again): %w", l.name, err)
		return 0, fmt.Errorf("audit: %s: append: %w", l.name, err)
	}
	i := l.n
	l.commit(kind, payload)
	if kind == kindClose {
		l.shutdown()
	}
	return i, nil
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

// logName is the name of a session's log in the store.
func logName(session string) string { return Subdir + "/" + session + ".log" }

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
