package vault

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// The catalog of an index file: what a search needs to know of each
// message it covers besides its text (id, time, source, sender,
// conversation, addressees, attachment names), so that a one-shot search
// can answer from the index files alone and decrypt only the segments
// holding the hits it prints (Vault.LoadCatalog). It is written at the
// end of the index file's plaintext, after the engine's index:
//
//	entries, one per covered message, in the index's document order
//	tables: sources, senders, conversations
//	trailer: u64 LE length of the entries, u64 LE length of the tables,
//	  u32 LE number of entries, then catalogMagic
//
// An index file without the trailer (written before catalogs) is read as
// before; a vault whose segments are not all covered by catalogs is
// loaded whole. FORMAT.md specifies the encoding.
const catalogMagic = "coffer-catalog-v1\n"

const catalogTrailer = 8 + 8 + 4 + len(catalogMagic)

// Entry flags.
const (
	catRawID    = 1 << iota // the id is 32 lowercase hex digits, stored as 16 bytes
	catTimed                // a time follows (else the message has none)
	catTo                   // addressees follow
	catAttached             // attachment names follow
	catReply                // the id the message replies to follows
	catOrigID               // the source's own id of the message follows
)

// catFlags is every flag a catalog entry may have.
const catFlags = catRawID | catTimed | catTo | catAttached | catReply | catOrigID

// catalogBuilder encodes the catalog of a run of messages.
type catalogBuilder struct {
	entries []byte
	n       int

	sources, senders, convs       map[string]int
	sourceTab, senderTab, convTab []byte
	nSources, nSenders, nConvs    int
	senderKey                     []byte
}

func newCatalogBuilder() *catalogBuilder {
	return &catalogBuilder{sources: map[string]int{}, senders: map[string]int{}, convs: map[string]int{}}
}

// add appends m's entry.
func (c *catalogBuilder) add(m *Message) {
	flags := byte(0)
	raw, isRaw := rawID(m.ID)
	if isRaw {
		flags |= catRawID
	}
	if !m.Time.IsZero() {
		flags |= catTimed
	}
	if len(m.To) > 0 {
		flags |= catTo
	}
	if len(m.Attachments) > 0 {
		flags |= catAttached
	}
	if m.ReplyTo != "" {
		flags |= catReply
	}
	if m.Provenance.OriginalID != "" {
		flags |= catOrigID
	}
	b := append(c.entries, flags)
	if isRaw {
		b = append(b, raw[:]...)
	} else {
		b = appendStr(b, m.ID)
	}
	if flags&catTimed != 0 {
		b = binary.AppendVarint(b, m.Time.UnixNano())
	}
	b = binary.AppendUvarint(b, uint64(c.source(m.Source)))
	b = binary.AppendUvarint(b, uint64(c.sender(m.Sender, m.SenderID)))
	b = binary.AppendUvarint(b, uint64(c.conv(&m.Conversation)))
	if flags&catTo != 0 {
		b = binary.AppendUvarint(b, uint64(len(m.To)))
		for _, a := range m.To {
			b = appendStr(b, a)
		}
	}
	if flags&catAttached != 0 {
		b = binary.AppendUvarint(b, uint64(len(m.Attachments)))
		for i := range m.Attachments {
			b = appendStr(b, m.Attachments[i].Name)
		}
	}
	if flags&catReply != 0 {
		b = appendStr(b, m.ReplyTo)
	}
	if flags&catOrigID != 0 {
		b = appendStr(b, m.Provenance.OriginalID)
	}
	c.entries = b
	c.n++
}

func (c *catalogBuilder) source(s string) int {
	i, ok := c.sources[s]
	if !ok {
		i = c.nSources
		c.sources[s] = i
		c.nSources++
		c.sourceTab = appendStr(c.sourceTab, s)
	}
	return i
}

func (c *catalogBuilder) sender(name, id string) int {
	c.senderKey = appendStr(appendStr(c.senderKey[:0], name), id)
	i, ok := c.senders[string(c.senderKey)]
	if !ok {
		i = c.nSenders
		c.senders[string(c.senderKey)] = i
		c.nSenders++
		c.senderTab = append(c.senderTab, c.senderKey...)
	}
	return i
}

