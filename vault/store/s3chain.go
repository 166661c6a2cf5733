package store

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// A chain is objects "<chain>/<first record, 8 digits>", each holding
// the records one writer appended at once. Readers walk from record 0:
// the next object is the one named for the number of records so far;
// objects off that walk (a writer that lost a race never creates one)
// are ignored.

func partName(chain string, n int) string { return fmt.Sprintf("%s/%08d", chain, n) }

// parts lists a chain's or log's objects by number.
func (s *S3) parts(name string) (map[int]Entry, error) {
	ents, err := s.List(name)
	if err != nil {
		return nil, err
	}
	out := make(map[int]Entry, len(ents))
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name); err == nil && len(e.Name) == 8 && n >= 0 {
			out[n] = e
		}
	}
	return out, nil
}

// fetch reads the objects of parts numbered from first on, 16 at a time.
func (s *S3) fetch(name string, parts map[int]Entry, first int) (map[int][]byte, error) {
	var nums []int
	for n := range parts {
		if n >= first {
			nums = append(nums, n)
		}
	}
	out := make(map[int][]byte, len(nums))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, n := range nums {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			b, err := s.read(partName(name, n))
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !errors.Is(err, ErrNotExist) && firstErr == nil {
				firstErr = err
			}
			if err == nil {
				out[n] = b
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

func (s *S3) ReadChain(name string, from, limit int) ([]byte, error) {
	parts, err := s.parts(name)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s/%s: %w", s, name, ErrNotExist)
	}
	// Start at the object holding record from (or ending just before it)
	// when this store walked or wrote it; else at record 0.
	start := 0
	s.mu.Lock()
	for first, n := range s.bounds[name] {
		switch {
		case first+n == from:
			start = max(start, from)
		case first <= from && from < first+n:
			start = max(start, first)
		}
	}
	s.mu.Unlock()
	objs, err := s.fetch(name, parts, start)
	if err != nil {
		return nil, err
	}
	var out []byte
	seen := map[int]int{}
	for pos := start; ; {
		b, ok := objs[pos]
		if !ok {
			break
		}
		n := bytes.Count(b, []byte("\n"))
		if n == 0 || b[len(b)-1] != '\n' {
			// Not a whole record: the walk cannot go on. Handing it to
			// the reader makes it say which record is broken.
			out = append(out, b...)
			break
		}
		out = append(out, b...)
		if len(out) > limit {
			break
		}
		seen[pos] = n
		pos += n
	}
	s.mu.Lock()
	if s.bounds[name] == nil {
		s.bounds[name] = map[int]int{}
	}
	for p, n := range seen {
		s.bounds[name][p] = n
	}
	s.mu.Unlock()
	// Skip to from when the walk began earlier.
	for skip := from - start; skip > 0; skip-- {
		i := bytes.IndexByte(out, '\n')
		if i < 0 {
			return nil, nil
		}
		out = out[i+1:]
	}
	return out, nil
}

func (s *S3) AppendChain(name string, n int, whole, lines []byte) error {
	if err := s.put(partName(name, n), lines, ErrConflict); err != nil {
		return err
	}
	s.mu.Lock()
	if s.bounds[name] == nil {
		s.bounds[name] = map[int]int{}
	}
	s.bounds[name][n] = bytes.Count(lines, []byte("\n"))
	s.mu.Unlock()
	return nil
}
