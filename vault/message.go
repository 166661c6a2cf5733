package vault

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is coffer's canonical message: every importer produces it, the
// vault stores it, the index and the UI read it. Its JSON form (the tags
// below) is the JSONL import format specified in FORMAT.md.
//
// Strings hold untrusted text exactly as exported: nothing here is
// sanitised, because the vault keeps the original bytes. Sanitising is
// the job of whatever draws the text.
type Message struct {
	// ID is derived from the content (see ComputeID), so the same message
	// exported twice gets the same ID and is stored once.
	ID     string `json:"id,omitempty"`
	Source string `json:"source"` // whatsapp, telegram, signal, slack, email, jsonl, ...
	// Kind is "" for an ordinary message and "system" for service
	// messages (joins, calls, subject changes) that have no real author.
	Kind         string       `json:"kind,omitempty"`
	Conversation Conversation `json:"conversation"`
	Sender       string       `json:"sender"`
	// SenderID is the sender's address or platform id where the export
	// has one (an email address, a Telegram user id, a phone number).
	SenderID string `json:"sender_id,omitempty"`
	// To lists the addressees of an email (To and Cc); chats leave it empty.
	To []string `json:"to,omitempty"`
	// Time is the instant the message was sent, in UTC. Offset is the
	// sender's original UTC offset in seconds, when the export records it.
	Time    time.Time `json:"time"`
	Offset  int       `json:"offset,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Body    string    `json:"body"`
	// ReplyTo is the ID (or the source's original id, prefixed with the
	// source, when the target was not imported) of the message replied to.
	ReplyTo       string       `json:"reply_to,omitempty"`
	ForwardedFrom string       `json:"forwarded_from,omitempty"`
	Edited        *time.Time   `json:"edited,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	// Reactions are the emoji reactions (Discord reactions, iMessage
	// tapbacks, Slack reactions) the export recorded on the message. They
	// are not part of its ID: a later export of the same message with
	// more reactions is the same message.
	Reactions []Reaction `json:"reactions,omitempty"`
	// Seq tells apart messages that are otherwise identical (same sender,
	// minute and text, as chat exports often have): the importer numbers
	// the second and later copies within one conversation 1, 2, ...
	Seq int `json:"seq,omitempty"`
	// Headers keeps source-specific fields that have no place above
	// (email headers, Telegram media type, Slack subtype, ...).
	Headers    map[string]string `json:"headers,omitempty"`
	Provenance Provenance        `json:"provenance"`
}

// Conversation is the chat, channel or email thread a message belongs to.
type Conversation struct {
	ID           string   `json:"id"`
	Title        string   `json:"title,omitempty"`
	Participants []string `json:"participants,omitempty"`
}

// Attachment describes a file sent with a message. Content is what the
// importer read; the vault stores it encrypted in a blob file and keeps
// only Ref (the blob name, offset and length) with the message.
type Attachment struct {
	Name   string `json:"name"`
	Type   string `json:"type,omitempty"` // MIME type
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"` // hex, of Content
	// Missing is set when the export names the file but did not include it
	// (WhatsApp "<Media omitted>", Slack file metadata without the file).
	Missing bool    `json:"missing,omitempty"`
	Content []byte  `json:"content,omitempty"` // only between importer and vault
	Ref     BlobRef `json:"-"`
}

// Reaction is one reaction on a message: who reacted with what, or, where
// the export gives only totals, how many did.
type Reaction struct {
	Emoji string `json:"emoji"`           // the emoji, or the platform's name for a custom one (":partyparrot:")
	By    string `json:"by,omitempty"`    // who reacted, when the export names them
	Count int    `json:"count,omitempty"` // how many reacted, when it does not (0: one, By)
}

// BlobRef locates attachment content inside the vault.
type BlobRef struct {
	Blob   string // blob file name under blobs/, "" when not stored
	Offset int64
	Length int64
}

// Provenance says where a message came from, so a reviewer can go back to
// the original export.
type Provenance struct {
	Format     string    `json:"format,omitempty"`      // importer name
	File       string    `json:"file,omitempty"`        // base name of the source file
	FileSHA256 string    `json:"file_sha256,omitempty"` // hex
	Position   string    `json:"position,omitempty"`    // "line 12", "message 4 of inbox.mbox", "id 1234"
	OriginalID string    `json:"original_id,omitempty"` // the source's own message id
	ImportedAt time.Time `json:"imported_at,omitempty"`
	Timezone   string    `json:"timezone,omitempty"` // zone assumed for exports without offsets
	Skipped    int       `json:"skipped,omitempty"`  // records skipped by a lenient import of this file
	// TimeSource says where Time came from when the source offers more
	// than one place (mail: the Date header, a Received header, the mbox
	// From line, an archiver's manifest), so a reviewer can weigh it.
	// TimeUnknown marks a message kept without any time: its Time is zero.
	// Empty means the export's own timestamp.
	TimeSource string `json:"time_source,omitempty"`
	// SHA256 is the hex SHA-256 of the message's original bytes, where
	// the source has them per message (an email as received), so a
	// production can prove the stored message is the one received.
	SHA256 string `json:"sha256,omitempty"`
}

// Provenance.TimeSource values.
const (
	TimeFromDate     = "date"      // the message's own Date header
	TimeFromReceived = "received"  // the newest dated Received header
	TimeFromFromLine = "from_line" // the mbox "From " envelope line
	TimeFromManifest = "manifest"  // the archiver's manifest
	TimeUnknown      = "unknown"   // no time at all: Time is zero
)

