package vault

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"filippo.io/age"
)

// ErrNoCatalog is LoadCatalog's answer for a vault that cannot be opened
// from its index files alone: a segment no index file in use covers, or
// an index file written before catalogs. Load it whole instead (`coffer
// compact` writes catalogs for what lacks them).
var ErrNoCatalog = errors.New("vault: not every segment has a catalog")

// lazy is a vault opened from the catalogs of its index files
// (LoadCatalog): every message's metadata, in the vault's order, and the
// index files' plaintext; segments are decrypted only when a message of
// theirs is asked for, and kept until Close.
type lazy struct {
	segFiles []*FileEntry
	// The index files in use, the engine's index of each, its catalog
	// (whose tables the strings below point into; the entries are
	// dropped once decoded), and the ordinal of each document.
	ixFiles []*FileEntry
	ixIndex [][]byte
	ixCat   []catalogParts
	ixOrds  [][]uint32

	// Per catalog entry, in file order (the index files', each the
	// order of the segments it covers): p below is such a position.
	ids     [][16]byte
	ns      []int64
	untimed []bool
	source  []uint32
	sender  []uint32
	conv    []uint32
	more    []uint32 // 1 + index into extras, or 0
	// order lists the positions by ordinal (time order, ties by id; one
	// copy of each message); ordOf is the other way, a copy having its
	// kept message's ordinal. Sorting the tables themselves was 47 MB
	// more at 1M.
	order, ordOf []uint32
	// segStart is the position of the first entry of each segment, in
	// file order; segOf the segment (index into segFiles).
	segStart []int
	segOf    []uint32

	extras []catalogExtra

	sources []string
	senders [][2]string
	convs   []Conversation

	// byID lists the positions of the kept messages with raw ids in id
	// order, and oddPos the ordinals of the others; made by the first
	// Position.
	idOnce sync.Once
	byID   []uint32
	oddPos map[string]uint32

	// Segments decrypted so far. Those holding a message handed out
	// (MessageAt, Lookup) are pinned until Close; the others were read
	// for a moment (WithMessage: a phrase checked, a highlight found)
	// and are dropped, wiped, least recently used first, once they hold
	// more than SegmentBudget bytes of plaintext and no reader is in
	// them.
	mu        sync.Mutex
	loaded    map[uint32]*segment
	pinned    map[uint32]bool
	inUse     map[uint32]int
	lru       []uint32 // loaded and not pinned, least recently used first
	lruBytes  int64
	budget    int64     // SegmentBudget; tests set less
	bufs      sync.Pool // *[]byte, for segment ciphertext
	decrypted int       // segment files decrypted, counting those read again
}

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

// catalogExtra is what few messages have: an id that is not a hash,
// addressees, attachments.
type catalogExtra struct {
	id              string
	to, attach      []string
	replyTo, origID string
}

// NoOrd marks an index document that is not a message of the vault's
// (IndexSegment.Ords): a copy another index file holds.
const NoOrd = ^uint32(0)

// LoadCatalog opens the vault for searching without decrypting its
// messages: it checks and decrypts the index files in use, which must
// cover every segment and carry catalogs (else ErrNoCatalog, and nothing
// is kept), and orders the catalogs' entries as Load orders messages.
// Message and MessageAt then decrypt the segment holding the message on
// first use. Messages returns nil in this mode; Compaction and the other
// whole-vault operations need Load.
func (v *Vault) LoadCatalog(progress func(Progress)) error {
	if v.loaded || v.lazy != nil {
		return nil
	}
	m := v.Manifest
	z := &lazy{segFiles: m.Files("segment"), loaded: map[uint32]*segment{}, pinned: map[uint32]bool{}, inUse: map[uint32]int{}, budget: SegmentBudget}
	segIdx := make(map[string]uint32, len(z.segFiles))
	for i, f := range z.segFiles {
		segIdx[f.Name] = uint32(i)
	}
	covered := make([]bool, len(z.segFiles))
	for _, e := range m.IndexFiles() {
		for _, name := range e.Covers {
			i, ok := segIdx[name]
			if !ok || covered[i] {
				return ErrNoCatalog // a segment indexed twice, or unknown: let Load sort it out
			}
			covered[i] = true
		}
		z.ixFiles = append(z.ixFiles, e)
	}
	if slices.Contains(covered, false) {
		return ErrNoCatalog
	}
	// Lower than the default while the tables are built: what this
	// allocates is nearly all pointer-free (the index, the tables), so
	// collecting often costs little, and at the default the heap doubled
	// past what is live (peak 590 MB for 270 MB live at 1M).
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	if err := z.load(v, segIdx, progress); err != nil {
		z.wipe()
		return err
	}
	v.lazy = z
	if err := v.loadTags(); err != nil {
		z.wipe()
		v.lazy = nil
		return err
	}
	v.Warnings = unlistedWarnings(v.Dir, m)
	return nil
}

