package ingest

// Helpers shared by the chat importers (Telegram, Signal, Slack,
// iMessage). They live beside Telegram only because that importer came
// first; nothing in them is Telegram-specific.

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coffer/vault"
)

const (
	// MaxJSONRecordBytes bounds one JSON record (a message object) read
	// by a streaming importer (Telegram, Slack, sigtop), like a JSONL
	// line: the decoder holds the record and the text it decodes from it,
	// so a record costs two to four times its size. A message body of up
	// to MaxMessageBodySize fits (and is truncated beyond); a record
	// larger than this, which no chat app writes (their messages hold a
	// few KiB of text), stops the import. (It was 316 MiB, to read a
	// 50 MiB body written as \u escapes.)
	MaxJSONRecordBytes = MaxLineBytes

	// MaxAttachmentBytes bounds an attachment read from an export folder;
	// a larger file is recorded as Missing with a note instead.
	MaxAttachmentBytes = 1 << 30

	// maxReplyIndex bounds how many message IDs per conversation an
	// importer remembers to resolve replies, keeping memory flat on huge
	// chats. A reply to an older message keeps the platform's own id.
	maxReplyIndex = 1 << 20

	// detectBytes is how much of a file the detectors look at.
	detectBytes = 16 << 10
)

var errRecordTooLarge = fmt.Errorf("record larger than %s", sizeText(MaxJSONRecordBytes))

// limitReader lets a json.Decoder read at most MaxJSONRecordBytes past
// the record it is decoding (mark resets the window), so one huge value
// fails cleanly instead of exhausting memory.
type limitReader struct {
	r     io.Reader
	n     int64 // bytes handed to the decoder so far
	limit int64 // absolute position the decoder may not read past
}

func newLimitReader(r io.Reader) *limitReader {
	return &limitReader{r: r, limit: MaxJSONRecordBytes}
}

// mark starts a new window at the decoder's current offset.
func (l *limitReader) mark(offset int64) { l.limit = offset + MaxJSONRecordBytes }

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		return 0, errRecordTooLarge
	}
	if rest := l.limit - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// truncateBody bounds m.Body at MaxMessageBodySize (on a UTF-8 boundary),
// appends a note saying so and records the original size in Headers.
func truncateBody(m *vault.Message) {
	if len(m.Body) <= MaxMessageBodySize {
		return
	}
	orig := len(m.Body)
	cut := MaxMessageBodySize
	for cut > 0 && !utf8.RuneStart(m.Body[cut]) {
		cut--
	}
	m.Body = m.Body[:cut]
	noteTruncated(m, int64(orig))
}

// noteTruncated says, in m's body and headers, that its text was cut
// from orig bytes to the body it holds.
func noteTruncated(m *vault.Message, orig int64) {
	m.Body += fmt.Sprintf("\n[coffer: message truncated from %d to %d bytes]", orig, len(m.Body))
	setHeader(m, "truncated_from", strconv.FormatInt(orig, 10))
}

func setHeader(m *vault.Message, k, v string) {
	if v == "" {
		return
	}
	if m.Headers == nil {
		m.Headers = make(map[string]string, 4)
	}
	m.Headers[k] = v
}

// replyIndex maps a platform message id to the vault ID already given to
// it, for ReplyTo. It forgets the oldest entries beyond maxReplyIndex.
type replyIndex[K comparable] struct {
	ids   map[K][16]byte
	order []K
	next  int
}

