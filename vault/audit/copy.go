package audit

import (
	"errors"
	"fmt"
	"io"

	"coffer/vault/store"
)

// CopyLogs copies every session file of the trail in src to dst, record
// by record (so that on object storage each record is its own part, as a
// writer makes them), for `coffer vault copy`. It decrypts nothing: the
// framing is public and the records are copied as they are, so the copy
// verifies exactly as the original does. A torn final record (a crash in
// its write) is not copied; readers ignore it anyway. It returns how
// many files it copied.
func CopyLogs(src, dst store.Store) (int, error) {
	ents, err := src.List(Subdir)
	if err != nil {
		return 0, fmt.Errorf("audit: list %s: %w", Subdir, err)
	}
	n := 0
	for _, e := range ents {
		if e.Temp || sessionOf(e.Name) == "" {
			continue
		}
		name := Subdir + "/" + e.Name
		if err := copyLog(src, dst, name); err != nil {
			return n, fmt.Errorf("audit: copy %s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// copyLog copies one log through the trail's own reader: the framing is
// checked as every reader checks it, and each record is framed again
// (appendRecord) as the writer framed it.
func copyLog(src, dst store.Store, name string) error {
	r, err := src.OpenLog(name)
	if err != nil {
		return err
	}
	defer r.Close()
	rd := newReader(r)
	if err := rd.readMagic(); err != nil {
		return err
	}
	var l store.Log
	defer func() {
		if l != nil {
			l.Close()
		}
	}()
	for {
		rec, err := rd.next()
		if err == io.EOF || errors.Is(err, errTorn) {
			break // the end, or a torn record readers ignore too
		}
		if err != nil {
			return err
		}
		framed := appendRecord(nil, rec.kind, rec.index, rec.payload, &rec.tag)
		if l == nil {
			if l, err = dst.CreateLog(name, append([]byte(magic), framed...)); err != nil {
				return err
			}
			continue
		}
		if err := l.Append(framed); err != nil {
			return err
		}
	}
	if l == nil {
		return errors.New("no complete record")
	}
	return nil
}