func (c *catalogBuilder) conv(cv *Conversation) int {
	// Keyed by all of it, as the segment codec's table is: messages of
	// one conversation id may carry different titles.
	k := appendStr(appendStr(c.senderKey[:0], cv.ID), cv.Title)
	for _, p := range cv.Participants {
		k = appendStr(k, p)
	}
	c.senderKey = k
	i, ok := c.convs[string(k)]
	if !ok {
		i = c.nConvs
		c.convs[string(k)] = i
		c.nConvs++
		c.convTab = appendStr(appendStr(c.convTab, cv.ID), cv.Title)
		c.convTab = binary.AppendUvarint(c.convTab, uint64(len(cv.Participants)))
		for _, p := range cv.Participants {
			c.convTab = appendStr(c.convTab, p)
		}
	}
	return i
}

// writeTo writes the catalog, its tables and the trailer, to go after
// the engine's index in an index file's plaintext.
func (c *catalogBuilder) writeTo(w io.Writer) error {
	var tabs []byte
	tabs = binary.AppendUvarint(tabs, uint64(c.nSources))
	tabs = append(tabs, c.sourceTab...)
	tabs = binary.AppendUvarint(tabs, uint64(c.nSenders))
	tabs = append(tabs, c.senderTab...)
	tabs = binary.AppendUvarint(tabs, uint64(c.nConvs))
	tabs = append(tabs, c.convTab...)
	defer clear(tabs)
	var t []byte
	t = binary.LittleEndian.AppendUint64(t, uint64(len(c.entries)))
	t = binary.LittleEndian.AppendUint64(t, uint64(len(tabs)))
	t = binary.LittleEndian.AppendUint32(t, uint32(c.n))
	t = append(t, catalogMagic...)
	for _, p := range [][]byte{c.entries, tabs, t} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// wipe zeroes the encoded metadata (senders and titles are the archive's).
func (c *catalogBuilder) wipe() {
	if c == nil {
		return
	}
	clear(c.entries)
	clear(c.sourceTab)
	clear(c.senderTab)
	clear(c.convTab)
	clear(c.senderKey)
	*c = catalogBuilder{}
}

// rawID returns the 16 bytes of an id of 32 lowercase hex digits (every
// id ComputeID makes).
func rawID(id string) (raw [16]byte, ok bool) {
	if len(id) != 32 {
		return raw, false
	}
	for i := 0; i < 32; i++ {
		ch := id[i]
		if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f') {
			return raw, false
		}
	}
	hex.Decode(raw[:], []byte(id))
	return raw, true
}

var errCatalog = errors.New("malformed catalog")

// catalogTrailerOf reads the trailer t (the last catalogTrailer bytes)
// of an index file's plaintext of size bytes: where the catalog's
// entries and tables begin, and how many entries there are. ok is false
// for a file without a catalog.
func catalogTrailerOf(t []byte, size int64) (entStart, tabStart, end int64, n int, ok bool, err error) {
	if len(t) != catalogTrailer || size < int64(catalogTrailer) || string(t[len(t)-len(catalogMagic):]) != catalogMagic {
		return 0, 0, 0, 0, false, nil
	}
	ne, nt, cnt := binary.LittleEndian.Uint64(t), binary.LittleEndian.Uint64(t[8:]), binary.LittleEndian.Uint32(t[16:])
	rest := uint64(size) - uint64(catalogTrailer)
	if ne > rest || nt > rest-ne || uint64(cnt) > ne {
		return 0, 0, 0, 0, false, fmt.Errorf("%w: implausible sizes", errCatalog)
	}
	end = int64(rest)
	tabStart = end - int64(nt)
	return tabStart - int64(ne), tabStart, end, int(cnt), true, nil
}

// splitCatalog splits an index file's plaintext into the engine's index
// and the catalog (entries, tables, entry count). ok is false for a file
// without a catalog.
func splitCatalog(plain []byte) (index, entries, tables []byte, n int, ok bool, err error) {
	if len(plain) < catalogTrailer {
		return plain, nil, nil, 0, false, nil
	}
	es, ts, end, n, ok, err := catalogTrailerOf(plain[len(plain)-catalogTrailer:], int64(len(plain)))
	if err != nil || !ok {
		return plain, nil, nil, 0, false, err
	}
	return plain[:es], plain[es:ts], plain[ts:end], n, true, nil
}

// catalogTables are a catalog's tables, decoded; strings point into the
// plaintext.
type catalogTables struct {
	sources []string
	senders [][2]string
	convs   []Conversation
}

