package vault

// The segments of a vault opened from its catalogs (LoadCatalog),
// decrypted when a message of theirs is asked for: kept for good when
// the message is handed out, kept within a budget when it was only read.

import (
	"errors"
	"fmt"
	"unsafe"
)

// SegmentBudget is the default bound on the memory of decrypted segments
// (plaintext and decoded messages) that a vault opened from its catalogs
// keeps for transient reads (WithMessage): what a phrase or proximity
// check of candidates everywhere reads. It holds every segment of a
// vault of ~1M messages, so that a long session's checks decrypt each
// once; a one-shot command sets less (SetSegmentBudget), having no next
// query to keep them for.
const SegmentBudget = 1 << 30

// SetSegmentBudget sets the bound SegmentBudget describes, in bytes.
func (v *Vault) SetSegmentBudget(bytes int64) {
	if z := v.lazy; z != nil {
		z.mu.Lock()
		z.budget = bytes
		z.mu.Unlock()
	}
}

// segmentCost is the memory a decrypted segment holds: its plaintext and
// its decoded messages (about as large again, for chat).
func segmentCost(s *segment) int64 {
	return int64(len(s.body)) + int64(cap(s.messages))*int64(unsafe.Sizeof(Message{}))
}

// acquire returns segment si, decrypting it if it is not held, and
// marks it in use until release; pin keeps it until Close.
func (v *Vault) acquire(si uint32, pin bool) (*segment, error) {
	z := v.lazy
	z.mu.Lock()
	s := z.loaded[si]
	if s == nil {
		// Decrypted without the lock, so that the index's checkers
		// read segments in parallel; a segment two of them read at
		// once is kept once.
		z.mu.Unlock()
		buf, _ := z.bufs.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
		fresh, grown, err := v.loadSegment(z.segFiles[si], *buf)
		*buf = grown
		z.bufs.Put(buf) // ciphertext: a 2 MB buffer a read was most of the garbage
		if err != nil {
			return nil, err
		}
		z.mu.Lock()
		z.decrypted++
		if s = z.loaded[si]; s == nil {
			s = fresh
			z.loaded[si] = s
			z.usedBytes += segmentCost(s)
		} else {
			wipe([]*segment{fresh})
		}
	}
	if !z.pinned[si] {
		if pin {
			z.pinned[si] = true
			delete(z.used, si)
			z.usedBytes -= segmentCost(s)
		} else {
			z.tick++
			z.used[si] = z.tick
		}
	}
	z.inUse[si]++
	z.mu.Unlock()
	return s, nil
}

// release ends a use of segment si, then drops segments past the budget.
func (z *lazy) release(si uint32) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.inUse[si]--; z.inUse[si] == 0 {
		delete(z.inUse, si)
	}
	// Least recently used first; a scan of the few held, only when over.
	for z.usedBytes > z.budget {
		old, oldest := uint32(0), ^uint64(0)
		for si, t := range z.used {
			if t < oldest && z.inUse[si] == 0 {
				old, oldest = si, t
			}
		}
		if oldest == ^uint64(0) {
			return // all in use: dropped by a later release
		}
		s := z.loaded[old]
		z.usedBytes -= segmentCost(s)
		wipe([]*segment{s})
		delete(z.loaded, old)
		delete(z.used, old)
	}
}

// lazyMessage calls f with message o, its segment held for the call;
// pin keeps the segment for good (the message is handed out).
func (v *Vault) lazyMessage(o uint32, pin bool, f func(*Message)) error {
	z := v.lazy
	si, l := z.segment(z.order[o])
	s, err := v.acquire(si, pin)
	if err != nil {
		return err
	}
	defer z.release(si)
	if int(l) >= len(s.messages) || s.messages[l].ID != z.id(o) {
		return tamper(z.segFiles[si].Name, "message %d is not the one its index file's catalog names", l+1)
	}
	f(&s.messages[l])
	return nil
}

// WithMessage calls f with message o of the vault's order, for a reader
// that keeps nothing of it past the call (a query's check of the text, a
// highlight): after LoadCatalog its segment may be dropped afterwards
// (SegmentBudget). f must not keep the message or its strings.
func (v *Vault) WithMessage(o int, f func(*Message)) error {
	if v.lazy != nil {
		if o < 0 || o >= len(v.lazy.order) {
			return fmt.Errorf("vault: no message %d", o)
		}
		return v.lazyMessage(uint32(o), false, f)
	}
	if o < 0 || o >= len(v.messages) {
		return fmt.Errorf("vault: no message %d", o)
	}
	f(v.messages[o])
	return nil
}

// SegmentsDecrypted is the number of segment files decrypted so far: all
// of them after Load; after LoadCatalog, those holding a message asked
// for (a segment dropped and read again counts twice).
func (v *Vault) SegmentsDecrypted() int {
	if v.lazy != nil {
		v.lazy.mu.Lock()
		defer v.lazy.mu.Unlock()
		return v.lazy.decrypted
	}
	return len(v.segments)
}

// CheckSegments checks every segment file's size and SHA-256 against the
// manifest, on all cores, without decrypting: after LoadCatalog, a
// segment that was changed, swapped or removed is then refused when the
// vault is opened, as Load refuses it, not only when a message of it is
// shown. It reads what Load reads but keeps nothing (4.3 GB at 10M: a
// few seconds); on object storage it asks each segment's SHA-256 the
// store checked at writing instead (checkStored). progress may be nil.
func (v *Vault) CheckSegments(progress func(Progress)) error {
	files := v.Manifest.Files("segment")
	return errors.Join(eachFile(v.st, files, StageCheck, progress, func(i int) int { return files[i].Messages }, func(i int, buf []byte) ([]byte, error) {
		if buf == nil {
			buf = make([]byte, 1<<20)
		}
		return buf, checkStored(v.st, files[i], buf)
	})...)
}
