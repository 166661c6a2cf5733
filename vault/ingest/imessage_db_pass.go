package ingest

// The one pass over every message row that loadTapbacks makes: the
// order of the messages, the threads asked for, and the tapbacks.

import (
	"database/sql"

	sqlite3 "modernc.org/sqlite/lib"
)

// orderPassSQL reads q, loadTapbacks' pass, through database/sql: the
// tapbacks found have only their row and date.
func (c *chatDB) orderPassSQL(q string, keys *messageKeys, found *[]tapbackRow) error {
	rows, err := c.db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var row int64
	var isTap bool
	var notMsgCol sql.NullBool
	var guid sql.NullString
	var date any
	for rows.Next() {
		if err := rows.Scan(&row, &isTap, &guid, &notMsgCol, &date); err != nil {
			return err
		}
		if !isTap && !notMsgCol.Bool {
			keys.add(row, date)
		}
		if guid.Valid {
			c.replies.want(guid.String)
		}
		if isTap {
			*found = append(*found, tapbackRow{row: row, date: date})
		}
	}
	return rows.Err()
}

// orderPassLite reads q as orderPassSQL does, through c.lite, with the
// tapbacks' columns (tapbackColumns) when the schema has tapbacks, so
// that they are ready to file. Any error, or errSQLiteFallback for a
// value database/sql would convert or fail on, and the pass is for
// orderPassSQL.
func (c *chatDB) orderPassLite(q string, keys *messageKeys, found *[]pendingTapback) error {
	if c.lite == nil {
		return errSQLiteFallback
	}
	// The pairs, sized once: grown by append they were twice their size
	// at the end of the pass, the peak of a 1 GB import (issue 17).
	// count(*) reads the smallest index, a fraction of the pass.
	if n, err := c.lite.count("SELECT count(*) FROM message"); err == nil && n > 0 {
		keys.dated = make([]datedRow, 0, n)
	}
	s, err := c.lite.prepare(q)
	if err != nil {
		return err
	}
	defer s.close()
	tapbacks := s.columns() > 5
	var guid sql.NullString
	for {
		ok, err := s.step()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if s.kind(0) != sqlite3.SQLITE_INTEGER {
			return errSQLiteFallback
		}
		row := s.int64(0)
		isTap, err := s.bool(1)
		if err != nil {
			return err
		}
		if err := s.nullString(2, &guid, ""); err != nil {
			return err
		}
		notMsg := isTap
		if s.kind(3) != sqlite3.SQLITE_NULL {
			b, err := s.bool(3)
			if err != nil {
				return err
			}
			notMsg = notMsg || b
		}
		if guid.Valid {
			c.replies.want(guid.String)
		}
		if s.kind(4) == sqlite3.SQLITE_INTEGER && !isTap {
			// Nearly every row: its date kept without boxing it.
			if !notMsg {
				keys.dated = append(keys.dated, datedRow{s.int64(4), row})
			}
			continue
		}
		date, err := s.value(4)
		if err != nil {
			return err
		}
		if !notMsg {
			keys.add(row, date)
		}
		if !isTap {
			continue
		}
		t := tapbackRow{row: row, date: date, read: true}
		if tapbacks {
			if err := scanTapbackLite(s, &t); err != nil {
				return err
			}
		}
		*found = append(*found, c.pending(t))
	}
}

// scanTapbackLite reads tapbackColumns, from column 5, into t.
func scanTapbackLite(s *sqliteStmt, t *tapbackRow) error {
	for _, err := range []error{
		s.nullString(5, &t.guid, ""), s.nullString(6, &t.target, ""), s.nullInt64(7, &t.kind),
		s.nullString(8, &t.emoji, ""), s.nullInt64(9, &t.handle), s.nullInt64(10, &t.fromMe),
		s.nullInt64(11, &t.tapbackDate), s.nullString(12, &t.sqlTarget, ""), s.nullInt64(13, &t.on),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