// indexFile is an index file checked against the manifest, open for
// reading its plaintext by ranges, with its catalog trailer read.
type indexFile struct {
	read                 func(off, n int64) ([]byte, error)
	entries, tables, end int64 // where the catalog's parts begin, and its end
	n                    int   // entries
	ok                   bool  // it has a catalog
}

// openIndexFile reads index file e into buf (see readChecked) and reads
// its catalog trailer: the last chunk of the age file is decrypted, the
// rest as read asks. It returns buf, perhaps grown.
func (v *Vault) openIndexFile(e *FileEntry, buf []byte) (*indexFile, []byte, error) {
	id, ct, buf, err := v.readKeyed(e, buf)
	if err != nil {
		return nil, buf, err
	}
	r, size, err := age.DecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), id)
	if err != nil {
		return nil, buf, tamper(e.Name, "cannot be decrypted: %v", err)
	}
	f := &indexFile{read: func(off, n int64) ([]byte, error) {
		b := make([]byte, n)
		if m, err := r.ReadAt(b, off); int64(m) != n || err != nil && err != io.EOF {
			clear(b)
			return nil, tamper(e.Name, "cannot be decrypted: %v", cmp.Or(err, io.ErrUnexpectedEOF))
		}
		return b, nil
	}}
	if size < int64(catalogTrailer) {
		return f, buf, nil
	}
	t, err := f.read(size-int64(catalogTrailer), int64(catalogTrailer))
	if err != nil {
		return nil, buf, err
	}
	f.entries, f.tables, f.end, f.n, f.ok, err = catalogTrailerOf(t, size)
	clear(t)
	if err != nil {
		return nil, buf, tamper(e.Name, "%v", err)
	}
	return f, buf, nil
}

// catalogParts is an index file's catalog: its entries and its tables,
// each in a buffer of its own.
type catalogParts struct {
	entries, tables []byte
	n               int
}

// readIndexFile reads index file i (checked against the manifest, into
// buf, a worker's) and decrypts its parts into buffers of their own: the
// engine's index, kept; the catalog's entries, dropped once decoded; its
// tables, kept. It returns buf.
func (z *lazy) readIndexFile(v *Vault, i int, buf []byte) ([]byte, error) {
	e := z.ixFiles[i]
	f, buf, err := v.openIndexFile(e, buf)
	if err != nil {
		return buf, err
	}
	if !f.ok {
		return buf, ErrNoCatalog
	}
	es, ts, end, n := f.entries, f.tables, f.end, f.n
	read := f.read
	p := catalogParts{n: n}
	if z.ixIndex[i], err = read(0, es); err != nil {
		return buf, err
	}
	if p.entries, err = read(es, ts-es); err != nil {
		return buf, err
	}
	if p.tables, err = read(ts, end-ts); err != nil {
		return buf, err
	}
	z.ixCat[i] = p
	return buf, nil
}

