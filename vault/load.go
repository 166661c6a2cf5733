package vault

import (
	"coffer/vault/store"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
)

// Progress reports the advance of Load, LoadCatalog or CheckSegments:
// files and bytes done of the total.
type Progress struct {
	// Stage says what is read: StageDecrypt (Load: segments decrypted),
	// StageCatalogs (LoadCatalog: Segments counts index files) or
	// StageCheck (CheckSegments: segments hashed, not decrypted).
	Stage                   Stage
	Segments, TotalSegments int
	Bytes, TotalBytes       int64
	Messages                int
}

// Stage is what a Progress counts.
type Stage int

const (
	StageDecrypt Stage = iota
	StageCatalogs
	StageCheck
)

// Load decrypts every segment into memory, on all cores, checking each
// file's hash against the manifest first. Messages that several segments
// hold (the same export imported through an ingest key, which cannot see
// what is stored) are kept once. progress may be nil.
func (v *Vault) Load(progress func(Progress)) error {
	if v.loaded {
		return nil
	}
	if v.lazy != nil {
		return errors.New("vault: opened from its catalogs (LoadCatalog): cannot also load it whole")
	}
	// Load grows the heap from nothing to about twice the vault's text in
	// one go, and every garbage collection on the way scans all messages
	// decoded so far: at the default GOGC that was 40% of unlock's time at
	// 1M messages (BenchmarkUnlockLoad: 287 MB/s; 474 MB/s with 1000).
	// Nearly everything Load allocates stays live, so collecting rarely
	// costs little memory. The setting is the process's, so it is
	// restored as soon as Load returns.
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	m := v.Manifest
	files := m.Files("segment")
	segs := make([]*segment, len(files))
	errs := eachFile(v.st, files, StageDecrypt, progress, func(i int) int {
		if segs[i] == nil {
			return 0
		}
		return len(segs[i].messages)
	}, func(i int, buf []byte) ([]byte, error) {
		var err error
		segs[i], buf, err = v.loadSegment(files[i], buf)
		return buf, err
	})
	for _, err := range errs {
		if err != nil {
			wipe(segs)
			return err
		}
	}
	v.segments, v.byName = segs, nil
	v.index()
	if err := v.loadTags(); err != nil {
		wipe(segs)
		v.segments, v.messages, v.pos = nil, nil, nil
		return err
	}
	v.Warnings = unlistedWarnings(v.st, m)
	v.loaded = true
	return nil
}

// loadSegment reads a segment file into buf (a worker's, reused), checks
// it against the manifest, then decrypts and decodes it. It returns buf,
// perhaps grown.
func (v *Vault) loadSegment(e *FileEntry, buf []byte) (*segment, []byte, error) {
	id, ct, buf, err := v.readKeyed(e, buf)
	if err != nil {
		return nil, buf, err
	}
	s, err := openSegment(ct, e, v.Manifest.VaultID, []age.Identity{id})
	if err != nil {
		return nil, buf, tamper(e.Name, "%v", err)
	}
	return s, buf, nil
}

// covered returns the messages of the segments index file e covers, in
// order, and whether they are all loaded.
func (v *Vault) covered(e *FileEntry) ([]*Message, bool) {
	n := 0
	for _, name := range e.Covers {
		s := v.segment(name)
		if s == nil {
			return nil, false
		}
		n += len(s.messages)
	}
	out := make([]*Message, 0, n)
	for _, name := range e.Covers {
		s := v.segment(name)
		for j := range s.messages {
			out = append(out, &s.messages[j])
		}
	}
	return out, true
}

// segment returns the loaded segment of that name, or nil.
func (v *Vault) segment(name string) *segment {
	if v.byName == nil {
		v.byName = make(map[string]*segment, len(v.segments))
		for _, s := range v.segments {
			v.byName[s.header.Name] = s
		}
	}
	return v.byName[name]
}

// readIndexFile reads an index file into buf (see readChecked) and
// returns its plaintext, in a buffer of its own, and buf.
func (v *Vault) readIndexFile(e *FileEntry, buf []byte) ([]byte, []byte, error) {
	id, ct, buf, err := v.readKeyed(e, buf)
	if err != nil {
		return nil, buf, err
	}
	data, err := decryptAll(ct, id)
	if err != nil {
		return nil, buf, tamper(e.Name, "cannot be decrypted: %v", err)
	}
	return data, buf, nil
}

