package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"filippo.io/age"
)

// A journal is what the members keep together beside the messages and
// change one small step at a time: tags (tags.go), saved searches
// (saved.go), supervision policies (policy.go), review queues and
// decisions (supervision.go). Each change is one file under the journal's
// folder, age-encrypted to the vault recipient, named with its hash by a
// signed manifest record of the journal's type; replaying the files in
// manifest order gives the current state. The files are as secret as the
// messages (a query says what investigators look for).
type journal struct {
	rec   string // manifest record type
	dir   string // the folder the files live in, and their kind
	magic string // first line of every file's plaintext
	what  string // for errors: "saved-searches journal"
}

// journalFile is a journal file's plaintext after its magic line.
type journalFile[T any] struct {
	VaultID string `json:"vault_id"`
	Name    string `json:"name"`
	Ops     []T    `json:"ops"`
}

// appendJournal writes one operation to j. prepare runs under the vault's
// write lock, so it sees every change written before (by any process) and
// can refuse the operation; what it returns is written as is.
func appendJournal[T any](v *Vault, j journal, prepare func() (T, error)) error {
	return retry(func() error { return appendJournalOnce(v, j, prepare) })
}

func appendJournalOnce[T any](v *Vault, j journal, prepare func() (T, error)) error {
	if v.epochs == nil {
		return errors.New("vault: locked")
	}
	lock, err := v.beginWrite()
	if err != nil {
		return err
	}
	defer lock.unlock()
	op, err := prepare()
	if err != nil {
		return err
	}
	m := v.Manifest
	r, err := age.ParseHybridRecipient(m.Recipient())
	if err != nil {
		return tamper(ManifestFile, "bad vault recipient: %v", err)
	}
	name := newName(j.dir, m.Seq()+1, 0, writerTag(v.st))
	plain, err := json.Marshal(journalFile[T]{VaultID: m.VaultID, Name: name, Ops: []T{op}})
	if err != nil {
		return err
	}
	ct, err := wrap(append([]byte(j.magic), plain...), r)
	clear(plain)
	if err != nil {
		return err
	}
	ref, err := writeKeyFile(v.st, name, ct)
	if err != nil {
		return err
	}
	body := &importBody{Epoch: m.Epoch, Files: []importRef{{Kind: j.dir, fileRef: *ref}}}
	rec := &record{Type: j.rec}
	switch j.rec {
	case recTags:
		rec.Tags = body
	case recSaved:
		rec.Saved = body
	case recPolicy:
		rec.Policy = body
	case recSupervision:
		rec.Supervision = body
	default:
		return fmt.Errorf("vault: journal %q has no record", j.rec)
	}
	if err := m.appendRecords(v.st, v.now(), signedRecord{rec, v.signer()}); err != nil {
		return err
	}
	_, err = checkPinIn(v.st, m)
	return err
}

// readJournal replays j as the manifest this process last read names it,
// calling apply for every operation in order. A file that does not
// decrypt, parse or belong here, or an operation apply refuses, is
// reported as tampering with that file.
func readJournal[T any](v *Vault, j journal, apply func(op T) error) error {
	if v.epochs == nil {
		return errors.New("vault: locked")
	}
	for _, e := range v.Manifest.Files(j.dir) {
		plain, err := v.journalFile(j, e)
		if err != nil {
			return err
		}
		var f journalFile[T]
		dec := json.NewDecoder(bytes.NewReader(plain))
		dec.DisallowUnknownFields()
		err = dec.Decode(&f)
		if err != nil && err != io.EOF {
			return tamper(e.Name, "malformed %s: %v", j.what, err)
		}
		if f.VaultID != v.Manifest.VaultID || f.Name != e.Name {
			return tamper(e.Name, "belongs to another vault or file")
		}
		for _, op := range f.Ops {
			if err := apply(op); err != nil {
				return tamper(e.Name, "%v", err)
			}
		}
	}
	return nil
}

// journalFile returns the plaintext of journal file e after its magic
// line: from the cache when this process read it before (the manifest
// names it with the same hash), else read, authenticated against the
// manifest, decrypted and kept. Without the cache a reviewer's every
// decision decrypted the whole journal: 0.7 s a decision after 1,000.
func (v *Vault) journalFile(j journal, e *FileEntry) ([]byte, error) {
	if plain, ok := v.journals.get(e); ok {
		return plain, nil
	}
	data, _, err := readChecked(v.st, e, nil)
	if err != nil {
		return nil, err
	}
	k, err := v.keyFor(e)
	if err != nil {
		return nil, err
	}
	plain, err := unwrap(data, k.Identity)
	if err != nil || !bytes.HasPrefix(plain, []byte(j.magic)) {
		clear(plain)
		return nil, tamper(e.Name, "cannot be decrypted as a %s", j.what)
	}
	plain = plain[len(j.magic):]
	v.journals.put(e, plain)
	return plain, nil
}

// journalCache holds journal files' plaintext by name and hash; it is
// safe for the concurrent readers a session allows.
type journalCache struct {
	mu    sync.Mutex
	files map[string]cachedJournal
}

type cachedJournal struct {
	sha   string
	plain []byte
}

func (c *journalCache) get(e *FileEntry) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[e.Name]
	return f.plain, ok && f.sha == e.SHA256
}

func (c *journalCache) put(e *FileEntry, plain []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[string]cachedJournal{}
	}
	if old, ok := c.files[e.Name]; ok {
		clear(old.plain)
	}
	c.files[e.Name] = cachedJournal{sha: e.SHA256, plain: plain}
}

// wipe zeroes and drops every plaintext held.
func (c *journalCache) wipe() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.files {
		clear(f.plain)
	}
	c.files = nil
}
