package vault

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// What each kind of manifest record does to the verified state, and the
// checks that keep a signed but nonsensical record out.

func (m *Manifest) applyBody(r *record) error {
	switch r.Type {
	case recMember:
		b := r.Member
		if b == nil {
			return errors.New("member record without body")
		}
		switch b.Op {
		case "add":
			if m.member(b.ID) != nil {
				return fmt.Errorf("member %q added twice", b.ID)
			}
			mem := &Member{ID: b.ID, Name: b.Name, Kind: b.Kind, Recipient: b.Recipient, passFile: b.PassFile, keyFiles: map[int]fileRef{}}
			for _, k := range b.KeyFiles {
				mem.keyFiles[k.Epoch] = k.fileRef
			}
			m.Members = append(m.Members, mem)
		case "rewrap":
			mem := m.member(b.ID)
			if mem == nil || mem.Removed {
				return fmt.Errorf("rewrap of unknown member %q", b.ID)
			}
			for _, k := range b.KeyFiles {
				mem.keyFiles[k.Epoch] = k.fileRef
			}
		case "remove":
			mem := m.member(b.ID)
			if mem == nil || mem.Removed {
				return fmt.Errorf("removal of unknown member %q", b.ID)
			}
			mem.Removed = true
		default:
			return fmt.Errorf("unknown member operation %q", b.Op)
		}
	case recAuditor:
		b := r.Auditor
		if b == nil {
			return errors.New("auditor record without body")
		}
		switch b.Op {
		case "add":
			m.Auditors = append(m.Auditors, Auditor{Name: b.Name, Recipient: b.Recipient})
		case "remove":
			out := m.Auditors[:0]
			for _, a := range m.Auditors {
				if a.Recipient != b.Recipient {
					out = append(out, a)
				}
			}
			m.Auditors = out
		default:
			return fmt.Errorf("unknown auditor operation %q", b.Op)
		}
	case recIngestKey:
		b := r.IngestKey
		if b == nil {
			return errors.New("ingest-key record without body")
		}
		switch b.Op {
		case "add":
			pub, err := decodePublicKey(b.PublicKey)
			if err != nil {
				return err
			}
			if m.ingestKey(b.ID) != nil {
				return fmt.Errorf("ingest key %q added twice", b.ID)
			}
			m.IngestKeys = append(m.IngestKeys, &IngestKey{ID: b.ID, Name: b.Name, PublicKey: pub})
		case "remove":
			k := m.ingestKey(b.ID)
			if k == nil {
				return fmt.Errorf("removal of unknown ingest key %q", b.ID)
			}
			k.Removed = true
		default:
			return fmt.Errorf("unknown ingest-key operation %q", b.Op)
		}
	case recImport:
		b := r.Import
		if b == nil {
			return errors.New("import record without body")
		}
		if _, ok := m.recipients[b.Epoch]; !ok {
			return fmt.Errorf("import to unknown epoch %d", b.Epoch)
		}
		segs := map[string]bool{} // this import's segments
		for _, f := range b.Files {
			if f.Kind == "segment" {
				segs[f.Name] = true
			}
		}
		covered := map[string]bool{}
		for _, f := range b.Files {
			if !validFileName(f.Name) || filepath.Dir(f.Name) != importDirs[f.Kind] {
				return fmt.Errorf("bad file name %q", f.Name)
			}
			if _, dup := m.files[f.Name]; dup {
				return fmt.Errorf("file %q named twice", f.Name)
			}
			e := &FileEntry{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Size: f.Size, Epoch: b.Epoch, Messages: f.Messages, Seq: r.Seq}
			if f.Kind == "index" {
				e.Covers = f.Covers
				if len(e.Covers) == 0 {
					e.Covers = []string{"segments/" + strings.TrimPrefix(f.Name, "index/")}
				}
				for _, s := range e.Covers {
					if !segs[s] || covered[s] {
						return fmt.Errorf("index file %q covers %q, which is not a segment of this import, or covered twice", f.Name, s)
					}
					covered[s] = true
				}
			} else if len(f.Covers) > 0 {
				return fmt.Errorf("%s file %q covers segments", f.Kind, f.Name)
			}
			m.files[f.Name] = e
		}
		m.Imports++
	case recTags:
		b := r.Tags
		if b == nil {
			return errors.New("tags record without body")
		}
		if _, ok := m.recipients[b.Epoch]; !ok {
			return fmt.Errorf("tags in unknown epoch %d", b.Epoch)
		}
		for _, f := range b.Files {
			if f.Kind != "tags" || !validFileName(f.Name) || filepath.Dir(f.Name) != "tags" {
				return fmt.Errorf("bad tags file %q", f.Name)
			}
			if _, dup := m.files[f.Name]; dup {
				return fmt.Errorf("file %q named twice", f.Name)
			}
			m.files[f.Name] = &FileEntry{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Size: f.Size, Epoch: b.Epoch, Seq: r.Seq}
		}
	case recSaved:
		return m.applyJournal(r.Saved, "saved", r.Seq)
	case recPolicy:
		return m.applyJournal(r.Policy, "policies", r.Seq)
	case recSupervision:
		return m.applyJournal(r.Supervision, "supervision", r.Seq)
	case recReindex:
		return m.applyReindex(r)
	case recProduction:
		b := r.Production
		if b == nil || len(b.Files) != 1 {
			return errors.New("production record without its one file")
		}
		if _, ok := m.recipients[b.Epoch]; !ok {
			return fmt.Errorf("production in unknown epoch %d", b.Epoch)
		}
		f := b.Files[0]
		if f.Kind != "production" || !validFileName(f.Name) || filepath.Dir(f.Name) != "productions" {
			return fmt.Errorf("bad productions file %q", f.Name)
		}
		if _, dup := m.files[f.Name]; dup {
			return fmt.Errorf("file %q named twice", f.Name)
		}
		m.files[f.Name] = &FileEntry{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Size: f.Size, Epoch: b.Epoch, Seq: r.Seq}
	case recRotate:
		b := r.Rotate
		if b == nil || b.Epoch != m.Epoch+1 {
			return errors.New("rotation out of order")
		}
		pub, err := decodePublicKey(b.SigningKey)
		if err != nil {
			return err
		}
		m.Epoch = b.Epoch
		m.recipients[b.Epoch], m.signingKeys[b.Epoch] = b.Recipient, pub
	default:
		return fmt.Errorf("unknown record type %q", r.Type)
	}
	return nil
}

