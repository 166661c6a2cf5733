package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unsafe"
)

// The segment body codec. A body is:
//
//	uvarint number of conversations, then each: id, title (strings),
//	  uvarint number of participants, then each participant (string)
//	uvarint number of provenances, then each: format, file, file_sha256,
//	  timezone (strings), imported_at (varint ns), skipped (varint)
//	the messages, one after another
//
// A message is a sequence of fields, each a one-byte tag and a value,
// ended by tagEnd; its conversation and the per-file part of its
// provenance are indexes into the tables above, so what every message of
// a chat repeats is stored (and decoded, and allocated) once per segment.
// Strings are a uvarint length and bytes; integers are zig-zag varints;
// times are Unix nanoseconds. FORMAT.md lists the tags.
//
// encoding/json took ~20x as long to decode a million messages (4.9 s) as
// age took to decrypt them; this codec decodes without a copy or an
// allocation per string.
const (
	tagEnd = iota
	tagID
	tagSource
	tagKind
	tagConv // uvarint index into the conversation table
	tagSender
	tagSenderID
	tagTo // repeated
	tagTime
	tagOffset
	tagSubject
	tagBody
	tagReplyTo
	tagForwardedFrom
	tagEdited
	tagAttachment // see appendAttachment
	tagHeader     // key, value
	tagProv       // uvarint index into the provenance table
	tagPosition
	tagOriginalID
	tagSeq
	tagReaction // emoji, by (strings), count (uvarint); repeated
	tagTimeSource
	tagMessageSHA256
)

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	return appendStr(append(b, tag), s)
}

func appendInt(b []byte, tag byte, v int64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendVarint(append(b, tag), v)
}

func appendTime(b []byte, tag byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return binary.AppendVarint(append(b, tag), t.UnixNano())
}

// segmentBuilder collects the encoding of one segment's messages.
type segmentBuilder struct {
	convs, provs     map[string]int
	convTab, provTab []byte
	msgs             []byte
	// bodies are message bodies of bigBody bytes or more, kept out of
	// msgs: each is written after msgs[:at] (see body).
	bodies []bigBodyRef
	counts []byte // the two table lengths, as body writes them
	count  int
	key    strings.Builder
}

func newSegmentBuilder() *segmentBuilder {
	return &segmentBuilder{convs: map[string]int{}, provs: map[string]int{}}
}

// bigBody is the length from which a message body is not copied into
// the builder but referred to (see add): a message of 50 MiB is then
// held by its parser only, not twice more while its segment is sealed.
const bigBody = 1 << 20

type bigBodyRef struct {
	at   int // the offset in msgs the body follows
	text string
}

// size is roughly the body's size so far.
func (s *segmentBuilder) size() int {
	n := len(s.convTab) + len(s.provTab) + len(s.msgs)
	for _, b := range s.bodies {
		n += len(b.text)
	}
	return n
}

// holdsRefs reports whether the builder refers to a message's body
// rather than holding a copy: the segment must then be sealed before
// the caller's Add returns, while that string is certain to be intact
// (a parser may build one over a buffer it reuses afterwards).
func (s *segmentBuilder) holdsRefs() bool { return len(s.bodies) > 0 }

// body returns the encoded segment body as the parts it is made of, in
// order, without copying them into one buffer: a message of 50 MiB is
// then held once by the builder, not twice while its segment is sealed.
// The parts are valid until reset.
func (s *segmentBuilder) body() [][]byte {
	s.counts = binary.AppendUvarint(s.counts[:0], uint64(len(s.convs)))
	n := len(s.counts)
	s.counts = binary.AppendUvarint(s.counts, uint64(len(s.provs)))
	parts := [][]byte{s.counts[:n], s.convTab, s.counts[n:], s.provTab}
	from := 0
	for _, b := range s.bodies {
		parts = append(parts, s.msgs[from:b.at], unsafe.Slice(unsafe.StringData(b.text), len(b.text)))
		from = b.at
	}
	return append(parts, s.msgs[from:])
}

