package vault

import (
	"coffer/vault/store"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"coffer/vault/audit"

	"filippo.io/age"
)

// Appender adds messages to a vault. Everything it writes lands in the
// vault only at Commit, which appends one manifest record naming all the
// new files: an import is atomic, and a crash before Commit leaves files
// the manifest never names (ignored, then removed by the next writer).
type Appender struct {
	st        store.Store
	writer    string // this import's tag in new file names (newName)
	m         *Manifest
	lock      *writeLock
	recipient age.Recipient
	epoch     int
	signer    signer
	// known reports IDs the vault holds (nil when the writer cannot read
	// it); seen holds the IDs this import added.
	known func(id string) bool
	seen  *idSet
	now   time.Time

	seq     int // number the commit record will take
	files   []importRef
	created []string
	seg     *segmentBuilder
	indexer Indexer
	pending *Texts          // text of pendSegs' messages, for the indexer
	pendCat *catalogBuilder // and their catalog (catalog.go)
	// noCatalog makes index files as coffer wrote them before catalogs
	// (tests of what reads them).
	noCatalog bool
	pendSegs  []string     // segments written and not yet indexed
	building  chan sidecar // the index being built in the background, if any
	target    int          // messages an index file aims at (IndexTarget)
	blob      *blobWriter
	blobs     int
	stats     ImportStats
	convs     map[string]bool
	finished  bool
	audit     *audit.Link // the import's announcement, for its record
}

// idKey is a message ID as the 16 bytes it is the hex of: the IDs an
// import has added are held for the whole import, and 1M of them as
// strings cost ~100 MB, as keys ~30 MB.
type idKey [16]byte

func keyOf(id string) idKey {
	var k idKey
	if len(id) == 2*len(k) {
		if _, err := hex.Decode(k[:], []byte(id)); err == nil {
			return k
		}
	}
	h := sha256.Sum256([]byte(id)) // not ComputeID's form: a hash of it
	copy(k[:], h[:])
	return k
}

// ImportStats summarises an import.
type ImportStats struct {
	Added         int
	Duplicates    int
	Conversations int
	Files         int
}

// NewAppender starts an import into an unlocked vault. Messages already in
// the vault (by ID) are skipped, so re-importing an export adds nothing.
// The vault must be loaded (Load or LoadCatalog).
func (v *Vault) NewAppender() (*Appender, error) {
	if !v.opened() {
		return nil, errNotLoaded
	}
	lock, err := v.beginWrite()
	if err != nil {
		return nil, err
	}
	r, err := age.ParseHybridRecipient(v.Manifest.Recipient())
	if err != nil {
		lock.unlock()
		return nil, tamper(ManifestFile, "bad vault recipient: %v", err)
	}
	known := func(id string) bool { _, ok := v.Position(id); return ok }
	return newAppender(v.st, v.Dir, v.Manifest, lock, r, v.signer(), known, v.now()), nil
}

func newAppender(st store.Store, dir string, m *Manifest, lock *writeLock, r age.Recipient, s signer, known func(string) bool, now time.Time) *Appender {
	scratch := dir // the id set's spill file, sealed (idspill.go): beside the vault
	if store.IsURL(dir) {
		scratch = os.TempDir()
	}
	a := &Appender{st: st, writer: writerTag(st), m: m, lock: lock, recipient: r, epoch: m.Epoch, signer: s, known: known, seen: newIDSet(scratch), now: now,
		seq: m.Seq() + 1, convs: map[string]bool{}, seg: newSegmentBuilder()}
	removeLeftovers(st, m)
	return a
}

// removeLeftovers deletes what interrupted writes left (Unlisted.Leftover):
// files an import would otherwise overwrite piecemeal under the same
// name, and key files of a member change that never landed (which hold
// the vault secret wrapped to its would-be member). The caller holds the
// write lock.
func removeLeftovers(st store.Store, m *Manifest) {
	folders := vaultFolders
	if st.Shared() {
		folders = []string{"keys"} // the only leftovers removed there (below)
	}
	for _, u := range unlistedIn(st, m, folders) {
		if !u.Leftover {
			continue
		}
		// Without a lock (object storage) a file no record names may be
		// another writer's, still being written: only a member change's
		// key file (which holds the vault secret wrapped to a member
		// never added) is removed there, once older than any member change
		// takes. Retention may refuse even that; it is then reported.
		if st.Shared() && !(strings.HasPrefix(u.Name, "keys/") && u.Age >= sharedKeyLeftoverAge) {
			continue
		}
		st.Remove(u.Name)
	}
}

// sharedKeyLeftoverAge: see removeLeftovers.
var sharedKeyLeftoverAge = time.Hour

// Indexer builds an opaque sidecar for the text of a run of messages: the
// search index's prebuilt text index (coffer/index.BuildSegment). The
// vault stores it encrypted beside the segments, in the same commit, and
// hands it back at unlock (Vault.IndexSegments). It is as secret as the
// messages.
type Indexer func(t *Texts) ([]byte, error)

