package audit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The framing below is public: anyone who can read the folder can walk the
// records of a session file, count them and see each record's kind and
// index, without any key. That is what lets a new session (a reviewer, who
// holds no auditor key) record the heads of the sessions it saw, and what
// lets verification tell a torn final write from tampering. Everything a
// reader could learn from it (how many events, roughly how big) the file
// size gives away anyway.

const (
	// magic opens every session file.
	magic = "coffer audit v1\n"

	kindHeader = 'H' // record 0: session id, sealed seed, sessions seen
	kindEntry  = 'E' // an encrypted event
	kindClose  = 'C' // the last event of a cleanly closed session

	tagSize   = 32
	minRecord = 1 + 8 + tagSize // kind, index, tag; the payload may be empty
	maxRecord = 1 << 20         // bounds what a reader allocates
	maxSeen   = 8192            // keeps a header inside maxRecord
)

// record is one framed record of a session file.
type record struct {
	offset  int64  // of its length prefix in the file
	kind    byte   //
	index   uint64 //
	body    []byte // kind || index || payload: the Merkle leaf data
	tag     [tagSize]byte
	payload []byte // aliases body
}

// errTorn reports a final record cut short: a crash during the last write,
// not tampering.
var errTorn = errors.New("torn final record")

// frameError is malformed framing at a given offset.
type frameError struct {
	offset int64
	msg    string
}

func (e *frameError) Error() string { return fmt.Sprintf("offset %d: %s", e.offset, e.msg) }

// appendRecord frames kind, index, payload and tag onto dst.
func appendRecord(dst []byte, kind byte, index uint64, payload []byte, tag *[tagSize]byte) []byte {
	n := 1 + 8 + len(payload) + tagSize
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, kind)
	dst = binary.BigEndian.AppendUint64(dst, index)
	dst = append(dst, payload...)
	return append(dst, tag[:]...)
}

// leafData returns what the Merkle leaf and the MAC chain cover for a
// record: everything but the length prefix and the tag.
func leafData(kind byte, index uint64, payload []byte) []byte {
	b := make([]byte, 0, 9+len(payload))
	b = append(b, kind)
	b = binary.BigEndian.AppendUint64(b, index)
	return append(b, payload...)
}

// reader walks the records of one session file.
type reader struct {
	r      *bufio.Reader
	offset int64
	buf    []byte
	torn   int64 // bytes in a torn tail, once seen
}

func newReader(r io.Reader) *reader {
	return &reader{r: bufio.NewReaderSize(r, 256<<10)}
}

// readMagic checks the file's opening line.
func (rd *reader) readMagic() error {
	var m [len(magic)]byte
	n, err := io.ReadFull(rd.r, m[:])
	rd.offset += int64(n)
	if err != nil || string(m[:]) != magic {
		return &frameError{0, "not a coffer audit file (bad magic)"}
	}
	return nil
}

// next returns the next record, io.EOF at a clean end, errTorn when the
// file ends inside a record (or in trailing zeros, which is what a crash
// can leave behind a length prefix), or a *frameError.
// The record's slices are valid until the next call.
func (rd *reader) next() (*record, error) {
	start := rd.offset
	var lb [4]byte
	n, err := io.ReadFull(rd.r, lb[:])
	rd.offset += int64(n)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		rd.torn = int64(n)
		return nil, errTorn
	}
	if err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(lb[:])
	if size < minRecord || size > maxRecord {
		if size == 0 && rd.restIsZero() {
			rd.torn = rd.offset - start
			return nil, errTorn
		}
		return nil, &frameError{start, fmt.Sprintf("bad record length %d", size)}
	}
	if cap(rd.buf) < int(size) {
		rd.buf = make([]byte, size)
	}
	b := rd.buf[:size]
	n, err = io.ReadFull(rd.r, b)
	rd.offset += int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		rd.torn = int64(4 + n)
		return nil, errTorn
	}
	if err != nil {
		return nil, err
	}
	rec := &record{offset: start, kind: b[0], index: binary.BigEndian.Uint64(b[1:9])}
	rec.body = b[:len(b)-tagSize]
	rec.payload = b[9 : len(b)-tagSize]
	copy(rec.tag[:], b[len(b)-tagSize:])
	switch rec.kind {
	case kindHeader, kindEntry, kindClose:
	default:
		return nil, &frameError{start, fmt.Sprintf("unknown record kind %q", rec.kind)}
	}
	return rec, nil
}

// restIsZero consumes the rest of the file and reports whether it is all
// zero bytes, counting them into the offset.
func (rd *reader) restIsZero() bool {
	var buf [4096]byte
	for {
		n, err := rd.r.Read(buf[:])
		rd.offset += int64(n)
		if !bytes.Equal(buf[:n], make([]byte, n)) {
			return false
		}
		if err != nil {
			return true
		}
	}
}

// header is the decoded payload of record 0.
type header struct {
	session string
	sealed  []byte // age ciphertext of the session seed
	seen    []seenHead
}

// seenHead is what a new session saw of another session when it started.
type seenHead struct {
	session string
	size    uint64 // complete records
	tag     [tagSize]byte
	state   State
	bytes   uint64 // file length up to the end of record size-1
}

func appendString8(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)))
	return append(dst, s...)
}

func encodeHeader(h *header) []byte {
	b := appendString8(nil, h.session)
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.sealed)))
	b = append(b, h.sealed...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.seen)))
	for _, s := range h.seen {
		b = appendString8(b, s.session)
		b = binary.BigEndian.AppendUint64(b, s.size)
		b = append(b, s.tag[:]...)
		b = append(b, byte(s.state))
		b = binary.BigEndian.AppendUint64(b, s.bytes)
	}
	return b
}

// decodeHeader parses a header payload; it copies what it keeps.
func decodeHeader(p []byte) (*header, error) {
	d := decoder{b: p}
	h := &header{session: d.string8()}
	h.sealed = bytes.Clone(d.bytes32())
	n := d.uint32()
	if n > maxSeen {
		return nil, errors.New("header: too many sessions seen")
	}
	for i := uint32(0); i < n && d.err == nil; i++ {
		s := seenHead{session: d.string8(), size: d.uint64()}
		copy(s.tag[:], d.take(tagSize))
		s.state = State(d.byte())
		s.bytes = d.uint64()
		if s.state > StateEnded {
			d.fail("bad session state")
		}
		h.seen = append(h.seen, s)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("header: %v", d.err)
	}
	if !validSessionID(h.session) {
		return nil, fmt.Errorf("header: bad session id %q", h.session)
	}
	for _, s := range h.seen {
		if !validSessionID(s.session) {
			return nil, fmt.Errorf("header: bad session id %q", s.session)
		}
	}
	return h, nil
}

// decoder reads big-endian fields, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
	d.b = nil
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || len(d.b) < n {
		d.fail("truncated")
		return make([]byte, max(n, 0))
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte      { return d.take(1)[0] }
func (d *decoder) uint32() uint32  { return binary.BigEndian.Uint32(d.take(4)) }
func (d *decoder) uint64() uint64  { return binary.BigEndian.Uint64(d.take(8)) }
func (d *decoder) string8() string { return string(d.take(int(d.byte()))) }
func (d *decoder) bytes32() []byte {
	n := d.uint32()
	if n > maxRecord {
		d.fail("length too large")
		return nil
	}
	return d.take(int(n))
}