// keepBytes is the staging capacity reset keeps for the next segment; a
// buffer grown past it by one huge message is dropped rather than held
// for the rest of the import.
const keepBytes = 4 * segmentTargetBytes

// reset empties the builder, zeroing the plaintext it held.
func (s *segmentBuilder) reset() {
	clear(s.convTab)
	clear(s.provTab)
	clear(s.msgs)
	clear(s.bodies) // references to the callers' strings, which are theirs to wipe
	s.bodies = s.bodies[:0]
	clear(s.convs)
	clear(s.provs)
	s.convTab, s.provTab, s.msgs, s.count = s.convTab[:0], s.provTab[:0], s.msgs[:0], 0
	if cap(s.msgs) > keepBytes {
		s.msgs = nil
	}
}

func (s *segmentBuilder) convIndex(c *Conversation) int {
	s.key.Reset()
	s.key.WriteString(c.ID)
	s.key.WriteByte(0)
	s.key.WriteString(c.Title)
	for _, p := range c.Participants {
		s.key.WriteByte(0)
		s.key.WriteString(p)
	}
	k := s.key.String()
	if i, ok := s.convs[k]; ok {
		return i
	}
	i := len(s.convs)
	s.convs[k] = i
	s.convTab = appendStr(s.convTab, c.ID)
	s.convTab = appendStr(s.convTab, c.Title)
	s.convTab = binary.AppendUvarint(s.convTab, uint64(len(c.Participants)))
	for _, p := range c.Participants {
		s.convTab = appendStr(s.convTab, p)
	}
	return i
}

func (s *segmentBuilder) provIndex(p *Provenance) int {
	k := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d\x00%d", p.Format, p.File, p.FileSHA256, p.Timezone, p.ImportedAt.UnixNano(), p.Skipped)
	if i, ok := s.provs[k]; ok {
		return i
	}
	i := len(s.provs)
	s.provs[k] = i
	for _, v := range []string{p.Format, p.File, p.FileSHA256, p.Timezone} {
		s.provTab = appendStr(s.provTab, v)
	}
	var ns int64
	if !p.ImportedAt.IsZero() {
		ns = p.ImportedAt.UnixNano()
	}
	s.provTab = binary.AppendVarint(s.provTab, ns)
	s.provTab = binary.AppendVarint(s.provTab, int64(p.Skipped))
	return i
}

// add appends the encoding of m. Attachment content is not encoded: it
// lives in a blob file, located by Ref.
func (s *segmentBuilder) add(m *Message) {
	b := s.msgs
	b = appendString(b, tagID, m.ID)
	b = appendString(b, tagSource, m.Source)
	b = appendString(b, tagKind, m.Kind)
	b = binary.AppendUvarint(append(b, tagConv), uint64(s.convIndex(&m.Conversation)))
	b = appendString(b, tagSender, m.Sender)
	b = appendString(b, tagSenderID, m.SenderID)
	for _, p := range m.To {
		b = appendStr(append(b, tagTo), p)
	}
	b = appendTime(b, tagTime, m.Time)
	b = appendInt(b, tagOffset, int64(m.Offset))
	b = appendString(b, tagSubject, m.Subject)
	if len(m.Body) >= bigBody {
		b = binary.AppendUvarint(append(b, tagBody), uint64(len(m.Body)))
		s.bodies = append(s.bodies, bigBodyRef{at: len(b), text: m.Body})
	} else {
		b = appendString(b, tagBody, m.Body)
	}
	b = appendString(b, tagReplyTo, m.ReplyTo)
	b = appendString(b, tagForwardedFrom, m.ForwardedFrom)
	if m.Edited != nil {
		b = binary.AppendVarint(append(b, tagEdited), m.Edited.UnixNano())
	}
	for i := range m.Attachments {
		b = appendAttachment(b, &m.Attachments[i])
	}
	for _, k := range sortedKeys(m.Headers) {
		b = appendStr(append(b, tagHeader), k)
		b = appendStr(b, m.Headers[k])
	}
	b = binary.AppendUvarint(append(b, tagProv), uint64(s.provIndex(&m.Provenance)))
	b = appendString(b, tagPosition, m.Provenance.Position)
	b = appendString(b, tagOriginalID, m.Provenance.OriginalID)
	b = appendString(b, tagTimeSource, m.Provenance.TimeSource)
	b = appendString(b, tagMessageSHA256, m.Provenance.SHA256)
	b = appendInt(b, tagSeq, int64(m.Seq))
	for _, r := range m.Reactions {
		b = appendStr(append(b, tagReaction), r.Emoji)
		b = appendStr(b, r.By)
		b = binary.AppendUvarint(b, uint64(max(r.Count, 0)))
	}
	s.msgs = append(b, tagEnd)
	s.count++
}

