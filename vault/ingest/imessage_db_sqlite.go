package ingest

// A second, read-only connection to chat.db through modernc's SQLite
// API itself (modernc.org/sqlite/lib, the transpiled C API the driver is
// built on, in the same module and release), for the queries that read
// every row: the order pass, the message rows, chat_message_join.
// Through database/sql each row cost a mutex, a driver.Value boxed per
// column, a copy of every string and blob and a reflective Scan: with
// SQLite's own mutexes (the driver opens its connections FULLMUTEX), a
// third of the parse's CPU (issue 17). Here a row is read column by
// column, strings copied once and attributedBody used in place.
//
// The connection reports no value of its own making: a column it would
// have to convert (a number where text is expected, text in a column
// declared DATE, which the driver parses as a time) or an error makes
// the caller read that row, or the pass, through database/sql again, so
// values and errors read exactly as before.

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
	"modernc.org/sqlite/vfs"
)

// cPointer returns p, an address in the C heap modernc's libc keeps
// for SQLite (or its TLS stack), as a pointer: memory outside Go's heap,
// which the collector neither moves nor frees. Converting through p's
// own address says so to go vet, which cannot know where p points.
func cPointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// errSQLiteFallback is what the connection returns when database/sql is
// to read the row or pass instead.
var errSQLiteFallback = errors.New("read through database/sql instead")

// sqliteConn is one connection, used by one goroutine: it is opened
// NOMUTEX, so SQLite takes no lock a call.
type sqliteConn struct {
	tls *libc.TLS
	db  uintptr // *sqlite3
	vfs *vfs.FS // the VFS it reads the file through, registered for it alone
}

// openSQLite opens path as chatDBURI does: read-only and immutable (no
// lock, no -wal or -shm written), temporary tables in memory, queries
// only, and read ahead (imessage_db_readahead.go). The driver sets the
// pragmas from the URI; SQLite ignores them there, so they are run here.
func openSQLite(path string) (*sqliteConn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	name, fsys, err := vfs.New(readAheadFS{path: abs})
	if err != nil {
		return nil, err
	}
	c := &sqliteConn{tls: libc.NewTLS(), vfs: fsys}
	uri, err := libc.CString("file:" + readAheadName + "?mode=ro&immutable=1")
	if err != nil {
		c.close()
		return nil, err
	}
	defer libc.Xfree(c.tls, uri)
	zvfs, err := libc.CString(name)
	if err != nil {
		c.close()
		return nil, err
	}
	defer libc.Xfree(c.tls, zvfs)
	pdb := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	rc := sqlite3.Xsqlite3_open_v2(c.tls, uri, pdb,
		sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_URI|sqlite3.SQLITE_OPEN_NOMUTEX, zvfs)
	c.db = *(*uintptr)(cPointer(pdb))
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.close()
		return nil, err
	}
	for _, p := range []string{"PRAGMA temp_store = memory", "PRAGMA query_only = 1"} {
		if err := c.exec(p); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

func (c *sqliteConn) close() {
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
	if c.vfs != nil {
		c.vfs.Close()
	}
}

// err is SQLite's message for result code rc.
func (c *sqliteConn) err(rc int32) error {
	if c.db == 0 {
		return fmt.Errorf("sqlite: error %d", rc)
	}
	return fmt.Errorf("sqlite: %s (%d)", libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)), rc)
}

// exec runs a statement that returns no rows.
func (c *sqliteConn) exec(q string) error {
	s, err := c.prepare(q)
	if err != nil {
		return err
	}
	defer s.close()
	_, err = s.step()
	return err
}

// sqliteStmt is a prepared statement of a sqliteConn.
type sqliteStmt struct {
	c *sqliteConn
	p uintptr // *sqlite3_stmt
	// timeText marks the columns declared DATE, DATETIME or TIMESTAMP:
	// the driver parses their text as a time.
	timeText []bool
}

func (c *sqliteConn) prepare(q string) (*sqliteStmt, error) {
	z, err := libc.CString(q)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, z)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return nil, c.err(rc)
	}
	s := &sqliteStmt{c: c, p: *(*uintptr)(cPointer(pp))}
	if s.p == 0 {
		return nil, errors.New("sqlite: empty statement")
	}
	n := int(sqlite3.Xsqlite3_column_count(c.tls, s.p))
	s.timeText = make([]bool, n)
	for i := range n {
		switch strings.ToUpper(libc.GoString(sqlite3.Xsqlite3_column_decltype(c.tls, s.p, int32(i)))) {
		case "DATE", "DATETIME", "TIMESTAMP":
			s.timeText[i] = true
		}
	}
	return s, nil
}

// columns is how many columns a row has.
func (s *sqliteStmt) columns() int { return len(s.timeText) }

