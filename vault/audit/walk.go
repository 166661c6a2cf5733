package audit

import (
	"bytes"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// walkOpts says what a walk of one session file must collect besides
// checking it.
type walkOpts struct {
	identities []age.Identity
	keep       func(*Event) bool // decode events and return those it accepts (nil: decode none)
	// peek: keep sees only Session, Seq, Action and Intent, and the rest
	// of an event is decoded only when it accepts it (VerifyChanges, which
	// keeps few: a full decode of every event made it five times slower).
	peek     bool
	wantTags map[uint64]bool // record indexes whose tag a later session claims
	wantRoot uint64          // a checkpoint's tree size for this session, 0 if none
}

// walkResult is what a walk of one session file found.
type walkResult struct {
	session  string
	hdr      *header // nil if record 0 is unreadable
	verified bool    // the seed was unsealed and the MACs checked
	// sealedToOthers: the seed does not open with the identities given.
	sealedToOthers bool
	n              uint64    // records that passed (all of them if bad == nil)
	last           byte      // kind of the last good record
	torn           int64     // bytes of a torn final write
	root           tlog.Hash // Merkle root over the n good records
	tags           map[uint64][tagSize]byte
	proof          func(cp tlog.Hash) error // checks the wantRoot tree against a checkpoint root
	cpRoot         tlog.Hash                // root at wantRoot
	events         []Event
	bad            *TamperError
	ioErr          error // reading failed: nothing is known past n
}

// frontier is the right edge of an RFC 6962 tree: the roots of its perfect
// subtrees, largest first, enough to append a leaf and get the root.
type frontier struct {
	h []tlog.Hash
	n uint64
}

func (f *frontier) add(leaf tlog.Hash) {
	f.h = append(f.h, leaf)
	for m := f.n; m&1 == 1; m >>= 1 {
		l := len(f.h)
		f.h[l-2] = tlog.NodeHash(f.h[l-2], f.h[l-1])
		f.h = f.h[:l-1]
	}
	f.n++
}

func (f *frontier) root() tlog.Hash {
	if len(f.h) == 0 {
		return tlog.Hash{}
	}
	r := f.h[len(f.h)-1]
	for i := len(f.h) - 2; i >= 0; i-- {
		r = tlog.NodeHash(f.h[i], r)
	}
	return r
}

// walk checks one session file from r. name is the file's base name,
// session the id its name carries. Without a key that unseals the session
// it still walks the public framing (counts, tags, the Merkle tree), so a
// replaced or cut file is caught by what other sessions recorded.
func walk(name, session string, r io.Reader, o *walkOpts) *walkResult {
	res := &walkResult{session: session, tags: map[uint64][tagSize]byte{}}
	bad := func(entry uint64, off int64, reason Reason, format string, args ...any) *walkResult {
		res.bad = &TamperError{File: name, Entry: int64(entry), Offset: off, Reason: reason, Detail: fmt.Sprintf(format, args...)}
		return res
	}
	rd := newReader(r)
	if err := rd.readMagic(); err != nil {
		return bad(0, 0, ReasonMalformed, "not a coffer audit file")
	}
	var (
		k     key
		chain [32]byte
		fr    frontier
		actor Actor
		// hashes holds the stored hashes of the tree (tlog's layout) when a
		// checkpoint needs a consistency proof for this session.
		hashes []tlog.Hash
	)
	defer clear(k[:])
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(hashes)) {
				return nil, errors.New("hash index out of range")
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i := uint64(0); ; i++ {
		rec, err := rd.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTorn) {
			res.torn = rd.torn
			break
		}
		var fe *frameError
		if errors.As(err, &fe) {
			return bad(i, fe.offset, ReasonMalformed, "%s", fe.msg)
		}
		if err != nil {
			res.ioErr = fmt.Errorf("audit: %s/%s: read: %w", Subdir, name, err)
			return res
		}
		if i == 0 {
			if rec.kind != kindHeader || rec.index != 0 {
				return bad(0, rec.offset, ReasonMalformed, "first record is not a session header")
			}
			h, err := decodeHeader(rec.payload)
			if err != nil {
				return bad(0, rec.offset, ReasonMalformed, "%v", err)
			}
			res.hdr = h
			if h.session != session {
				return bad(0, rec.offset, ReasonReplaced, "header names session %q", h.session)
			}
			if len(o.identities) > 0 {
				seed, err := unsealSeed(h.sealed, o.identities)
				if err == nil {
					k = initialKey(seed)
					clear(seed)
					res.verified = true
				} else if errors.Is(err, ErrNotAuditor) {
					res.sealedToOthers = true
				} else {
					return bad(0, rec.offset, ReasonEdited, "%v", err)
				}
			}
			chain = initialChain(session)
		} else {
			switch {
			case res.last == kindClose:
				return bad(i, rec.offset, ReasonAfterClose, "record after the session's close record")
			case rec.kind == kindHeader:
				return bad(i, rec.offset, ReasonInserted, "second session header")
			case rec.index > i:
				// Entries i.. are gone unless one of them comes next.
				idx, off := rec.index, rec.offset
				if next, err := rd.next(); err == nil && next.index < idx {
					return bad(i, off, ReasonReordered, "entry %d found at position %d", idx, i)
				}
				return bad(i, off, ReasonMissing, "entries %d to %d are missing", i, idx-1)
			case rec.index < i:
				return bad(i, rec.offset, ReasonReordered, "entry %d found at position %d", rec.index, i)
			}
		}
		leaf := tlog.RecordHash(rec.body)
		ch := nextChain(&chain, leaf)
		if res.verified {
			tag := recordTag(&k, session, i, &ch)
			if !hmac.Equal(tag[:], rec.tag[:]) {
				return res.classify(name, i, rec, rd, &k, &chain)
			}
			if o.keep != nil && rec.kind != kindHeader {
				plain, err := openEntry(&k, session, rec.kind, i, rec.payload)
				if err != nil {
					return bad(i, rec.offset, ReasonEdited, "ciphertext does not decrypt: %v", err)
				}
				e, kept, err := o.decode(plain, session, i)
				clear(plain)
				if err != nil {
					return bad(i, rec.offset, ReasonMalformed, "%v", err)
				}
				if e.Action == ActionSession {
					actor = e.Actor
				}
				if kept {
					e.Actor = actor
					res.events = append(res.events, *e)
				}
			}
			k.evolve()
		}
		chain = ch
		if o.wantTags[i] {
			res.tags[i] = rec.tag
		}
		if o.wantRoot > 0 {
			hs, err := tlog.StoredHashesForRecordHash(int64(i), leaf, hr)
			if err != nil {
				return bad(i, rec.offset, ReasonMalformed, "%v", err)
			}
			hashes = append(hashes, hs...)
		}
		fr.add(leaf)
		if fr.n == o.wantRoot {
			res.cpRoot = fr.root()
		}
		res.n = i + 1
		res.last = rec.kind
	}
	res.root = fr.root()
	if o.wantRoot > 0 && res.n >= o.wantRoot {
		// The tree still extends the checkpoint's if the root at the
		// checkpoint's size is the checkpoint's root (we recomputed it from
		// every leaf) and a consistency proof from the old root to the new
		// one checks (RFC 6962 section 2.1.2): the proof is what a third
		// party holding only the two roots would be given.
		t, n := int64(res.n), int64(o.wantRoot)
		cur := res.root
		res.proof = func(old tlog.Hash) error {
			if old != res.cpRoot {
				return errors.New("tree at the checkpoint's size has a different root")
			}
			if t == n {
				return nil
			}
			p, err := tlog.ProveTree(t, n, hr)
			if err != nil {
				return err
			}
			return tlog.CheckTree(p, t, cur, n, old)
		}
	}
	return res
}

