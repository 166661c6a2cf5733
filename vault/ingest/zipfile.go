package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Limits that keep a hostile archive from exhausting memory. A zip bomb is
// refused before anything is decompressed beyond these.
const (
	MaxZipEntries      = 200_000
	MaxZipTotalBytes   = 16 << 30 // sum of declared uncompressed sizes
	MaxZipEntryBytes   = 4 << 30
	MaxZipRatio        = 200 // uncompressed/compressed, per entry over 1 MiB
	MaxMessageBodySize = 50 << 20
)

// ErrZipBomb is returned for archives that exceed the limits above.
var ErrZipBomb = errors.New("refusing archive: looks like a zip bomb")

// Zip is an export archive opened with the limits above checked.
type Zip struct {
	*zip.Reader
	Name string // base name of the archive
	f    *os.File
}

// Close closes the archive's file.
func (z *Zip) Close() error { return z.f.Close() }

// OpenZip opens path and checks every entry's declared sizes against the
// limits. Entries are still read through (*Zip).Open, which enforces the
// declared size while decompressing (the declared size can lie).
func OpenZip(path string) (*Zip, error) { return openZip(path, nil) }

// openZip is OpenZip with the archive's reads (compressed bytes, which its
// size counts) counted by m.
func openZip(path string, m *Meter) (*Zip, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var ra io.ReaderAt = f
	if m != nil {
		ra = meteredReaderAt{ra: f, m: m}
	}
	zr, err := zip.NewReader(ra, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if why := zipBomb(zr.File); why != "" {
		f.Close()
		return nil, fmt.Errorf("%s: %w (%s)", name, ErrZipBomb, why)
	}
	return &Zip{Reader: zr, Name: name, f: f}, nil
}

// zipBomb says which limit the archive's declared sizes break, or "".
func zipBomb(files []*zip.File) string {
	if len(files) > MaxZipEntries {
		return fmt.Sprintf("%s, more than %d", plural(len(files), "file"), MaxZipEntries)
	}
	var total uint64
	for _, f := range files {
		size := f.UncompressedSize64
		total += size
		switch ratio := size / max(f.CompressedSize64, 1); {
		case size > MaxZipEntryBytes:
			return fmt.Sprintf("%s; %q expands to %s, more than %s", plural(len(files), "file"), f.Name, sizeText(size), sizeText(MaxZipEntryBytes))
		case total > MaxZipTotalBytes:
			return fmt.Sprintf("%s expanding to over %s", plural(len(files), "file"), sizeText(MaxZipTotalBytes))
		case size > 1<<20 && ratio > MaxZipRatio:
			return fmt.Sprintf("%s; %q expands %d times, to %s, more than %d times", plural(len(files), "file"), f.Name, ratio, sizeText(size), MaxZipRatio)
		}
	}
	return ""
}

// readEntryPrealloc is the most ReadEntry allocates before reading.
const readEntryPrealloc = 16 << 20

// ReadEntry reads a whole entry, failing if it decompresses to more than
// it declared.
func (z *Zip) ReadEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
	}
	defer rc.Close()
	// The declared size is the archive's word, not a fact: a few bytes
	// of zip can declare gigabytes (FuzzMailArchive found such entries,
	// each taking seconds to allocate). Trust it only up to
	// readEntryPrealloc; past that the buffer grows with what arrives.
	buf := make([]byte, 0, min(f.UncompressedSize64, readEntryPrealloc))
	lr := &io.LimitedReader{R: rc, N: int64(f.UncompressedSize64) + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
		}
	}
	if uint64(len(buf)) > f.UncompressedSize64 {
		return nil, fmt.Errorf("%s: %s: %w (larger than declared)", z.Name, f.Name, ErrZipBomb)
	}
	return buf, nil
}