// SetIndexer makes the appender build a sidecar for every segment it
// writes. Set it before the first Add.
func (a *Appender) SetIndexer(f Indexer) {
	a.indexer, a.target, a.pending, a.pendCat = f, IndexTarget, &Texts{}, newCatalogBuilder()
}

// SetAnnouncement names the audit event that recorded this import before
// it began (audit.Log.Announce); the import record links it, so that
// audit verification can tell that the trail still holds it.
func (a *Appender) SetAnnouncement(l audit.Link) { a.audit = announced(l) }

// Add stages m, unless the vault already holds it, and returns whether
// it was new. Importers hand over messages they have passed through
// Validate, and Add takes the ID that Validate set rather than hash the
// message (and its attachments) a second time; it checks only the fields
// every message must have. A message without an ID is validated here.
// Attachment contents are written at once and dropped from m (Content
// becomes nil, Ref locates the stored copy). The appender keeps only the
// text the index needs (Texts), not m.
func (a *Appender) Add(m *Message) (bool, error) {
	if a.finished {
		return false, fmt.Errorf("vault: appender already finished")
	}
	var err error
	if m.ID == "" {
		err = Validate(m)
	} else {
		err = checkRequired(m)
	}
	if err != nil {
		return false, err
	}
	k := keyOf(m.ID)
	if a.known != nil && a.known(m.ID) {
		a.stats.Duplicates++
		return false, nil
	}
	if seen, err := a.seen.has(k); err != nil {
		return false, err
	} else if seen {
		a.stats.Duplicates++
		return false, nil
	}
	if err := a.seen.add(k); err != nil {
		return false, err
	}
	for i := range m.Attachments {
		at := &m.Attachments[i]
		if at.Content == nil {
			continue
		}
		ref, err := a.storeBlob(at.Content)
		if err != nil {
			return false, err
		}
		at.Ref, at.Content = ref, nil
	}
	a.seg.add(m)
	if a.indexer != nil {
		a.pending.Add(m.Subject, m.Body)
		a.pendCat.add(m)
	}
	a.stats.Added++
	a.convs[m.Conversation.ID] = true
	if a.seg.size() >= segmentTargetBytes || a.seg.holdsRefs() {
		return true, a.flush()
	}
	return true, nil
}

// flush seals the staged messages into a new segment file.
func (a *Appender) flush() error {
	if a.seg.count == 0 {
		return nil
	}
	name := newName("segments", a.seq, len(a.files), a.writer)
	h := segmentHeader{VaultID: a.m.VaultID, Epoch: a.epoch, Name: name, Count: a.seg.count}
	body := a.seg.body() // wiped by reset, here or when the appender finishes
	ref, err := a.writeFile(name, func(w io.Writer) error { return sealSegment(w, h, body, a.recipient) })
	if err != nil {
		return err
	}
	a.files = append(a.files, importRef{Kind: "segment", fileRef: *ref, Messages: a.seg.count})
	a.seg.reset() // the staging buffers are reused: wipe them
	if a.indexer != nil {
		a.pendSegs = append(a.pendSegs, name)
		if a.pending.Len() >= a.target || a.pending.Size() >= indexPendingBytes {
			return a.startSidecar()
		}
	}
	return nil
}

// indexPendingBytes bounds the message text an import holds for its next
// index file (and the one being built holds as much): an index file
// covers IndexTarget messages, or fewer when they hold this much text:
// ~50,000 chat messages of a few hundred bytes, ~10,000 mails. The import
// stays under ImportMemoryLimit with two such batches held beside the
// index build's working set; compaction merges the index files later.
// One 50 MiB message gets an index file of its own instead of being held
// with the next ones.
const indexPendingBytes = 12 << 20

// ImportMemoryLimit is the soft memory limit `coffer import` runs under
// (runtime/debug.SetMemoryLimit, unless GOMEMLIMIT is set): the
// appender's batches fit in it, and without it the collector lets the
// heap grow to twice what is live before it runs.
const ImportMemoryLimit = 256 << 20

// ImportGCPercent is the collector's GOGC for `coffer import`: an import
// allocates every message anew while holding little, and at the default
// 100 the collector ran every few megabytes; at 400 a parser spends a
// fifth less CPU (WhatsApp 27 -> 33 MB per CPU-second, Slack 47 -> 56),
// and ImportMemoryLimit still bounds the heap.
const ImportGCPercent = 400

// sidecar is an index file's content being built for segments.
type sidecar struct {
	segs  []string
	count int
	data  []byte
	cat   *catalogBuilder
	err   error
}

// startSidecar builds the index of the pending messages in the background
// (the importer goes on parsing and encrypting meanwhile), after writing
// the one built before, if any. One index file covers ~IndexTarget
// messages, several segments: searching costs grow with the number of
// index segments, and a dictionary per 10,000 messages made the index
// half as big again as one per 100,000 (251 against 171 bytes a message).
func (a *Appender) startSidecar() error {
	if err := a.finishSidecar(); err != nil {
		return err
	}
	if len(a.pendSegs) == 0 {
		return nil
	}
	texts, cat, segs := a.pending, a.pendCat, a.pendSegs
	a.pending, a.pendCat, a.pendSegs = &Texts{}, newCatalogBuilder(), nil
	ch := make(chan sidecar, 1)
	a.building = ch
	go func() {
		data, err := a.indexer(texts)
		n := texts.Len()
		texts.Wipe()
		ch <- sidecar{segs: segs, count: n, data: data, cat: cat, err: err}
	}()
	return nil
}

