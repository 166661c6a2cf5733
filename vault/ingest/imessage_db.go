package ingest

import (
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"coffer/vault"

	// modernc.org/sqlite is SQLite compiled to pure Go: reading chat.db
	// needs a real SQLite, and this one keeps the build static and
	// cgo-free (make cross builds macOS and FreeBSD from Linux).
	_ "modernc.org/sqlite"
)

// The macOS Messages database: message rows joined to their chat
// (chat_message_join) and sender (handle), attachments through
// message_attachment_join, tapbacks as message rows of their own that
// point at their target by associated_message_guid. The schema has grown
// with macOS (attributedBody, thread_originator_guid, date_edited,
// date_retracted...): columns a database lacks read as NULL.

// chatDBTables must all exist for a SQLite file to be a chat.db.
var chatDBTables = []string{"message", "handle", "chat", "chat_message_join"}

// chatDBURI opens path read-only and immutable: SQLite then takes no
// lock and writes no -wal or -shm beside the user's database, and keeps
// its temporary tables in memory, so no message text reaches disk.
func chatDBURI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1&_pragma=temp_store(memory)&_pragma=query_only(1)&_pragma=cache_size(-256)"}
	return u.String(), nil
}

func openChatDB(path string) (*sql.DB, error) {
	uri, err := chatDBURI(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// isChatDB reports whether the SQLite database at path has Messages'
// tables.
func isChatDB(path string) bool {
	db, err := openChatDB(path)
	if err != nil {
		return false
	}
	defer db.Close()
	tables, err := chatDBTableNames(db)
	if err != nil {
		return false
	}
	for _, t := range chatDBTables {
		if !tables[t] {
			return false
		}
	}
	return true
}

// chatDBTableNames returns the names of the database's tables.
func chatDBTableNames(db *sql.DB) (map[string]bool, error) {
	return chatDBNames(db, "SELECT name FROM sqlite_master WHERE type = 'table'")
}

// chatDBColumns returns the names of table's columns.
func chatDBColumns(db *sql.DB, table string) (map[string]bool, error) {
	return chatDBNames(db, "SELECT name FROM pragma_table_info(?)", table)
}

// chatDBNames returns the names query selects, lower-cased.
func chatDBNames(db *sql.DB, query string, args ...any) (map[string]bool, error) {
	rows, err := db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		cols[strings.ToLower(name)] = true
	}
	return cols, rows.Err()
}

// chatDB holds what a chat.db import reads before the messages.
type chatDB struct {
	db      *sql.DB
	lite    *sqliteConn // the same database, for the passes over every row; nil reads them through db
	name    string      // the database file's base name, for errors and provenance
	sum     string
	opt     Options
	now     time.Time
	root    exportRoot // the folder holding chat.db, where Attachments/ lives
	cols    map[string]map[string]bool
	handles map[int64]string
	chats   map[int64]vault.Conversation
	msgChat messageChats
	atts    map[int64][]chatDBAttachment
	// tapbacks maps a message row to the reactions on it; orphans are
	// the tapbacks on no message in the database, oldest first.
	tapbacks map[int64][]chatDBReaction
	reacted  rowSet // the keys of tapbacks
	orphans  []chatDBTapback
	replies  threadIndex
	// order is the ROWIDs of the message rows, oldest first, when
	// loadTapbacks has read them (its pass reads every row).
	order   []int64
	ordered bool
	rows    int64 // COUNT(*) of message, when the order pass counted it
}

type chatDBAttachment struct {
	filename, mime, transfer string
	size                     int64
}

// chatDBReaction is a tapback on a message of the database, as the
// message's reactions need it: a 1 GB database held 70 MB of whole
// tapback rows for this (GUIDs, targets, chats, dates), a third of the
// parse's memory. Removals are not kept: one takes back the reaction it
// matches, and is never shown.
type chatDBReaction struct {
	emoji, by, byID string
	kind            int64 // associated_message_type, below 3000
	removed         bool
}

// chatDBTapback is one tapback row: a reaction added or removed.
type chatDBTapback struct {
	row    int64
	guid   string
	target string
	kind   int64 // associated_message_type
	emoji  string
	by     string
	byID   string
	handle int64
	chat   int64
	date   int64
}

// parseChatDB imports a macOS Messages database.
func parseChatDB(path string, opt Options, emit Emit) error {
	name := filepath.Base(path)
	sum, err := HashFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// immutable=1 reads chat.db alone: changes Messages still holds in
	// its write-ahead log would be silently left out.
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		e := &Error{File: name, Err: fmt.Errorf("%s-wal beside it holds %s of changes not yet in the database; "+
			"quit Messages so it writes them back, or copy the database while Messages is closed (--lenient imports what %s holds)",
			name, sizeText(uint64(st.Size())), name)}
		if err := opt.skip(e); err != nil {
			return err
		}
	}
	db, err := openChatDB(path)
	if err != nil {
		return &Error{File: name, Err: err}
	}
	defer db.Close()
	c := &chatDB{db: db, name: name, sum: sum, opt: opt, now: opt.now(),
		root: exportRoot{dir: filepath.Dir(path)}}
	defer c.root.close()
	// A database SQLite cannot open this way is read through db alone,
	// which reports why as it always has.
	if c.lite, err = openSQLite(path); err == nil {
		defer c.lite.close()
	}
	if err := c.load(); err != nil {
		return &Error{File: name, Err: err}
	}
	if opt.Meter != nil {
		emit = c.metered(path, emit)
	}
	if err := c.messages(emit); err != nil {
		return err
	}
	return c.emitOrphans(math.MaxInt64, math.MaxInt64, emit)
}

