package audit

import (
	"bytes"
	"io"
	"time"

	"coffer/vault/store"

	"filippo.io/age"
)

// Hooks for the black-box tests (STYLE.md 8).

// Seen returns the sessions the header of session's log lists.
func Seen(st store.Store, session string) ([]string, error) {
	h, err := scanHeader(st, logName(session))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range h.seen {
		out = append(out, s.session)
	}
	return out, nil
}

// SetRand replaces the randomness.
func SetRand(r io.Reader) (restore func()) {
	old := randReader
	randReader = r
	return func() { randReader = old }
}

// FileRecord is one framed record as the public reader sees it.
type FileRecord struct {
	Offset int64
	Len    int // bytes including the length prefix
	Kind   byte
	Index  uint64
}

// Records walks a session file's public framing.
func Records(b []byte) ([]FileRecord, error) {
	rd := newReader(bytesReader(b))
	if err := rd.readMagic(); err != nil {
		return nil, err
	}
	var out []FileRecord
	for {
		rec, err := rd.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, FileRecord{rec.offset, int(rd.offset - rec.offset), rec.kind, rec.index})
	}
}

// WalkBytes verifies one session file held in memory, for the fuzzer.
func WalkBytes(name string, b []byte, ids []ageIdentity, decrypt bool) (events []Event, entries uint64, err error) {
	o := &walkOpts{identities: ids}
	if decrypt {
		o.keep = func(*Event) bool { return true }
	}
	res := walk(name, sessionOf(name), bytesReader(b), o)
	if res.bad != nil {
		return res.events, res.n, res.bad
	}
	return res.events, res.n, nil
}

type ageIdentity = age.Identity

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// SetNow replaces the clock.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}

// Abandon closes a session's file without a close record, as a crash does.
func Abandon(l *Log) { l.abandon() }
