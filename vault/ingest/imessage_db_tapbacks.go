package ingest

// The tapbacks of a chat.db, and the order of its messages: one pass
// over every message row finds both: each pass reads the whole table
// from the file, and the two it replaces were a fifth of an import's CPU.

import (
	"bytes"
	"cmp"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"
)

// isTapbackSQL selects the rows that are tapbacks: 2000-2007 add one
// (love, like, dislike, laugh, emphasis, question, emoji, sticker),
// 3000-3007 take it back.
const isTapbackSQL = "COALESCE(m.associated_message_type, 0) BETWEEN 2000 AND 3999"

// tapbackEmoji is the emoji of each classic tapback, by type - 2000.
var tapbackEmoji = []string{"❤️", "👍", "👎", "😂", "‼️", "❓"}

// tapbackRow is a tapback row as scanned, kept until the tapbacks are in
// the order the SQL ORDER BY m.date, m.ROWID gave them before.
type tapbackRow struct {
	date                                  any // m.date as stored, for the order
	row                                   int64
	read                                  bool
	err                                   error // the scan's, reported in that order
	guid, target, emoji, sqlTarget        sql.NullString
	kind, handle, fromMe, tapbackDate, on sql.NullInt64
}

// loadTapbacks reads the tapback rows, the thread_originator_guid of
// every row that has one (c.replies), and the order of the other rows
// (c.order). All three need a pass over all of message, and one pass of
// a few columns does for all; the tapbacks' other columns (and the
// message each is on, a lookup by GUID) are then read by ROWID.
func (c *chatDB) loadTapbacks() error {
	c.tapbacks = map[int64][]chatDBReaction{}
	tapbacks := c.cols["message"]["associated_message_type"] && c.cols["message"]["associated_message_guid"]
	threads := c.cols["message"]["thread_originator_guid"]
	if !tapbacks && !threads {
		return nil
	}
	isTapback, thread, notMessage := "0", "NULL", "0"
	if tapbacks {
		isTapback = isTapbackSQL
	}
	if threads {
		thread = "m.thread_originator_guid"
	}
	if tapbacks {
		notMessage = "NULL" // the same as isTapback: read once
	} else if c.cols["message"]["associated_message_type"] {
		notMessage = isTapbackSQL
	}
	// +m.date is the value as stored: the column's declared type would
	// make the driver parse text as a time.
	q := "SELECT m.ROWID, " + isTapback + ", " + thread + ", " + notMessage + ", +m.date"
	var keys messageKeys
	// Through c.lite, the pass reads the tapbacks' columns as it meets
	// them (only SQLite's cost: no row of database/sql a column); through
	// database/sql, readTapbacks reads them after, in the query whose
	// errors a chat.db import has always reported.
	var pending []pendingTapback
	if err := c.orderPassLite(q+c.tapbackColumns(isTapback, tapbacks)+" FROM message m", &keys, &pending); err == nil {
		c.order, c.ordered = keys.ids(), true
		slices.SortFunc(pending, func(a, b pendingTapback) int {
			return cmp.Or(compareSQLite(a.date, b.date), cmp.Compare(a.row, b.row))
		})
		for _, p := range pending {
			c.file(p)
		}
		return nil
	}
	// database/sql reads the pass again, and reports its error as it
	// always has; the threads wanted so far are wanted again.
	keys = messageKeys{}
	var found []tapbackRow
	if err := c.orderPassSQL(q+" FROM message m", &keys, &found); err != nil {
		return err
	}
	c.order, c.ordered = keys.ids(), true
	if len(found) == 0 {
		return nil
	}
	slices.SortFunc(found, func(a, b tapbackRow) int { return cmp.Compare(a.row, b.row) })
	if err := c.readTapbacks(found, isTapback, thread); err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b tapbackRow) int {
		return cmp.Or(compareSQLite(a.date, b.date), cmp.Compare(a.row, b.row))
	})
	for _, r := range found {
		if r.err != nil {
			return r.err
		}
		if r.read {
			c.tapback(r)
		}
	}
	return nil
}