// index builds the message list, in time order (ties by ID), and the one
// table from ID to position in it, which the search index and vault/access
// use too (Position) instead of keeping their own.
func (v *Vault) index() {
	n := 0
	for _, s := range v.segments {
		n += len(s.messages)
	}
	v.messages = make([]*Message, 0, n)
	for _, s := range v.segments {
		for i := range s.messages {
			v.messages = append(v.messages, &s.messages[i])
		}
	}
	slices.SortFunc(v.messages, CompareTime)
	// A message imported twice (an ingest key cannot see what is stored)
	// has one ID, one time: its copies are neighbours now. Keep one.
	v.pos = make(map[string]uint32, n)
	kept := v.messages[:0]
	for _, m := range v.messages {
		if len(kept) > 0 && kept[len(kept)-1].ID == m.ID {
			continue
		}
		v.pos[m.ID] = uint32(len(kept))
		kept = append(kept, m)
	}
	clear(v.messages[len(kept):])
	v.messages = kept
}

// Messages returns every message, oldest first. The slice and the messages
// are shared: callers must not modify them. It is nil after LoadCatalog
// (see MessageAt).
func (v *Vault) Messages() []*Message { return v.messages }

// PlaintextBytes is the decrypted size of the loaded message segments:
// what unlock holds in memory as text before any index is built.
func (v *Vault) PlaintextBytes() int64 {
	var n int64
	for _, s := range v.segments {
		n += int64(len(s.body))
	}
	if z := v.lazy; z != nil {
		z.mu.Lock()
		for _, s := range z.loaded {
			n += int64(len(s.body))
		}
		z.mu.Unlock()
	}
	return n
}

// Message returns the message with the given ID.
func (v *Vault) Message(id string) (*Message, bool) {
	if v.lazy != nil {
		m, err := v.Lookup(id)
		return m, err == nil
	}
	p, ok := v.pos[id]
	if !ok {
		return nil, false
	}
	return v.messages[p], true
}

// Position returns where the message with the given ID is in Messages.
func (v *Vault) Position(id string) (int, bool) {
	if v.lazy != nil {
		return v.lazy.position(id)
	}
	p, ok := v.pos[id]
	return int(p), ok
}

// Close drops the plaintext: every decrypted segment buffer is zeroed and
// every reference released, so a later heap holds no message. Strings
// handed out before Close must not be used after it.
func (v *Vault) Close() {
	if v.lazy != nil {
		v.lazy.wipe()
		v.lazy = nil
	}
	wipe(v.segments)
	v.segments, v.messages, v.pos, v.byName, v.tags, v.loaded = nil, nil, nil, nil, nil, false
	v.journals.wipe()
	for _, k := range v.epochs {
		k.Signing = nil
		k.Identity = nil
	}
	v.epochs = nil
}

func wipe(segs []*segment) {
	for _, s := range segs {
		if s != nil {
			clear(s.body)
			clear(s.messages)
		}
	}
}

// unlistedWarnings lists files in the vault's folders that the manifest
// does not name. They are never read.
func unlistedWarnings(st store.Store, m *Manifest) []string {
	var out []string
	for _, u := range unlistedFiles(st, m) {
		out = append(out, u.String())
	}
	return out
}

// Unlisted is a file in the vault folder that the manifest does not name.
type Unlisted struct {
	Name string
	// Leftover is set for files an interrupted write leaves: an import's
	// (named for the record that never landed) or a member change's (key
	// files, which only a member change writes, before its record):
	// harmless, never read, removed by the next write.
	Leftover bool
	// Age is how long ago the file was written.
	Age time.Duration
	// Beyond is the record number the file's name claims when that is two
	// or more past the manifest's last (see checkRollback), else 0.
	Beyond int
}

func (u Unlisted) String() string {
	if u.Leftover {
		return u.Name + ": not named by the manifest (left by an interrupted write; ignored)"
	}
	if u.Beyond > 0 {
		// Unlock let it through (checkRollback): the pin vouches for the
		// manifest.
		return fmt.Sprintf("%s: unknown file, not named by the manifest: named for record %d, which the manifest does not have, "+
			"but this machine's pin vouches for the manifest, so it is junk, not a rollback; ignored", u.Name, u.Beyond)
	}
	return u.Name + ": unknown file, not named by the manifest (planted, or its name altered); ignored"
}

// vaultFolders are the folders whose files the manifest names.
var vaultFolders = []string{"keys", "segments", "blobs", "tags", "index", "productions", "saved", "policies", "supervision"}

func unlistedFiles(st store.Store, m *Manifest) []Unlisted { return unlistedIn(st, m, vaultFolders) }

