package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// TempPrefix marks a file being written in a folder. No record names
// one, so a crash that leaves one behind loses nothing.
const TempPrefix = ".tmp-"

// lockFile is the folder's write lock (vault/FORMAT.md).
const lockFile = "lock"

// dir is a vault folder: today's format, byte for byte.
type dir struct {
	path   string
	noSync bool
}

// Dir returns the store of the folder at path.
func Dir(path string) Store { return &dir{path: path} }

// DirNoSync is Dir without fsync: only for generating large benchmark
// trails quickly. Never for a vault anyone keeps.
func DirNoSync(path string) Store { return &dir{path: path, noSync: true} }

func (d *dir) String() string { return d.path }
func (d *dir) Shared() bool   { return false }

func (d *dir) full(name string) string { return filepath.Join(d.path, filepath.FromSlash(name)) }

func (d *dir) Open(name string) (io.ReadCloser, error) { return os.Open(d.full(name)) }

// Create writes to a temporary name in the same folder, fsyncs it, links
// it to the final name (which fails if that exists: a vault never
// overwrites), removes the temporary name and fsyncs the folder so the
// new name is durable.
func (d *dir) Create(name string, write func(w io.Writer) error) error {
	return d.write(name, write, false)
}

func (d *dir) write(name string, write func(w io.Writer) error, replace bool) (err error) {
	path := d.full(name)
	folder := filepath.Dir(path)
	f, tmp, err := createTemp(folder)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(folder, 0o700); err == nil {
			f, tmp, err = createTemp(folder)
		}
	}
	if err != nil {
		return err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		os.Remove(tmp)
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = d.sync(f); err != nil {
		return err
	}
	err = f.Close()
	f = nil
	if err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, path)
	} else {
		err = linkNew(tmp, path)
	}
	if err != nil {
		return err
	}
	return d.syncDir(folder)
}

// linkNew gives the file tmp the new name path, refusing (ErrExist) when
// path exists: a hard link, which fails on an existing name. Some file
// systems have no hard links (SMB shares, FAT): there a rename of a name
// checked absent does it, which is as safe under the folder's lock (the
// only writer) and for a log (a name no other process picks).
func linkNew(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, os.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return &os.LinkError{Op: "link", Old: tmp, New: path, Err: os.ErrExist}
	} else if !errors.Is(serr, os.ErrNotExist) {
		return err
	}
	return os.Rename(tmp, path)
}

// createTemp creates a new file in folder with a random temporary name.
// It is written by hand rather than with os.CreateTemp to make plain
// that it only ever holds ciphertext, inside the vault folder.
func createTemp(folder string) (*os.File, string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	name := filepath.Join(folder, TempPrefix+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	return f, name, err
}

func (d *dir) sync(f *os.File) error {
	if d.noSync {
		return nil
	}
	return f.Sync()
}

func (d *dir) syncDir(folder string) error {
	if d.noSync {
		return nil
	}
	f, err := os.Open(folder)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", folder, err)
	}
	return nil
}

func (d *dir) List(name string) ([]Entry, error) {
	ents, err := os.ReadDir(d.full(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(ents))
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		ent := Entry{Name: e.Name(), Temp: strings.HasPrefix(e.Name(), TempPrefix)}
		if fi, err := e.Info(); err == nil {
			ent.Size, ent.ModTime = fi.Size(), fi.ModTime()
		}
		out = append(out, ent)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (d *dir) Remove(name string) error { return os.Remove(d.full(name)) }

func (d *dir) Empty() (bool, error) {
	ents, err := os.ReadDir(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	return len(ents) == 0, err
}

func (d *dir) Lock(wait time.Duration) (func(), error) {
	if err := os.MkdirAll(d.path, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(d.path, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		held, err := tryLock(f.Fd(), true)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock: %w", err)
		}
		if held {
			return func() { unlockFile(f.Fd()); f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, ErrLocked
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ReadChain reads the chain file whole and skips the first from lines.
func (d *dir) ReadChain(name string, from, max int) ([]byte, error) {
	f, err := os.Open(d.full(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	for ; from > 0; from-- {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, nil
		}
		data = data[i+1:]
	}
	return data, nil
}

// AppendChain rewrites the chain file whole by rename; the caller holds
// the lock, so no other writer can have appended.
func (d *dir) AppendChain(name string, n int, whole, lines []byte) error {
	return d.write(name, func(w io.Writer) error { _, err := w.Write(whole); return err }, true)
}