// tapbackColumns are the columns of a tapback row after the first ones,
// ", "-prefixed (none without tapbacks): guid, associated_message_guid,
// associated_message_type, associated_message_emoji, handle_id,
// is_from_me, date, the target's GUID and the ROWID of the row it is on.
func (c *chatDB) tapbackColumns(isTapback string, tapbacks bool) string {
	if !tapbacks {
		return ""
	}
	// The target's GUID, as tapbackTarget reads it, to find the row the
	// tapback is on (guid is indexed: UNIQUE), or none.
	target := "CASE WHEN m.associated_message_guid LIKE 'p:%/%' THEN substr(m.associated_message_guid, instr(m.associated_message_guid, '/') + 1)" +
		" WHEN m.associated_message_guid LIKE 'bp:%' THEN substr(m.associated_message_guid, 4) ELSE m.associated_message_guid END"
	// A row read only for its thread gave NULL for the rest, so that
	// nothing in it could fail the scan.
	only := func(expr string) string { return "CASE WHEN " + isTapback + " THEN " + expr + " END" }
	return ", " + only("m.guid") + ", " + only("m.associated_message_guid") + ", " + only("m.associated_message_type") + ", " +
		only(c.col("message", "m", "associated_message_emoji")) + ", " + only("m.handle_id") + ", " + only("m.is_from_me") + ", " +
		only("m.date") + ", " + only(target) + ", " +
		only("(SELECT t.ROWID FROM message t WHERE t.guid = "+target+" AND NOT COALESCE(t.associated_message_type, 0) BETWEEN 2000 AND 3999)")
}

