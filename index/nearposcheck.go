package index

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Checking a proximity query from the frequent words' positions
// (nearpos.go) instead of the text: the same rules as proxChecker
// (nearcheck.go), on the positions of the query's words alone. Tokens of
// other words only count as positions between them, so leaving them out
// changes nothing; TestNearPositions checks both ways agree.

// freqIndex holds the frequent words' lists once built; freqMu makes
// the first query that needs them the only one to build them.
type freqIndex struct {
	mu  sync.Mutex
	ptr atomic.Pointer[freqPositions]
}

// frequent returns the frequent words' positions; with build, it builds
// them if no query has yet.
func (ix *Index) frequent(build bool) *freqPositions {
	if fp := ix.freq.ptr.Load(); fp != nil || !build {
		return fp
	}
	ix.freq.mu.Lock()
	defer ix.freq.mu.Unlock()
	if fp := ix.freq.ptr.Load(); fp != nil {
		return fp
	}
	fp := ix.buildFreqPositions()
	ix.freq.ptr.Store(fp)
	return fp
}

// posQuery is a proximity query whose words all have position lists:
// each distinct term is a slot.
type posQuery struct {
	lists []*posList // by slot
	ops   [][][]int  // NEAR: by operand, its alternatives' runs of slots
	dists []int
	slots []int // sloppy phrase: the slot of each term
	width int   // sloppy phrase: positions a window spans
	// pair, when set, is the slots of a NEAR of two words, or of a
	// sloppy phrase of two words with n ≥ 1, which is that NEAR (doc.go):
	// the most common proximity query, checked by one merge of their
	// positions, with no spans.
	pair    *[2]int
	pairGap int32
}

// positionsFor returns q compiled against the frequent words' lists, or
// nil when it must be checked against the text: a subject: query (a
// subject is a few words, cheap to analyse), a prefix, fuzzy word or
// spaceless cluster operand, or a word that is not frequent (its
// messages, and so the candidates, are few). cands is the number of
// candidates: below freqLazyMin they do not justify building the lists.
func (ix *Index) positionsFor(q *proximity, cands int) *posQuery {
	if q.field != bleveText {
		return nil
	}
	for _, alts := range q.ops {
		for _, a := range alts {
			if a.kind != textPhrase || a.cluster {
				return nil
			}
		}
	}
	fp := ix.frequent(cands >= freqLazyMin && !ix.opt.OneShot)
	if fp == nil {
		return nil
	}
	pq := &posQuery{dists: q.dists, width: q.slop + len(q.terms)}
	slot := map[string]int{}
	slotOf := func(t string) (int, bool) {
		if s, ok := slot[t]; ok {
			return s, true
		}
		l := fp.lists[t]
		if l == nil {
			return 0, false
		}
		slot[t] = len(pq.lists)
		pq.lists = append(pq.lists, l)
		return slot[t], true
	}
	for _, alts := range q.ops {
		var op [][]int
		for _, a := range alts {
			run := make([]int, len(a.terms))
			for k, t := range a.terms {
				s, ok := slotOf(t)
				if !ok {
					return nil
				}
				run[k] = s
			}
			op = append(op, run)
		}
		pq.ops = append(pq.ops, op)
	}
	for _, t := range q.terms {
		s, ok := slotOf(t)
		if !ok {
			return nil
		}
		pq.slots = append(pq.slots, s)
	}
	switch {
	case len(pq.ops) == 2 && len(pq.ops[0]) == 1 && len(pq.ops[1]) == 1 && len(pq.ops[0][0]) == 1 && len(pq.ops[1][0]) == 1:
		pq.pair, pq.pairGap = &[2]int{pq.ops[0][0][0], pq.ops[1][0][0]}, int32(pq.dists[0])
	case len(pq.slots) == 2 && q.slop >= 1:
		pq.pair, pq.pairGap = &[2]int{pq.slots[0], pq.slots[1]}, int32(q.slop)
	}
	return pq
}

// pspan is an occurrence of an operand: the positions it spans.
type pspan struct{ first, last int32 }

// posChecker checks candidates of one posQuery, in ascending order; one
// per goroutine, as it owns cursors and scratch buffers.
type posChecker struct {
	q     *posQuery
	curs  []posCursor
	at    []uint32  // by slot, the candidate pos holds positions for
	pos   [][]int32 // by slot, its positions in that candidate
	occ   [][]pspan
	reach [][]bool
	merge []uint64 // sloppy: position<<32 | slot
	count []int    // sloppy: by slot
	want  []int    // sloppy: by slot, how many times the phrase holds it
}

func (q *posQuery) checker() *posChecker {
	c := &posChecker{q: q, curs: make([]posCursor, len(q.lists)), at: make([]uint32, len(q.lists)),
		pos: make([][]int32, len(q.lists)), count: make([]int, len(q.lists)), want: make([]int, len(q.lists))}
	for s, l := range q.lists {
		c.curs[s] = newPosCursor(l)
		c.at[s] = ^uint32(0)
	}
	for _, s := range q.slots {
		c.want[s]++
	}
	return c
}