// An attachment is: name, type, blob name, sha256 (strings), then size,
// offset, length (uvarints) and a flags byte (bit 0: missing).
func appendAttachment(b []byte, a *Attachment) []byte {
	b = append(b, tagAttachment)
	for _, s := range []string{a.Name, a.Type, a.Ref.Blob, a.SHA256} {
		b = appendStr(b, s)
	}
	b = binary.AppendUvarint(b, uint64(a.Size))
	b = binary.AppendUvarint(b, uint64(a.Ref.Offset))
	b = binary.AppendUvarint(b, uint64(a.Ref.Length))
	var flags byte
	if a.Missing {
		flags = 1
	}
	return append(b, flags)
}

var errCodec = errors.New("malformed message encoding")

// decoder reads a decrypted segment body. Strings it returns share the
// body's memory (no copy per field): the body is never modified after
// decoding, and keeping the plaintext in one buffer per segment lets Close
// wipe it.
type decoder struct {
	buf   []byte
	off   int
	convs []Conversation
	provs []Provenance
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		return 0, errCodec
	}
	d.off += n
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		return 0, errCodec
	}
	d.off += n
	return v, nil
}

func (d *decoder) str() (string, error) {
	n, err := d.uvarint()
	if err != nil || n > uint64(len(d.buf)-d.off) {
		return "", errCodec
	}
	b := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	if len(b) == 0 {
		return "", nil
	}
	return unsafe.String(&b[0], len(b)), nil
}

func (d *decoder) time() (time.Time, error) {
	v, err := d.varint()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, v).UTC(), nil
}

// count reads a table or list length, bounded by what the remaining bytes
// could hold (each entry takes at least one byte).
func (d *decoder) count() (int, error) {
	n, err := d.uvarint()
	if err != nil || n > uint64(len(d.buf)-d.off) {
		return 0, errCodec
	}
	return int(n), nil
}

// tables reads the conversation and provenance tables.
func (d *decoder) tables() error {
	n, err := d.count()
	if err != nil {
		return err
	}
	d.convs = make([]Conversation, n)
	for i := range d.convs {
		c := &d.convs[i]
		if c.ID, err = d.str(); err != nil {
			return err
		}
		if c.Title, err = d.str(); err != nil {
			return err
		}
		np, err := d.count()
		if err != nil {
			return err
		}
		if np > 0 {
			c.Participants = make([]string, np)
			for j := range c.Participants {
				if c.Participants[j], err = d.str(); err != nil {
					return err
				}
			}
		}
	}
	if n, err = d.count(); err != nil {
		return err
	}
	d.provs = make([]Provenance, n)
	for i := range d.provs {
		p := &d.provs[i]
		for _, f := range []*string{&p.Format, &p.File, &p.FileSHA256, &p.Timezone} {
			if *f, err = d.str(); err != nil {
				return err
			}
		}
		ns, err := d.varint()
		if err != nil {
			return err
		}
		if ns != 0 {
			p.ImportedAt = time.Unix(0, ns).UTC()
		}
		sk, err := d.varint()
		if err != nil || sk < 0 || sk > math.MaxInt32 {
			return errCodec
		}
		p.Skipped = int(sk)
	}
	return nil
}