// CompareTime orders messages by time, then ID; messages with an unknown
// time (zero Time) sort after every dated one, so that they close a
// conversation instead of opening it as if sent in year 1.
func CompareTime(a, b *Message) int {
	if az, bz := a.Time.IsZero(), b.Time.IsZero(); az != bz {
		if az {
			return 1
		}
		return -1
	}
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// ComputeID returns the content-derived ID of m: the first 16 bytes of a
// SHA-256 over the fields that identify a message wherever it was exported
// from, hex encoded. Provenance is deliberately left out so that the same
// message in two overlapping exports gets one ID. FORMAT.md specifies it.
func ComputeID(m *Message) string {
	bp := idBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	// A long field (a 50 MiB body) is hashed where it is, not copied:
	// the fields are one stream for the hash either way.
	var h hash.Hash
	put := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		if len(s) <= idInlineField {
			b = append(b, s...)
			return
		}
		if h == nil {
			h = sha256.New()
		}
		h.Write(b)
		for len(s) > 0 {
			n := min(len(s), idInlineField)
			b = append(b[:0], s[:n]...)
			h.Write(b)
			s = s[n:]
		}
		b = b[:0]
	}
	put("coffer message id v1")
	put(m.Source)
	put(m.Conversation.ID)
	put(m.Sender)
	put(m.SenderID)
	// The time as RFC 3339 with nanoseconds, length-prefixed like the rest.
	var tb [64]byte
	ts := appendRFC3339Nano(tb[:0], m.Time)
	b = binary.AppendUvarint(b, uint64(len(ts)))
	b = append(b, ts...)
	put(m.Subject)
	put(m.Body)
	put(m.Provenance.OriginalID)
	var nb [20]byte
	seq := strconv.AppendInt(nb[:0], int64(m.Seq), 10)
	b = binary.AppendUvarint(b, uint64(len(seq)))
	b = append(b, seq...)
	for _, a := range m.Attachments {
		put(a.Name)
		put(a.SHA256)
	}
	var sum [sha256.Size]byte
	if h == nil {
		sum = sha256.Sum256(b)
	} else {
		h.Write(b)
		h.Sum(sum[:0])
	}
	clear(b) // it held message text
	if cap(b) <= 1<<20 {
		*bp = b
		idBuffers.Put(bp)
	}
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

// appendRFC3339Nano appends t in UTC as time.RFC3339Nano formats it,
// without the general formatter's layout parsing, which was a tenth of
// ComputeID (issue 17). Years outside 0-9999 take the general path.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hh, mm, ss := t.Clock()
	two := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	b = two(two(b, y/100), y%100)
	b = two(append(b, '-'), int(mo))
	b = two(append(b, '-'), d)
	b = two(append(b, 'T'), hh)
	b = two(append(b, ':'), mm)
	b = two(append(b, ':'), ss)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [9]byte
		for i := 8; i >= 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 9
		for frac[n-1] == '0' {
			n--
		}
		b = append(append(b, '.'), frac[:n]...)
	}
	return append(b, 'Z')
}

// idInlineField is the longest field ComputeID copies into its buffer.
const idInlineField = 64 << 10

// idBuffers recycles ComputeID's scratch buffers: importers call it for
// every message, and an allocation per field dominated their profiles.
var idBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// ErrInvalidMessage wraps every error of Validate.
var ErrInvalidMessage = errors.New("invalid message")

// Validate checks the fields every message must have and fills in what
// can be derived (the ID, UTC time, attachment sizes and hashes). The ID
// it sets is what Appender.Add stores the message under, so a message
// must not change after Validate.
func Validate(m *Message) error {
	if err := checkRequired(m); err != nil {
		return err
	}
	if _, off := m.Time.Zone(); m.Offset == 0 && off != 0 {
		m.Offset = off
	}
	m.Time = m.Time.UTC()
	for i := range m.Attachments {
		a := &m.Attachments[i]
		if a.Content != nil {
			a.Size = int64(len(a.Content))
			s := sha256.Sum256(a.Content)
			a.SHA256 = hex.EncodeToString(s[:])
		}
	}
	id := ComputeID(m)
	if m.ID != "" && m.ID != id {
		return fmt.Errorf("%w: id %q does not match the content (want %s; put the source's own id in provenance.original_id)", ErrInvalidMessage, m.ID, id)
	}
	m.ID = id
	return nil
}

// checkRequired checks the fields without which a message cannot be
// stored or found.
func checkRequired(m *Message) error {
	switch {
	case m.Source == "":
		return fmt.Errorf(`%w: missing "source"`, ErrInvalidMessage)
	case m.Conversation.ID == "":
		return fmt.Errorf(`%w: missing "conversation.id"`, ErrInvalidMessage)
	case m.Time.IsZero() && m.Provenance.TimeSource != TimeUnknown:
		return fmt.Errorf(`%w: missing "time" (provenance.time_source "unknown" keeps a message without one)`, ErrInvalidMessage)
	case !m.Time.IsZero() && m.Provenance.TimeSource == TimeUnknown:
		return fmt.Errorf(`%w: "time" given with provenance.time_source "unknown"`, ErrInvalidMessage)
	}
	return nil
}