// unlistedIn is unlistedFiles of the given folders only: a write on
// object storage lists one folder, not nine, for its leftovers.
func unlistedIn(st store.Store, m *Manifest, subs []string) []Unlisted {
	named := map[string]bool{}
	for _, e := range m.allFiles() {
		named[e.Name] = true
	}
	var out []Unlisted
	// One request each on object storage: listed at once.
	listed := make([][]store.Entry, len(subs))
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			listed[i], _ = st.List(sub)
		}()
	}
	wg.Wait()
	for i, sub := range subs {
		ents := listed[i]
		for _, e := range ents {
			name := sub + "/" + e.Name
			if named[name] {
				continue
			}
			leftover := e.Temp
			if sub == "keys" && keyFileName(e.Name) {
				leftover = true
			}
			beyond := 0
			seq, tagged, ok := fileSeq(e.Name)
			switch {
			case ok && st.Shared() && tagged && seq <= m.Seq()+1:
				// On object storage every writer tags its files' names
				// (newName), and a write that lost the race for its
				// record, or never finished, leaves them named for a
				// record at most one past the manifest it read.
				leftover = true
			case ok && !st.Shared() && seq == m.Seq()+1:
				leftover = true
			case ok && seq > m.Seq()+1:
				beyond = seq
			}
			out = append(out, Unlisted{Name: name, Leftover: leftover, Beyond: beyond, Age: time.Since(e.ModTime)})
		}
	}
	return out
}

// keyFileName reports whether base is named like a member's key file,
// "<member>.e<N>.age" or "<member>.pass.age".
func keyFileName(base string) bool {
	stem, ok := strings.CutSuffix(base, ".age")
	if !ok {
		return false
	}
	id, ext, ok := strings.Cut(stem, ".")
	if !ok || id == "" {
		return false
	}
	if ext == "pass" {
		return true
	}
	n, ok := strings.CutPrefix(ext, "e")
	n, _, _ = strings.Cut(n, "-") // a writer's tag (keyFilePath)
	_, err := strconv.Atoi(n)
	return ok && err == nil
}

// fileSeq parses the record number from a file name "<seq>-<n>.age" or
// "<seq>-<n>-<writer>.age" (newName; tagged).
func fileSeq(base string) (seq int, tagged, ok bool) {
	stem, ok := strings.CutSuffix(base, ".age")
	parts := strings.Split(stem, "-")
	if !ok || len(parts) < 2 || len(parts) > 3 || len(parts[0]) != 6 || len(parts[1]) != 4 {
		return 0, false, false
	}
	seq, err := strconv.Atoi(parts[0])
	if _, err2 := strconv.Atoi(parts[1]); err != nil || err2 != nil || seq < 0 {
		return 0, false, false
	}
	if len(parts) == 3 && len(parts[2]) != 8 {
		return 0, false, false
	}
	return seq, len(parts) == 3, true
}

var errNotLoaded = errors.New("vault: messages not loaded")

// IndexSegment is a prebuilt search-index segment (see
// Appender.SetIndexer and Vault.CompactIndex) with the messages of the
// message segments it indexes, in the order the indexer saw them: the
// index refers to messages by that position, not by ID (an ID per
// document was 14% of an index segment).
type IndexSegment struct {
	Name     string
	Data     []byte
	Messages []*Message
	// Ords, set instead of Messages after LoadCatalog, is the ordinal of
	// each document's message, or NoOrd.
	Ords []uint32
}

// IndexSegments decrypts the prebuilt search-index segments in use, after
// checking each against the manifest. Messages no index file covers must
// be indexed at unlock. The vault's messages must be loaded.
func (v *Vault) IndexSegments() ([]IndexSegment, error) {
	if z := v.lazy; z != nil {
		out := make([]IndexSegment, len(z.ixFiles))
		for i, e := range z.ixFiles {
			out[i] = IndexSegment{Name: e.Name, Data: z.ixIndex[i], Ords: z.ixOrds[i]}
		}
		return out, nil
	}
	if !v.loaded {
		return nil, errNotLoaded
	}
	var files []*FileEntry
	var out []IndexSegment
	for _, e := range v.Manifest.IndexFiles() {
		// An index file of segments imported since Load (the manifest
		// moves on with this process's own writes) indexes messages
		// that are not loaded either: it is skipped.
		if msgs, ok := v.covered(e); ok {
			files = append(files, e)
			out = append(out, IndexSegment{Name: e.Name, Messages: msgs})
		}
	}
	errs := eachFile(v.st, files, StageDecrypt, nil, func(int) int { return 0 }, func(i int, buf []byte) ([]byte, error) {
		var err error
		out[i].Data, buf, err = v.readIndexFile(files[i], buf)
		if err != nil {
			return buf, err
		}
		// The catalog is for LoadCatalog; Load has the messages: wiped
		// at once.
		whole := out[i].Data
		if out[i].Data, _, _, _, _, err = splitCatalog(whole); err != nil {
			clear(whole)
			return buf, tamper(files[i].Name, "%v", err)
		}
		clear(whole[len(out[i].Data):])
		return buf, nil
	})
	if err := errors.Join(errs...); err != nil {
		for _, o := range out {
			clear(o.Data)
		}
		return nil, err
	}
	return out, nil
}

// keyFor returns the key of the epoch file e was written in.
func (v *Vault) keyFor(e *FileEntry) (*epochKey, error) {
	if k := v.epochs[e.Epoch]; k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("vault: %s: written in epoch %d, before member %q was added with that epoch's key", e.Name, e.Epoch, v.Member.Name)
}
