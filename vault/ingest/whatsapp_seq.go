package ingest

import "math/bits"

// waSeqTable counts the copies of each message (see waReader.nextSeq)
// by a 64-bit key. It was a Go map, and the lookup, the store and the
// sweeps were a twentieth of a WhatsApp import; an open-addressing table
// does one probe sequence per message and sweeps by rebuilding in place.
// What it keeps and drops is the map's: every key until the table holds
// more than limit keys, then those of minutes an hour or more behind the
// current message are dropped, and limit doubles while the table stays
// over half of it (all of it is dropped past waMaxSeqEntries).
type waSeqTable struct {
	slots []waSeqSlot // a power of two, at most half used; n == 0 is empty
	shift uint        // 64 - log2(len(slots)): a key's first slot is key>>shift
	used  int         // keys held
	limit int
	keep  []waSeqSlot // survivors of a sweep, reused
}

// waSeqSlot counts the copies of one message (sender, minute, text,
// hashed into key) seen so far.
type waSeqSlot struct {
	key    uint64
	minute int64
	n      int
}

const (
	// waSeqStart is the table's first limit.
	waSeqStart = 1 << 12
	// waSeqSlots is its first size: a short chat needs no more.
	waSeqSlots = 16
)

func (t *waSeqTable) reset() {
	t.limit = waSeqStart
	t.resize(waSeqSlots)
}

// resize empties the table into size slots (it never shrinks, so a long
// chat sizes it once).
func (t *waSeqTable) resize(size int) {
	size = max(size, len(t.slots))
	if len(t.slots) == size {
		clear(t.slots)
	} else {
		t.slots = make([]waSeqSlot, size)
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	t.used = 0
}

// slot returns the slot of key, or the empty one where it goes.
func (t *waSeqTable) slot(key uint64) *waSeqSlot {
	mask := len(t.slots) - 1
	for i := int(key >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.n == 0 || s.key == key {
			return s
		}
	}
}

// count records one more copy of the message key, of the given minute,
// and returns how many there were before.
func (t *waSeqTable) count(key uint64, minute int64) int {
	s := t.slot(key)
	n := s.n
	if n == 0 {
		t.used++
	}
	*s = waSeqSlot{key: key, minute: minute, n: n + 1}
	switch {
	case t.used > t.limit:
		t.sweep(minute)
	case 2*t.used > len(t.slots):
		t.rebuild(2*len(t.slots), func(waSeqSlot) bool { return true })
	}
	return n
}

// rebuild moves the slots that keep accepts into a table of size slots.
func (t *waSeqTable) rebuild(size int, keep func(waSeqSlot) bool) {
	t.keep = t.keep[:0]
	for _, s := range t.slots {
		if s.n != 0 && keep(s) {
			t.keep = append(t.keep, s)
		}
	}
	t.resize(size)
	for _, s := range t.keep {
		*t.slot(s.key) = s
	}
	t.used = len(t.keep)
	if cap(t.keep) > 4*waSeqStart {
		t.keep = nil // a flood's survivors are not kept for the next sweep
	}
}

// sweep drops the counts of minutes an hour or more behind minute, and
// grows the limit when most of the table is recent.
func (t *waSeqTable) sweep(minute int64) {
	recent := 0
	for _, s := range t.slots {
		if s.n != 0 && s.minute >= minute-60 {
			recent++
		}
	}
	switch {
	case recent > waMaxSeqEntries:
		t.resize(len(t.slots))
		return
	case recent > t.limit/2:
		t.limit *= 2
	}
	t.rebuild(len(t.slots), func(s waSeqSlot) bool { return s.minute >= minute-60 })
}
