package ingest

// chat.db's message rows read through c.lite (imessage_db_sqlite.go):
// the same queries as runSQL and byIDSQL, each row read column by column
// into a chatDBRow, and any row it cannot read as database/sql would
// handed to database/sql.

import (
	"bytes"
	"maps"
	"strings"

	sqlite3 "modernc.org/sqlite/lib"
)

// scanLite reads the current row of s into m as scanChatDBRow does, with
// attributedBody in SQLite's memory (valid until the next step), or
// returns errSQLiteFallback for a row database/sql is to read. A
// NullString or NullInt64 takes text, integers and NULL as they are;
// anything else it converts, or fails on, and database/sql does that.
func (r *chatDBReader) scanLite(s *sqliteStmt, m *chatDBRow) error {
	if s.kind(0) != sqlite3.SQLITE_INTEGER {
		return errSQLiteFallback
	}
	m.row = s.int64(0)
	switch s.kind(3) {
	case sqlite3.SQLITE_NULL:
	case sqlite3.SQLITE_BLOB, sqlite3.SQLITE_TEXT:
		m.body = s.bytes(3)
	default:
		return errSQLiteFallback
	}
	l := &r.last
	for _, err := range []error{
		s.nullString(1, &m.guid, ""), s.nullString(2, &m.text, ""),
		s.nullInt64(4, &m.handle), s.nullInt64(5, &m.fromMe), s.nullInt64(6, &m.date),
		s.nullString(7, &m.subject, l.subject.String), s.nullString(8, &m.service, l.service.String),
		s.nullInt64(9, &m.edited), s.nullInt64(10, &m.retracted), s.nullInt64(11, &m.itemType),
		s.nullInt64(12, &m.groupAction), s.nullInt64(13, &m.otherHandle),
		s.nullString(14, &m.thread, ""), s.nullString(15, &m.groupTitle, l.groupTitle.String),
		s.nullString(16, &m.app, l.app.String), s.nullString(17, &m.effect, l.effect.String),
		s.nullInt64(18, &m.audio),
	} {
		if err != nil {
			return err
		}
	}
	l.subject, l.service, l.groupTitle, l.app, l.effect = m.subject, m.service, m.groupTitle, m.app, m.effect
	return nil
}

// runLite is run through c.lite. A row it cannot read, database/sql
// reads; if SQLite fails, database/sql reads the rest of the run, and
// reports the error as it did.
func (r *chatDBReader) runLite(ids []int64) error {
	c := r.c
	if r.liteBy == nil {
		var err error
		if r.liteBy, err = c.lite.prepare(r.rangeQuery()); err != nil {
			return r.runSQL(ids)
		}
	}
	s := r.liteBy
	defer s.reset()
	if s.bind(1, ids[0]) != nil || s.bind(2, ids[len(ids)-1]) != nil {
		return r.runSQL(ids)
	}
	var m chatDBRow
	for len(ids) > 0 {
		ok, err := s.step()
		if err != nil {
			return r.runSQL(ids)
		}
		if !ok {
			break
		}
		row := s.int64(0)
		for len(ids) > 0 && ids[0] < row {
			ids = ids[1:] // gone from the table since messageOrder read it
		}
		if len(ids) == 0 || ids[0] != row {
			continue
		}
		m = chatDBRow{}
		if err := r.scanLite(s, &m); err != nil {
			if err := r.runSQL(ids[:1]); err != nil {
				return err
			}
			ids = ids[1:]
			continue
		}
		ids = ids[1:]
		// The row is used before the next step: body stays valid.
		if m.text.Valid && m.text.String != "" {
			m.body = nil
		}
		if err := c.messageRow(&m, r.emit); err != nil {
			return err
		}
	}
	return nil
}

// byIDLite reads the rows ids through c.lite, and the rows it cannot
// read through database/sql, one at a time; an error (errSQLiteFallback
// without c.lite) is for byIDSQL to read them all again.
func (r *chatDBReader) byIDLite(ids []int64) (got map[int64]*chatDBRow, bad map[int64]error, err error) {
	c := r.c
	if c.lite == nil {
		return nil, nil, errSQLiteFallback
	}
	if r.liteIn == nil {
		in := strings.Repeat("?, ", r.batch-1) + "?"
		if r.liteIn, err = c.lite.prepare(r.query + " IN (" + in + ")"); err != nil {
			return nil, nil, err
		}
	}
	s := r.liteIn
	defer s.reset()
	for i := range r.batch {
		// A short batch repeats its last ROWID: IN reads it once.
		if err := s.bind(i+1, ids[min(i, len(ids)-1)]); err != nil {
			return nil, nil, err
		}
	}
	got = make(map[int64]*chatDBRow, len(ids))
	bad = map[int64]error{}
	var slow []int64
	for {
		ok, err := s.step()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		m := &chatDBRow{}
		if err := r.scanLite(s, m); err != nil {
			slow = append(slow, s.int64(0))
			continue
		}
		// The body is in SQLite's memory until the next step; a message
		// without text needs it later.
		if !m.text.Valid || m.text.String == "" {
			m.body = bytes.Clone(m.body)
		} else {
			m.body = nil
		}
		got[m.row] = m
	}
	s.reset()
	for _, id := range slow {
		g, b, err := r.byIDSQL([]int64{id})
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(got, g)
		maps.Copy(bad, b)
	}
	return got, bad, nil
}
