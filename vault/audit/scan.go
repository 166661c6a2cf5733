package audit

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"

	"coffer/vault/store"
)

// State is how a session's file ends.
type State uint8

const (
	// StateOpen: no close record and a live process holds the log (a
	// folder's flock; object storage never reports this state).
	StateOpen State = iota
	// StateClosed: the last record is a close record.
	StateClosed
	// StateEnded: no close record and no live process holds the file: the
	// session ended without closing (killed, crashed, power lost), or its
	// tail was cut off.
	StateEnded
)

func (s State) String() string {
	switch s {
	case StateOpen:
		return "open"
	case StateClosed:
		return "closed"
	case StateEnded:
		return "ended without close"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// head is what anyone can read of a session file without a key.
type head struct {
	session string
	hdr     *header // nil if the header is unreadable
	size    uint64  // complete records, header included
	tag     [tagSize]byte
	state   State
	bytes   uint64 // file length up to the end of the last complete record
}

// scanDir reads the public framing of every session log in the store
// except self's. Reading every log in full at each unlock would cost as
// much as the trail is long, so it reads every header, and then reads in
// full only the logs whose head no header already records: a log that is
// closed, or ended and not live, and still has the length a header
// recorded, cannot have moved on (and if it was altered in place, Verify
// finds it; this scan only decides what the new session records).
func scanDir(st store.Store, self string) ([]head, error) {
	ents, err := st.List(Subdir)
	if err != nil {
		return nil, fmt.Errorf("audit: list %s: %w", Subdir, err)
	}
	type log struct {
		session, name string
		hdr           *header
	}
	var logs []log
	for _, e := range ents {
		if s := sessionOf(e.Name); s != "" && s != self && !e.Temp {
			logs = append(logs, log{session: s, name: logName(s)})
		}
	}
	// Each log is a request or two on object storage: read them a few
	// at a time (the order of logs, and so of what is recorded, stays).
	inParallel(len(logs), func(i int) { logs[i].hdr, _ = scanHeader(st, logs[i].name) })
	claims := map[string][]seenHead{}
	for _, l := range logs {
		if l.hdr != nil {
			for _, c := range l.hdr.seen {
				claims[c.session] = append(claims[c.session], c)
			}
		}
	}
	found := make([]head, len(logs))
	errs := make([]error, len(logs))
	inParallel(len(logs), func(i int) {
		l := logs[i]
		h, ok := unchanged(st, l.name, l.session, claims[l.session])
		if !ok {
			h, errs[i] = scanSession(st, l.name, l.session)
		}
		found[i] = h
	})
	var heads []head
	for i, l := range logs {
		h, err := found[i], errs[i]
		if err != nil {
			// A log we may not read (another user's, without group
			// access) cannot be vouched for by us; it does not stop us
			// from recording. Verify, run by an auditor who can read
			// everything, still checks it.
			if errors.Is(err, store.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				continue
			}
			return nil, err
		}
		h.hdr = l.hdr
		heads = append(heads, h)
	}
	return heads, nil
}

// unchanged returns the head a claim recorded if the log provably still
// has it: the claim says closed, or ended (and no process holds the log
// now), and the log has exactly the recorded length.
func unchanged(st store.Store, name, session string, claims []seenHead) (head, bool) {
	if len(claims) == 0 {
		return head{}, false
	}
	size, live, err := st.LogState(name)
	if err != nil {
		return head{}, false
	}
	for _, c := range claims {
		if c.bytes != uint64(size) || c.state == StateOpen || c.state == StateEnded && live {
			continue
		}
		return head{session: session, size: c.size, tag: c.tag, state: c.state, bytes: c.bytes}, true
	}
	return head{}, false
}

// scanSession walks one log. Malformed framing ends the walk: the head
// then covers the well-formed prefix, and verification reports the rest.
func scanSession(st store.Store, name, session string) (head, error) {
	h := head{session: session, state: StateEnded}
	r, err := st.OpenLog(name)
	if err != nil {
		return h, fmt.Errorf("audit: %s: %w", name, err)
	}
	defer r.Close()
	rd := newReader(r)
	if rd.readMagic() != nil {
		return h, nil
	}
	var last byte
	for {
		rec, err := rd.next()
		if err != nil {
			if err != io.EOF && !errors.Is(err, errTorn) {
				var fe *frameError
				if !errors.As(err, &fe) {
					return h, fmt.Errorf("audit: %s: read: %w", name, err)
				}
			}
			break
		}
		h.size++
		h.tag = rec.tag
		h.bytes = uint64(rd.offset)
		last = rec.kind
	}
	if last == kindClose {
		h.state = StateClosed
	} else if isLive(st, name) {
		h.state = StateOpen
	}
	return h, nil
}

// isLive reports whether a live process still holds a log open: asked
// after reading it, so that a log whose writer died meanwhile is taken
// for ended at the length read. Object storage cannot tell (always false).
func isLive(st store.Store, name string) bool {
	_, live, err := st.LogState(name)
	return err == nil && live
}

// plan decides what a new session records: the heads of the sessions no
// other session already vouches for at their current head (a chain of
// vouching reaches every session, so headers stay small), and the
// sessions that ended without closing and whose end nobody has recorded.
func plan(others []head) (seen []seenHead, crashed []head) {
	vouched := func(b head) bool {
		for _, a := range others {
			if a.session == b.session || a.hdr == nil {
				continue
			}
			for _, s := range a.hdr.seen {
				if s.session == b.session && s.size == b.size && s.tag == b.tag && s.state == b.state {
					// A session records the crashes it saw right after its
					// header and its session event; if it died before all
					// of them were written, record them again.
					return b.state != StateEnded || a.size >= 2+uint64(endedIn(a.hdr))
				}
			}
		}
		return false
	}
	slices.SortFunc(others, func(a, b head) int {
		switch {
		case a.session < b.session:
			return -1
		case a.session > b.session:
			return 1
		}
		return 0
	})
	for _, b := range others {
		if vouched(b) {
			continue
		}
		seen = append(seen, seenHead{session: b.session, size: b.size, tag: b.tag, state: b.state, bytes: b.bytes})
		if b.state == StateEnded {
			crashed = append(crashed, b)
		}
	}
	if len(seen) > maxSeen {
		seen = seen[len(seen)-maxSeen:]
	}
	return seen, crashed
}

// endedIn counts the sessions a header saw ended without close: the crash
// events its session writes after its session event.
func endedIn(h *header) int {
	n := 0
	for _, s := range h.seen {
		if s.state == StateEnded {
			n++
		}
	}
	return n
}

// inParallel calls do(0) … do(n-1), eight at a time.
func inParallel(n int, do func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			do(i)
		}()
	}
	wg.Wait()
}
