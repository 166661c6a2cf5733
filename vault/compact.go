package vault

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"sync"

	"coffer/vault/audit"

	"filippo.io/age"
)

// Compaction merges small search-index files. Every import stores at
// least one index file, so a vault fed by many small imports (a capture
// host appending every few minutes) ends up with thousands of small
// indexes, and searching costs grow with their number: at 1M messages in
// index segments of 1,000, prefix queries took 169 ms p99 against 32 ms in
// segments of 10,000 (index/README.md). CompactIndex rebuilds
// runs of small index files, and segments that have none, into index
// files of about IndexTarget messages each, and records them in one
// reindex record that replaces the old files. It needs the vault secret
// (it reads the messages), so capture hosts cannot do it; members can,
// with `coffer compact` or after an import.

// IndexTarget is the number of messages an index file aims at, written by
// an import or by compaction. Fewer, larger index segments search faster
// and share one dictionary: at 1M messages, prefix p99 was 46 ms with
// index segments of 10,000 messages and 15 ms with 100,000, and the index
// 251 against 171 bytes a message (index/README.md).
const IndexTarget = 100000

// AutoCompactUnits is how many small index units an import lets pile up
// before it merges them, like Lucene's merge factor: merging at every
// import would rewrite the growing merged index each time.
const AutoCompactUnits = 8

// CompactStats says what CompactIndex did.
type CompactStats struct {
	Replaced int // index files replaced
	Indexed  int // segments that had no index file
	Written  int // index files written
	Messages int // messages they index
}

// compactGroupBytes bounds the segments (in bytes of ciphertext, about
// their plaintext) one compacted index file is built from, as
// indexPendingBytes bounds an import's: a compaction builds two at once,
// holding their text. Without it, merging the index files of a 1 GB mbox
// into files of IndexTarget mails held every mail of the import at once:
// 2.3 GB peak RSS. Chat messages reach IndexTarget well within it; mail
// gets index files of ~30,000 messages.
const compactGroupBytes = 64 << 20

// compactUnit is what a compacted file is built from: an index file in use
// with the segments it covers, or a segment no index file covers.
type compactUnit struct {
	index    string // "" for a segment without an index file
	segments []string
	messages int
	bytes    int64 // of its segments
	// uncatalogued is set, when CompactIndex looks (minUnits 1), for an
	// index file without a catalog (written before catalogs) and a
	// segment without an index file: what keeps LoadCatalog from
	// opening the vault.
	uncatalogued bool
}

// CompactIndex merges runs of consecutive index units (index files in
// use, and segments no index file covers) holding fewer than small
// messages each, in groups of about IndexTarget messages, when a group
// has at least minUnits of them (2 merges whatever can be; imports use
// AutoCompactUnits, so that a vault fed by small imports rewrites its
// indexes every few imports, not at each). build makes an index file's
// content from messages, like the importer's indexer. announce, if not
// nil, is called once there is something to merge and before anything is
// written: it records the compaction in the audit trail
// (audit.Log.Announce) and returns the link the reindex record carries;
// its error stops the compaction. It returns what it did; zero stats mean
// there was nothing worth merging.
//
// With minUnits 1 (`coffer compact`), it also rebuilds, alone if need
// be, every unit without a catalog (catalog.go): index files written
// before catalogs, and segments without an index file, so that one-shot
// searches can open the vault from its catalogs (LoadCatalog). This
// reads every index file in use.
func (v *Vault) CompactIndex(build Indexer, small, minUnits int, announce func() (audit.Link, error)) (stats CompactStats, err error) {
	err = retry(func() error {
		stats, err = v.compactIndex(build, small, minUnits, announce)
		return err
	})
	return stats, err
}

