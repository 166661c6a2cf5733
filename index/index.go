package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"

	"coffer/vault"
)

// Defaults, measured on the reference 2-core machine (see README.md in
// this package).
const (
	// DefaultBatchSize trades build speed against query speed: in-memory
	// scorch never merges segments, so each batch stays a segment that
	// every query visits.
	DefaultBatchSize = 10000
)

// Options tune an Index. The zero value is ready to use.
type Options struct {
	// Shards is the number of bleve indexes built and searched in
	// parallel; 0 means one per CPU.
	Shards int
	// BatchSize is the number of messages per bleve batch; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Now is the clock for relative dates (date:7d..); nil means time.Now.
	Now func() time.Time
	// Location is the time zone of calendar dates in queries and of month
	// facets; nil means UTC.
	Location *time.Location
	// Progress, if set, is called after every indexed batch and once at
	// the end, from the indexing goroutines, one call at a time.
	Progress func(Progress)
	// Position, if set, is the caller's table from message ID to position
	// in msgs (vault.Vault.Position), used instead of building another
	// when msgs is already in time order: one table on the message path.
	Position func(id string) (int, bool)
	// OneShot says the process answers a few queries and exits (the
	// CLI): work that pays off only over many queries is not done. The
	// frequent words' positions (nearpos.go) read every message's text
	// to build, which on a vault opened from its catalogs decrypts every
	// segment: a proximity query checks its candidates' text instead.
	OneShot bool
	// Policies, if set, lists the vault's supervision policies, which
	// policy:NAME searches by (policyquery.go); without it policy:
	// matches nothing.
	Policies func() ([]vault.Policy, error)
}

// Index is the searchable form of a set of messages. Its methods are safe
// for concurrent use, except that nothing may be called during or after
// Close.
type Index struct {
	opt      Options
	analyzer analysis.Analyzer
	mapping  *mapping.IndexMappingImpl
	common   map[string]bool   // see pairs.go
	pairs    analysis.Analyzer // common-word pairs of the text

	// texts, set only by BuildSegment, is the text to index instead of
	// msgs'.
	texts *vault.Texts

	// Per message, by ordinal (time order, ties by ID). msgs is nil when
	// the index was opened on a vault's catalogs (lazy): withMsg then asks
	// the vault, which decrypts a message's segment on first use.
	n       int
	msgs    []*vault.Message
	lazy    *vault.Vault
	lazyMu  sync.Mutex
	lazyErr error
	unix    []int64
	sender  []uint32
	conv    []uint32
	source  []uint8
	month   []uint16
	// firstUnknown is the ordinal of the first message of unknown time
	// (they sort last), or -1 when every message has one.
	firstUnknown int
	attach       bitset // has at least one attachment
	// attachNames lists, for messages with attachments, each file name
	// and its words, in ordinal order.
	attachNames []attachName

	// byID maps an ID to its ordinal when the index built its own table;
	// else position (Options.Position) does. See ord.
	byID     map[string]uint32
	position func(string) (int, bool)

	senders    []person // distinct (Sender, SenderID)
	senderName []uint32 // sender -> index in names, for the sender facet
	names      []string // distinct sender names
	convs      []convInfo
	sources    []string
	months     []string  // "2024-03", or "unknown" for messages without a time
	addrs      []person  // distinct To addresses
	toPairs    []ordPair // (message, address) for every To entry

	tags tagSet

	// wordsOnce fills the words of senders, convs, attachNames and addrs.
	wordsOnce sync.Once

	// The frequent words' positions, for proximity queries (nearpos.go):
	// built by the first query that needs them.
	freq freqIndex

	bitPool, scorePool sync.Pool // see getBitset

	// Full text.
	static   []*view  // prebuilt segments (see Open)
	prebuilt int      // messages they cover
	pending  []uint32 // ordinals left to index; nil means all
	shards   []*shard
	started  sync.Once
	done     chan struct{}
	err      error      // set before done is closed
	cbMu     sync.Mutex // see report
	progMu   sync.Mutex
	progress Progress
}

type person struct {
	name, id string
	words    []string // folded words of name and id
}

type convInfo struct {
	id, title string
	words     []string // folded words of id and title
	members   []string // participants, for to:/with:
	memWords  [][]string
}

type ordPair struct{ ord, val uint32 }

