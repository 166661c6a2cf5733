package index

import (
	"coffer/vault"
	"container/heap"
	"context"
	"errors"
	"time"

	"coffer/vault/access"
)

// The search vocabulary is vault/access's, whose Searcher interface the
// Index implements: the session that holds an Index hands its results
// out, and they carry ids, positions and spans, never a message.
type (
	Sort       = access.Sort
	Request    = access.Request
	Result     = access.Result
	Hit        = access.Hit
	Span       = access.Span
	Facets     = access.Facets
	FacetCount = access.FacetCount
	Progress   = access.IndexProgress
)

const (
	Relevance = access.Relevance // best score first; equal scores newest first
	Newest    = access.Newest    // newest first
	Oldest    = access.Oldest    // oldest first
)

// DefaultLimit is the page size when Request.Limit is 0.
const DefaultLimit = 50

// Search runs a query (the language is in the top-level README.md). Parse errors are *QueryError.
// While the text is being indexed (see Start), Search works on what is
// indexed so far, newest messages first, and marks the Result Partial;
// metadata fields (from:, in:, date:, tag:, ...) are always complete.
func (ix *Index) Search(ctx context.Context, q string, req Request) (*Result, error) {
	start := time.Now()
	dc := &queryContext{now: ix.opt.Now(), loc: ix.opt.Location, policies: ix.opt.Policies}
	root, err := parseQuery(q, dc)
	if err != nil {
		return nil, err
	}
	e := &evaluator{ix: ix, ctx: ctx}
	partial := false
	if hasText(root) {
		select {
		case <-ix.done:
			if ix.err != nil {
				return nil, ix.err
			}
		default:
			partial = true
		}
		e.views = append(e.views, ix.static...)
		for _, s := range ix.shards {
			if v := s.cur.Load(); v != nil {
				e.views = append(e.views, v)
			}
		}
	}
	if req.Sort == Relevance {
		e.scores = ix.getScores()
		defer ix.putScores(e.scores)
	}
	hits, err := e.eval(root)
	if err != nil {
		var le *leafError
		if errors.As(err, &le) {
			return nil, queryErr(q, le.n.c, le.err)
		}
		return nil, err
	}
	if req.Only != nil {
		only := ix.getBitset()
		for _, id := range req.Only {
			if o, ok := ix.ord(id); ok {
				only.set(o)
			}
		}
		hits.and(only)
		ix.putBitset(only)
	}
	limit := req.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	res := &Result{Total: hits.count(), Partial: partial}
	page := ix.page(hits, e.scores, req.Sort, max(req.Offset, 0), max(limit, 0))
	hl := newHighlighter(ix, root)
	for _, o := range page {
		h := Hit{ID: ix.id(o), Pos: int(o)}
		if !req.NoHighlights {
			ix.withMsg(o, func(m *vault.Message) { h.Highlights = hl.spans(m) })
		}
		if e.scores != nil {
			h.Score = float64(e.scores[o])
		}
		res.Hits = append(res.Hits, h)
	}
	if req.Facets {
		res.Facets = ix.facets(hits, req.FacetLimit)
	}
	ix.putBitset(hits)
	if err := ix.lazyError(); err != nil {
		return nil, err // a segment read for a phrase or a highlight failed
	}
	res.Took = time.Since(start)
	return res, nil
}

// IDs returns the IDs of every message matching q, oldest first, without
// scores, highlights or facets: for acting on all results (tagging them).
func (ix *Index) IDs(ctx context.Context, q string) ([]string, error) {
	res, err := ix.Search(ctx, q, Request{Sort: Oldest, Limit: ix.n + 1, NoHighlights: true})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

func hasText(n node) bool {
	switch n := n.(type) {
	case *textNode, *nearNode:
		return true
	case *notNode:
		return hasText(n.kid)
	case *andNode:
		for _, k := range n.kids {
			if hasText(k) {
				return true
			}
		}
	case *orNode:
		for _, k := range n.kids {
			if hasText(k) {
				return true
			}
		}
	}
	return false
}

// page returns the ordinals of hits[offset:offset+limit] in sort order.
// Date orders are bit scans (ordinals are time ranks); relevance keeps a
// heap of the best offset+limit.
func (ix *Index) page(hits bitset, scores []float32, s Sort, offset, limit int) []uint32 {
	if limit == 0 {
		return nil
	}
	var out []uint32
	skip := offset
	take := func(o uint32) bool {
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, o)
		return len(out) < limit
	}
	switch {
	case s == Oldest:
		hits.each(take)
		return out
	case s == Newest || scores == nil:
		// Newest first, then the messages of unknown time, which sort
		// last whichever way the dated ones go.
		more := true
		hits.eachReverse(func(o uint32) bool {
			if ix.firstUnknown >= 0 && int(o) >= ix.firstUnknown {
				return true
			}
			more = take(o)
			return more
		})
		if more && ix.firstUnknown >= 0 {
			hits.each(func(o uint32) bool { return int(o) < ix.firstUnknown || take(o) })
		}
		return out
	}
	k := offset + limit
	h := &scoreHeap{scores: scores}
	hits.each(func(o uint32) bool {
		if h.Len() < k {
			heap.Push(h, o)
		} else if h.less(h.ords[0], o) {
			h.ords[0] = o
			heap.Fix(h, 0)
		}
		return true
	})
	best := make([]uint32, h.Len())
	for i := len(best) - 1; i >= 0; i-- {
		best[i] = heap.Pop(h).(uint32)
	}
	if offset >= len(best) {
		return nil
	}
	return best[offset:]
}

// scoreHeap is a min-heap of ordinals by (score, ordinal): its root is
// the worst of the best k seen so far.
type scoreHeap struct {
	ords   []uint32
	scores []float32
}

func (h *scoreHeap) less(a, b uint32) bool {
	if h.scores[a] != h.scores[b] {
		return h.scores[a] < h.scores[b]
	}
	return a < b // older ranks lower
}
func (h *scoreHeap) Len() int           { return len(h.ords) }
func (h *scoreHeap) Less(i, j int) bool { return h.less(h.ords[i], h.ords[j]) }
func (h *scoreHeap) Swap(i, j int)      { h.ords[i], h.ords[j] = h.ords[j], h.ords[i] }
func (h *scoreHeap) Push(x any)         { h.ords = append(h.ords, x.(uint32)) }
func (h *scoreHeap) Pop() any {
	o := h.ords[len(h.ords)-1]
	h.ords = h.ords[:len(h.ords)-1]
	return o
}
