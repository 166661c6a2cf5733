package audit

import (
	"encoding/binary"
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

func copyLog(src, dst store.Store, name string) error {
	r, err := src.OpenLog(name)
	if err != nil {
		return err
	}
	defer r.Close()
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != magic {
		return errors.New("not a coffer audit file (bad magic)")
	}
	var l store.Log
	defer func() {
		if l != nil {
			l.Close()
		}
	}()
	for {
		var size [4]byte
		if _, err := io.ReadFull(r, size[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break // the end, or a torn record
			}
			return err
		}
		n := binary.BigEndian.Uint32(size[:])
		if n < minRecord || n > maxRecord {
			return fmt.Errorf("record of %d bytes: malformed framing", n)
		}
		rec := make([]byte, 4+int(n))
		copy(rec, size[:])
		if _, err := io.ReadFull(r, rec[4:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			return err
		}
		if l == nil {
			if l, err = dst.CreateLog(name, append(head, rec...)); err != nil {
				return err
			}
			continue
		}
		if err := l.Append(rec); err != nil {
			return err
		}
	}
	if l == nil {
		return errors.New("no complete record")
	}
	return nil
}