// applyReindex checks a reindex record: new index files in index/, each
// covering segments the vault holds (no segment twice in the record), and
// replacing index files that are in use.
func (m *Manifest) applyReindex(r *record) error {
	b := r.Reindex
	if b == nil || len(b.Files) == 0 {
		return errors.New("reindex record without files")
	}
	if _, ok := m.recipients[b.Epoch]; !ok {
		return fmt.Errorf("reindex in unknown epoch %d", b.Epoch)
	}
	covered := map[string]bool{}
	for _, f := range b.Files {
		if f.Kind != "index" || !validFileName(f.Name) || filepath.Dir(f.Name) != "index" {
			return fmt.Errorf("bad index file %q", f.Name)
		}
		if _, dup := m.files[f.Name]; dup {
			return fmt.Errorf("file %q named twice", f.Name)
		}
		if len(f.Covers) == 0 {
			return fmt.Errorf("index file %q covers no segment", f.Name)
		}
		for _, s := range f.Covers {
			if e := m.files[s]; e == nil || e.Kind != "segment" {
				return fmt.Errorf("index file %q covers %q, which is no segment of the vault", f.Name, s)
			}
			if covered[s] {
				return fmt.Errorf("segment %q covered twice", s)
			}
			covered[s] = true
		}
	}
	for _, name := range b.Replaces {
		if e := m.files[name]; e == nil || e.Kind != "index" || m.replaced[name] {
			return fmt.Errorf("replaces %q, which is no index file in use", name)
		}
	}
	for _, name := range b.Replaces {
		m.replaced[name] = true
	}
	for _, f := range b.Files {
		m.files[f.Name] = &FileEntry{Name: f.Name, Kind: "index", SHA256: f.SHA256, Size: f.Size, Epoch: b.Epoch, Messages: f.Messages, Seq: r.Seq, Covers: f.Covers}
	}
	return nil
}

// applyJournal checks a journal record (saved searches): one or more
// files of kind in the folder of that name, in a known epoch, none named
// before.
func (m *Manifest) applyJournal(b *importBody, kind string, seq int) error {
	if b == nil || len(b.Files) == 0 {
		return fmt.Errorf("%s record without files", kind)
	}
	if _, ok := m.recipients[b.Epoch]; !ok {
		return fmt.Errorf("%s in unknown epoch %d", kind, b.Epoch)
	}
	for _, f := range b.Files {
		if f.Kind != kind || !validFileName(f.Name) || filepath.Dir(f.Name) != kind {
			return fmt.Errorf("bad %s file %q", kind, f.Name)
		}
		if _, dup := m.files[f.Name]; dup {
			return fmt.Errorf("file %q named twice", f.Name)
		}
	}
	for _, f := range b.Files {
		m.files[f.Name] = &FileEntry{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Size: f.Size, Epoch: b.Epoch, Seq: seq}
	}
	return nil
}

// importDirs is where each kind of imported file lives.
var importDirs = map[string]string{"segment": "segments", "blob": "blobs", "index": "index"}

func decodePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("malformed public key")
	}
	return ed25519.PublicKey(b), nil
}

// validFileName accepts only the names coffer writes, so a manifest can
// never point outside the vault folder.
func validFileName(name string) bool {
	dir, base := filepath.Split(name)
	switch dir {
	case "segments/", "blobs/", "keys/", "tags/", "index/", "productions/", "saved/", "policies/", "supervision/":
	default:
		return false
	}
	if base == "" || base[0] == '.' || len(base) > 128 {
		return false
	}
	for _, c := range base {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