// finishSidecar waits for the index being built, if any, and stores it as
// index/<seq>-<n>.age, n being the number of the last segment it covers.
func (a *Appender) finishSidecar() error {
	if a.building == nil {
		return nil
	}
	sc := <-a.building
	a.building = nil
	defer sc.cat.wipe()
	if sc.err != nil {
		return fmt.Errorf("vault: index segment: %w", sc.err)
	}
	last := sc.segs[len(sc.segs)-1]
	name := "index/" + strings.TrimPrefix(last, "segments/")
	ref, err := a.writeFile(name, func(w io.Writer) error {
		aw, err := age.Encrypt(w, a.recipient)
		if err != nil {
			return err
		}
		if _, err := aw.Write(sc.data); err != nil {
			return err
		}
		if !a.noCatalog {
			if err := sc.cat.writeTo(aw); err != nil {
				return err
			}
		}
		return aw.Close()
	})
	clear(sc.data)
	if err != nil {
		return err
	}
	f := importRef{Kind: "index", fileRef: *ref, Messages: sc.count}
	if len(sc.segs) > 1 {
		f.Covers = sc.segs // one segment of the same name is the default
	}
	a.files = append(a.files, f)
	return nil
}

// writeFile writes a new vault file atomically and returns its reference.
func (a *Appender) writeFile(name string, write func(io.Writer) error) (*fileRef, error) {
	h := newHashingWriter()
	err := a.st.Create(name, func(w io.Writer) error { return write(io.MultiWriter(w, h)) })
	if err != nil {
		return nil, fmt.Errorf("vault: write %s: %w", name, err)
	}
	a.created = append(a.created, name)
	return &fileRef{Name: name, SHA256: h.sum(), Size: h.n}, nil
}

// Commit writes the last segment and blob and appends the import record.
// Only now do the new messages become part of the vault.
func (a *Appender) Commit() (ImportStats, error) {
	if a.finished {
		return a.stats, fmt.Errorf("vault: appender already finished")
	}
	defer a.finish()
	if err := a.flush(); err != nil {
		a.abort()
		return a.stats, err
	}
	if err := a.startSidecar(); err != nil {
		a.abort()
		return a.stats, err
	}
	if err := a.finishSidecar(); err != nil {
		a.abort()
		return a.stats, err
	}
	if err := a.closeBlob(); err != nil {
		a.abort()
		return a.stats, err
	}
	a.stats.Conversations = len(a.convs)
	a.stats.Files = len(a.files)
	if len(a.files) == 0 {
		return a.stats, nil
	}
	sort.Slice(a.files, func(i, j int) bool { return a.files[i].Name < a.files[j].Name })
	rec := &record{Type: recImport, Import: &importBody{Epoch: a.epoch, Messages: a.stats.Added, Files: a.files}, Audit: a.audit}
	if err := a.commit(rec); err != nil {
		a.abort()
		return a.stats, err
	}
	_, err := checkPinIn(a.st, a.m)
	return a.stats, err
}

// commit appends the import's record. Where writers share the storage
// without a lock, another may take the record number first: the import's
// files keep their names (unique to it), and its record is signed again
// as the next one after the manifest is read again, as long as the vault
// still allows it (an ingest key removed meanwhile does not).
func (a *Appender) commit(rec *record) error {
	for try := 0; ; try++ {
		err := a.m.appendRecords(a.st, a.now, signedRecord{rec, a.signer})
		if err == nil || !errorsIsConflict(err) || try == conflictRetries {
			return err
		}
		m, err := readManifestSince(a.st, a.m)
		if err == nil {
			err = extends(m, a.m)
		}
		if err != nil {
			return err
		}
		if id, ok := ingestSigner(a.signer.name); ok {
			if k := m.ingestKey(id); k == nil || k.Removed {
				return fmt.Errorf("vault: ingest key %q was removed while this import ran; nothing was imported", id)
			}
		}
		*a.m = *m
	}
}

// Abort discards everything staged; the vault is as before.
func (a *Appender) Abort() {
	if a.finished {
		return
	}
	a.abort()
	a.finish()
}

func (a *Appender) abort() {
	if a.building != nil { // let it finish, and drop what it made
		sc := <-a.building
		clear(sc.data)
		sc.cat.wipe()
		a.building = nil
	}
	if a.blob != nil {
		a.blob.discard()
		a.blob = nil
	}
	for _, name := range a.created {
		a.st.Remove(name)
	}
	a.created = nil
}

func (a *Appender) finish() {
	a.finished = true
	a.seen.close()
	a.seg.reset()
	if a.pendCat != nil {
		a.pendCat.wipe()
	}
	if a.pending != nil {
		a.pending.Wipe()
	}
	a.pending, a.pendSegs = nil, nil
	if a.lock != nil {
		a.lock.unlock()
		a.lock = nil
	}
}
