package store

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"hash"
	"io"
	"os"
)

// spoolMemory is how much of an object a spool keeps in memory before it
// moves to a temporary file. Segments and index files (a few MB) stay in
// memory; blob files (up to 256 MiB, plus one attachment) go to disk.
var spoolMemory = 32 << 20

// spool collects an object's bytes for one PUT, hashing them as they
// come (Content-MD5 and x-amz-checksum-sha256 are sent with it). Only
// ciphertext is ever spooled: the file holds what the bucket will.
type spool struct {
	mem bytes.Buffer
	f   *os.File // once past spoolMemory: an unnamed temporary file
	n   int64
	md5 hash.Hash
	sha hash.Hash
	err error
}

func newSpool() *spool { return &spool{md5: md5.New(), sha: sha256.New()} }

func (sp *spool) Write(p []byte) (int, error) {
	if sp.err != nil {
		return 0, sp.err
	}
	if sp.f == nil && sp.mem.Len()+len(p) > spoolMemory {
		if sp.f, sp.err = ScratchFile(os.TempDir()); sp.err != nil {
			return 0, sp.err
		}
		if _, sp.err = sp.f.Write(sp.mem.Bytes()); sp.err != nil {
			return 0, sp.err
		}
		sp.mem = bytes.Buffer{}
	}
	if sp.f != nil {
		if _, sp.err = sp.f.Write(p); sp.err != nil {
			return 0, sp.err
		}
	} else {
		sp.mem.Write(p)
	}
	sp.md5.Write(p)
	sp.sha.Write(p)
	sp.n += int64(len(p))
	return len(p), nil
}

func (sp *spool) sums() (md5sum, sha []byte) { return sp.md5.Sum(nil), sp.sha.Sum(nil) }

// reader reads what was written, from the start (seekable: the SDK
// rewinds it to retry).
func (sp *spool) reader() io.ReadSeeker {
	if sp.f != nil {
		return io.NewSectionReader(sp.f, 0, sp.n)
	}
	return bytes.NewReader(sp.mem.Bytes())
}

func (sp *spool) close() {
	if sp.f != nil {
		sp.f.Close()
	}
}
