package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// ManifestFile is the manifest's name inside the vault folder.
const ManifestFile = "manifest"

// maxManifestBytes bounds what Open reads, so a planted giant file cannot
// exhaust memory before its first bad signature is found.
const maxManifestBytes = 256 << 20

// Record types.
const (
	recGenesis   = "genesis"
	recMember    = "member"
	recAuditor   = "auditor"
	recIngestKey = "ingest-key"
	recImport    = "import"
	recRotate    = "rotate"
	recReindex   = "reindex"
)

// record is one manifest entry. The manifest is an append-only chain of
// records, each naming the SHA-256 of the line before it and signed by the
// vault's signing key of the current epoch or by an ingest key the vault
// authorised. See FORMAT.md.
type record struct {
	Seq    int       `json:"seq"`
	Prev   string    `json:"prev"`
	Time   time.Time `json:"time"`
	Type   string    `json:"type"`
	Signer string    `json:"signer"` // "vault" or "ingest:<id>"

	Genesis   *genesisBody   `json:"genesis,omitempty"`
	Member    *memberBody    `json:"member,omitempty"`
	Auditor   *auditorBody   `json:"auditor,omitempty"`
	IngestKey *ingestKeyBody `json:"ingest_key,omitempty"`
	Import    *importBody    `json:"import,omitempty"`
	Rotate    *rotateBody    `json:"rotate,omitempty"`
	Tags      *importBody    `json:"tags,omitempty"`
	Saved     *importBody    `json:"saved,omitempty"`
	Policy    *importBody    `json:"policy,omitempty"`
	// Supervision is a review queue or decision (supervision.go).
	Supervision *importBody  `json:"supervision,omitempty"`
	Reindex     *reindexBody `json:"reindex,omitempty"`
	// Production reserves production numbers (production.go).
	Production *importBody `json:"production,omitempty"`

	// Audit names the audit event that announced this change before the
	// vault changed (FORMAT.md, "Audit links"); on the records that change
	// what the vault holds or who may write to it, written by coffer since
	// it began to link them.
	Audit *audit.Link `json:"audit,omitempty"`
}

type genesisBody struct {
	VaultID    string `json:"vault_id"`
	Name       string `json:"name"`
	Format     int    `json:"format"`
	Recipient  string `json:"recipient"`   // epoch 1 vault recipient
	SigningKey string `json:"signing_key"` // epoch 1 Ed25519 public key, base64
}

type memberBody struct {
	Op        string     `json:"op"` // add, remove, rewrap
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Kind      string     `json:"kind,omitempty"`
	Recipient string     `json:"recipient,omitempty"` // for passphrase members: their personal recipient
	PassFile  *fileRef   `json:"pass_file,omitempty"` // passphrase members: personal identity under scrypt
	KeyFiles  []epochRef `json:"key_files,omitempty"`
}

type fileRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

type epochRef struct {
	Epoch int `json:"epoch"`
	fileRef
}

type auditorBody struct {
	Op        string `json:"op"` // add, remove
	Name      string `json:"name"`
	Recipient string `json:"recipient"`
}

type ingestKeyBody struct {
	Op        string `json:"op"` // add, remove
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	PublicKey string `json:"public_key,omitempty"` // Ed25519, base64
}

type importBody struct {
	Epoch    int         `json:"epoch"`
	Messages int         `json:"messages"`
	Files    []importRef `json:"files"`
}

type importRef struct {
	Kind string `json:"kind"` // segment, blob, index
	fileRef
	Messages int `json:"messages,omitempty"`
	// Covers lists the segments an index file indexes, in document
	// order, when they are not just the segment of the same <S>-<n>.
	Covers []string `json:"covers,omitempty"`
}

// reindexBody replaces index files with ones that each cover several
// segments (compaction: see Vault.CompactIndex).
type reindexBody struct {
	Epoch    int          `json:"epoch"`
	Files    []reindexRef `json:"files"`
	Replaces []string     `json:"replaces"` // index files no longer used
}

type reindexRef struct {
	Kind string `json:"kind"` // index
	fileRef
	Messages int      `json:"messages"`
	Covers   []string `json:"covers"` // segments, in the order of the index's documents
}

type rotateBody struct {
	Epoch      int    `json:"epoch"`
	Recipient  string `json:"recipient"`
	SigningKey string `json:"signing_key"`
	Reason     string `json:"reason"`
}