func (v *Vault) compactIndex(build Indexer, small, minUnits int, announce func() (audit.Link, error)) (CompactStats, error) {
	var st CompactStats
	if !v.loaded {
		return st, errNotLoaded
	}
	lock, err := v.beginWrite()
	if err != nil {
		return st, err
	}
	defer lock.unlock()
	m := v.Manifest

	units := compactUnits(m)
	if minUnits <= 1 {
		for i := range units {
			u := &units[i]
			if u.index == "" {
				u.uncatalogued = true
				continue
			}
			has, err := v.hasCatalog(m.files[u.index])
			if err != nil {
				return st, err
			}
			u.uncatalogued = !has
		}
	}
	groups := compactGroups(units, small, minUnits)
	if len(groups) == 0 {
		return st, nil
	}
	var link audit.Link
	if announce != nil {
		if link, err = announce(); err != nil {
			return st, err
		}
	}
	r, err := age.ParseHybridRecipient(m.Recipient())
	if err != nil {
		return st, tamper(ManifestFile, "bad vault recipient: %v", err)
	}
	seq, writer := m.Seq()+1, writerTag(v.st)
	body := &reindexBody{Epoch: m.Epoch}
	var created []string
	defer func() {
		for _, name := range created { // set to nil once committed
			v.st.Remove(name)
		}
	}()
	type job struct {
		covers []string
		count  int
		data   []byte
		cat    *catalogBuilder
		err    error
	}
	jobs := make([]job, len(groups))
	for n, g := range groups {
		for _, u := range g {
			jobs[n].covers = append(jobs[n].covers, u.segments...)
			if u.index != "" {
				body.Replaces = append(body.Replaces, u.index)
				st.Replaced++
			} else {
				st.Indexed++
			}
		}
	}
	// texts reads the text of a job's segments: those loaded already, and
	// the others (imported since Load) decrypted for this and wiped at
	// once, so that a compaction holds only the text of what it builds.
	texts := func(j *job) (*Texts, error) {
		t := &Texts{}
		j.cat = newCatalogBuilder()
		for _, name := range j.covers {
			s := v.segment(name)
			loaded := s != nil
			if !loaded {
				var err error
				if s, _, err = v.loadSegment(m.files[name], nil); err != nil {
					t.Wipe()
					return nil, err
				}
			}
			for i := range s.messages {
				t.Add(s.messages[i].Subject, s.messages[i].Body)
				j.cat.add(&s.messages[i])
			}
			if !loaded {
				wipe([]*segment{s})
			}
		}
		return t, nil
	}
	// Build on every core, a batch at a time, and write in order. The
	// table of loaded segments by name is made here, once: texts runs
	// on every core, and segment made it on first use (a data race the
	// race detector found when two jobs ran at once).
	v.segment("")
	par := runtime.GOMAXPROCS(0)
	for first := 0; first < len(jobs); first += par {
		batch := jobs[first:min(first+par, len(jobs))]
		var wg sync.WaitGroup
		for i := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t, err := texts(&batch[i])
				if err != nil {
					batch[i].err = err
					return
				}
				batch[i].count = t.Len()
				batch[i].data, batch[i].err = build(t)
				t.Wipe()
			}()
		}
		wg.Wait()
		for i := range batch {
			j := &batch[i]
			if j.err != nil {
				for k := range batch {
					clear(batch[k].data)
					batch[k].cat.wipe()
				}
				return st, fmt.Errorf("vault: index segment: %w", j.err)
			}
			name := newName("index", seq, first+i, writer)
			h := newHashingWriter()
			err := v.st.Create(name, func(w io.Writer) error {
				aw, err := age.Encrypt(io.MultiWriter(w, h), r)
				if err != nil {
					return err
				}
				if _, err := aw.Write(j.data); err != nil {
					return err
				}
				if err := j.cat.writeTo(aw); err != nil {
					return err
				}
				return aw.Close()
			})
			clear(j.data)
			j.data = nil
			j.cat.wipe()
			if err != nil {
				for k := range batch {
					clear(batch[k].data)
					batch[k].cat.wipe()
				}
				return st, fmt.Errorf("vault: write %s: %w", name, err)
			}
			created = append(created, name)
			body.Files = append(body.Files, reindexRef{Kind: "index", fileRef: fileRef{Name: name, SHA256: h.sum(), Size: h.n}, Messages: j.count, Covers: j.covers})
			st.Written++
			st.Messages += j.count
		}
	}
	rec := &record{Type: recReindex, Reindex: body, Audit: announced(link)}
	if err := m.appendRecords(v.st, v.now(), signedRecord{rec, v.signer()}); err != nil {
		return st, err
	}
	created = nil
	_, err = checkPinIn(v.st, m)
	return st, err
}

// hasCatalog reports whether index file e carries a catalog: its file
// checked against the manifest, then only its last chunk decrypted.
func (v *Vault) hasCatalog(e *FileEntry) (bool, error) {
	f, _, err := v.openIndexFile(e, nil)
	if err != nil {
		return false, err
	}
	return f.ok, nil
}

// compactUnits lists the vault's index units in manifest order.
func compactUnits(m *Manifest) []compactUnit {
	var units []compactUnit
	indexed := map[string]bool{}
	for _, f := range m.IndexFiles() {
		u := compactUnit{index: f.Name, segments: f.Covers, messages: f.Messages}
		for _, s := range f.Covers {
			indexed[s] = true
			if e := m.files[s]; e != nil {
				u.bytes += e.Size
			}
		}
		units = append(units, u)
	}
	for _, f := range m.Files("segment") {
		if !indexed[f.Name] {
			units = append(units, compactUnit{segments: []string{f.Name}, messages: f.Messages, bytes: f.Size})
		}
	}
	// Manifest order of their first segment, so merged files keep the
	// vault's order.
	seqOf := func(u compactUnit) (int, string) {
		e := m.files[u.segments[0]]
		return e.Seq, e.Name
	}
	sort.SliceStable(units, func(i, j int) bool {
		si, ni := seqOf(units[i])
		sj, nj := seqOf(units[j])
		if si != sj {
			return si < sj
		}
		return ni < nj
	})
	return units
}

// compactGroups splits runs of small units into groups of about
// IndexTarget messages or compactGroupBytes of segments, keeping those of
// at least minUnits units. A unit of half that many bytes is not small:
// merging it would make files no larger.
func compactGroups(units []compactUnit, small, minUnits int) [][]compactUnit {
	minUnits = max(minUnits, 2) // one unit alone only when uncatalogued
	var groups [][]compactUnit
	var cur []compactUnit
	size, bytes := 0, int64(0)
	flush := func() {
		if len(cur) >= minUnits || slices.ContainsFunc(cur, func(u compactUnit) bool { return u.uncatalogued }) {
			groups = append(groups, cur)
		}
		cur, size, bytes = nil, 0, 0
	}
	for _, u := range units {
		if u.uncatalogued && (u.messages >= small || u.bytes >= compactGroupBytes/2) {
			flush() // large: rebuilt alone
			groups = append(groups, []compactUnit{u})
			continue
		}
		if u.messages >= small || u.bytes >= compactGroupBytes/2 {
			flush()
			continue
		}
		if size > 0 && (size+u.messages > IndexTarget || bytes+u.bytes > compactGroupBytes) {
			flush()
		}
		cur = append(cur, u)
		size += u.messages
		bytes += u.bytes
	}
	flush()
	return groups
}
