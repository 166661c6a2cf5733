package index

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"coffer/vault"
)

// Full-text field names in bleve. Bare words search fieldText, which holds
// the subject and the body, so that a word costs one term lookup instead
// of a disjunction over two fields.
const (
	bleveText    = "text"
	bleveSubject = "subject"
)

// textOptions: indexed, and nothing else: no term vectors (phrases are
// checked against the text, phrase.go), nothing stored and no doc values:
// hits map to messages already in memory, and sorting happens outside
// bleve.
const textOptions = bindex.IndexField

// newMapping is the explicit bleve mapping: two analyzed text fields,
// nothing dynamic, no _all field. Documents are built directly (see
// document), so this mapping is the declaration the query side uses.
func newMapping() *mapping.IndexMappingImpl {
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(bleveText, text())
	dm.AddFieldMappingsAt(bleveSubject, text())

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerName
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}

// shard is one bleve index holding a subset of the messages.
type shard struct {
	idx bleve.Index
	cur atomic.Pointer[view] // what searches use; nil before the first batch

	common map[string]bool // the index's common words

	// Owned by the shard's single writer goroutine.
	segOrds map[segment.Segment][]uint32
	readers []bindex.IndexReader // every view's snapshot, closed by close
}

// view is an immutable set of segments to search (a shard's snapshot, or
// the prebuilt segments of Open) with, per segment, the map from local
// document numbers to message ordinals. Queries read segments directly,
// never through a bleve reader.
type view struct {
	segs    []segment.Segment // the snapshot's segments
	segOrds [][]uint32        // by segment, by local document number
	common  []map[string]bool // by segment, its common words (pairs.go)
}

func newShard(m mapping.IndexMapping, common map[string]bool) (*shard, error) {
	// An empty path keeps scorch in memory: no persister runs and no file
	// is created. Never bleve.NewMemOnly (the slow upsidedown engine).
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("index: create shard: %w", err)
	}
	return &shard{idx: idx, common: common, segOrds: map[segment.Segment][]uint32{}}, nil
}

func (s *shard) close() error {
	var errs []error
	for _, r := range s.readers {
		errs = append(errs, r.Close())
	}
	errs = append(errs, s.idx.Close())
	return errors.Join(errs...)
}

// refresh publishes a view of everything indexed so far, so that
// searches see each batch as soon as it is in. scorch analyses a batch
// concurrently, so documents inside a segment are not in the order they
// were added; their IDs (ordinals in base 36) say which message each one
// is. In-memory scorch never merges segments, so each segment is mapped
// once and views only concatenate.
func (s *shard) refresh() error {
	adv, err := s.idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	s.readers = append(s.readers, r)
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return fmt.Errorf("index: unexpected bleve reader %T", r)
	}
	n, err := r.DocCount()
	if err != nil {
		return err
	}
	mapped := uint64(0)
	v := &view{}
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		m, ok := s.segOrds[seg]
		if !ok {
			m = make([]uint32, seg.Count())
			for local := range m {
				id, err := seg.DocID(uint64(local))
				if err != nil {
					return err
				}
				o, err := strconv.ParseUint(string(id), 36, 32)
				if err != nil {
					return fmt.Errorf("index: bad document id %q", id)
				}
				m[local] = uint32(o)
			}
			s.segOrds[seg] = m
		}
		mapped += uint64(len(m))
		v.segs = append(v.segs, seg)
		v.segOrds = append(v.segOrds, m)
		v.common = append(v.common, s.common)
	}
	if mapped != n {
		return fmt.Errorf("index: shard maps %d of %d documents", mapped, n)
	}
	s.cur.Store(v)
	return nil
}

// Start indexes the text in the background; see Wait, Ready and
// Options.Progress. Calling it again does nothing.
func (ix *Index) Start(ctx context.Context) {
	ix.started.Do(func() {
		go func() {
			err := ix.buildText(ctx)
			ix.err = err
			close(ix.done)
		}()
	})
}

