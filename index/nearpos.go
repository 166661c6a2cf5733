package index

import (
	"coffer/vault"
	"encoding/binary"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Proximity queries of frequent words were the slow ones (issue 13): at
// 1M messages `"the" NEAR/5 "to"` has ~580k candidates, and analysing
// each one's text (nearcheck.go) took 5-9 µs, seconds a query. The index
// keeps no term vectors (phrase.go says why: 47% of a segment), so there
// are no positions to read from bleve either.
//
// Instead, the first proximity query that would check many candidates
// builds, in memory only, the positions of the frequent words: for each
// word in at least freqMinPerMille of a sample of the messages, the
// messages holding it and its positions there, as the checker's tokens
// give them. A query whose operands are all such words (single words,
// phrases of them, ORs of those) or a sloppy phrase of them is then
// checked from these lists, ~80 ns a candidate (two list reads and a
// merge) instead of 5-9 µs. Any other query has an operand in fewer than
// ~0.5% of the messages, which bounds its candidates, and is checked
// against the text as before. At 1M messages (BenchmarkQuery), the
// slowest proximity queries, two stop words, now take ~100 ms of CPU:
// half of it is the index's AND of their postings with scores (the
// query `the to` alone), half the check.
//
// Why these choices:
//   - Positions, not pairs within a window: a window of up to NEAR/10
//     holds ~20 pairs per frequent word occurrence, ten times the bytes,
//     and NEAR/100 or a chain would still need the text.
//   - Frequent words down to 0.5% rather than the pairs' 5% (pairs.go):
//     a word at 1% next to "the" still leaves ~8k candidates, ~60 ms of
//     analysis; below 0.5% it leaves at most ~5k. The lists grow with the
//     share of tokens they cover: in the benchmark corpus 668 words, ~70%
//     of the tokens, 52 bytes a message (52 MB at 1M; the top 100 words
//     alone take 33).
//   - Lazily, at the first query with more than freqLazyMin candidates:
//     an archive never searched that way never pays for them, and a query
//     of rarer words is checked faster than the lists are built. That
//     first query tokenizes every message, ~5 µs each: 4.9 s of CPU at
//     1M, on every core. Queries that need the lists meanwhile wait.
//   - Built from the messages, not the bleve segments: they are in memory
//     in every case (built at Start or opened prebuilt), and the
//     candidates still come from the index, so a query during the build
//     sees only what is indexed, as before.
//   - Not for subject: queries: a subject is a few words, cheap to check.
const (
	freqMinPerMille = 5    // a frequent word is in at least 0.5% of sampled messages
	freqMaxWords    = 4096 // at most this many frequent words
	freqLazyMin     = 2048 // candidates of the first query that builds the lists
	freqBlock       = 64   // messages per block of a list (see posList)
)

// freqPositions holds the positions of the frequent words in the text
// field (subject and body), by word.
type freqPositions struct {
	lists map[string]*posList
	bytes int // memory held by the lists, for the benchmarks
}

// posList is the messages holding one word and its positions there, in
// ordinal order, as entries of varints:
//
//	head = ordDelta<<2 | k    (k < 3: the positions take k+1 bytes; 3: their length-4 follows)
//	[length-4]
//	positions: the first, then the deltas to the next
//
// ordDelta is from the previous entry, or from the block's ordinal for
// the first entry of a block, so blocks decode on their own: a cursor
// skips to the block of the next candidate (a mid-frequency word's
// candidates are a few of the messages holding "the").
type posList struct {
	data  []byte
	skips []posSkip
}

type posSkip struct{ ord, off uint32 }

// buildFreqPositions tokenizes every message's text, on every core.
func (ix *Index) buildFreqPositions() *freqPositions {
	words, share := ix.frequentWords()
	id := make(map[string]int, len(words))
	for i, w := range words {
		id[w] = i
	}
	n := ix.n
	workers := max(1, min(runtime.GOMAXPROCS(0), n/freqBlock))
	parts := make([][]posList, workers)
	var wg sync.WaitGroup
	for wi := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := n*wi/workers, n*(wi+1)/workers
			parts[wi] = ix.freqRange(id, share, lo, hi)
		}()
	}
	wg.Wait()
	fp := &freqPositions{lists: make(map[string]*posList, len(words))}
	for i, w := range words {
		size, nskip := 0, 0
		for _, p := range parts {
			size += len(p[i].data)
			nskip += len(p[i].skips)
		}
		if size == 0 {
			continue
		}
		l := &posList{data: make([]byte, 0, size), skips: make([]posSkip, 0, nskip)}
		for _, p := range parts {
			base := uint32(len(l.data))
			for _, s := range p[i].skips {
				l.skips = append(l.skips, posSkip{s.ord, s.off + base})
			}
			l.data = append(l.data, p[i].data...)
			p[i] = posList{}
		}
		fp.lists[w] = l
		fp.bytes += len(l.data) + 8*len(l.skips) + len(w) + 64
	}
	return fp
}