// load reads and decrypts the index files, on every core, decoding
// each file's catalog as soon as it is read (its entries are then
// wiped: only the tables and the engine's index are kept), then orders
// the messages as Load does and drops copies.
func (z *lazy) load(v *Vault, segIdx map[string]uint32, progress func(Progress)) error {
	n := len(z.ixFiles)
	z.ixIndex = make([][]byte, n)
	z.ixCat = make([]catalogParts, n)
	first := make([]int, n+1) // position of each file's first entry
	for i, e := range z.ixFiles {
		want := 0
		for _, name := range e.Covers {
			want += z.segFiles[segIdx[name]].Messages
		}
		first[i+1] = first[i] + want
	}
	total := first[n]
	ids := make([][16]byte, total)
	ns := make([]int64, total)
	untimed := make([]bool, total)
	src, snd, cnv := make([]uint32, total), make([]uint32, total), make([]uint32, total)
	more := make([]uint32, total)
	for i, e := range z.ixFiles {
		p := first[i]
		for _, name := range e.Covers {
			z.segStart = append(z.segStart, p)
			z.segOf = append(z.segOf, segIdx[name])
			p += z.segFiles[segIdx[name]].Messages
		}
	}
	tables := make([]*catalogTables, n)
	extras := make([][]catalogExtra, n)

	decode := func(i int) error {
		f, c := z.ixFiles[i], &z.ixCat[i]
		defer func() { // decoded (or not): only the tables are kept
			clear(c.entries)
			c.entries = nil
		}()
		if c.n != first[i+1]-first[i] || f.Messages != 0 && c.n != f.Messages {
			return tamper(f.Name, "%v: %d entries for the %d messages of the segments it covers", errCatalog, c.n, first[i+1]-first[i])
		}
		t, err := decodeCatalogTables(c.tables)
		if err != nil {
			return tamper(f.Name, "%v: tables: %v", errCatalog, err)
		}
		tables[i] = t
		var e catalogEntry
		d := &decoder{buf: c.entries}
		p := first[i]
		for _, name := range f.Covers {
			for range z.segFiles[segIdx[name]].Messages {
				if err := d.catalogEntry(&e, t); err != nil {
					return tamper(f.Name, "%v: entry %d: %v", errCatalog, p-first[i]+1, err)
				}
				ids[p], ns[p], untimed[p] = e.raw, e.ns, !e.timed
				src[p], snd[p], cnv[p] = e.source, e.sender, e.conv // this file's: made the vault's below
				if !e.isRaw || e.to != nil || e.attach != nil || e.replyTo != "" || e.origID != "" {
					// Copied: the entries' buffer is wiped once decoded.
					extras[i] = append(extras[i], catalogExtra{id: strings.Clone(e.id), to: cloneAll(e.to), attach: cloneAll(e.attach),
						replyTo: strings.Clone(e.replyTo), origID: strings.Clone(e.origID)})
					more[p] = uint32(len(extras[i])) // made the vault's below
				}
				p++
			}
		}
		if d.off != len(d.buf) {
			return tamper(f.Name, "%v: bytes after the last entry", errCatalog)
		}
		return nil
	}
	// Progress counts index files (Segments) and their bytes.
	errs := eachFile(z.ixFiles, StageCatalogs, progress, func(i int) int { return first[i+1] - first[i] }, func(i int, buf []byte) ([]byte, error) {
		buf, err := z.readIndexFile(v, i, buf)
		if err == nil {
			err = decode(i)
		}
		return buf, err
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, t := range tables {
		so, se, co := uint32(len(z.sources)), uint32(len(z.senders)), uint32(len(z.convs))
		base := uint32(len(z.extras))
		z.sources = append(z.sources, t.sources...)
		z.senders = append(z.senders, t.senders...)
		z.convs = append(z.convs, t.convs...)
		z.extras = append(z.extras, extras[i]...)
		for p := first[i]; p < first[i+1]; p++ {
			src[p] += so
			snd[p] += se
			cnv[p] += co
			if more[p] != 0 {
				more[p] += base
			}
		}
	}
	z.ids, z.ns, z.untimed, z.source, z.sender, z.conv, z.more = ids, ns, untimed, src, snd, cnv, more

	// Load's order: by time, no time last, ties by id; one of each id.
	perm := z.timeOrder()
	ordOf := make([]uint32, total)
	kept := perm[:0]
	for _, q := range perm {
		if len(kept) > 0 && z.cmpID(kept[len(kept)-1], q) == 0 {
			ordOf[q] = uint32(len(kept) - 1)
			continue
		}
		ordOf[q] = uint32(len(kept))
		kept = append(kept, q)
	}
	z.order, z.ordOf = slices.Clip(kept), ordOf
	z.ixOrds = make([][]uint32, n)
	for i := range n {
		z.ixOrds[i] = z.ordOf[first[i]:first[i+1]:first[i+1]]
	}
	return nil
}

func cloneAll(in []string) []string {
	for i, s := range in {
		in[i] = strings.Clone(s)
	}
	return in
}

// timeOrder returns the positions of the entries in Load's order:
// sorted by time (a radix sort: the comparison sort was a quarter of a
// one-shot search at 1M), then equal times by id.
func (z *lazy) timeOrder() []uint32 {
	n := len(z.ns)
	keys := make([]uint64, n)
	sorted := true
	for p := range keys {
		keys[p] = uint64(z.ns[p]) ^ 1<<63
		if z.untimed[p] {
			keys[p] = ^uint64(0)
		}
		sorted = sorted && (p == 0 || keys[p-1] <= keys[p])
	}
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	if !sorted {
		perm = radixSort(perm, keys)
	}
	// Ties: equal keys by (no time last, id).
	for lo := 0; lo < n; {
		hi := lo + 1
		k := keys[perm[lo]]
		for hi < n && keys[perm[hi]] == k {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(perm[lo:hi], func(a, b uint32) int {
				if z.untimed[a] != z.untimed[b] {
					if z.untimed[a] {
						return 1
					}
					return -1
				}
				return z.cmpID(a, b)
			})
		}
		lo = hi
	}
	return perm
}

// radixSort sorts perm (positions into keys) by key, stably, 16 bits a
// pass, skipping the passes where every key has the same digit.
func radixSort(perm []uint32, keys []uint64) []uint32 {
	tmp := make([]uint32, len(perm))
	var count [1 << 16]int
	for shift := 0; shift < 64; shift += 16 {
		clear(count[:])
		for _, p := range perm {
			count[(keys[p]>>shift)&0xffff]++
		}
		if count[(keys[perm[0]]>>shift)&0xffff] == len(perm) {
			continue
		}
		sum := 0
		for i := range count {
			count[i], sum = sum, sum+count[i]
		}
		for _, p := range perm {
			d := (keys[p] >> shift) & 0xffff
			tmp[count[d]] = p
			count[d]++
		}
		perm, tmp = tmp, perm
	}
	return perm
}

// id is the id of message o.
func (z *lazy) id(o uint32) string { return z.idAt(z.order[o]) }

// idAt is the id of the entry at position p.
func (z *lazy) idAt(p uint32) string {
	if x := z.more[p]; x != 0 && z.extras[x-1].id != "" {
		return z.extras[x-1].id
	}
	return hex.EncodeToString(z.ids[p][:])
}

// cmpID compares the ids of the entries at positions a and b as strings.
func (z *lazy) cmpID(a, b uint32) int {
	oa := z.more[a] != 0 && z.extras[z.more[a]-1].id != ""
	ob := z.more[b] != 0 && z.extras[z.more[b]-1].id != ""
	if !oa && !ob {
		return bytes.Compare(z.ids[a][:], z.ids[b][:])
	}
	return strings.Compare(z.idAt(a), z.idAt(b))
}

// segment returns the segment (index into segFiles) of the entry at
// position p, and p's place in it.
func (z *lazy) segment(p uint32) (uint32, uint32) {
	i := sort.Search(len(z.segStart), func(i int) bool { return z.segStart[i] > int(p) }) - 1
	return z.segOf[i], p - uint32(z.segStart[i])
}

// position finds id: by binary search among the raw ids, else in the
// few others.
func (z *lazy) position(id string) (int, bool) {
	z.idOnce.Do(z.indexIDs)
	raw, isRaw := rawID(id)
	if !isRaw {
		o, ok := z.oddPos[id]
		return int(o), ok
	}
	i, ok := slices.BinarySearchFunc(z.byID, raw, func(p uint32, raw [16]byte) int {
		return bytes.Compare(z.ids[p][:], raw[:])
	})
	if !ok {
		return 0, false
	}
	return int(z.ordOf[z.byID[i]]), true
}

// indexIDs sorts the kept messages' positions by id, for position.
func (z *lazy) indexIDs() {
	z.oddPos = map[string]uint32{}
	perm := make([]uint32, 0, len(z.order))
	for o, p := range z.order {
		if x := z.more[p]; x != 0 && z.extras[x-1].id != "" {
			z.oddPos[z.extras[x-1].id] = uint32(o)
			continue
		}
		perm = append(perm, p)
	}
	if len(perm) == 0 {
		return
	}
	keys := make([]uint64, len(z.ids))
	for _, p := range perm {
		keys[p] = binary.BigEndian.Uint64(z.ids[p][:8])
	}
	perm = radixSort(perm, keys)
	for lo := 0; lo < len(perm); { // equal first halves: by the whole id
		hi := lo + 1
		for hi < len(perm) && keys[perm[hi]] == keys[perm[lo]] {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(perm[lo:hi], func(a, b uint32) int { return bytes.Compare(z.ids[a][:], z.ids[b][:]) })
		}
		lo = hi
	}
	z.byID = perm
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
			z.lru = append(z.lru, si)
			z.lruBytes += segmentCost(s)
		} else {
			wipe([]*segment{fresh})
		}
	} else if !z.pinned[si] { // used again: to the end of the list
		if i := slices.Index(z.lru, si); i >= 0 {
			z.lru = append(append(z.lru[:i:i], z.lru[i+1:]...), si)
		}
	}
	if pin && !z.pinned[si] {
		z.pinned[si] = true
		if i := slices.Index(z.lru, si); i >= 0 {
			z.lru = slices.Delete(z.lru, i, i+1)
			z.lruBytes -= segmentCost(s)
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
	for i := 0; z.lruBytes > z.budget && i < len(z.lru); {
		old := z.lru[i]
		if z.inUse[old] > 0 {
			i++
			continue
		}
		s := z.loaded[old]
		z.lruBytes -= segmentCost(s)
		wipe([]*segment{s})
		delete(z.loaded, old)
		z.lru = slices.Delete(z.lru, i, i+1)
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

func (z *lazy) wipe() {
	for i := range z.ixIndex {
		clear(z.ixIndex[i])
	}
	for i := range z.ixCat {
		clear(z.ixCat[i].entries)
		clear(z.ixCat[i].tables)
	}
	z.mu.Lock()
	for _, s := range z.loaded {
		wipe([]*segment{s})
	}
	z.loaded = nil
	z.mu.Unlock()
	*z = lazy{}
}

// opened reports whether the vault was loaded, whole or from its
// catalogs: what the writers that check message ids need.
func (v *Vault) opened() bool { return v.loaded || v.lazy != nil }

// Lazy reports whether the vault was opened with LoadCatalog.
func (v *Vault) Lazy() bool { return v.lazy != nil }

// Len is the number of messages (loaded or catalogued).
func (v *Vault) Len() int {
	if v.lazy != nil {
		return len(v.lazy.order)
	}
	return len(v.messages)
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

// MessageAt returns message o of the vault's order (see Messages),
// decrypting its segment first if the vault was opened with
// LoadCatalog.
func (v *Vault) MessageAt(o int) (*Message, error) {
	if v.lazy != nil {
		if o < 0 || o >= len(v.lazy.order) {
			return nil, fmt.Errorf("vault: no message %d", o)
		}
		var m *Message
		err := v.lazyMessage(uint32(o), true, func(x *Message) { m = x })
		return m, err
	}
	if o < 0 || o >= len(v.messages) {
		return nil, fmt.Errorf("vault: no message %d", o)
	}
	return v.messages[o], nil
}

// Lookup returns the message with the given id, decrypting its segment
// first if need be.
func (v *Vault) Lookup(id string) (*Message, error) {
	p, ok := v.Position(id)
	if !ok {
		return nil, fmt.Errorf("vault: no message %q", id)
	}
	return v.MessageAt(p)
}

// ID returns the id of message o.
func (v *Vault) ID(o int) string {
	if v.lazy != nil {
		return v.lazy.id(uint32(o))
	}
	return v.messages[o].ID
}

// IDs returns every message's id, in the vault's order. After
// LoadCatalog they are made at once, in one buffer (10M strings of 32
// bytes each were 10M allocations).
func (v *Vault) IDs() []string {
	out := make([]string, v.Len())
	z := v.lazy
	if z == nil {
		for o, m := range v.messages {
			out[o] = m.ID
		}
		return out
	}
	arena := make([]byte, 32*len(z.order))
	for o, p := range z.order {
		if x := z.more[p]; x != 0 && z.extras[x-1].id != "" {
			out[o] = z.extras[x-1].id
			continue
		}
		b := arena[32*o : 32*o+32]
		hex.Encode(b, z.ids[p][:])
		out[o] = unsafe.String(&b[0], 32)
	}
	return out
}

// Meta fills m with what a search needs of message o besides its id
// (ID). Its strings are shared: callers must not keep them past Close.
func (v *Vault) Meta(o int, m *Meta) {
	if z := v.lazy; z != nil {
		u := z.order[o]
		*m = Meta{Source: z.sources[z.source[u]], Sender: z.senders[z.sender[u]][0], SenderID: z.senders[z.sender[u]][1],
			Conversation: &z.convs[z.conv[u]], Keys: [3]int32{int32(z.source[u]), int32(z.sender[u]), int32(z.conv[u])}}
		if x := z.more[u]; x != 0 {
			x := &z.extras[x-1]
			m.To, m.Attachments, m.ReplyTo, m.OriginalID = x.to, x.attach, x.replyTo, x.origID
		}
		if !z.untimed[u] {
			m.Time = time.Unix(0, z.ns[u]).UTC()
		}
		return
	}
	MetaOf(v.messages[o], m)
}

// MetaOf fills m from msg.
func MetaOf(msg *Message, m *Meta) {
	*m = Meta{Source: msg.Source, Sender: msg.Sender, SenderID: msg.SenderID, Time: msg.Time,
		Conversation: &msg.Conversation, To: msg.To, ReplyTo: msg.ReplyTo, OriginalID: msg.Provenance.OriginalID, Keys: [3]int32{-1, -1, -1}}
	if len(msg.Attachments) > 0 {
		m.Attachments = make([]string, len(msg.Attachments))
		for i := range msg.Attachments {
			m.Attachments[i] = msg.Attachments[i].Name
		}
	}
}

// CheckSegments checks every segment file's size and SHA-256 against the
// manifest, on all cores, without decrypting: after LoadCatalog, a
// segment that was changed, swapped or removed is then refused when the
// vault is opened, as Load refuses it, not only when a message of it is
// shown. It reads what Load reads but keeps nothing (4.3 GB at 10M: a
// few seconds). progress may be nil.
func (v *Vault) CheckSegments(progress func(Progress)) error {
	files := v.Manifest.Files("segment")
	return errors.Join(eachFile(files, StageCheck, progress, func(i int) int { return files[i].Messages }, func(i int, buf []byte) ([]byte, error) {
		if buf == nil {
			buf = make([]byte, 1<<20)
		}
		return buf, checkFile(v.Dir, files[i], buf)
	})...)
}
