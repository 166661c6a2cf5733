package store

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// A log is objects "<log>/<part, 8 digits>" numbered from 0, one per
// Append; a reader concatenates them up to the first gap.

type s3Log struct {
	s    *S3
	name string
	next int
}

func (s *S3) CreateLog(name string, first []byte) (Log, error) {
	if err := s.put(partName(name, 0), first, ErrExist); err != nil {
		return nil, err
	}
	return &s3Log{s: s, name: name, next: 1}, nil
}

func (l *s3Log) Append(p []byte) error {
	if l.s == nil {
		return os.ErrClosed
	}
	if err := l.s.put(partName(l.name, l.next), p, ErrConflict); err != nil {
		return err
	}
	l.next++
	return nil
}

func (l *s3Log) Close() error { l.s = nil; return nil }

// OpenLog reads a log's parts in order, up to the first gap. Part 0 is
// fetched when the reader first asks; the rest (once the reader wants
// more than part 0) up to 16 ahead of it: reading only a log's first
// record (the audit trail's header) costs one listing and one GET.
func (s *S3) OpenLog(name string) (io.ReadCloser, error) {
	parts, err := s.parts(name)
	if err != nil {
		return nil, err
	}
	if _, ok := parts[0]; !ok {
		return nil, fmt.Errorf("%s/%s: %w", s, name, ErrNotExist)
	}
	n := 0
	for _, ok := parts[n]; ok; _, ok = parts[n] {
		n++
	}
	return &logReader{s: s, name: name, n: n, done: make(chan struct{})}, nil
}

type part struct {
	b   []byte
	err error
}

// logReader hands out a log's parts in order.
type logReader struct {
	s     *S3
	name  string
	n     int         // parts
	next  int         // the next part to hand out
	cur   []byte      // what is left of the part handed out
	ahead []chan part // parts 1.. as fetched ahead, once started
	sem   chan struct{}
	done  chan struct{}
	once  sync.Once
}

func (r *logReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.next == r.n {
			return 0, io.EOF
		}
		var pt part
		if r.next == 0 {
			pt.b, pt.err = r.s.read(partName(r.name, 0))
		} else {
			if r.ahead == nil {
				r.fetchAhead()
			}
			pt = <-r.ahead[r.next]
			<-r.sem
		}
		r.next++
		if pt.err != nil {
			return 0, pt.err
		}
		r.cur = pt.b
	}
	k := copy(p, r.cur)
	r.cur = r.cur[k:]
	return k, nil
}

// fetchAhead starts fetching parts 1.. with at most 16 fetched and not
// yet read.
func (r *logReader) fetchAhead() {
	r.ahead = make([]chan part, r.n)
	for i := range r.ahead {
		r.ahead[i] = make(chan part, 1)
	}
	r.sem = make(chan struct{}, 16)
	go func() {
		for i := 1; i < r.n; i++ {
			select {
			case r.sem <- struct{}{}:
			case <-r.done:
				return
			}
			go func() {
				b, err := r.s.read(partName(r.name, i))
				r.ahead[i] <- part{b, err}
			}()
		}
	}()
}

// Close stops fetching ahead; fetches under way finish into buffered
// channels and are dropped.
func (r *logReader) Close() error {
	r.once.Do(func() { close(r.done) })
	return nil
}

// LogState sums the log's parts; a log is live when its last part was
// written within the store's LiveWindow (the store's clock: LastModified).
func (s *S3) LogState(name string) (int64, bool, error) {
	parts, err := s.parts(name)
	if err != nil {
		return 0, false, err
	}
	if _, ok := parts[0]; !ok {
		return 0, false, fmt.Errorf("%s/%s: %w", s, name, ErrNotExist)
	}
	var size int64
	var last time.Time
	for i := 0; ; i++ {
		e, ok := parts[i]
		if !ok {
			break
		}
		size += e.Size
		last = e.ModTime
	}
	return size, s.live > 0 && time.Since(last) < s.live, nil
}

// StoredSHA256 returns the size of name and the SHA-256 the store checked