func (r *replyIndex[K]) put(k K, id string) {
	var b [16]byte
	if len(id) != 32 {
		return
	}
	for i := range b {
		hi, ok1 := unhex(id[2*i])
		lo, ok2 := unhex(id[2*i+1])
		if !ok1 || !ok2 {
			return
		}
		b[i] = hi<<4 | lo
	}
	if r.ids == nil {
		r.ids = make(map[K][16]byte)
	}
	if _, ok := r.ids[k]; !ok {
		if len(r.order) < maxReplyIndex {
			r.order = append(r.order, k)
		} else {
			delete(r.ids, r.order[r.next])
			r.order[r.next] = k
			r.next = (r.next + 1) % maxReplyIndex
		}
	}
	r.ids[k] = b
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (r *replyIndex[K]) get(k K) (string, bool) {
	b, ok := r.ids[k]
	if !ok {
		return "", false
	}
	return hex.EncodeToString(b[:]), true
}

// seqCounter numbers identical messages (same conversation, sender, time,
// original id and text) for vault.Message.Seq. Exports list messages in time order, so
// it only remembers the messages of the current timestamp: memory stays
// flat however long the chat is.
type seqCounter struct {
	last  time.Time
	count map[seqKey]int
}

// seqKey is what makes two messages copies of each other. The fields are
// kept as they are rather than joined into one string, which copied every
// message's text (issue 17).
type seqKey struct {
	conv, sender, senderID, originalID, body string
}

func (s *seqCounter) next(m *vault.Message) int {
	if s.count == nil {
		s.count = make(map[seqKey]int)
	}
	if !m.Time.Equal(s.last) {
		s.last = m.Time
		clear(s.count)
	}
	k := seqKey{m.Conversation.ID, m.Sender, m.SenderID, m.Provenance.OriginalID, m.Body}
	n := s.count[k]
	s.count[k] = n + 1
	return n
}

// lineCounter turns byte offsets into 1-based line numbers for error
// messages. Offsets asked for only grow, so it reads the input once in
// total however many records are reported.
type lineCounter struct {
	open func() (io.ReadCloser, error)
	rc   io.ReadCloser
	br   *bufio.Reader
	off  int64
	line int
}

func fileLines(path string) *lineCounter {
	return &lineCounter{open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// at returns the line holding byte off, or 0 if the input is unreadable.
func (c *lineCounter) at(off int64) int {
	if c.br == nil || off < c.off {
		c.close()
		rc, err := c.open()
		if err != nil {
			return 0
		}
		c.rc, c.br, c.off, c.line = rc, bufio.NewReaderSize(rc, 64<<10), 0, 1
	}
	for c.off < off {
		b, err := c.br.ReadByte()
		if err != nil {
			break
		}
		c.off++
		if b == '\n' {
			c.line++
		}
	}
	return c.line
}

// valueAt is at for the JSON value that starts after off, past any
// separating commas and white space (a decoder's offset before a value).
func (c *lineCounter) valueAt(off int64) int {
	line := c.at(off)
	for line > 0 {
		b, err := c.br.Peek(1)
		if err != nil || (b[0] != ',' && b[0] != ' ' && b[0] != '\t' && b[0] != '\r' && b[0] != '\n') {
			break
		}
		c.at(c.off + 1)
		line = c.line
	}
	return line
}

func (c *lineCounter) close() {
	if c.rc != nil {
		c.rc.Close()
		c.rc, c.br = nil, nil
	}
}

// exportRoot gives read access to the files an export names relative to
// its folder, and to nothing outside it: paths come from untrusted JSON,
// so "../../home/x/.ssh/id_ed25519" or a symlink out must not be read.
type exportRoot struct {
	dir   string
	root  *os.Root
	err   error
	meter *Meter // counts what is read
}

func (e *exportRoot) close() {
	if e.root != nil {
		e.root.Close()
	}
}

// read returns the content of rel (slash-separated, relative to the
// export folder), or a reason it is not available.
func (e *exportRoot) read(rel string) ([]byte, string) {
	rel = filepath.FromSlash(strings.TrimPrefix(rel, "./"))
	if !filepath.IsLocal(rel) {
		return nil, "path outside the export folder"
	}
	if e.root == nil && e.err == nil {
		e.root, e.err = os.OpenRoot(e.dir)
	}
	if e.err != nil {
		return nil, "export folder not readable"
	}
	// Stat before opening: a FIFO planted in a hostile export would
	// block the open.
	if st, err := e.root.Stat(rel); err != nil {
		return nil, "not in the export"
	} else if !st.Mode().IsRegular() {
		return nil, "not a regular file"
	}
	f, err := e.root.Open(rel)
	if err != nil {
		return nil, "not in the export"
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil || !st.Mode().IsRegular():
		return nil, "not a regular file"
	case st.Size() > MaxAttachmentBytes:
		return nil, fmt.Sprintf("larger than %d bytes, not imported", MaxAttachmentBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxAttachmentBytes+1))
	e.meter.add(len(b))
	if err != nil || int64(len(b)) > MaxAttachmentBytes {
		return nil, "unreadable"
	}
	return b, ""
}
