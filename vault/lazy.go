package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"
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
	used      map[uint32]uint64 // loaded and not pinned: when each was last used
	tick      uint64
	usedBytes int64     // their cost (segmentCost)
	budget    int64     // SegmentBudget; tests set less
	bufs      sync.Pool // *[]byte, for segment ciphertext
	decrypted int       // segment files decrypted, counting those read again
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
	z := &lazy{segFiles: m.Files("segment"), loaded: map[uint32]*segment{}, pinned: map[uint32]bool{}, inUse: map[uint32]int{}, used: map[uint32]uint64{}, budget: SegmentBudget}
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
	v.Warnings = unlistedWarnings(v.st, m)
	return nil
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
