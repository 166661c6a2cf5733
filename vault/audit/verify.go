package audit

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"coffer/vault/store"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// Reason says why verification failed, in the words of `coffer audit
// verify`.
type Reason string

const (
	ReasonEdited     Reason = "edited"            // an entry's bytes changed
	ReasonBadMAC     Reason = "bad MAC"           // the entry opens but its tag (or the chain) is wrong
	ReasonMissing    Reason = "missing"           // entries deleted from inside a session
	ReasonReordered  Reason = "reordered"         // an entry out of its place
	ReasonInserted   Reason = "inserted"          // an entry the session did not write
	ReasonTruncated  Reason = "truncated"         // fewer entries than a checkpoint or a later session saw
	ReasonReplaced   Reason = "replaced"          // different entries where a checkpoint or a later session saw others
	ReasonDeleted    Reason = "deleted session"   // a whole session file is gone
	ReasonAfterClose Reason = "entry after close" // something appended after the close record
	ReasonMalformed  Reason = "malformed"         // not a valid record at all
	ReasonUnreadable Reason = "unreadable"        // the session key does not open with the identities given
)

// TamperError names the first bad entry of a session file and why.
// Entry is the record index in the file: 0 is the session header, events
// count from 1. Offset is the byte offset of the record (-1 when the whole
// file is concerned).
type TamperError struct {
	File   string
	Entry  int64
	Offset int64
	Reason Reason
	Detail string
}

