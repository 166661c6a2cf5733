package vault

import (
	"coffer/vault/store"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
	"slices"
)

// idSpill keeps the sorted runs of ids an import no longer holds in
// memory, so that its memory stays flat however many messages it adds:
// 16 bytes an id in memory was 226 MB at 14M ids (a 1 GB WhatsApp
// export). A spilled run costs ~1.6 bytes an id in memory (a filter and
// the first key of each block) and 16 on disk.
//
// The runs are in a file with no name in the vault's folder (gone when
// the import ends or the process dies), encrypted with AES-256-GCM under
// a key that exists only in this process's memory: ids are hashes of
// message content, and a hash can confirm a guessed message, so they do
// not reach disk readable. A block is 256 keys; its nonce is its number.
//
// A lookup asks each run's filter (one cache line), and reads and
// decrypts one block of the runs whose filter says maybe: ~1% of them
// for an id not in the set.
type idSpill struct {
	f      *os.File
	aead   cipher.AEAD
	blocks uint64 // blocks written, the next block's nonce
	runs   []spillRun
	buf    []byte // a block's plaintext, then its ciphertext
}

// spillRun is one sorted run in the file.
type spillRun struct {
	first  uint64  // its first block
	n      int     // its keys
	fences []idKey // the first key of each of its blocks
	filter blockedBloom
}

const (
	spillBlockKeys  = 256
	spillBlockBytes = spillBlockKeys*16 + 16 // 16-byte keys and the GCM tag
)

func newIDSpill(dir string) (*idSpill, error) {
	f, err := store.ScratchFile(dir)
	if err != nil {
		return nil, fmt.Errorf("vault: spill the import's ids: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		f.Close()
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &idSpill{f: f, aead: aead, buf: make([]byte, 0, spillBlockBytes)}, nil
}

// add writes a sorted run.
func (s *idSpill) add(run []idKey) error {
	r := spillRun{first: s.blocks, n: len(run), filter: newBlockedBloom(len(run))}
	for len(run) > 0 {
		chunk := run[:min(len(run), spillBlockKeys)]
		run = run[len(chunk):]
		r.fences = append(r.fences, chunk[0])
		b := s.buf[:0]
		for _, k := range chunk {
			b = append(b, k[:]...)
			r.filter.add(k)
		}
		b = s.aead.Seal(b[:0], s.nonce(s.blocks), b, nil)
		if _, err := s.f.WriteAt(b, int64(s.blocks)*spillBlockBytes); err != nil {
			return fmt.Errorf("vault: spill the import's ids: %w", err)
		}
		s.blocks++
	}
	s.runs = append(s.runs, r)
	return nil
}

// has reports whether a spilled run holds k.
func (s *idSpill) has(k idKey) (bool, error) {
	for i := range s.runs {
		r := &s.runs[i]
		if !r.filter.has(k) {
			continue
		}
		// The block whose first key is the last one <= k.
		j, found := slices.BinarySearchFunc(r.fences, k, compareKeys)
		if found {
			return true, nil
		}
		if j == 0 {
			continue
		}
		j--
		keys, err := s.read(r, j)
		if err != nil {
			return false, err
		}
		if _, ok := slices.BinarySearchFunc(keys, k, compareKeys); ok {
			return true, nil
		}
	}
	return false, nil
}

// read decrypts block j of run r.
func (s *idSpill) read(r *spillRun, j int) ([]idKey, error) {
	n := min(spillBlockKeys, r.n-j*spillBlockKeys)
	num := r.first + uint64(j)
	b := s.buf[:n*len(idKey{})+16]
	if _, err := s.f.ReadAt(b, int64(num)*spillBlockBytes); err != nil {
		return nil, fmt.Errorf("vault: read back the import's ids: %w", err)
	}
	plain, err := s.aead.Open(b[:0], s.nonce(num), b, nil)
	if err != nil {
		return nil, fmt.Errorf("vault: read back the import's ids: block %d: %w", num, err)
	}
	keys := make([]idKey, n)
	for i := range keys {
		copy(keys[i][:], plain[i*len(idKey{}):])
	}
	return keys, nil
}

func (s *idSpill) nonce(block uint64) []byte {
	n := make([]byte, s.aead.NonceSize())
	binary.BigEndian.PutUint64(n[len(n)-8:], block)
	return n
}

// close removes the file (it has no name: closing it is enough).
func (s *idSpill) close() {
	s.f.Close()
	s.runs = nil
}

// blockedBloom is a Bloom filter that sets a key's bits in one 512-bit
// block, so a lookup costs one cache miss: 12 bits a key and 6 bits set
// make ~1% false positives. Keys are hashes already (message ids are
// SHA-256 digests), so their bits are used as they are.
type blockedBloom []uint64

const (
	bloomBitsPerKey = 12
	bloomProbes     = 6
)

func newBlockedBloom(n int) blockedBloom {
	blocks := max(1, (n*bloomBitsPerKey+511)/512)
	return make(blockedBloom, 8*blocks)
}

func (f blockedBloom) probe(k idKey) (block []uint64, h uint64) {
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(k[:8]), uint64(len(f)/8))
	return f[8*hi : 8*hi+8], binary.BigEndian.Uint64(k[8:])
}

func (f blockedBloom) add(k idKey) {
	b, h := f.probe(k)
	for range bloomProbes {
		bit := h & 511
		b[bit/64] |= 1 << (bit % 64)
		h >>= 9
	}
}

func (f blockedBloom) has(k idKey) bool {
	b, h := f.probe(k)
	for range bloomProbes {
		bit := h & 511
		if b[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}
