package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A folder's log is a file the creating process holds an exclusive flock
// on for as long as it runs: the kernel drops it when the process dies,
// however it dies, which is how a reader tells a live session from one
// that ended without closing. On network folders whose flock is not
// shared between hosts, a live log on another host looks ended.

// logMode lets reviewers who share a vault folder through a Unix group
// read each other's logs (the audit trail's framing is public by design).
const (
	logMode    = 0o640
	logDirMode = 0o770
)

type dirLog struct {
	d    *dir
	f    *os.File
	size int64
}

// CreateLog writes first under a name no reader looks at, takes the lock,
// then links it into place and syncs the folder, so the log is whole and
// locked from the moment it appears.
func (d *dir) CreateLog(name string, first []byte) (Log, error) {
	path := d.full(name)
	folder := filepath.Dir(path)
	if err := d.ensureDir(folder); err != nil {
		return nil, err
	}
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, logMode)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (Log, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if held, err := tryLock(f.Fd(), true); err != nil || !held {
		if err == nil {
			err = ErrLocked
		}
		return fail(fmt.Errorf("lock %s: %w", filepath.Base(tmp), err))
	}
	if _, err := f.Write(first); err != nil {
		return fail(err)
	}
	if err := d.sync(f); err != nil {
		return fail(err)
	}
	if err := linkNew(tmp, path); err != nil {
		return fail(err)
	}
	os.Remove(tmp)
	if err := d.syncDir(folder); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync folder: %w", err)
	}
	return &dirLog{d: d, f: f, size: int64(len(first))}, nil
}

// ensureDir creates a log folder if needed and makes its entry durable.
func (d *dir) ensureDir(folder string) error {
	fi, err := os.Stat(folder)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", folder)
		}
		return nil
	}
	if err := os.Mkdir(folder, logDirMode); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return d.syncDir(filepath.Dir(folder))
}

// Append writes p with one write and fsyncs. A failed write is cut off
// again, so the file never keeps part of a record it reported failed.
func (l *dirLog) Append(p []byte) error {
	if l.f == nil {
		return os.ErrClosed
	}
	if _, err := l.f.Write(p); err != nil {
		if terr := l.f.Truncate(l.size); terr != nil || l.d.sync(l.f) != nil {
			l.Close()
			return fmt.Errorf("%w (and the log could not be cut back: closed)", err)
		}
		return err
	}
	if err := l.d.sync(l.f); err != nil {
		return err
	}
	l.size += int64(len(p))
	return nil
}

func (l *dirLog) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close() // releases the lock
	l.f = nil
	return err
}

func (d *dir) OpenLog(name string) (io.ReadCloser, error) { return os.Open(d.full(name)) }

func (d *dir) LogState(name string) (int64, bool, error) {
	f, err := os.Open(d.full(name))
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	return fi.Size(), isLocked(f.Fd()), nil
}
