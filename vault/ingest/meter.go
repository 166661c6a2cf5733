package ingest

import (
	"io"
	"os"
	"sync/atomic"
)

// Meter counts the bytes an import has read from its input files, so the
// caller can show progress by bytes, with a rate and an estimate of the
// time left, whatever the format. It counts the parse pass only: a file's
// first pass (its SHA-256 for provenance) runs at disk speed and is not
// what the estimate is about. The zero value is ready; it is safe for
// concurrent use (the mbox reader parses on several goroutines).
type Meter struct{ n atomic.Int64 }

// Bytes returns the count so far.
func (m *Meter) Bytes() int64 {
	if m == nil {
		return 0
	}
	return m.n.Load()
}

func (m *Meter) add(k int) {
	if m != nil && k > 0 {
		m.n.Add(int64(k))
	}
}

// meteredReader counts what is read through it. It has no WriteTo, so
// io.Copy cannot go around it (an embedded *os.File would have one).
type meteredReader struct {
	rc io.ReadCloser
	m  *Meter
}

func (r meteredReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.m.add(n)
	return n, err
}

func (r meteredReader) Close() error { return r.rc.Close() }

// meteredReaderAt counts what is read through it: a zip's bytes read from
// disk (compressed), which is what its file size, the progress total,
// counts.
type meteredReaderAt struct {
	ra io.ReaderAt
	m  *Meter
}

func (r meteredReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.ra.ReadAt(p, off)
	r.m.add(n)
	return n, err
}

// open opens the input file at path for its parse pass, counted by
// o.Meter.
func (o Options) open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil || o.Meter == nil {
		return f, err
	}
	return meteredReader{rc: f, m: o.Meter}, nil
}
