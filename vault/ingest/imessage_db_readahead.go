package ingest

// chat.db read ahead: SQLite reads a database a page at a time, one
// pread each, and the passes over every message row read every page of
// the table in file order. At 512-byte pages (the size vault/corpus and
// the tests write) that was a fifth of the parse's CPU in syscalls. The
// file reaches SQLite through modernc's read-only VFS for an fs.FS
// (modernc.org/sqlite/vfs, part of the driver's module), as a file that
// reads a forward run of pages a readAheadSize block at a time. Nothing is
// mapped (a database truncated under the import would fault, not fail a
// read) and nothing is written: the VFS has no write path.

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// readAheadSize is how much one read ahead reads: enough that the
// syscall is a small part of copying the block.
const readAheadSize = 256 << 10

// readAheadMin is what a block reads when a run starts: a run read on
// doubles it, up to readAheadSize.
const readAheadMin = 16 << 10

// readAheadGap is how far past the block, or past the last read outside
// it, a read may be and still be the next of a run: a table's pages lie
// in file order, with some of its indexes' between them.
const readAheadGap = 16 << 10

// readAheadName is the file's name inside readAheadFS.
const readAheadName = "chat.db"

// readAheadFS is a file system of one file, path, named readAheadName.
type readAheadFS struct{ path string }

func (r readAheadFS) Open(name string) (fs.File, error) {
	if name != readAheadName {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := os.Open(r.path)
	if err != nil {
		return nil, err
	}
	return &readAheadFile{f: f}, nil
}

// readAheadFile reads f through blocks of it that it read ahead: a read
// in a block is a copy; a read a little past a block, or past the last
// read outside them, reads the next block from there, in place of the
// block used least lately; any other (a row found by ROWID) is read as
// asked. Two blocks, as a scan of a table meets two runs: the table's
// pages, and those of the index its query looks rows up in.
type readAheadFile struct {
	f      *os.File
	pos    int64 // where Read reads, set by Seek
	last   int64 // where the last Read outside the blocks read
	blocks [2]readAheadBlock
	clock  uint64
}

// readAheadBlock is size bytes of the file from off.
type readAheadBlock struct {
	off  int64
	buf  []byte
	used uint64 // the clock when a read last used it
}

func (r *readAheadFile) Stat() (fs.FileInfo, error) { return r.f.Stat() }
func (r *readAheadFile) Close() error               { return r.f.Close() }

func (r *readAheadFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	default:
		return 0, errors.New("readahead: seek from the end")
	}
	if offset < 0 {
		return 0, errors.New("readahead: negative offset")
	}
	r.pos = offset
	return offset, nil
}

func (r *readAheadFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.clock++
	// The block to read into: the one the run goes on past, reading
	// twice what it read last, else the one used least lately, reading
	// readAheadMin, if this read is the next of a run. Reads that only
	// look like a run (the rows of an IN list, a few pages apart) so cost
	// little more than their own pages.
	next, oldest, size := -1, 0, readAheadMin
	for i := range r.blocks {
		b := &r.blocks[i]
		end := b.off + int64(len(b.buf))
		if r.pos >= b.off && r.pos < end {
			b.used = r.clock
			n := copy(p, b.buf[r.pos-b.off:])
			r.pos += int64(n)
			return n, nil
		}
		if b.buf != nil && r.pos >= end && r.pos-end < readAheadGap {
			next, size = i, min(2*len(b.buf), readAheadSize)
		}
		if b.used < r.blocks[oldest].used {
			oldest = i
		}
	}
	if next < 0 && r.pos > r.last && r.pos-r.last <= readAheadGap {
		next = oldest
	}
	if next < 0 {
		r.last = r.pos
		n, err := r.f.ReadAt(p, r.pos)
		r.pos += int64(n)
		if n > 0 && err == io.EOF {
			err = nil // io.ReadFull asks again, and is told EOF then
		}
		return n, err
	}
	b := &r.blocks[next]
	if b.buf == nil {
		b.buf = make([]byte, readAheadSize)
	}
	n, err := r.f.ReadAt(b.buf[:max(size, len(p))], r.pos)
	b.off, b.buf, b.used = r.pos, b.buf[:n], r.clock
	if n == 0 {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	n = copy(p, b.buf)
	r.pos += int64(n)
	return n, nil
}