// positions returns the positions of slot s's word in message o.
func (c *posChecker) positions(s int, o uint32) []int32 {
	if c.at[s] != o {
		c.at[s] = o
		c.pos[s] = c.curs[s].seek(o, c.pos[s][:0])
	}
	return c.pos[s]
}

// match reports whether message o satisfies the query. Candidates must
// come in ascending order.
func (c *posChecker) match(o uint32) bool {
	if p := c.q.pair; p != nil {
		a := c.positions(p[0], o)
		return len(a) > 0 && nearPositions(a, c.positions(p[1], o), c.q.pairGap)
	}
	if c.q.ops != nil {
		return c.near(o)
	}
	return c.sloppy(o)
}

// near is proxChecker.checkNear without highlights, on positions.
func (c *posChecker) near(o uint32) bool {
	ops := c.q.ops
	c.occ = slices.Grow(c.occ[:0], len(ops))[:len(ops)]
	c.reach = slices.Grow(c.reach[:0], len(ops))[:len(ops)]
	for i, alts := range ops {
		occ := c.occ[i][:0]
		for _, run := range alts {
			for _, p := range c.positions(run[0], o) {
				ok := true
				for k := 1; k < len(run) && ok; k++ {
					_, ok = slices.BinarySearch(c.positions(run[k], o), p+int32(k))
				}
				if ok {
					occ = append(occ, pspan{p, p + int32(len(run)-1)})
				}
			}
		}
		if len(alts) > 1 {
			slices.SortFunc(occ, func(a, b pspan) int {
				if a.first != b.first {
					return int(a.first - b.first)
				}
				return int(a.last - b.last)
			})
		}
		c.occ[i] = occ
		if len(occ) == 0 {
			return false
		}
	}
	for i := range ops {
		c.reach[i] = slices.Grow(c.reach[i][:0], len(c.occ[i]))[:len(c.occ[i])]
	}
	for j := range c.reach[0] {
		c.reach[0][j] = true
	}
	for i := 1; i < len(ops); i++ {
		some, long := false, longestSpan(c.occ[i-1])
		for j, o := range c.occ[i] {
			c.reach[i][j] = nearAnySpan(o, c.occ[i-1], c.reach[i-1], int32(c.q.dists[i-1]), long)
			some = some || c.reach[i][j]
		}
		if !some {
			return false
		}
	}
	return true
}

// nearPositions reports whether a position in a and another in b (both
// in ascending order) have at most d positions between them.
func nearPositions(a, b []int32, d int32) bool {
	j := 0
	for _, p := range a {
		for j < len(b) && b[j] < p-d-1 {
			j++
		}
		for k := j; k < len(b) && b[k] <= p+d+1; k++ {
			if b[k] != p {
				return true
			}
		}
	}
	return false
}

// nearAnySpan is proxChecker.nearAny on positions.
func nearAnySpan(o pspan, occs []pspan, ok []bool, d, long int32) bool {
	from := o.first - d - 1 - long
	to := o.last + d + 1
	j, _ := slices.BinarySearchFunc(occs, from, func(p pspan, pos int32) int { return int(p.first - pos) })
	for ; j < len(occs) && occs[j].first <= to; j++ {
		if ok[j] && spanGap(o, occs[j]) <= d {
			return true
		}
	}
	return false
}

// spanGap is proxChecker.gap on positions.
func spanGap(a, b pspan) int32 {
	switch {
	case a.last < b.first:
		return b.first - a.last - 1
	case b.last < a.first:
		return a.first - b.last - 1
	}
	return maxSlop + 1
}

func longestSpan(occs []pspan) int32 {
	n := int32(0)
	for _, p := range occs {
		n = max(n, p.last-p.first)
	}
	return n
}

// sloppy is proxChecker.checkSloppy without highlights, over the
// positions of the phrase's words in position order.
func (c *posChecker) sloppy(o uint32) bool {
	c.merge = c.merge[:0]
	for s := range c.q.lists {
		ps := c.positions(s, o)
		if len(ps) < c.want[s] {
			return false
		}
		for _, p := range ps {
			c.merge = append(c.merge, uint64(uint32(p))<<32|uint64(s))
		}
	}
	slices.Sort(c.merge)
	need := len(c.q.slots)
	for s, w := range c.want {
		c.count[s] = -w
	}
	width := int64(c.q.width)
	lo := 0
	for _, m := range c.merge {
		s := int(uint32(m))
		if c.count[s] < 0 {
			need--
		}
		c.count[s]++
		for int64(m>>32)-int64(c.merge[lo]>>32) >= width {
			t := int(uint32(c.merge[lo]))
			if c.count[t] <= 0 {
				need++
			}
			c.count[t]--
			lo++
		}
		if need == 0 {
			return true
		}
	}
	return false
}