func (ix *Index) buildText(ctx context.Context) error {
	start := time.Now()
	shards := ix.shards

	// todo lists the ordinals to index, in time order: all of them, or
	// those no prebuilt segment covers (see Open).
	todo := ix.pending
	if todo == nil {
		todo = make([]uint32, ix.n)
		for i := range todo {
			todo[i] = uint32(i)
		}
	}
	n := len(todo)
	if n > 0 {
		ix.common = ix.commonWords()
		ix.pairs = newPairAnalyzer(ix.common)
		for _, s := range shards {
			s.common = ix.common
		}
	}
	bs := ix.opt.BatchSize
	nb := (n + bs - 1) / bs
	var next atomic.Int64
	var done atomic.Int64
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	// Each shard has its own writer: one scorch writer keeps only about
	// one core busy (its segment build is serial), two keep both.
	for si, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[si] = err
					return
				}
				// Newest first: while the build runs, searches cover
				// the most recent messages, which reviewers look at first.
				lo, hi := max(n-(b+1)*bs, 0), n-b*bs
				batch := s.idx.NewBatch()
				for _, o := range todo[lo:hi] {
					if err := batch.IndexAdvanced(ix.document(o)); err != nil {
						errs[si] = err
						return
					}
				}
				if err := s.idx.Batch(batch); err != nil {
					errs[si] = fmt.Errorf("index: batch: %w", err)
					return
				}
				if err := s.refresh(); err != nil {
					errs[si] = err
					return
				}
				ix.report(int(done.Add(int64(hi-lo))), start)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, s := range shards {
		s.segOrds = nil // only needed while segments are added
	}
	ix.report(n, start)
	return nil
}

// document is the bleve document of one message: text, and subject on its
// own for subject:.
func (ix *Index) document(o uint32) *document.Document {
	doc := document.NewDocument(strconv.FormatUint(uint64(o), 36))
	subject, size := ix.textSize(o)
	text := ix.appendTextOf(make([]byte, 0, min(size+1, maxFieldBytes+1)), o, bleveText)
	// The text field also gets common-word pairs (pairs.go), so its
	// analyzer is per index; the mapping names the base analyzer.
	doc.AddField(document.NewTextFieldCustom(bleveText, nil, text, textOptions, ix.pairs))
	if subject > 0 {
		doc.AddField(document.NewTextFieldCustom(bleveSubject, nil, ix.appendTextOf(nil, o, bleveSubject), textOptions, ix.analyzer))
	}
	return doc
}

// numTexts is the number of messages to index: BuildSegment's texts, or
// the index's messages.
func (ix *Index) numTexts() int {
	if ix.texts != nil {
		return ix.texts.Len()
	}
	if ix.msgs != nil {
		return len(ix.msgs)
	}
	return ix.n
}

// textSize returns the bytes of message o's subject, and of its subject
// and body.
func (ix *Index) textSize(o uint32) (subject, total int) {
	if ix.texts != nil {
		s, b := ix.texts.At(int(o))
		return len(s), len(s) + len(b)
	}
	ix.withMsg(o, func(m *vault.Message) { subject, total = len(m.Subject), len(m.Subject)+len(m.Body) })
	return subject, total
}

// appendTextOf appends to b the text of message o that field indexes
// (appendText).
func (ix *Index) appendTextOf(b []byte, o uint32, field string) []byte {
	if ix.texts != nil {
		s, body := ix.texts.At(int(o))
		return appendFields(b, s, body, field)
	}
	ix.withMsg(o, func(m *vault.Message) { b = appendFields(b, m.Subject, m.Body, field) })
	return b
}

// appendText appends to b the text of m that field indexes: for the text
// field, the subject (if any) and the body, a newline between them; of
// that, what the analyzer reads (indexedLen), so a huge message is not
// copied whole to be cut.
func appendText(b []byte, m *vault.Message, field string) []byte {
	return appendFields(b, m.Subject, m.Body, field)
}

// appendFields is appendText of a subject and body held as strings (a
// message) or as bytes (vault.Texts).
func appendFields[T string | []byte](b []byte, subject, body T, field string) []byte {
	start := len(b)
	room := func() int { return maxFieldBytes + 1 - (len(b) - start) }
	b = append(b, subject[:min(len(subject), room())]...)
	if field != bleveSubject {
		if len(subject) > 0 {
			b = append(b, '\n')
		}
		b = append(b, body[:min(len(body), max(room(), 0))]...)
	}
	return b[:start+indexedLen(b[start:])]
}

func (ix *Index) report(done int, start time.Time) {
	// cbMu keeps callbacks one at a time and in order; progMu is not held
	// during the callback, so it may call Progress or Search.
	ix.cbMu.Lock()
	defer ix.cbMu.Unlock()
	el := time.Since(start)
	done += ix.prebuilt
	p := Progress{Done: done, Total: ix.n, Elapsed: el}
	if s := el.Seconds(); s > 0 {
		p.Rate = float64(done-ix.prebuilt) / s
	}
	if p.Rate > 0 {
		p.ETA = time.Duration(float64(p.Total-done) / p.Rate * float64(time.Second))
	}
	ix.progMu.Lock()
	ix.progress = p
	ix.progMu.Unlock()
	if ix.opt.Progress != nil {
		ix.opt.Progress(p)
	}
}
