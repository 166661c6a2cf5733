package ingest

// How chat.db's message rows are read: their order, found before any is
// read, and the rows themselves, by range where they are stored in that
// order and by ROWID where not.

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// messages emits every row that is not a tapback, oldest first.
func (c *chatDB) messages(emit Emit) error {
	// attributedBody is read only where text is empty (length counts a
	// blob's bytes): the driver copies every blob it reads.
	body := "NULL"
	if c.cols["message"]["attributedbody"] {
		body = "CASE WHEN m.text IS NULL OR length(m.text) = 0 THEN m.attributedBody END"
	}
	q := "SELECT m.ROWID, m.guid, m.text, " + body + ", m.handle_id, m.is_from_me, m.date, " +
		c.col("message", "m", "subject") + ", " + c.col("message", "m", "service") + ", " +
		c.col("message", "m", "date_edited") + ", " + c.col("message", "m", "date_retracted") + ", " +
		c.col("message", "m", "item_type") + ", " + c.col("message", "m", "group_action_type") + ", " +
		c.col("message", "m", "other_handle") + ", " + c.col("message", "m", "thread_originator_guid") + ", " +
		c.col("message", "m", "group_title") + ", " + c.col("message", "m", "balloon_bundle_id") + ", " +
		c.col("message", "m", "expressive_send_style_id") + ", " + c.col("message", "m", "is_audio_message") +
		" FROM message m WHERE m.ROWID"
	ids, err := c.messageOrder()
	if err != nil {
		return &Error{File: c.name, Err: err}
	}
	r := &chatDBReader{c: c, emit: emit, query: q, batch: min(len(ids), chatDBBatch)}
	defer r.close()
	// Rows stored in the order they are read in (Messages writes them as
	// they come, so nearly all of them) are read a run at a time, with a
	// cursor that walks the table's leaves, each row used as it is read:
	// no copy of its attributedBody and no map a batch, a third fewer
	// allocations than finding each row by its ROWID (the CPU in SQLite
	// is about the same: an IN list of nearby ROWIDs finds its pages in
	// the cache). The rest are read by ROWID, chatDBBatch at a time: one
	// query a row cost twice the CPU of the import's sorted scan.
	var byID []int64
	for len(ids) > 0 {
		n := denseRun(ids)
		if n < chatDBMinRun {
			byID = append(byID, ids[:n]...)
			ids = ids[n:]
			for len(byID) >= chatDBBatch {
				if err := r.byID(byID[:chatDBBatch]); err != nil {
					return err
				}
				byID = byID[chatDBBatch:]
			}
			continue
		}
		for len(byID) > 0 {
			k := min(len(byID), chatDBBatch)
			if err := r.byID(byID[:k]); err != nil {
				return err
			}
			byID = byID[k:]
		}
		if err := r.run(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	for len(byID) > 0 {
		k := min(len(byID), chatDBBatch)
		if err := r.byID(byID[:k]); err != nil {
			return err
		}
		byID = byID[k:]
	}
	return nil
}

// chatDBBatch is how many message rows one query by ROWID reads.
const chatDBBatch = 256

// chatDBMinRun is the fewest rows read with a range query: a shorter run
// is read by ROWID with the rows out of order, in a batch that costs
// one query instead of one more.
const chatDBMinRun = 64

// denseRun returns how many of ids, from the first, increase and make
// at least half the ROWIDs between the first and the last: a range query
// over them reads no more than two rows per row wanted, so a database
// whose rows are shuffled is read by ROWID, as fast as before.
func denseRun(ids []int64) int {
	lo, n := ids[0], 1
	// Differences as unsigned: ROWIDs far apart (negative ones, which
	// SQLite allows) would overflow int64.
	for n < len(ids) && ids[n] > ids[n-1] && uint64(ids[n])-uint64(lo) < 2*uint64(n+1) {
		n++
	}
	return n
}

// chatDBReader reads message rows and emits their messages in the order
// they are asked for.
type chatDBReader struct {
	c      *chatDB
	emit   Emit
	query  string // the SELECT up to "WHERE m.ROWID"
	batch  int    // the size of the IN list, fixed so one statement serves
	in, by *sql.Stmt
	args   []any
	// The same two statements on c.lite, and the strings of the row
	// read last, which the next often repeats.
	liteIn, liteBy *sqliteStmt
	last           chatDBRow
}

func (r *chatDBReader) close() {
	if r.in != nil {
		r.in.Close()
	}
	if r.by != nil {
		r.by.Close()
	}
	r.liteIn.close()
	r.liteBy.close()
}

// scan reads the current row of rows into m; body is attributedBody,
// valid until the next row.
func scanChatDBRow(rows *sql.Rows, m *chatDBRow, body *sql.RawBytes) error {
	return rows.Scan(&m.row, &m.guid, &m.text, body, &m.handle, &m.fromMe, &m.date, &m.subject, &m.service,
		&m.edited, &m.retracted, &m.itemType, &m.groupAction, &m.otherHandle, &m.thread, &m.groupTitle,
		&m.app, &m.effect, &m.audio)
}

// run reads ids, which increase, with one range query and emits their
// messages. The range holds other rows too (tapbacks, rows whose date
// sorts them elsewhere): they are passed over as the two lists merge.
func (r *chatDBReader) run(ids []int64) error {
	if r.c.lite != nil {
		return r.runLite(ids)
	}
	return r.runSQL(ids)
}

// rangeQuery is the query of run.
func (r *chatDBReader) rangeQuery() string {
	q := r.query + " BETWEEN ? AND ?"
	if r.c.cols["message"]["associated_message_type"] {
		// messageOrder leaves tapbacks out: they need not be read.
		q += " AND NOT " + isTapbackSQL
	}
	return q
}

// runSQL is run through database/sql.
func (r *chatDBReader) runSQL(ids []int64) error {
	c := r.c
	if r.by == nil {
		var err error
		if r.by, err = c.db.PrepareContext(context.Background(), r.rangeQuery()); err != nil {
			return &Error{File: c.name, Err: err}
		}
	}
	rows, err := r.by.Query(ids[0], ids[len(ids)-1])
	if err != nil {
		return &Error{File: c.name, Err: err}
	}
	defer rows.Close()
	var m chatDBRow
	var body sql.RawBytes
	for rows.Next() {
		m = chatDBRow{}
		scanErr := scanChatDBRow(rows, &m, &body)
		for len(ids) > 0 && ids[0] < m.row {
			ids = ids[1:] // gone from the table since messageOrder read it
		}
		if len(ids) == 0 || ids[0] != m.row {
			continue
		}
		ids = ids[1:]
		if scanErr != nil {
			if err := c.opt.skip(&Error{File: c.name, Pos: fmt.Sprintf("message row %d", m.row), Err: scanErr}); err != nil {
				return err
			}
			continue
		}
		// The row is used before the next is read: body stays valid.
		if !m.text.Valid || m.text.String == "" {
			m.body = body
		}
		if err := c.messageRow(&m, r.emit); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return &Error{File: c.name, Err: err}
	}
	return nil
}

// byID reads the rows ids, at most r.batch of them, and emits their
// messages in the order of ids.
func (r *chatDBReader) byID(ids []int64) error {
	c := r.c
	got, bad, err := r.byIDLite(ids)
	if err != nil {
		got, bad, err = r.byIDSQL(ids)
	}
	if err != nil {
		return &Error{File: c.name, Err: err}
	}
	for _, id := range ids {
		if err, ok := bad[id]; ok {
			if err := c.opt.skip(&Error{File: c.name, Pos: fmt.Sprintf("message row %d", id), Err: err}); err != nil {
				return err
			}
			continue
		}
		m, ok := got[id]
		if !ok {
			continue
		}
		if err := c.messageRow(m, r.emit); err != nil {
			return err
		}
	}
	return nil
}

// byIDSQL reads the rows ids through database/sql: those it scans, and
// the errors of those it cannot.
func (r *chatDBReader) byIDSQL(ids []int64) (got map[int64]*chatDBRow, bad map[int64]error, err error) {
	c := r.c
	if r.in == nil {
		in := strings.Repeat("?, ", r.batch-1) + "?"
		var err error
		if r.in, err = c.db.PrepareContext(context.Background(), r.query+" IN ("+in+")"); err != nil {
			return nil, nil, err
		}
		r.args = make([]any, r.batch)
	}
	for i := range r.args {
		// A short batch repeats its last ROWID: IN reads it once.
		r.args[i] = ids[min(i, len(ids)-1)]
	}
	rows, err := r.in.Query(r.args...)
	if err != nil {
		return nil, nil, err
	}
	got = make(map[int64]*chatDBRow, len(ids))
	bad = map[int64]error{}
	for rows.Next() {
		m := &chatDBRow{}
		var body sql.RawBytes
		if err := scanChatDBRow(rows, m, &body); err != nil {
			bad[m.row] = err
			continue
		}
		// RawBytes is valid until the next row; a message without text
		// needs it later.
		if !m.text.Valid || m.text.String == "" {
			m.body = bytes.Clone(body)
		}
		got[m.row] = m
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, nil, err
	}
	return got, bad, nil
}

// messageOrder returns the ROWIDs of the rows that are not tapbacks,
// oldest first (see messageKeys): as loadTapbacks read them, or read
// here when the schema has neither tapbacks nor threads. SQLite sorted
// the whole rows before, in memory as it must (temp_store=memory keeps
// message text off the disk): 2 GB for 4.3M rows. These keys cost ~24
// bytes a row.
func (c *chatDB) messageOrder() ([]int64, error) {
	if c.ordered {
		return c.order, nil
	}
	q := "SELECT m.ROWID, m.date FROM message m"
	if c.cols["message"]["associated_message_type"] {
		q += " WHERE NOT " + isTapbackSQL
	}
	rows, err := c.db.QueryContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys messageKeys
	for rows.Next() {
		var row int64
		var date any
		if err := rows.Scan(&row, &date); err != nil {
			return nil, err
		}
		keys.add(row, date)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return keys.ids(), nil
}

// messageKeys orders message rows by date (NULL first, then numbers,
// then anything else, as SQLite orders them), then ROWID. Rows of a
// numeric date, nearly all of them, are kept as (date, ROWID) pairs of
// 16 bytes; the others by ROWID alone. One slice of (class, date, ROWID)
// keys cost 24 bytes a row, and growing it by append held the old array
// beside the new: at 3.9M rows it was the peak of a chat.db import.
type messageKeys struct {
	nulls, others []int64 // ROWIDs of rows with a NULL, or a non-numeric, date
	dated         []datedRow
}

type datedRow struct{ date, row int64 }

// add appends row, whose date column holds date.
func (ks *messageKeys) add(row int64, date any) {
	switch d := date.(type) {
	case nil:
		ks.nulls = append(ks.nulls, row)
	case int64:
		ks.dated = append(ks.dated, datedRow{d, row})
	case float64:
		ks.dated = append(ks.dated, datedRow{int64(d), row})
	default:
		ks.others = append(ks.others, row)
	}
}

// ids sorts the keys and returns their ROWIDs, oldest first.
func (ks *messageKeys) ids() []int64 {
	slices.Sort(ks.nulls)
	slices.Sort(ks.others)
	slices.SortFunc(ks.dated, func(a, b datedRow) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.row, b.row))
	})
	ids := make([]int64, 0, len(ks.nulls)+len(ks.dated)+len(ks.others))
	ids = append(ids, ks.nulls...)
	for _, k := range ks.dated {
		ids = append(ids, k.row)
	}
	ids = append(ids, ks.others...)
	*ks = messageKeys{}
	return ids
}
