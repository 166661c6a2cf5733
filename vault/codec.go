package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// The message codec: the binary form of Message inside a segment. It is a
// sequence of fields, each a one-byte tag and a value, ended by tagEnd.
// Strings are a uvarint length and bytes; integers are varints; times are
// Unix nanoseconds. FORMAT.md lists the tags.
//
// JSON was measured at ~20x the cost of age decryption for the same bytes
// (shared/notes/perf-baseline.md); this codec is what lets unlock decode at
// the speed of decryption.
const (
	tagEnd = iota
	tagID
	tagSource
	tagKind
	tagConvID
	tagConvTitle
	tagConvParticipant // repeated
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
	tagAttachment // nested: see appendAttachment
	tagHeader     // key, value
	tagProvFormat
	tagProvFile
	tagProvFileSHA256
	tagProvPosition
	tagProvOriginalID
	tagProvImportedAt
	tagProvTimezone
	tagProvSkipped
	tagSeq
)

func appendString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendInt(b []byte, tag byte, v int64) []byte {
	if v == 0 {
		return b
	}
	b = append(b, tag)
	return binary.AppendVarint(b, v)
}

func appendTime(b []byte, tag byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, tag)
	return binary.AppendVarint(b, t.UnixNano())
}

// appendMessage appends the encoding of m to b. The attachment content is
// not encoded: it lives in a blob file, located by Ref.
func appendMessage(b []byte, m *Message) []byte {
	b = appendString(b, tagID, m.ID)
	b = appendString(b, tagSource, m.Source)
	b = appendString(b, tagKind, m.Kind)
	b = appendString(b, tagConvID, m.Conversation.ID)
	b = appendString(b, tagConvTitle, m.Conversation.Title)
	for _, p := range m.Conversation.Participants {
		b = append(b, tagConvParticipant)
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	b = appendString(b, tagSender, m.Sender)
	b = appendString(b, tagSenderID, m.SenderID)
	for _, p := range m.To {
		b = append(b, tagTo)
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	b = appendTime(b, tagTime, m.Time)
	b = appendInt(b, tagOffset, int64(m.Offset))
	b = appendString(b, tagSubject, m.Subject)
	b = appendString(b, tagBody, m.Body)
	b = appendString(b, tagReplyTo, m.ReplyTo)
	b = appendString(b, tagForwardedFrom, m.ForwardedFrom)
	if m.Edited != nil {
		b = append(b, tagEdited)
		b = binary.AppendVarint(b, m.Edited.UnixNano())
	}
	for i := range m.Attachments {
		b = appendAttachment(b, &m.Attachments[i])
	}
	for k, v := range m.Headers {
		b = append(b, tagHeader)
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	p := &m.Provenance
	b = appendString(b, tagProvFormat, p.Format)
	b = appendString(b, tagProvFile, p.File)
	b = appendString(b, tagProvFileSHA256, p.FileSHA256)
	b = appendString(b, tagProvPosition, p.Position)
	b = appendString(b, tagProvOriginalID, p.OriginalID)
	b = appendTime(b, tagProvImportedAt, p.ImportedAt)
	b = appendString(b, tagProvTimezone, p.Timezone)
	b = appendInt(b, tagProvSkipped, int64(p.Skipped))
	b = appendInt(b, tagSeq, int64(m.Seq))
	return append(b, tagEnd)
}

// An attachment is: name, type, blob name (strings), then size, offset,
// length (uvarints), a flags byte (1 = missing) and the SHA-256 as a string.
func appendAttachment(b []byte, a *Attachment) []byte {
	b = append(b, tagAttachment)
	for _, s := range []string{a.Name, a.Type, a.Ref.Blob, a.SHA256} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
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

// decoder reads messages from a decrypted, decompressed segment body.
// Strings it returns share the body's memory (no copy per field): the
// body is never modified after decoding, and keeping the plaintext in one
// buffer per segment lets Close wipe it.
type decoder struct {
	buf []byte
	off int
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

// message decodes one message into m.
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
		case tagConvID:
			m.Conversation.ID, err = d.str()
		case tagConvTitle:
			m.Conversation.Title, err = d.str()
		case tagConvParticipant:
			var s string
			s, err = d.str()
			m.Conversation.Participants = append(m.Conversation.Participants, s)
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
				m.Headers = map[string]string{}
			}
			m.Headers[k] = v
		case tagProvFormat:
			m.Provenance.Format, err = d.str()
		case tagProvFile:
			m.Provenance.File, err = d.str()
		case tagProvFileSHA256:
			m.Provenance.FileSHA256, err = d.str()
		case tagProvPosition:
			m.Provenance.Position, err = d.str()
		case tagProvOriginalID:
			m.Provenance.OriginalID, err = d.str()
		case tagProvImportedAt:
			m.Provenance.ImportedAt, err = d.time()
		case tagProvTimezone:
			m.Provenance.Timezone, err = d.str()
		case tagProvSkipped:
			var v int64
			v, err = d.varint()
			m.Provenance.Skipped = int(v)
		case tagSeq:
			var v int64
			v, err = d.varint()
			m.Seq = int(v)
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