// freqRange builds the lists of messages [lo, hi). share is each word's
// share of the sampled messages: the lists start at about the size they
// will reach, as growing them by appending left ~2.5 times their size in
// garbage, which a heap of gigabytes keeps until its next collection.
func (ix *Index) freqRange(id map[string]int, share []float64, lo, hi int) []posList {
	nwords := len(share)
	lists := make([]posList, nwords)
	for w, f := range share {
		// An entry takes ~3 bytes; the odd list that grows past this
		// grows once or twice.
		lists[w].data = make([]byte, 0, int(f*float64(hi-lo)*3)+16)
	}
	last := make([]uint32, nwords) // ordinal of each list's last entry
	count := make([]int, nwords)   // entries in each list's last block
	c := newProxChecker(ix.analyzer, &proximity{field: bleveText})
	var occ []uint64 // word<<32 | position
	var posBuf []byte
	for o := lo; o < hi; o++ {
		occ = occ[:0]
		ix.withMsg(uint32(o), func(m *vault.Message) { // the tokens point into m
			c.tokenizeField(m)
			for _, t := range c.toks {
				if w, ok := id[string(t.term)]; ok {
					occ = append(occ, uint64(w)<<32|uint64(uint32(t.pos)))
				}
			}
		})
		slices.Sort(occ)
		for i := 0; i < len(occ); {
			w := int(occ[i] >> 32)
			posBuf = posBuf[:0]
			prev := uint32(0)
			for ; i < len(occ) && int(occ[i]>>32) == w; i++ {
				p := uint32(occ[i])
				posBuf = binary.AppendUvarint(posBuf, uint64(p-prev))
				prev = p
			}
			l := &lists[w]
			if len(l.skips) == 0 || count[w] == freqBlock {
				l.skips = append(l.skips, posSkip{uint32(o), uint32(len(l.data))})
				last[w], count[w] = uint32(o), 0
			}
			head := uint64(uint32(o)-last[w]) << 2
			if len(posBuf) <= 3 {
				l.data = binary.AppendUvarint(l.data, head|uint64(len(posBuf)-1))
			} else {
				l.data = binary.AppendUvarint(l.data, head|3)
				l.data = binary.AppendUvarint(l.data, uint64(len(posBuf)-4))
			}
			l.data = append(l.data, posBuf...)
			last[w] = uint32(o)
			count[w]++
		}
	}
	return lists
}

// frequentWords returns the terms of a sample of the messages' text that
// are in at least freqMinPerMille of them, most frequent first, and the
// share of the sample each is in.
func (ix *Index) frequentWords() ([]string, []float64) {
	df, sampled := ix.sampleDF()
	var terms []string
	for t, c := range df {
		if c*1000 >= sampled*freqMinPerMille && c >= 3 {
			terms = append(terms, t)
		}
	}
	sortByDF(terms, df)
	terms = terms[:min(len(terms), freqMaxWords)]
	share := make([]float64, len(terms))
	for i, t := range terms {
		share[i] = float64(df[t]) / float64(sampled)
	}
	return terms, share
}

// posCursor reads a posList forward, one candidate message at a time.
type posCursor struct {
	l       *posList
	blk     int    // block of the current entry
	nextBlk int    // offset of the next block, or len(data)
	ord     uint32 // ordinal of the current entry
	body    int    // offset of the current entry's positions
	n       int    // their length
	done    bool
}

func newPosCursor(l *posList) posCursor {
	c := posCursor{l: l, done: l == nil || len(l.skips) == 0}
	if !c.done {
		c.jump(0)
	}
	return c
}

// jump moves to the first entry of block b.
func (c *posCursor) jump(b int) {
	c.blk, c.ord = b, c.l.skips[b].ord
	c.nextBlk = len(c.l.data)
	if b+1 < len(c.l.skips) {
		c.nextBlk = int(c.l.skips[b+1].off)
	}
	c.head(int(c.l.skips[b].off)) // its delta is 0
}

// head decodes the head of the entry at off and returns its ordinal
// delta.
func (c *posCursor) head(off int) uint32 {
	data := c.l.data
	if h := data[off]; h < 0x80 && h&3 != 3 { // a delta below 32, positions of 1-3 bytes
		c.body, c.n = off+1, int(h&3)+1
		return uint32(h >> 2)
	}
	h, k := binary.Uvarint(data[off:])
	c.body = off + k
	c.n = int(h&3) + 1
	if h&3 == 3 {
		m, k := binary.Uvarint(data[c.body:])
		c.body += k
		c.n = int(m) + 4
	}
	return uint32(h >> 2)
}

// seek appends to out the positions of the word in message o, which
// must not be below the ordinal of an earlier seek, and returns it.
func (c *posCursor) seek(o uint32, out []int32) []int32 {
	if c.done || o < c.ord {
		return out
	}
	if c.ord < o {
		// Skip to the last block starting at or before o.
		sk := c.l.skips
		if c.blk+1 < len(sk) && sk[c.blk+1].ord <= o {
			rest := sk[c.blk+1:]
			c.jump(c.blk + sort.Search(len(rest), func(i int) bool { return rest[i].ord > o }))
		}
		for c.ord < o {
			off := c.body + c.n
			switch {
			case off == c.nextBlk && off < len(c.l.data):
				c.jump(c.blk + 1)
			case off >= len(c.l.data):
				c.done = true
				return out
			default:
				c.ord += c.head(off)
			}
		}
		if c.ord != o {
			return out
		}
	}
	data := c.l.data[c.body : c.body+c.n]
	if c.n == 1 && data[0] < 0x80 { // one position, as most are
		return append(out, int32(data[0]))
	}
	p := int32(0)
	for i := 0; i < len(data); {
		d, k := binary.Uvarint(data[i:])
		i += k
		p += int32(d)
		out = append(out, p)
	}
	return out
}