type attachName struct {
	ord   uint32
	name  string
	words []string
}

// New prepares an index over msgs, which it keeps and reads but never
// modifies. tags maps message IDs to their tags. The metadata tables are
// built here (a fraction of a second at a million messages), so metadata
// queries work at once; call Start to index the text.
func New(msgs []*vault.Message, tags map[string][]string, opt Options) (*Index, error) {
	ix, err := newIndex(opt)
	if err != nil {
		return nil, err
	}
	if err := ix.buildTables(msgs); err != nil {
		return nil, err
	}
	return ix.finish(tags)
}

// newLazy is New over a vault opened from its catalogs
// (vault.LoadCatalog): the tables come from the catalogs, and a
// message's text is decrypted only when a query or a highlight reads it.
func newLazy(v *vault.Vault, tags map[string][]string, opt Options) (*Index, error) {
	ix, err := newIndex(opt)
	if err != nil {
		return nil, err
	}
	ix.lazy, ix.position = v, v.Position
	if err := ix.fillTables(v.Len(), v.Meta); err != nil {
		return nil, err
	}
	return ix.finish(tags)
}

func newIndex(opt Options) (*Index, error) {
	if opt.Shards <= 0 {
		opt.Shards = runtime.GOMAXPROCS(0)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if err := registerAnalyzer(); err != nil {
		return nil, fmt.Errorf("index: register analyzer: %w", err)
	}
	return &Index{opt: opt, analyzer: newAnalyzer(), mapping: newMapping(), done: make(chan struct{})}, nil
}

// finish makes the shards and sets the tags.
func (ix *Index) finish(tags map[string][]string) (*Index, error) {
	// The common words (pairs.go) are chosen by Start, when it has
	// messages to index: with stored index files covering everything,
	// sampling and analysing messages for them was wasted work and ~20 MB
	// of garbage at 1M.
	for range ix.opt.Shards {
		s, err := newShard(ix.mapping, nil)
		if err != nil {
			ix.Close()
			return nil, err
		}
		ix.shards = append(ix.shards, s)
	}
	ix.tags.init()
	for id, ts := range tags {
		if o, ok := ix.ord(id); ok {
			ix.tags.set(o, ts)
		}
	}
	return ix, nil
}

// withMsg calls f with message o, for a check of its text that keeps
// nothing of it. On a lazy index the vault decrypts the message's
// segment for the call (and may drop it afterwards); a segment that
// cannot be read (tampered with, gone) gives f an empty message, and the
// error is kept for the search under way to return (lazyError).
func (ix *Index) withMsg(o uint32, f func(*vault.Message)) {
	if ix.lazy == nil {
		f(ix.msgs[o])
		return
	}
	if err := ix.lazy.WithMessage(int(o), f); err != nil {
		ix.lazyMu.Lock()
		if ix.lazyErr == nil {
			ix.lazyErr = err
		}
		ix.lazyMu.Unlock()
		f(&vault.Message{})
	}
}

// textMatch reports whether match holds of message o (withMsg).
func (ix *Index) textMatch(o uint32, match func(*vault.Message) bool) bool {
	ok := false
	ix.withMsg(o, func(m *vault.Message) { ok = match(m) })
	return ok
}

// lazyError is the first error withMsg met, if any.
func (ix *Index) lazyError() error {
	ix.lazyMu.Lock()
	defer ix.lazyMu.Unlock()
	return ix.lazyErr
}

// id returns the id of message o.
func (ix *Index) id(o uint32) string {
	if ix.lazy != nil {
		return ix.lazy.ID(int(o))
	}
	return ix.msgs[o].ID
}

func (ix *Index) buildTables(in []*vault.Message) error {
	n := len(in)
	if n >= 1<<31 {
		return fmt.Errorf("index: %d messages is too many", n)
	}
	for i, m := range in {
		if m == nil {
			return fmt.Errorf("index: message %d is nil", i)
		}
	}
	// The vault's order: by time, messages of unknown time last.
	byTime := vault.CompareTime
	msgs := slices.Clone(in)
	// A vault's messages come in this order already (Vault.Messages):
	// checking is one comparison a message, sorting them again cost
	// ~100 ms more at 1M.
	if slices.IsSortedFunc(msgs, byTime) && ix.opt.Position != nil {
		ix.position = ix.opt.Position
	} else if !slices.IsSortedFunc(msgs, byTime) {
		slices.SortStableFunc(msgs, byTime)
	}
	ix.msgs = msgs
	if ix.position == nil {
		ix.byID = make(map[string]uint32, n)
	}
	for i, m := range msgs {
		if ix.byID != nil {
			if _, dup := ix.byID[m.ID]; dup {
				return fmt.Errorf("index: duplicate message id %q", m.ID)
			}
			ix.byID[m.ID] = uint32(i)
		} else if i > 0 && msgs[i-1].ID == m.ID {
			return fmt.Errorf("index: duplicate message id %q", m.ID)
		}
	}
	return ix.fillTables(n, func(i int, m *vault.Meta) { vault.MetaOf(msgs[i], m) })
}

// fillTables builds the metadata tables of n messages, in order, from
// what meta says of each: the loaded messages', or a vault's catalogs
// (vault.LoadCatalog).
func (ix *Index) fillTables(n int, meta func(i int, m *vault.Meta)) error {
	ix.n = n
	ix.firstUnknown = -1
	ix.unix = make([]int64, n)
	ix.sender = make([]uint32, n)
	ix.conv = make([]uint32, n)
	ix.source = make([]uint8, n)
	ix.month = make([]uint16, n)
	ix.attach = newBitset(n)

	senderIdx := map[[2]string]uint32{}
	nameIdx := map[string]uint32{}
	convIdx := map[string]uint32{}
	sourceIdx := map[string]uint8{}
	monthIdx := map[string]uint16{}
	addrIdx := map[string]uint32{}
	var lastMonth string
	var lastMonthOrd uint16
	var lastYM int
	var lastZero bool
	var senderMemo, convMemo, sourceMemo []uint32
	// Sized up front: growing them by appending was 40 MB of garbage at
	// 1M messages, which unlock's peak RSS paid for.
	nTo, nAtt := 0, 0
	var m vault.Meta
	for i := range n {
		meta(i, &m)
		nTo += len(m.To)
		nAtt += len(m.Attachments)
	}
	ix.toPairs = make([]ordPair, 0, nTo)
	ix.attachNames = make([]attachName, 0, nAtt)
	for i := range n {
		o := uint32(i)
		meta(i, &m)
		ix.unix[i] = m.Time.Unix()
		if m.Time.IsZero() {
			// Sorted last, above every range a query can name: only
			// date:unknown reaches them.
			ix.unix[i] = unknownUnix
			if ix.firstUnknown < 0 {
				ix.firstUnknown = i
			}
		}

		// A catalog numbers its values (Meta.Keys): the maps are
		// consulted once per number, not once per message.
		s, ok := memo(senderMemo, m.Keys[1])
		if !ok {
			s, ok = senderIdx[[2]string{m.Sender, m.SenderID}]
		}
		if !ok {
			sk := [2]string{m.Sender, m.SenderID}
			s = uint32(len(ix.senders))
			senderIdx[sk] = s
			ix.senders = append(ix.senders, person{name: m.Sender, id: m.SenderID})
			nv, ok := nameIdx[m.Sender]
			if !ok {
				nv = uint32(len(ix.names))
				nameIdx[m.Sender] = nv
				ix.names = append(ix.names, m.Sender)
			}
			ix.senderName = append(ix.senderName, nv)
		}
		senderMemo = setMemo(senderMemo, m.Keys[1], s)
		ix.sender[i] = s

		c, ok := memo(convMemo, m.Keys[2])
		if !ok {
			c, ok = convIdx[m.Conversation.ID]
		}
		if !ok {
			c = uint32(len(ix.convs))
			convIdx[m.Conversation.ID] = c
			ix.convs = append(ix.convs, convInfo{id: m.Conversation.ID, title: m.Conversation.Title, members: m.Conversation.Participants})
		}
		convMemo = setMemo(convMemo, m.Keys[2], c)
		ix.conv[i] = c

		sv32, ok := memo(sourceMemo, m.Keys[0])
		sv := uint8(sv32)
		src := ""
		if !ok {
			src = strings.ToLower(m.Source)
			sv, ok = sourceIdx[src]
		}
		if !ok {
			if len(ix.sources) == 255 {
				return fmt.Errorf("index: more than 255 sources (at %q)", m.Source)
			}
			sv = uint8(len(ix.sources))
			sourceIdx[src] = sv
			ix.sources = append(ix.sources, src)
		}
		sourceMemo = setMemo(sourceMemo, m.Keys[0], uint32(sv))
		ix.source[i] = sv

		// Messages are in time order, so months change rarely: skip the
		// map (and the formatting) while the month stays the same.
		t := m.Time.In(ix.opt.Location)
		y, mo, _ := t.Date()
		if ym := y*16 + int(mo); i == 0 || ym != lastYM || m.Time.IsZero() != lastZero {
			lastYM, lastZero = ym, m.Time.IsZero()
			lastMonth = monthOf(t, m.Time.IsZero())
			mv, ok := monthIdx[lastMonth]
			if !ok {
				mv = uint16(len(ix.months))
				monthIdx[lastMonth] = mv
				ix.months = append(ix.months, lastMonth)
			}
			lastMonthOrd = mv
		}
		ix.month[i] = lastMonthOrd

		if len(m.Attachments) > 0 {
			ix.attach.set(o)
		}
		for _, a := range m.Attachments {
			ix.attachNames = append(ix.attachNames, attachName{ord: o, name: a})
		}
		for _, a := range m.To {
			k := strings.ToLower(a)
			av, ok := addrIdx[k]
			if !ok {
				av = uint32(len(ix.addrs))
				addrIdx[k] = av
				ix.addrs = append(ix.addrs, person{name: a})
			}
			ix.toPairs = append(ix.toPairs, ordPair{o, av})
		}
	}
	return nil
}

// fillWords analyses the names of senders, conversations, members,
// attachments and addressees for the fields that match them (from:, in:,
// with:, attachment:, to:), at the first such query: 75 ms at 1M that a
// one-shot search of words alone does not need.
func (ix *Index) fillWords() {
	for i := range ix.senders {
		p := &ix.senders[i]
		p.words = ix.words(p.name + " " + p.id)
	}
	for i := range ix.convs {
		c := &ix.convs[i]
		c.words = ix.words(c.id + " " + c.title)
		for _, p := range c.members {
			c.memWords = append(c.memWords, ix.words(p))
		}
	}
	for i := range ix.attachNames {
		ix.attachNames[i].words = ix.words(ix.attachNames[i].name)
	}
	for i := range ix.addrs {
		ix.addrs[i].words = ix.words(ix.addrs[i].name)
	}
}

// memo returns the value memo holds for key k (-1: none).
func memo(memo []uint32, k int32) (uint32, bool) {
	if k < 0 || int(k) >= len(memo) || memo[k] == 0 {
		return 0, false
	}
	return memo[k] - 1, true
}

// setMemo records v for key k, growing memo as needed.
func setMemo(memo []uint32, k int32, v uint32) []uint32 {
	if k < 0 {
		return memo
	}
	for int(k) >= len(memo) {
		memo = append(memo, 0)
	}
	memo[k] = v + 1
	return memo
}

// ord returns the ordinal of the message with the given ID.
func (ix *Index) ord(id string) (uint32, bool) {
	if ix.position != nil {
		p, ok := ix.position(id)
		return uint32(p), ok && p < ix.n
	}
	o, ok := ix.byID[id]
	return o, ok
}

// words returns the folded terms of s as the text analyzer sees them, for
// matching names and titles held in memory.
func (ix *Index) words(s string) []string {
	toks := ix.analyzer.Analyze([]byte(s[:indexedLen(s)]))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
}

// Wait blocks until the text index is complete, fails, or ctx ends. It
// must follow Start.
func (ix *Index) Wait(ctx context.Context) error {
	select {
	case <-ix.done:
		return ix.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Progress returns the state of the build, for UIs that poll rather than
// take a callback.
func (ix *Index) Progress() Progress {
	ix.progMu.Lock()
	defer ix.progMu.Unlock()
	return ix.progress
}

// Close releases the bleve indexes. It waits for a running build to
// stop, so cancel the context given to Start first.
func (ix *Index) Close() error {
	ix.started.Do(func() { // never started: nothing to wait for
		ix.err = errors.New("index: closed")
		close(ix.done)
	})
	<-ix.done
	var errs []error
	for _, s := range ix.shards {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// monthOf is the month facet's value of a message's time.
func monthOf(t time.Time, unknown bool) string {
	if unknown {
		return "unknown"
	}
	return t.Format("2006-01")
}