// line is the on-disk form of a record: the record's JSON exactly as
// signed, and the signature over it.
type line struct {
	R   json.RawMessage `json:"r"`
	Sig string          `json:"sig"`
}

const sigContext = "coffer manifest record v1\x00"

// Manifest is the verified state of a vault's manifest: what a replay of
// every record, each checked, arrives at.
type Manifest struct {
	VaultID string
	Name    string
	Created time.Time
	Epoch   int // current epoch

	Members    []*Member
	Auditors   []Auditor
	IngestKeys []*IngestKey
	Imports    int

	recipients  map[int]string            // epoch -> vault recipient
	signingKeys map[int]ed25519.PublicKey // epoch -> key
	files       map[string]*FileEntry     // name -> entry
	replaced    map[string]bool           // index files a reindex record replaced
	lines       [][]byte
	head        string // hex SHA-256 of the last line

	changes []audit.Change // records the audit trail must hold the announcement of
	setup   setupPhase     // how far the records Init writes go on
}

// Member is one holder of the vault secret.
type Member struct {
	ID        string
	Name      string
	Kind      string
	Recipient string
	Removed   bool
	passFile  *fileRef
	keyFiles  map[int]fileRef
}

// Auditor can read the audit trail and nothing else.
type Auditor struct {
	Name      string
	Recipient string
}

// IngestKey may append segments, signed with it, without reading.
type IngestKey struct {
	ID        string
	Name      string
	PublicKey ed25519.PublicKey
	Removed   bool
}

// FileEntry is a vault file the manifest names.
type FileEntry struct {
	Name     string
	Kind     string
	SHA256   string
	Size     int64
	Epoch    int
	Messages int
	Seq      int // record that added it
	// Covers lists, for an index file, the segments it indexes in
	// document order: the segment of the same <S>-<n> for an import's
	// index file, those its reindex record names otherwise.
	Covers []string
}

// IndexFiles returns the index files in use: all but those a reindex
// record replaced, in the order of Files.
func (m *Manifest) IndexFiles() []*FileEntry {
	var out []*FileEntry
	for _, f := range m.Files("index") {
		if !m.replaced[f.Name] {
			out = append(out, f)
		}
	}
	return out
}

// Seq is the number of the last record; Head the SHA-256 of its line.
func (m *Manifest) Seq() int     { return len(m.lines) - 1 }
func (m *Manifest) Head() string { return m.head }

// Recipient is the vault recipient of the current epoch: what importers
// encrypt new segments to.
func (m *Manifest) Recipient() string { return m.recipients[m.Epoch] }

// GenesisKey is the epoch 1 signing key, which identifies the vault.
func (m *Manifest) GenesisKey() ed25519.PublicKey { return m.signingKeys[1] }