func (e *TamperError) Error() string {
	s := fmt.Sprintf("audit: %s: %s", e.Where(), e.Reason)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Where names the bad entry ("<session>.log: entry 9"), or only the
// session file when the whole file is concerned (a deleted session has no
// entry to name).
func (e *TamperError) Where() string {
	if e.Entry < 0 {
		return e.File
	}
	return fmt.Sprintf("%s: entry %d", e.File, e.Entry)
}

// SessionReport is what Verify found about one session.
type SessionReport struct {
	Session  string
	File     string
	Entries  uint64    // good records, header included
	Root     tlog.Hash // RFC 6962 tree head over them
	State    State
	Verified bool  // the session key was unsealed and every MAC checked
	Torn     int64 // bytes of an incomplete final write ignored (a crash, not tampering)
	// CrashRecorded: the session ended without close and a later session
	// recorded it (a lock with reason "crash").
	CrashRecorded bool
}

// Report is the outcome of Verify. Problems holds every tamper finding,
// the first per session file, in file order; it is empty when the trail is
// intact.
type Report struct {
	Sessions []SessionReport
	Entries  uint64 // good records over all sessions
	Problems []*TamperError
	// Ignored lists what the store holds in audit/ that is not a session
	// log, such as a "<session>.log.new" a process killed while starting
	// left in a folder.
	Ignored []string
	// Checkpoint is set when the trail was checked against one.
	Checkpoint bool

	// Set by VerifyChanges. NoTrail: the audit folder is missing.
	// Mismatches: changes the manifest and the trail disagree on. Notes:
	// what could not be checked, and abandoned announcements.
	NoTrail    bool
	Mismatches []*MismatchError
	Notes      []string
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 && len(r.Mismatches) == 0 }

// ErrNoTrail is returned when the vault has no audit folder at all (in a
// bucket: no object under audit/). A vault that was ever unlocked has
// one; its absence is for the caller to judge (a new vault, or a deleted
// trail that only a checkpoint proves).
var ErrNoTrail = errors.New("audit: no audit trail")

// Verify checks the whole trail of the vault stored in st with the
// auditors' identities: every session's MAC chain and Merkle tree, the
// heads each session recorded of the others (catching deleted, cut or
// replaced session logs), and, if cp is not nil, that every session cp
// names still extends it (catching a cut tail). It returns the report and, when the
// trail is not intact, the first problem as a *TamperError. It returns
// ErrNotAuditor when no identity opens any session.
func Verify(st store.Store, identities []age.Identity, cp *Checkpoint) (*Report, error) {
	rep, _, err := check(st, identities, cp, nil, false)
	return rep, err
}

// check is Verify, also decoding the events keep accepts (for Read and
// VerifyChanges; nil decodes none). With peek, keep sees only what
// walkOpts.peek says.
func check(st store.Store, identities []age.Identity, cp *Checkpoint, keep func(*Event) bool, peek bool) (*Report, []Event, error) {
	if len(identities) == 0 {
		return nil, nil, ErrNotAuditor
	}
	if cp != nil {
		if err := cp.verifySignature(identities); err != nil {
			return nil, nil, err
		}
	}
	ents, err := st.List(Subdir)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: list %s: %w", Subdir, err)
	}
	// A folder store lists an empty folder as empty and a missing one as
	// nothing at all (nil); a bucket has no empty folders.
	if ents == nil {
		return nil, nil, fmt.Errorf("%w at %s/%s", ErrNoTrail, st, Subdir)
	}
	rep := &Report{Checkpoint: cp != nil}
	var files []string
	for _, e := range ents {
		switch {
		case e.Temp:
		case sessionOf(e.Name) != "":
			files = append(files, e.Name)
		default:
			rep.Ignored = append(rep.Ignored, e.Name)
		}
	}

	// Pass 1, public: which tags the headers claim, so the walks keep them.
	wantTags := map[string]map[uint64]bool{}
	for _, name := range files {
		h, _ := scanHeader(st, logName(sessionOf(name)))
		if h == nil {
			continue
		}
		for _, s := range h.seen {
			if s.size == 0 {
				continue
			}
			if wantTags[s.session] == nil {
				wantTags[s.session] = map[uint64]bool{}
			}
			wantTags[s.session][s.size-1] = true
		}
	}
	cpHeads := map[string]Head{}
	if cp != nil {
		for _, h := range cp.Heads {
			cpHeads[h.Session] = h
		}
	}

	// Pass 2: walk every session, files in parallel (they are independent).
	walked, err := walkAll(st, files, func(s string) *walkOpts {
		return &walkOpts{identities: identities, keep: keep, peek: peek, wantTags: wantTags[s], wantRoot: cpHeads[s].Size}
	})
	if err != nil {
		return nil, nil, err
	}
	files, walked = present(files, walked)
	results := map[string]*walkResult{}
	var events []Event
	anyVerified, sealedToOthers := false, 0
	for i, name := range files {
		res, s := walked[i].res, sessionOf(name)
		sr := SessionReport{Session: s, File: name, Entries: res.n, Root: res.root,
			Verified: res.verified, Torn: res.torn, State: walked[i].state}
		anyVerified = anyVerified || res.verified
		if res.sealedToOthers && res.bad == nil {
			// Either sealed to other auditors (the manifest changed) or
			// altered: the session cannot be checked, which is a finding.
			sealedToOthers++
			res.bad = &TamperError{File: name, Entry: 0, Offset: int64(len(magic)), Reason: ReasonUnreadable,
				Detail: "its key does not open with these identities: sealed to other auditors, or altered"}
		}
		results[s] = res
		rep.Sessions = append(rep.Sessions, sr)
		rep.Entries += res.n
		if res.bad != nil {
			rep.Problems = append(rep.Problems, res.bad)
		}
		events = append(events, res.events...)
	}
	if !anyVerified && sealedToOthers > 0 {
		return nil, nil, ErrNotAuditor
	}

	// Pass 3: what sessions recorded of each other, from headers whose
	// MAC checked (a forged header proves nothing).
	flagged := map[string]bool{}
	for _, p := range rep.Problems {
		flagged[p.File] = true
	}
	report := func(te *TamperError) {
		if !flagged[te.File] {
			flagged[te.File] = true
			rep.Problems = append(rep.Problems, te)
		}
	}
	crashSeen := map[string]bool{}
	for _, name := range files {
		a := results[sessionOf(name)]
		if a.hdr == nil || !a.verified || a.n == 0 {
			continue
		}
		for _, s := range a.hdr.seen {
			file := s.session + ".log"
			b, ok := results[s.session]
			switch {
			case !ok:
				report(&TamperError{File: file, Entry: -1, Offset: -1, Reason: ReasonDeleted,
					Detail: fmt.Sprintf("session %s saw it with %d entries", a.session, s.size)})
			case b.n < s.size && b.bad == nil:
				report(&TamperError{File: file, Entry: int64(b.n), Offset: -1, Reason: ReasonTruncated,
					Detail: fmt.Sprintf("has %d entries, session %s saw %d", b.n, a.session, s.size)})
			case b.n >= s.size && s.size > 0 && b.tags[s.size-1] != s.tag:
				report(&TamperError{File: file, Entry: int64(s.size - 1), Offset: -1, Reason: ReasonReplaced,
					Detail: fmt.Sprintf("entry differs from what session %s saw", a.session)})
			case s.state == StateEnded && b.n == s.size:
				crashSeen[s.session] = true
			}
		}
	}
	for i := range rep.Sessions {
		rep.Sessions[i].CrashRecorded = rep.Sessions[i].State == StateEnded && crashSeen[rep.Sessions[i].Session]
	}

	// The checkpoint: every session it names must still extend it.
	if cp != nil {
		for _, h := range cp.Heads {
			file := h.Session + ".log"
			b, ok := results[h.Session]
			switch {
			case !ok:
				report(&TamperError{File: file, Entry: -1, Offset: -1, Reason: ReasonDeleted,
					Detail: fmt.Sprintf("the checkpoint has it with %d entries", h.Size)})
			case b.n < h.Size:
				report(&TamperError{File: file, Entry: int64(b.n), Offset: -1, Reason: ReasonTruncated,
					Detail: fmt.Sprintf("has %d entries, the checkpoint has %d", b.n, h.Size)})
			case b.proof == nil:
				report(&TamperError{File: file, Entry: int64(h.Size - 1), Offset: -1, Reason: ReasonReplaced,
					Detail: "no tree at the checkpoint's size"})
			default:
				if err := b.proof(h.Root); err != nil {
					report(&TamperError{File: file, Entry: int64(h.Size - 1), Offset: -1, Reason: ReasonReplaced,
						Detail: fmt.Sprintf("does not extend the checkpoint: %v", err)})
				}
			}
		}
	}
	slices.SortFunc(rep.Problems, func(a, b *TamperError) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Entry, b.Entry))
	})
	if len(rep.Problems) > 0 {
		return rep, events, rep.Problems[0]
	}
	return rep, events, nil
}

