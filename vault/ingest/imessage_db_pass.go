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
	n := c.rows
	if n == 0 {
		n, _ = c.lite.count("SELECT COUNT(*) FROM message")
		c.rows = max(n, 0)
	}
	if n > 0 {
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

// loadMessageChatsLite is loadMessageChats through c.lite: the chats'
// lists of messages read in place, and the table sized from the message
// table (its last ROWID, and the count the order pass needs) instead of
// a scan of chat_message_join of its own, a third of its time. Any error,
// or a list it cannot read, and loadMessageChats reads the table again.
func (c *chatDB) loadMessageChatsLite() error {
	n, err := c.lite.count("SELECT COUNT(*) FROM message")
	if err != nil {
		return err
	}
	c.rows = n
	if last, err := c.lite.count("SELECT max(ROWID) FROM message"); err == nil {
		c.msgChat.reserve(last, n)
	}
	s, err := c.lite.prepare("SELECT chat_id, group_concat(message_id) FROM chat_message_join" +
		" WHERE typeof(message_id) = 'integer' AND typeof(chat_id) = 'integer' GROUP BY chat_id")
	if err != nil {
		return err
	}
	defer s.close()
	for {
		ok, err := s.step()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if s.kind(0) != sqlite3.SQLITE_INTEGER || s.kind(1) != sqlite3.SQLITE_TEXT {
			return errSQLiteFallback
		}
		chat, list := s.int64(0), s.bytes(1)
		for len(list) > 0 {
			msg, rest, ok := cutInt64(list)
			if !ok {
				return errSQLiteFallback
			}
			c.msgChat.add(msg, chat)
			list = rest
		}
	}
}

// cutInt64 reads the decimal integer b starts with, up to a comma it
// drops: false for anything else, or a number past int64.
func cutInt64(b []byte) (n int64, rest []byte, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var u uint64
	i := 0
	for ; i < len(b) && b[i] != ','; i++ {
		d := b[i] - '0'
		if d > 9 || u > (1<<63)/10 {
			return 0, nil, false
		}
		u = u*10 + uint64(d)
		if u > 1<<63 || u == 1<<63 && !neg {
			return 0, nil, false
		}
	}
	if i == 0 {
		return 0, nil, false
	}
	if i < len(b) {
		i++ // the comma
		if i == len(b) {
			return 0, nil, false // a list does not end in one
		}
	}
	n = int64(u)
	if neg {
		n = -n
	}
	return n, b[i:], true
}