// Files returns the files the manifest names, by kind ("" for all), in the
// order they were added.
func (m *Manifest) Files(kind string) []*FileEntry {
	var out []*FileEntry
	for _, f := range m.files {
		if kind == "" || f.Kind == kind {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// allFiles returns every file the manifest names: Files("") and the
// members' passphrase and key files.
func (m *Manifest) allFiles() []*FileEntry {
	files := m.Files("")
	for _, mem := range m.Members {
		if mem.passFile != nil {
			files = append(files, &FileEntry{Name: mem.passFile.Name, SHA256: mem.passFile.SHA256, Size: mem.passFile.Size})
		}
		for _, k := range mem.keyFiles {
			files = append(files, &FileEntry{Name: k.Name, SHA256: k.SHA256, Size: k.Size})
		}
	}
	return files
}

// ActiveMembers returns members not removed.
func (m *Manifest) ActiveMembers() []*Member {
	var out []*Member
	for _, mem := range m.Members {
		if !mem.Removed {
			out = append(out, mem)
		}
	}
	return out
}

func (m *Manifest) member(id string) *Member {
	for _, mem := range m.Members {
		if mem.ID == id {
			return mem
		}
	}
	return nil
}

func (m *Manifest) ingestKey(id string) *IngestKey {
	for _, k := range m.IngestKeys {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// ReadManifest reads and verifies the manifest of the vault in dir: the
// hash chain, every signature, and that every record is allowed by those
// before it. It checks nothing outside the manifest; Open and Verify do.
func ReadManifest(dir string) (*Manifest, error) {
	st, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	return readManifest(st)
}

func readManifest(st store.Store) (*Manifest, error) {
	data, err := st.ReadChain(ManifestFile, 0, maxManifestBytes)
	if errors.Is(err, store.ErrNotExist) {
		return nil, fmt.Errorf("vault: %s: %w", st, ErrNotVault)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: read manifest: %w", err)
	}
	if len(data) > maxManifestBytes {
		return nil, &TamperError{File: ManifestFile, Reason: "larger than any manifest coffer writes"}
	}
	return parseManifest(data)
}

// readManifestSince reads the manifest again and verifies only the
// records after those of known, which this process verified: when the
// file's record at known's last position is known's last record, every
// record before it is too (each names the hash of the one before). A
// manifest that does not extend known is parsed in full, for the caller
// to refuse. Every write re-reads the manifest under the lock: in full,
// that verified every signature again, 0.2 s a decision after 1,000.
func readManifestSince(st store.Store, known *Manifest) (*Manifest, error) {
	n := known.Seq()
	if n < 0 {
		return readManifest(st)
	}
	data, err := st.ReadChain(ManifestFile, n, maxManifestBytes)
	if err != nil || len(data) > maxManifestBytes || len(data) == 0 || data[len(data)-1] != '\n' {
		return readManifest(st) // its errors
	}
	// data holds the records from known's last on.
	lines := bytes.Split(data[:len(data)-1], []byte("\n"))
	if lineHash(lines[0]) != known.head {
		return readManifest(st)
	}
	m := known.clone()
	for j := 1; j < len(lines); j++ {
		i := n + j
		if err := m.apply(i, lines[j]); err != nil {
			return nil, &TamperError{File: ManifestFile, Line: i + 1, Reason: err.Error()}
		}
	}
	return m, nil
}

func newManifest() *Manifest {
	return &Manifest{
		recipients:  map[int]string{},
		signingKeys: map[int]ed25519.PublicKey{},
		files:       map[string]*FileEntry{},
		replaced:    map[string]bool{},
	}
}

func parseManifest(data []byte) (*Manifest, error) {
	m := newManifest()
	if len(data) == 0 {
		return nil, &TamperError{File: ManifestFile, Reason: "empty"}
	}
	if data[len(data)-1] != '\n' {
		return nil, &TamperError{File: ManifestFile, Line: bytes.Count(data, []byte("\n")) + 1, Reason: "truncated (no final newline)"}
	}
	for i, raw := range bytes.Split(data[:len(data)-1], []byte("\n")) {
		if err := m.apply(i, raw); err != nil {
			return nil, &TamperError{File: ManifestFile, Line: i + 1, Reason: err.Error()}
		}
	}
	return m, nil
}

// apply checks one line against the state so far and applies it.
func (m *Manifest) apply(i int, raw []byte) error {
	var l line
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return fmt.Errorf("malformed record: %v", err)
	}
	var r record
	rdec := json.NewDecoder(bytes.NewReader(l.R))
	rdec.DisallowUnknownFields()
	if err := rdec.Decode(&r); err != nil {
		return fmt.Errorf("malformed record: %v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(l.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("malformed signature")
	}
	if r.Seq != i {
		return fmt.Errorf("record numbered %d at position %d (records reordered, removed or inserted)", r.Seq, i)
	}
	if r.Prev != m.head {
		return errors.New("does not follow the record before it (chain broken)")
	}
	signed := append([]byte(sigContext), l.R...)

	if i == 0 {
		if r.Type != recGenesis || r.Genesis == nil || r.Signer != "vault" {
			return errors.New("first record is not a genesis record")
		}
		pub, err := decodePublicKey(r.Genesis.SigningKey)
		if err != nil {
			return err
		}
		if !ed25519.Verify(pub, signed, sig) {
			return errors.New("bad signature")
		}
		g := r.Genesis
		if g.Format != 1 {
			return fmt.Errorf("vault format %d is not supported by this coffer", g.Format)
		}
		m.VaultID, m.Name, m.Created, m.Epoch = g.VaultID, g.Name, r.Time, 1
		m.recipients[1], m.signingKeys[1] = g.Recipient, pub
		m.setup = setupMembers
		m.push(raw)
		return nil
	}

	id, byIngestKey := ingestSigner(r.Signer)
	switch {
	case r.Signer == "vault":
		if !ed25519.Verify(m.signingKeys[m.Epoch], signed, sig) {
			return errors.New("bad signature")
		}
	case byIngestKey:
		k := m.ingestKey(id)
		if k == nil || k.Removed {
			return fmt.Errorf("signed by an ingest key the vault does not authorise (%q)", r.Signer)
		}
		if r.Type != recImport {
			return errors.New("an ingest key may only sign imports")
		}
		if !ed25519.Verify(k.PublicKey, signed, sig) {
			return errors.New("bad signature")
		}
	default:
		return fmt.Errorf("unknown signer %q", r.Signer)
	}
	if r.Audit != nil && (!r.Audit.Valid() || !linked(&r)) {
		return fmt.Errorf("%s record with an audit link that is malformed or not allowed on it", r.Type)
	}
	if err := m.applyBody(&r); err != nil {
		return err
	}
	m.noteChange(&r)
	m.push(raw)
	return nil
}

// ingestSigner returns the ingest key id of a signer "ingest:<id>".
func ingestSigner(signer string) (id string, ok bool) {
	id, ok = strings.CutPrefix(signer, "ingest:")
	return id, ok && id != ""
}

func (m *Manifest) push(raw []byte) {
	m.lines = append(m.lines, raw)
	m.head = lineHash(raw)
}

func lineHash(raw []byte) string {
	s := sha256.Sum256(raw)
	return hex.EncodeToString(s[:])
}

// signer signs new records: the vault key of the current epoch, or an
// ingest key.
type signer struct {
	name string // "vault" or "ingest:<id>"
	key  ed25519.PrivateKey
}

// signedRecord is a record to append and who signs it.
type signedRecord struct {
	rec *record
	by  signer
}

// appendRecords signs the records, appends them to the manifest and
// writes the manifest atomically: all of them land or none. On error the
// manifest in st and m are unchanged; where writers share the storage
// without a lock, another writer may have taken the record number first
// (store.ErrConflict, wrapped): re-read and try again (retry).
func (m *Manifest) appendRecords(st store.Store, now time.Time, recs ...signedRecord) error {
	next := m.clone()
	for _, sr := range recs {
		r := sr.rec
		r.Seq = len(next.lines)
		r.Prev = next.head
		r.Time = now.UTC().Truncate(time.Second)
		r.Signer = sr.by.name
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		sig := ed25519.Sign(sr.by.key, append([]byte(sigContext), body...))
		raw, err := json.Marshal(line{R: body, Sig: base64.StdEncoding.EncodeToString(sig)})
		if err != nil {
			return err
		}
		// Check the record exactly as a reader will before it is
		// written: a record that does not verify must never land.
		if err := next.apply(r.Seq, raw); err != nil {
			return fmt.Errorf("vault: internal error: new manifest record does not verify: %v", err)
		}
	}
	var whole, added []byte
	for i, l := range next.lines {
		if i < len(m.lines) && st.Shared() {
			continue // object storage writes only the new records
		}
		if i < len(m.lines) {
			whole = append(append(whole, l...), '\n')
		} else {
			added = append(append(added, l...), '\n')
		}
	}
	whole = append(whole, added...)
	if err := st.AppendChain(ManifestFile, len(m.lines), whole, added); err != nil {
		return fmt.Errorf("vault: write manifest: %w", err)
	}
	*m = *next
	return nil
}

func (m *Manifest) clone() *Manifest {
	next := *m
	next.lines = append([][]byte(nil), m.lines...)
	next.files = make(map[string]*FileEntry, len(m.files))
	for k, v := range m.files {
		next.files[k] = v
	}
	next.replaced = cloneMap(m.replaced)
	next.recipients = cloneMap(m.recipients)
	next.signingKeys = cloneMap(m.signingKeys)
	next.Members = cloneMembers(m.Members)
	next.IngestKeys = cloneIngestKeys(m.IngestKeys)
	next.Auditors = append([]Auditor(nil), m.Auditors...)
	next.changes = append([]audit.Change(nil), m.changes...)
	return &next
}

func cloneMap[K comparable, V any](in map[K]V) map[K]V {
	out := make(map[K]V, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func cloneMembers(in []*Member) []*Member {
	out := make([]*Member, len(in))
	for i, m := range in {
		c := *m
		c.keyFiles = cloneMap(m.keyFiles)
		out[i] = &c
	}
	return out
}

func cloneIngestKeys(in []*IngestKey) []*IngestKey {
	out := make([]*IngestKey, len(in))
	for i, k := range in {
		c := *k
		out[i] = &c
	}
	return out
}