// metered tells opt.Meter of the database's bytes a message at a time, in
// proportion to the message rows: SQLite reads the file itself, so its
// reads cannot be counted. Rows that are not messages of their own
// (tapbacks) leave the count a little short.
func (c *chatDB) metered(path string, emit Emit) Emit {
	st, err := os.Stat(path)
	// The order pass counted the rows through c.lite; counting them
	// again read the smallest index a second time.
	rows := c.rows
	if err != nil || rows == 0 && c.db.QueryRow("SELECT COUNT(*) FROM message").Scan(&rows) != nil || rows == 0 {
		return emit
	}
	per := st.Size() / rows
	return func(m *vault.Message) error {
		c.opt.Meter.add(int(per))
		return emit(m)
	}
}

// col returns table.column when the database has it, else NULL, so one
// query serves every schema version.
func (c *chatDB) col(table, alias, column string) string {
	if c.cols[table][column] {
		return alias + "." + column
	}
	return "NULL"
}

// load reads the schema, handles, chats, attachments and tapbacks.
func (c *chatDB) load() error {
	tables, err := chatDBTableNames(c.db)
	if err != nil {
		return fmt.Errorf("not a readable SQLite database: %w", err)
	}
	for _, t := range chatDBTables {
		if !tables[t] {
			return fmt.Errorf("no %q table: not a Messages chat.db", t)
		}
	}
	c.cols = map[string]map[string]bool{}
	for _, t := range []string{"message", "chat", "handle", "attachment", "chat_handle_join", "message_attachment_join"} {
		if !tables[t] {
			continue
		}
		if c.cols[t], err = chatDBColumns(c.db, t); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
	}
	if err := c.loadHandles(); err != nil {
		return fmt.Errorf("table handle: %w", err)
	}
	if err := c.loadChats(); err != nil {
		return fmt.Errorf("table chat: %w", err)
	}
	if err := c.loadAttachments(); err != nil {
		return fmt.Errorf("table attachment: %w", err)
	}
	if err := c.loadMessageChats(); err != nil {
		return fmt.Errorf("table chat_message_join: %w", err)
	}
	if err := c.loadTapbacks(); err != nil {
		return fmt.Errorf("tapbacks: %w", err)
	}
	return nil
}

func (c *chatDB) loadHandles() error {
	c.handles = map[int64]string{}
	rows, err := c.db.Query("SELECT ROWID, id FROM handle")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h sql.NullString
		if err := rows.Scan(&id, &h); err != nil {
			return err
		}
		c.handles[id] = h.String
	}
	return rows.Err()
}