// message decodes one message into m. Messages of one conversation share
// its Participants slice: callers must not modify it.
func (d *decoder) message(m *Message) error {
	for {
		if d.off >= len(d.buf) {
			return errCodec
		}
		tag := d.buf[d.off]
		d.off++
		var err error
		switch tag {
		case tagEnd:
			return nil
		case tagID:
			m.ID, err = d.str()
		case tagSource:
			m.Source, err = d.str()
		case tagKind:
			m.Kind, err = d.str()
		case tagConv:
			var i uint64
			if i, err = d.uvarint(); err == nil && i >= uint64(len(d.convs)) {
				err = errCodec
			}
			if err == nil {
				m.Conversation = d.convs[i]
			}
		case tagSender:
			m.Sender, err = d.str()
		case tagSenderID:
			m.SenderID, err = d.str()
		case tagTo:
			var s string
			s, err = d.str()
			m.To = append(m.To, s)
		case tagTime:
			m.Time, err = d.time()
		case tagOffset:
			var v int64
			v, err = d.varint()
			if v < math.MinInt32 || v > math.MaxInt32 {
				err = errCodec
			}
			m.Offset = int(v)
		case tagSubject:
			m.Subject, err = d.str()
		case tagBody:
			m.Body, err = d.str()
		case tagReplyTo:
			m.ReplyTo, err = d.str()
		case tagForwardedFrom:
			m.ForwardedFrom, err = d.str()
		case tagEdited:
			var t time.Time
			t, err = d.time()
			m.Edited = &t
		case tagAttachment:
			err = d.attachment(m)
		case tagHeader:
			var k, v string
			if k, err = d.str(); err == nil {
				v, err = d.str()
			}
			if m.Headers == nil {
				m.Headers = make(map[string]string, 8)
			}
			m.Headers[k] = v
		case tagProv:
			var i uint64
			if i, err = d.uvarint(); err == nil && i >= uint64(len(d.provs)) {
				err = errCodec
			}
			if err == nil {
				// The per-message fields may come before the table entry.
				p := m.Provenance
				m.Provenance = d.provs[i]
				m.Provenance.Position, m.Provenance.OriginalID = p.Position, p.OriginalID
				m.Provenance.TimeSource, m.Provenance.SHA256 = p.TimeSource, p.SHA256
			}
		case tagPosition:
			m.Provenance.Position, err = d.str()
		case tagOriginalID:
			m.Provenance.OriginalID, err = d.str()
		case tagTimeSource:
			m.Provenance.TimeSource, err = d.str()
		case tagMessageSHA256:
			m.Provenance.SHA256, err = d.str()
		case tagSeq:
			var v int64
			v, err = d.varint()
			if v < 0 || v > math.MaxInt32 {
				err = errCodec
			}
			m.Seq = int(v)
		case tagReaction:
			var r Reaction
			var n uint64
			if r.Emoji, err = d.str(); err == nil {
				if r.By, err = d.str(); err == nil {
					if n, err = d.uvarint(); err == nil && n > math.MaxInt32 {
						err = errCodec
					}
				}
			}
			r.Count = int(n)
			m.Reactions = append(m.Reactions, r)
		default:
			return fmt.Errorf("%w: unknown field tag %d", errCodec, tag)
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) attachment(m *Message) error {
	var a Attachment
	var err error
	for _, p := range []*string{&a.Name, &a.Type, &a.Ref.Blob, &a.SHA256} {
		if *p, err = d.str(); err != nil {
			return err
		}
	}
	var v [3]uint64
	for i := range v {
		if v[i], err = d.uvarint(); err != nil {
			return err
		}
		if v[i] > math.MaxInt64 {
			return errCodec
		}
	}
	a.Size, a.Ref.Offset, a.Ref.Length = int64(v[0]), int64(v[1]), int64(v[2])
	if d.off >= len(d.buf) {
		return errCodec
	}
	a.Missing = d.buf[d.off]&1 != 0
	d.off++
	m.Attachments = append(m.Attachments, a)
	return nil
}

func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
