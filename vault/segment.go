package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// A segment file is age-encrypted to the vault recipient of its epoch.
// Its plaintext is:
//
//	"coffer-segment-v1\n"
//	uvarint length, then a JSON segmentHeader
//	the body (codec.go), not compressed (see FORMAT.md: compressing a
//	batch that mixes an attacker's messages with others would let sizes
//	tell what the others say, and inflating was most of unlock's time)
//
// Segments are authenticated by the SHA-256 the manifest records for the
// whole file, not by age (which does not authenticate the sender).
const segmentMagic = "coffer-segment-v1\n"

// Segment size targets. Many segments let unlock decrypt in parallel; a
// segment is also the unit a crash can lose, so an import commits all its
// segments at once in the manifest.
const (
	segmentTargetBytes = 2 << 20
	maxSegmentBody     = 1 << 30 // refuse a header that claims more
	maxSegmentMessages = 1 << 24
)

type segmentHeader struct {
	VaultID  string `json:"vault_id"`
	Epoch    int    `json:"epoch"`
	Name     string `json:"name"`
	Count    int    `json:"count"`
	Codec    string `json:"codec"` // "none": see the comment on segmentMagic
	BodySize int    `json:"body_size"`
}

// sealSegment writes an encoded message body, behind the magic and its
// header, encrypted to r.
func sealSegment(w io.Writer, h segmentHeader, body [][]byte, r age.Recipient) error {
	h.Codec = "none"
	h.BodySize = 0
	for _, p := range body {
		h.BodySize += len(p)
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return err
	}
	aw, err := age.Encrypt(w, r)
	if err != nil {
		return err
	}
	pre := append([]byte(segmentMagic), binary.AppendUvarint(nil, uint64(len(hdr)))...)
	if _, err := aw.Write(append(pre, hdr...)); err != nil {
		return err
	}
	for _, p := range body {
		if _, err := aw.Write(p); err != nil {
			return err
		}
	}
	return aw.Close()
}

// segment is a decrypted segment: its messages, whose strings point into
// body.
type segment struct {
	header   segmentHeader
	body     []byte
	messages []Message
}

var errSegment = errors.New("malformed segment")

// decryptSegment decrypts a segment file held in memory and returns its
// header and body, undecoded. The caller must check the file's hash
// against the manifest before it uses either.
func decryptSegment(ciphertext []byte, ids []age.Identity) (segmentHeader, []byte, error) {
	var h segmentHeader
	plain, err := decryptAll(ciphertext, ids...)
	if err != nil {
		return h, nil, err
	}
	fail := func(format string, args ...any) (segmentHeader, []byte, error) {
		clear(plain)
		return h, nil, fmt.Errorf("%w: "+format, append([]any{errSegment}, args...)...)
	}
	rest, ok := bytes.CutPrefix(plain, []byte(segmentMagic))
	if !ok {
		return fail("bad magic")
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > 1<<16 || n > uint64(len(rest)-k) {
		return fail("bad header length")
	}
	if err := json.Unmarshal(rest[k:k+int(n)], &h); err != nil {
		return fail("header: %v", err)
	}
	body := rest[k+int(n):]
	switch {
	case h.Codec != "none":
		return fail("unknown codec %q", h.Codec)
	case h.BodySize < 0 || h.BodySize > maxSegmentBody || h.Count < 0 || h.Count > maxSegmentMessages:
		return fail("implausible sizes")
	case len(body) < h.BodySize:
		return fail("body: %v", io.ErrUnexpectedEOF)
	case len(body) > h.BodySize:
		return fail("body longer than declared")
	}
	return h, body, nil
}

// decryptAll decrypts a whole age file held in memory into one buffer of
// exactly the plaintext's size. age.Decrypt's reader allocates a fresh
// 64 KiB buffer per chunk: at 1M messages that was 660 MB of garbage
// during unlock, which the heap grew by (peak RSS) before collecting it.
func decryptAll(ciphertext []byte, ids ...age.Identity) ([]byte, error) {
	r, size, err := age.DecryptReaderAt(bytes.NewReader(ciphertext), int64(len(ciphertext)), ids...)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, size)
	if n, err := r.ReadAt(plain, 0); n != len(plain) || (err != nil && err != io.EOF) {
		clear(plain)
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return plain, nil
}

// decodeSegment checks an authenticated segment's header against its
// manifest entry and decodes its messages.
func decodeSegment(h segmentHeader, body []byte, e *FileEntry, vaultID string) (*segment, error) {
	switch {
	case h.VaultID != vaultID || h.Name != e.Name || h.Epoch != e.Epoch:
		return nil, fmt.Errorf("%w: belongs to another vault, epoch or name", errSegment)
	case e.Messages != 0 && h.Count != e.Messages:
		return nil, fmt.Errorf("%w: holds %d messages, manifest says %d", errSegment, h.Count, e.Messages)
	}
	s := &segment{header: h, body: body, messages: make([]Message, h.Count)}
	d := decoder{buf: s.body}
	if err := d.tables(); err != nil {
		return nil, fmt.Errorf("%w: tables: %v", errSegment, err)
	}
	for i := range s.messages {
		if err := d.message(&s.messages[i]); err != nil {
			return nil, fmt.Errorf("%w: message %d: %v", errSegment, i, err)
		}
	}
	if d.off != len(s.body) {
		return nil, fmt.Errorf("%w: trailing bytes after %d messages", errSegment, h.Count)
	}
	return s, nil
}

// openSegment decrypts and decodes a segment held in memory whose hash
// the caller has checked against e. On error, what it decrypted is wiped.
func openSegment(ciphertext []byte, e *FileEntry, vaultID string, ids []age.Identity) (*segment, error) {
	h, body, err := decryptSegment(ciphertext, ids)
	if err != nil {
		return nil, err
	}
	s, err := decodeSegment(h, body, e, vaultID)
	if err != nil {
		clear(body)
		return nil, err
	}
	return s, nil
}