func decodeCatalogTables(b []byte) (*catalogTables, error) {
	d := &decoder{buf: b}
	t := &catalogTables{}
	n, err := d.count()
	if err != nil {
		return nil, err
	}
	t.sources = make([]string, n)
	for i := range t.sources {
		if t.sources[i], err = d.str(); err != nil {
			return nil, err
		}
	}
	if n, err = d.count(); err != nil {
		return nil, err
	}
	t.senders = make([][2]string, n)
	for i := range t.senders {
		if t.senders[i][0], err = d.str(); err != nil {
			return nil, err
		}
		if t.senders[i][1], err = d.str(); err != nil {
			return nil, err
		}
	}
	if n, err = d.count(); err != nil {
		return nil, err
	}
	t.convs = make([]Conversation, n)
	for i := range t.convs {
		c := &t.convs[i]
		if c.ID, err = d.str(); err != nil {
			return nil, err
		}
		if c.Title, err = d.str(); err != nil {
			return nil, err
		}
		np, err := d.count()
		if err != nil {
			return nil, err
		}
		if np > 0 {
			c.Participants = make([]string, np)
			for j := range c.Participants {
				if c.Participants[j], err = d.str(); err != nil {
					return nil, err
				}
			}
		}
	}
	if d.off != len(b) {
		return nil, errCodec
	}
	return t, nil
}

// catalogEntry is one decoded entry; its strings point into the
// plaintext.
type catalogEntry struct {
	raw            [16]byte
	id             string // when the id is not raw
	isRaw, timed   bool
	ns             int64
	source, sender uint32
	conv           uint32
	to, attach     []string
	replyTo        string
	origID         string
}

// entry decodes the next entry, checking its table indexes against t.
func (d *decoder) catalogEntry(e *catalogEntry, t *catalogTables) error {
	if d.off >= len(d.buf) {
		return errCodec
	}
	flags := d.buf[d.off]
	d.off++
	if flags&^catFlags != 0 {
		return errCodec
	}
	*e = catalogEntry{isRaw: flags&catRawID != 0, timed: flags&catTimed != 0}
	var err error
	if e.isRaw {
		if len(d.buf)-d.off < 16 {
			return errCodec
		}
		copy(e.raw[:], d.buf[d.off:])
		d.off += 16
	} else if e.id, err = d.str(); err != nil || e.id == "" {
		return errCodec
	}
	if e.timed {
		if e.ns, err = d.varint(); err != nil {
			return err
		}
	}
	idx := func(limit int) (uint32, error) {
		v, err := d.uvarint()
		if err != nil || v >= uint64(limit) {
			return 0, errCodec
		}
		return uint32(v), nil
	}
	if e.source, err = idx(len(t.sources)); err != nil {
		return err
	}
	if e.sender, err = idx(len(t.senders)); err != nil {
		return err
	}
	if e.conv, err = idx(len(t.convs)); err != nil {
		return err
	}
	list := func() ([]string, error) {
		n, err := d.count()
		if err != nil || n == 0 {
			return nil, errCodec
		}
		out := make([]string, n)
		for i := range out {
			if out[i], err = d.str(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if flags&catTo != 0 {
		if e.to, err = list(); err != nil {
			return err
		}
	}
	if flags&catAttached != 0 {
		if e.attach, err = list(); err != nil {
			return err
		}
	}
	if flags&catReply != 0 {
		if e.replyTo, err = d.str(); err != nil || e.replyTo == "" {
			return errCodec
		}
	}
	if flags&catOrigID != 0 {
		if e.origID, err = d.str(); err != nil || e.origID == "" {
			return errCodec
		}
	}
	return nil
}

// Meta is what a search needs of a message besides its text: what the
// index's tables, facets and sorts are made of. Vault.Meta fills it from
// the loaded messages or from the catalogs.
type Meta struct {
	Source, Sender, SenderID string
	Time                     time.Time
	Conversation             *Conversation
	To                       []string
	// Attachments are the names of the message's attachments.
	Attachments []string
	// ReplyTo and OriginalID (Message.Provenance.OriginalID) are what
	// reply threads are drawn from.
	ReplyTo, OriginalID string
	// Keys, when not -1, number the source, the sender (with its id) and
	// the conversation among the vault's: equal numbers, equal values
	// (a table can hold a value twice). A reader can map them to its own
	// tables without hashing the strings of every message.
	Keys [3]int32
}