// count runs q, which selects one integer.
func (c *sqliteConn) count(q string) (int64, error) {
	s, err := c.prepare(q)
	if err != nil {
		return 0, err
	}
	defer s.close()
	if ok, err := s.step(); !ok || err != nil || s.kind(0) != sqlite3.SQLITE_INTEGER {
		return 0, errors.Join(err, errSQLiteFallback)
	}
	return s.int64(0), nil
}

func (s *sqliteStmt) close() {
	if s != nil && s.p != 0 {
		sqlite3.Xsqlite3_finalize(s.c.tls, s.p)
		s.p = 0
	}
}

// reset makes the statement ready to run again, its bindings kept.
func (s *sqliteStmt) reset() { sqlite3.Xsqlite3_reset(s.c.tls, s.p) }

// bind sets parameter i (from 1) to v.
func (s *sqliteStmt) bind(i int, v int64) error {
	if rc := sqlite3.Xsqlite3_bind_int64(s.c.tls, s.p, int32(i), v); rc != sqlite3.SQLITE_OK {
		return s.c.err(rc)
	}
	return nil
}

// step reads the next row: false at the end.
func (s *sqliteStmt) step() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(s.c.tls, s.p); rc {
	case sqlite3.SQLITE_ROW:
		return true, nil
	case sqlite3.SQLITE_DONE:
		return false, nil
	default:
		return false, s.c.err(rc)
	}
}

// kind is the storage class of column i of the row: sqlite3.SQLITE_NULL,
// _INTEGER, _FLOAT, _TEXT or _BLOB.
func (s *sqliteStmt) kind(i int) int32 { return sqlite3.Xsqlite3_column_type(s.c.tls, s.p, int32(i)) }

func (s *sqliteStmt) int64(i int) int64 { return sqlite3.Xsqlite3_column_int64(s.c.tls, s.p, int32(i)) }

func (s *sqliteStmt) float64(i int) float64 {
	return sqlite3.Xsqlite3_column_double(s.c.tls, s.p, int32(i))
}

// bytes returns column i's text or blob in SQLite's memory: valid until
// the next step, and never to be written.
func (s *sqliteStmt) bytes(i int) []byte {
	var p uintptr
	if s.kind(i) == sqlite3.SQLITE_TEXT {
		p = sqlite3.Xsqlite3_column_text(s.c.tls, s.p, int32(i))
	} else {
		p = sqlite3.Xsqlite3_column_blob(s.c.tls, s.p, int32(i))
	}
	n := sqlite3.Xsqlite3_column_bytes(s.c.tls, s.p, int32(i))
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cPointer(p)), n)
}

// nullInt64 reads column i as database/sql scans it into a NullInt64,
// for the values it takes as they are: an integer or NULL.
func (s *sqliteStmt) nullInt64(i int, v *sql.NullInt64) error {
	switch s.kind(i) {
	case sqlite3.SQLITE_INTEGER:
		v.Int64, v.Valid = s.int64(i), true
	case sqlite3.SQLITE_NULL:
		v.Int64, v.Valid = 0, false
	default:
		return errSQLiteFallback
	}
	return nil
}

// nullString reads column i as database/sql scans it into a NullString,
// for the values it takes as they are: text (not declared a time) or
// NULL. last is the string read before in this column, returned again
// when the text is the same: services, apps and effects repeat.
func (s *sqliteStmt) nullString(i int, v *sql.NullString, last string) error {
	switch s.kind(i) {
	case sqlite3.SQLITE_TEXT:
		if s.timeText[i] {
			return errSQLiteFallback
		}
		b := s.bytes(i)
		if string(b) == last {
			v.String = last
		} else {
			v.String = string(b)
		}
		v.Valid = true
	case sqlite3.SQLITE_NULL:
		v.String, v.Valid = "", false
	default:
		return errSQLiteFallback
	}
	return nil
}

// bool reads column i as database/sql scans it into a bool: 0 or 1.
func (s *sqliteStmt) bool(i int) (bool, error) {
	if s.kind(i) != sqlite3.SQLITE_INTEGER {
		return false, errSQLiteFallback
	}
	switch s.int64(i) {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, errSQLiteFallback
}

// value reads column i as database/sql scans it into an any, for a
// column with no declared type: int64, float64, string, []byte (a copy)
// or nil.
func (s *sqliteStmt) value(i int) (any, error) {
	switch s.kind(i) {
	case sqlite3.SQLITE_INTEGER:
		return s.int64(i), nil
	case sqlite3.SQLITE_FLOAT:
		return s.float64(i), nil
	case sqlite3.SQLITE_NULL:
		return nil, nil
	case sqlite3.SQLITE_TEXT:
		if s.timeText[i] {
			return nil, errSQLiteFallback
		}
		return string(s.bytes(i)), nil
	case sqlite3.SQLITE_BLOB:
		b := s.bytes(i)
		if b == nil {
			// The driver gives an empty blob as nil, which Scan stores as is.
			return []byte(nil), nil
		}
		return append([]byte{}, b...), nil
	}
	return nil, errSQLiteFallback
}