// readTapbacks reads the columns of the tapback rows found, in ROWID
// order, chatDBBatch at a time. The columns are those the one query that
// read the tapbacks before selected, in the same places, so that a scan
// error reads as it did.
func (c *chatDB) readTapbacks(found []tapbackRow, isTapback, thread string) error {
	batch := min(len(found), chatDBBatch)
	stmt, err := c.db.Prepare("SELECT m.ROWID, " + isTapback + ", " + thread + c.tapbackColumns(isTapback, true) +
		" FROM message m WHERE m.ROWID IN (" + strings.Repeat("?, ", batch-1) + "?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, batch)
	var isTap bool
	var guid sql.NullString
	for len(found) > 0 {
		n := min(len(found), batch)
		for i := range args {
			// A short batch repeats its last ROWID: IN reads it once.
			args[i] = found[min(i, n-1)].row
		}
		rows, err := stmt.Query(args...)
		if err != nil {
			return err
		}
		// Both lists are in ROWID order.
		next := found[:n]
		for rows.Next() {
			var t tapbackRow
			err := rows.Scan(&t.row, &isTap, &guid, &t.guid, &t.target, &t.kind, &t.emoji, &t.handle, &t.fromMe,
				&t.tapbackDate, &t.sqlTarget, &t.on)
			for len(next) > 0 && next[0].row < t.row {
				next = next[1:]
			}
			if len(next) == 0 || next[0].row != t.row {
				continue
			}
			t.date, t.read, t.err = next[0].date, err == nil, err
			next[0] = t
			next = next[1:]
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		found = found[n:]
	}
	return nil
}

// tapback files tapback row r under the message it is on, or as an
// orphan.
func (c *chatDB) tapback(r tapbackRow) { c.file(c.pending(r)) }

// pendingTapback is a tapback row as it is filed, kept until every
// tapback is read and in the order of (date, ROWID): a removal takes back
// the reaction before it. It keeps what filing needs, half a tapbackRow
// and none of its strings: a 1 GB database's tapbacks held 100 MB at the
// peak of its import as tapbackRows.
type pendingTapback struct {
	date  any // m.date as stored, for the order
	row   int64
	on    int64 // the row the reaction is on
	react chatDBReaction
	// orphan is the tapback on no message of the database; skip, one
	// filing leaves out.
	orphan *chatDBTapback
	skip   bool
}

// pending makes tapback row r ready to file.
func (c *chatDB) pending(r tapbackRow) pendingTapback {
	p := pendingTapback{date: r.date, row: r.row}
	t := chatDBTapback{row: r.row, kind: r.kind.Int64}
	t.guid, t.target, t.date, t.chat = r.guid.String, tapbackTarget(r.target.String), r.tapbackDate.Int64, c.chatOf(t.row)
	t.handle = r.handle.Int64
	t.by, t.byID = c.sender(r.fromMe.Int64 != 0, r.handle.Int64)
	base := t.kind % 1000
	switch {
	case base < int64(len(tapbackEmoji)):
		t.emoji = tapbackEmoji[base]
	case base == 6 && r.emoji.String != "":
		t.emoji = r.emoji.String
	case base == 7:
		t.emoji = "sticker"
	default:
		t.emoji = "tapback " + strconv.FormatInt(base, 10)
	}
	switch {
	case !r.on.Valid:
		p.orphan = &t
	case t.target != r.sqlTarget.String:
		// LIKE ignores case, tapbackTarget does not: a "P:0/GUID"
		// names a message in SQL but none in Go, and its reaction was
		// always left out. It still is.
		p.skip = true
	default:
		p.on, p.react = r.on.Int64, chatDBReaction{emoji: t.emoji, by: t.by, byID: t.byID, kind: t.kind}
	}
	return p
}

// file files tapback p under the message it is on, or as an orphan.
func (c *chatDB) file(p pendingTapback) {
	if p.orphan != nil {
		c.orphans = append(c.orphans, *p.orphan)
		return
	}
	if p.skip {
		return
	}
	t := p.react
	list := c.tapbacks[p.on]
	if t.kind >= 3000 {
		// A removal takes back the same person's last tapback of
		// that kind.
		base := t.kind % 1000
		for i := len(list) - 1; i >= 0; i-- {
			q := &list[i]
			if !q.removed && q.by == t.by && q.byID == t.byID && q.kind%1000 == base && q.emoji == t.emoji {
				q.removed = true
				break
			}
		}
		return
	}
	c.tapbacks[p.on] = append(list, t)
	c.reacted.add(p.on)
}

// compareSQLite compares two values as SQLite's ORDER BY does: NULL,
// then numbers (integers and reals by value), then text, then blobs
// (both byte by byte).
func compareSQLite(a, b any) int {
	if c := cmp.Compare(sqliteClass(a), sqliteClass(b)); c != 0 {
		return c
	}
	switch a := a.(type) {
	case int64:
		switch b := b.(type) {
		case int64:
			return cmp.Compare(a, b)
		case float64:
			return compareIntReal(a, b)
		}
	case float64:
		switch b := b.(type) {
		case int64:
			return -compareIntReal(b, a)
		case float64:
			return cmp.Compare(a, b)
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case []byte:
		if b, ok := b.([]byte); ok {
			return bytes.Compare(a, b)
		}
	}
	return 0
}

// sqliteClass ranks a value's storage class in SQLite's order.
func sqliteClass(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64, float64:
		return 1
	case string:
		return 2
	}
	return 3
}

// compareIntReal compares an integer with a real exactly, as SQLite
// does: converting either to the other's type can round.
func compareIntReal(i int64, r float64) int {
	switch {
	case r < math.MinInt64:
		return 1
	case r >= math.MaxInt64: // 2^63: MaxInt64 rounds up to it
		return -1
	}
	t := int64(r) // toward zero
	if c := cmp.Compare(i, t); c != 0 {
		return c
	}
	return cmp.Compare(float64(t), r)
}

// chatOf returns message row's chat, 0 for none.
func (c *chatDB) chatOf(row int64) int64 {
	chat, _ := c.msgChat.get(row)
	return chat
}

// tapbackTarget returns the message GUID in associated_message_guid:
// "p:0/GUID" (part 0 of the message) or "bp:GUID".
func tapbackTarget(s string) string {
	if i := strings.IndexByte(s, '/'); i >= 0 && strings.HasPrefix(s, "p:") {
		return s[i+1:]
	}
	return strings.TrimPrefix(s, "bp:")
}