// decode decodes the event plain of entry i of session, fully if it is
// kept or a session event (whose actor later events take), and says
// whether it is kept.
func (o *walkOpts) decode(plain []byte, session string, i uint64) (e *Event, kept bool, err error) {
	if o.peek {
		if e, err = peekEvent(plain); err != nil {
			return nil, false, err
		}
		e.Session, e.Seq = session, i
		if kept = o.keep(e); !kept && e.Action != ActionSession {
			return e, false, nil
		}
	}
	if e, err = decodeEvent(plain); err != nil {
		return nil, false, err
	}
	e.Session, e.Seq = session, i
	return e, kept || o.keep(e), nil
}

// classify names why record i failed its MAC: an inserted record (the next
// record is the genuine record i), an edit (the ciphertext does not open
// under record i's key) or a bad tag (the ciphertext opens; the tag or the
// chain before it is wrong).
func (res *walkResult) classify(name string, i uint64, rec *record, rd *reader, k *key, chain *[32]byte) *walkResult {
	te := &TamperError{File: name, Entry: int64(i), Offset: rec.offset}
	res.bad = te
	cur := *rec
	cur.body = bytes.Clone(rec.body)
	cur.payload = cur.body[9:]
	if next, err := rd.next(); err == nil && next.index == i && next.kind != kindHeader {
		ch := nextChain(chain, tlog.RecordHash(next.body))
		tag := recordTag(k, res.session, i, &ch)
		if hmac.Equal(tag[:], next.tag[:]) {
			te.Reason, te.Detail = ReasonInserted, "a record not written by the session stands before the genuine one"
			return res
		}
	}
	if cur.kind == kindHeader {
		te.Reason, te.Detail = ReasonEdited, "session header altered"
		return res
	}
	if _, err := openEntry(k, res.session, cur.kind, i, cur.payload); err != nil {
		te.Reason, te.Detail = ReasonEdited, "ciphertext or framing altered"
		return res
	}
	te.Reason, te.Detail = ReasonBadMAC, "the entry decrypts but its MAC does not match"
	return res
}