// scanHeader reads the public header of a session log, or nil. It reads
// no further than the header: in a bucket that is part 0 alone.
func scanHeader(st store.Store, name string) (*header, error) {
	r, err := st.OpenLog(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rd := newReader(r)
	if err := rd.readMagic(); err != nil {
		return nil, err
	}
	rec, err := rd.next()
	if err != nil {
		return nil, err
	}
	if rec.kind != kindHeader {
		return nil, errors.New("no header")
	}
	return decodeHeader(rec.payload)
}

// Summary describes the report in a few lines for `coffer audit verify`:
// counts, sessions that ended without close, torn tails, ignored files and
// every problem. File names come from the folder and are not sanitized:
// print it through a sanitizer.
func (r *Report) Summary() string {
	var b strings.Builder
	ended, recorded, open := 0, 0, 0
	for _, s := range r.Sessions {
		switch s.State {
		case StateEnded:
			ended++
			if s.CrashRecorded {
				recorded++
			}
		case StateOpen:
			open++
		}
	}
	fmt.Fprintf(&b, "%d sessions, %d entries", len(r.Sessions), r.Entries)
	if r.Checkpoint {
		b.WriteString(", checked against the checkpoint")
	}
	b.WriteString("\n")
	if open > 0 {
		fmt.Fprintf(&b, "%d sessions still open\n", open)
	}
	if ended > 0 {
		fmt.Fprintf(&b, "%d sessions ended without close (%d recorded by a later session)\n", ended, recorded)
	}
	for _, s := range r.Sessions {
		if s.Torn > 0 {
			fmt.Fprintf(&b, "%s: torn final write, %d bytes ignored (a crash, not tampering)\n", s.File, s.Torn)
		}
	}
	for _, n := range r.Ignored {
		fmt.Fprintf(&b, "ignored: %s\n", n)
	}
	if r.NoTrail {
		b.WriteString("no audit folder\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, p := range r.Problems {
		b.WriteString(p.Error())
		b.WriteString("\n")
	}
	for _, m := range r.Mismatches {
		b.WriteString(m.Error())
		b.WriteString("\n")
	}
	return b.String()
}

type walked struct {
	res   *walkResult
	state State
	gone  bool // listed, but not there when read
}

// present drops the logs that were gone when read: deleted after the
// listing, or in a bucket a log whose parts were all deleted (a store may
// still list its prefix). Those are missing, as if never listed.
func present(files []string, ws []walked) ([]string, []walked) {
	var fs []string
	var out []walked
	for i, w := range ws {
		if !w.gone {
			fs = append(fs, files[i])
			out = append(out, w)
		}
	}
	return fs, out
}

// walkAll walks the session logs named files (base names in audit/) with
// one worker per CPU and returns the results in the order of files.
func walkAll(st store.Store, files []string, opts func(session string) *walkOpts) ([]walked, error) {
	out := make([]walked, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = walkLog(st, files[i], opts(sessionOf(files[i])))
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// walkLog walks one session log and tells how it ends.
func walkLog(st store.Store, file string, o *walkOpts) (walked, error) {
	name := Subdir + "/" + file
	r, err := st.OpenLog(name)
	if errors.Is(err, store.ErrNotExist) {
		return walked{gone: true}, nil
	}
	if err != nil {
		return walked{}, fmt.Errorf("audit: %s: %w", name, err)
	}
	res := walk(file, sessionOf(file), r, o)
	r.Close()
	state := StateEnded
	switch {
	case res.last == kindClose:
		state = StateClosed
	case isLive(st, name):
		state = StateOpen
	}
	return walked{res: res, state: state}, res.ioErr
}
