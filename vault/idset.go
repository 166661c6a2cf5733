package vault

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// idSet is the set of message ids one import has added, which it checks
// every message against. A Go map of 16-byte keys cost 30-38 bytes an id
// (303 MB at 10M, measured), more than the rest of a large import; here
// ids are kept as sorted runs of keys, 16 bytes an id, after a small map
// of the newest. Runs of equal size are merged up to idSetMaxRun keys,
// so a lookup searches a few runs, and a merge never holds more than
// idSetMaxRun keys twice. Past memKeys keys in memory, the runs are
// merged into one and spilled, encrypted, to a file (idSpill), so that
// the set's memory stays flat.
type idSet struct {
	recent  map[idKey]struct{}
	runs    [][]idKey // each sorted
	held    int       // keys in runs
	memKeys int       // keys held in memory before a spill
	dir     string    // where a spill goes
	spill   *idSpill  // nil until the first spill
}

const (
	idSetRecent  = 1 << 14 // keys in the map before they become a run
	idSetMaxRun  = 1 << 20 // keys (16 MiB) past which runs are not merged
	idSetMemKeys = 1 << 21 // keys (32 MiB) in memory before they spill
)

// newIDSet returns an empty set that spills to dir.
func newIDSet(dir string) *idSet {
	return &idSet{recent: make(map[idKey]struct{}, idSetRecent), memKeys: idSetMemKeys, dir: dir}
}

func (s *idSet) has(k idKey) (bool, error) {
	if _, ok := s.recent[k]; ok {
		return true, nil
	}
	for _, r := range s.runs {
		if _, ok := slices.BinarySearchFunc(r, k, compareKeys); ok {
			return true, nil
		}
	}
	if s.spill != nil {
		return s.spill.has(k)
	}
	return false, nil
}

// add puts k in the set; k must not be in it.
func (s *idSet) add(k idKey) error {
	s.recent[k] = struct{}{}
	if len(s.recent) < idSetRecent {
		return nil
	}
	run := make([]idKey, 0, len(s.recent))
	for k := range s.recent {
		run = append(run, k)
	}
	slices.SortFunc(run, compareKeys)
	clear(s.recent)
	s.runs = append(s.runs, run)
	s.held += len(run)
	for n := len(s.runs); n >= 2; n = len(s.runs) {
		a, b := s.runs[n-2], s.runs[n-1]
		if len(a) > len(b) || len(a)+len(b) > idSetMaxRun {
			break
		}
		s.runs = append(s.runs[:n-2], mergeKeys(a, b))
	}
	if s.held < s.memKeys {
		return nil
	}
	if s.spill == nil {
		var err error
		if s.spill, err = newIDSpill(s.dir); err != nil {
			return err
		}
	}
	all := s.runs[0]
	for _, r := range s.runs[1:] {
		all = mergeKeys(all, r)
	}
	s.runs, s.held = nil, 0
	return s.spill.add(all)
}

// close removes the spill, if any.
func (s *idSet) close() {
	if s.spill != nil {
		s.spill.close()
		s.spill = nil
	}
}

// compareKeys orders keys as bytes.Compare would, a word at a time.
func compareKeys(a, b idKey) int {
	if c := cmp.Compare(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])); c != 0 {
		return c
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

// mergeKeys merges two sorted runs into a new one.
func mergeKeys(a, b []idKey) []idKey {
	out := make([]idKey, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareKeys(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
