package audit

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// The key schedule (FORMAT.md, "Keys") in one place. A session starts
// from a random 32-byte seed, sealed once to the auditors with age. Every
// record i has its own chain key K_i; K_{i+1} is a one-way function of K_i,
// and the writer overwrites K_i as soon as record i is on disk, so memory
// taken after the fact cannot recompute the keys of records already
// written (Schneier and Kelsey 1998). The record's encryption and MAC keys
// are themselves one-way functions of K_i.
const (
	labelK0    = "coffer audit v1 k0"
	labelEnc   = "coffer audit v1 enc"
	labelMAC   = "coffer audit v1 mac"
	labelNext  = "coffer audit v1 next"
	labelChain = "coffer audit v1 chain"
	labelAAD   = "coffer audit v1"

	seedSize = 32
)

type key [32]byte

// derive is SHA-256(label || k), without allocating (verification runs
// it twice per record).
func derive(label string, k *key) key {
	var buf [64]byte
	n := copy(buf[:], label)
	n += copy(buf[n:], k[:])
	out := key(sha256.Sum256(buf[:n]))
	clear(buf[:])
	return out
}

// initialKey returns K_0 for a seed.
func initialKey(seed []byte) key {
	var s key
	copy(s[:], seed)
	k := derive(labelK0, &s)
	clear(s[:])
	return k
}

// evolve replaces k by K_{i+1} and erases K_i.
func (k *key) evolve() {
	n := derive(labelNext, k)
	*k = n
	clear(n[:])
}

// initialChain is C_{-1}: it binds the chain to the session id.
func initialChain(session string) [32]byte {
	return sha256.Sum256([]byte(labelChain + session))
}

// nextChain is C_i = SHA-256(C_{i-1} || leaf hash of record i).
func nextChain(prev *[32]byte, leaf tlog.Hash) [32]byte {
	var b [64]byte
	copy(b[:32], prev[:])
	copy(b[32:], leaf[:])
	return sha256.Sum256(b[:])
}

// recordTag is HMAC-SHA-256 under the record's MAC key over the session id,
// the record index and the chain value, which commits to every earlier
// record of the session.
func recordTag(k *key, session string, index uint64, chain *[32]byte) [tagSize]byte {
	mk := derive(labelMAC, k)
	var msg [255 + 8 + 32]byte
	n := copy(msg[:], session)
	binary.BigEndian.PutUint64(msg[n:], index)
	n += 8
	n += copy(msg[n:], chain[:])
	t := hmacSHA256(&mk, msg[:n])
	clear(mk[:])
	return t
}

// hmacSHA256 is RFC 2104 HMAC-SHA-256 for a 32-byte key, on stack buffers:
// crypto/hmac allocates per key, and every record has a new key.
// TestHMAC checks it against crypto/hmac.
func hmacSHA256(k *key, msg []byte) [32]byte {
	const block = 64
	var inner [block + 255 + 8 + 32]byte
	var outer [block + 32]byte
	for i := range block {
		var b byte
		if i < len(k) {
			b = k[i]
		}
		inner[i] = b ^ 0x36
		outer[i] = b ^ 0x5c
	}
	n := block + copy(inner[block:], msg)
	ih := sha256.Sum256(inner[:n])
	copy(outer[block:], ih[:])
	t := sha256.Sum256(outer[:])
	clear(inner[:block])
	clear(outer[:block])
	return t
}

// aad binds an entry's ciphertext to its place in the file.
func aad(session string, kind byte, index uint64) []byte {
	b := make([]byte, 0, len(labelAAD)+len(session)+9)
	b = append(b, labelAAD...)
	b = append(b, session...)
	b = append(b, kind)
	return binary.BigEndian.AppendUint64(b, index)
}

// entryAEAD returns AES-256-GCM under the record's encryption key. Each
// key encrypts exactly one record, so a fixed all-zero nonce is safe.
func entryAEAD(k *key) cipher.AEAD {
	ek := derive(labelEnc, k)
	b, err := aes.NewCipher(ek[:])
	clear(ek[:])
	if err != nil {
		panic(err) // a 32-byte key cannot fail
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

var zeroNonce [12]byte

// Padding hides the length of what an event holds (query, tag, how many
// ids) up to this granularity.
const padBlock = 256

func sealEntry(k *key, session string, kind byte, index uint64, plain []byte) []byte {
	n := 4 + len(plain)
	n = (n + padBlock - 1) / padBlock * padBlock
	p := make([]byte, n)
	binary.BigEndian.PutUint32(p, uint32(len(plain)))
	copy(p[4:], plain)
	out := entryAEAD(k).Seal(nil, zeroNonce[:], p, aad(session, kind, index))
	clear(p)
	return out
}

var errPadding = errors.New("bad padding")

func openEntry(k *key, session string, kind byte, index uint64, ct []byte) ([]byte, error) {
	p, err := entryAEAD(k).Open(nil, zeroNonce[:], ct, aad(session, kind, index))
	if err != nil {
		return nil, err
	}
	if len(p) < 4 {
		return nil, errPadding
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(n) > uint64(len(p)-4) || !bytes.Equal(p[4+n:], make([]byte, len(p)-4-int(n))) {
		return nil, errPadding
	}
	return p[4 : 4+n], nil
}

// sealSeed encrypts the session seed to the auditors.
func sealSeed(seed []byte, recipients []age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(seed); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ErrNotAuditor is returned when none of the identities given can open
// the trail: they are not among the auditors the sessions were sealed to.
// A reviewer's vault or member key gets this error.
var ErrNotAuditor = errors.New("audit: no identity opens the trail (not an auditor key)")

// unsealSeed decrypts a session seed.
func unsealSeed(sealed []byte, identities []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrNotAuditor
		}
		return nil, fmt.Errorf("sealed session key: %v", err)
	}
	seed, err := io.ReadAll(io.LimitReader(r, seedSize+1))
	if err != nil {
		return nil, fmt.Errorf("sealed session key: %v", err)
	}
	if len(seed) != seedSize {
		return nil, fmt.Errorf("sealed session key: %d bytes, want %d", len(seed), seedSize)
	}
	return seed, nil
}
