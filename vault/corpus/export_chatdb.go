package corpus

import (
	"database/sql"
	"fmt"
	"os"

	_ "modernc.org/sqlite" // chat.db is SQLite; the importer reads it with the same driver
)

// ChatDBName is the file name of the Messages app's database on a Mac.
const ChatDBName = "chat.db"

// ChatDBRowBytes is about how many bytes of WriteChatDB's file a row
// takes (tables and indexes), to pick the rows for a target size:
// measured at 1 GB (at 20 MB a row takes 225).
const ChatDBRowBytes = 248

// chatDBSchema is the part of macOS's chat.db schema the importer reads
// (the same tables as vault/ingest's test databases, the post-2017
// message table).
const chatDBSchema = `
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, chat_identifier TEXT, service_name TEXT, room_name TEXT, display_name TEXT);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID), handle_id INTEGER REFERENCES handle (ROWID), UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID), message_id INTEGER REFERENCES message (ROWID), message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, transfer_name TEXT, total_bytes INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID), attachment_id INTEGER REFERENCES attachment (ROWID), UNIQUE(message_id, attachment_id));
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0,
 handle_id INTEGER DEFAULT 0, subject TEXT, attributedBody BLOB, service TEXT, date INTEGER, date_read INTEGER, is_from_me INTEGER DEFAULT 0,
 item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0,
 associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, expressive_send_style_id TEXT,
 message_summary_info BLOB, thread_originator_guid TEXT, date_retracted INTEGER, date_edited INTEGER, is_audio_message INTEGER DEFAULT 0,
 associated_message_emoji TEXT);
`

// WriteChatDB writes a chat.db at path (replacing any file there) of rows
// message rows in 50 chats between two handles: every tenth row a
// tapback on the row before, every seventh with its text only in
// attributedBody (a typedstream). SQLite generates the rows itself (a
// recursive CTE), so a million rows take seconds. It returns the number
// of messages an importer stores: the rows that are not tapbacks.
func WriteChatDB(path string, rows int) (int, error) {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return 0, fmt.Errorf("corpus: chat.db: %w", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return 0, fmt.Errorf("corpus: chat.db: %w", err)
	}
	defer db.Close()
	// Small pages, as vault/ingest's test databases have (its parser
	// benchmark has always read this shape).
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"PRAGMA page_size = 512", nil},
		{"PRAGMA journal_mode = DELETE", nil},
		{chatDBSchema, nil},
		{"INSERT INTO handle (ROWID, id, country, service) VALUES (1, '+447700900001', 'gb', 'iMessage'), (2, '+447700900002', 'gb', 'iMessage')", nil},
		{"BEGIN", nil},
		{`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)
		 INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name) SELECT i, 'iMessage;-;chat' || i, 45, 'chat' || i, 'iMessage' FROM c`, nil},
		{`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?1)
		 INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, is_from_me, date, service, associated_message_guid, associated_message_type)
		 SELECT i, 'G' || i,
		   CASE WHEN i % 10 = 0 OR i % 7 = 0 THEN NULL ELSE 'message number ' || i || ' about the quarterly numbers and what we do next' END,
		   CASE WHEN i % 7 = 0 AND i % 10 != 0 THEN ?2 END,
		   1 + i % 2, i % 3 = 0, 760000000000000000 + i * 17000000000, 'iMessage',
		   CASE WHEN i % 10 = 0 THEN 'p:0/G' || (i - 1) END, CASE WHEN i % 10 = 0 THEN 2000 + i % 6 ELSE 0 END
		 FROM c`, []any{rows, typedstream("message from the attributed body, about the quarterly numbers and what we do next")}},
		{"INSERT INTO chat_message_join SELECT 1 + ROWID % 50, ROWID, date FROM message", nil},
		{"COMMIT", nil},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			return 0, fmt.Errorf("corpus: chat.db: %.40s: %w", q.sql, err)
		}
	}
	if err := db.Close(); err != nil {
		return 0, fmt.Errorf("corpus: chat.db: %w", err)
	}
	return rows - rows/10, nil
}

// typedstream is text archived as an NSAttributedString, as the Messages
// app stores a message's attributedBody.
func typedstream(text string) []byte {
	b := []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+")
	switch n := len(text); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 1<<15:
		b = append(b, 0x81, byte(n), byte(n>>8))
	default:
		b = append(b, 0x82, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	b = append(b, text...)
	// The attribute runs that follow the string.
	return append(b, "\x86\x84\x02iI\x01\x1c\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x01\x92\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86\x86"...)
}