func (c *chatDB) loadChats() error {
	c.chats = map[int64]vault.Conversation{}
	members := map[int64][]string{}
	if c.cols["chat_handle_join"] != nil {
		rows, err := c.db.Query("SELECT chat_id, handle_id FROM chat_handle_join ORDER BY chat_id, handle_id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var chat, h sql.NullInt64
			if err := rows.Scan(&chat, &h); err != nil {
				return err
			}
			if id := c.handles[h.Int64]; id != "" && !slices.Contains(members[chat.Int64], id) {
				members[chat.Int64] = append(members[chat.Int64], id)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	rows, err := c.db.Query("SELECT ROWID, guid, " + c.col("chat", "chat", "chat_identifier") + ", " +
		c.col("chat", "chat", "display_name") + ", " + c.col("chat", "chat", "service_name") + " FROM chat")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var guid, ident, display, service sql.NullString
		if err := rows.Scan(&id, &guid, &ident, &display, &service); err != nil {
			return err
		}
		conv := vault.Conversation{ID: "imessage:" + firstNonEmpty(guid.String, "chat "+strconv.FormatInt(id, 10)),
			Title: display.String, Participants: members[id]}
		if conv.Title == "" {
			// An unnamed group is known by its members; a 1:1 chat by the
			// other side's number or address.
			conv.Title = ident.String
			if len(conv.Participants) > 1 {
				conv.Title = strings.Join(conv.Participants, ", ")
			}
		}
		c.chats[id] = conv
	}
	return rows.Err()
}

// loadMessageChats reads chat_message_join into c.msgChat. Joining it in
// the message queries made SQLite group and index the whole table again
// for each (the schema has no index on message_id alone), the largest
// part of an import's time. A row a message costs more to scan than to
// use, so SQLite lists each chat's messages in one string (the table's
// key is chat_id, message_id: no sort). A chat_id that is not an integer
// (Messages writes none) is ignored.
func (c *chatDB) loadMessageChats() error {
	if c.lite != nil {
		if err := c.loadMessageChatsLite(); err == nil {
			return nil
		}
		// database/sql reads the table again, and reports its error.
		c.msgChat = messageChats{}
	}
	var last, n sql.NullInt64
	if err := c.db.QueryRow("SELECT max(message_id), count(*) FROM chat_message_join WHERE typeof(message_id) = 'integer'").Scan(&last, &n); err != nil {
		return err
	}
	if last.Valid {
		c.msgChat.reserve(last.Int64, n.Int64)
	}
	rows, err := c.db.Query("SELECT chat_id, group_concat(message_id) FROM chat_message_join" +
		" WHERE typeof(message_id) = 'integer' AND typeof(chat_id) = 'integer' GROUP BY chat_id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var chat int64
		var list string
		if err := rows.Scan(&chat, &list); err != nil {
			return err
		}
		for list != "" {
			var id string
			id, list, _ = strings.Cut(list, ",")
			msg, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return fmt.Errorf("chat %d: message_id %q: %w", chat, id, err)
			}
			c.msgChat.add(msg, chat)
		}
	}
	return rows.Err()
}

func (c *chatDB) loadAttachments() error {
	c.atts = map[int64][]chatDBAttachment{}
	if c.cols["attachment"] == nil || c.cols["message_attachment_join"] == nil {
		return nil
	}
	rows, err := c.db.Query("SELECT j.message_id, " + c.col("attachment", "a", "filename") + ", " +
		c.col("attachment", "a", "mime_type") + ", " + c.col("attachment", "a", "transfer_name") + ", " +
		c.col("attachment", "a", "total_bytes") +
		" FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id ORDER BY j.message_id, a.ROWID")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var msg, size sql.NullInt64
		var filename, mime, transfer sql.NullString
		if err := rows.Scan(&msg, &filename, &mime, &transfer, &size); err != nil {
			return err
		}
		c.atts[msg.Int64] = append(c.atts[msg.Int64], chatDBAttachment{filename: filename.String, mime: mime.String,
			transfer: transfer.String, size: size.Int64})
	}
	return rows.Err()
}

// sender names who sent a row: "Me", or the handle's number or address.
func (c *chatDB) sender(fromMe bool, handle int64) (name, id string) {
	if fromMe {
		return "Me", ""
	}
	id = c.handles[handle]
	return id, id
}
