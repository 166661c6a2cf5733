package index

import "math/bits"

// bitset is a dense set of message ordinals. Ordinals are message ranks in
// time order (see Index), so a date range is a run of bits and "newest
// first" is a reverse scan. At a million messages a bitset is 125 KB and
// set operations take microseconds, which is why query evaluation, sorting
// and facet counting happen here rather than in bleve.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// setRange sets [lo, hi).
func (b bitset) setRange(lo, hi int) {
	for i := lo; i < hi; {
		if i&63 == 0 && hi-i >= 64 {
			b[i>>6] = ^uint64(0)
			i += 64
			continue
		}
		b[i>>6] |= 1 << (uint(i) & 63)
		i++
	}
}

// fill sets [0, n).
func (b bitset) fill(n int) { b.setRange(0, n) }

func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) andNot(o bitset) {
	for i := range b {
		b[i] &^= o[i]
	}
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// each calls f for every member in ascending order until f returns false.
func (b bitset) each(f func(uint32) bool) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !f(uint32(i<<6 + t)) {
				return
			}
			w &= w - 1
		}
	}
}

// eachReverse calls f for every member in descending order until f
// returns false.
func (b bitset) eachReverse(f func(uint32) bool) {
	for i := len(b) - 1; i >= 0; i-- {
		w := b[i]
		for w != 0 {
			t := 63 - bits.LeadingZeros64(w)
			if !f(uint32(i<<6 + t)) {
				return
			}
			w &^= 1 << uint(t)
		}
	}
}

// Query evaluation needs a few bitsets and, sorted by relevance, a score
// per message: at a million messages 125 KB and 4 MB. Pooling them keeps
// the garbage collector, which must mark a heap of gigabytes, from running
// every few hundred queries.

func (ix *Index) getBitset() bitset {
	if p, ok := ix.bitPool.Get().(*bitset); ok {
		clear(*p)
		return *p
	}
	return newBitset(ix.n)
}

func (ix *Index) putBitset(b bitset) {
	if b != nil {
		ix.bitPool.Put(&b)
	}
}

func (ix *Index) getScores() []float32 {
	if p, ok := ix.scorePool.Get().(*[]float32); ok {
		clear(*p)
		return *p
	}
	return make([]float32, ix.n)
}

func (ix *Index) putScores(s []float32) {
	if s != nil {
		ix.scorePool.Put(&s)
	}
}
