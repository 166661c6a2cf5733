package ingest

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

var updateDemo = flag.Bool("update-demo", false, "rewrite testdata/demo/imessage (the demo's chat.db) from demoChatDB")

// The chat.db tests build their databases with the same SQLite driver
// the importer reads them with, from a spec: a Messages schema reduced
// to the columns the importer reads, old or new.

type fakeChat struct {
	guid, ident, display string
	members              []int // handle ROWIDs
}

type fakeMessage struct {
	guid, text     string
	body           []byte // attributedBody
	handle         int
	fromMe         bool
	chat           int // chat ROWID, 0 for none
	date           int64
	service        string
	itemType       int
	groupTitle     string
	assocGUID      string
	assocType      int
	assocEmoji     string
	thread         string
	edited         int64
	retracted      int64
	attachments    []fakeAttachment
	subject, style string
}

type fakeAttachment struct {
	filename, mime, transfer string
	size                     int64
}

type fakeChatDB struct {
	old      bool     // the pre-2017 schema: seconds, no attributedBody, edits or threads
	handles  []string // ROWID i+1
	services []string // per handle
	chats    []fakeChat
	messages []fakeMessage
}

const fakeChatDBSchema = `
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, chat_identifier TEXT, service_name TEXT, room_name TEXT, display_name TEXT);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID), handle_id INTEGER REFERENCES handle (ROWID), UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID), message_id INTEGER REFERENCES message (ROWID), message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, transfer_name TEXT, total_bytes INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID), attachment_id INTEGER REFERENCES attachment (ROWID), UNIQUE(message_id, attachment_id));
`

const fakeMessageOld = `CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0,
 handle_id INTEGER DEFAULT 0, subject TEXT, service TEXT, date INTEGER, date_read INTEGER, is_from_me INTEGER DEFAULT 0,
 item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0)`

const fakeMessageNew = `CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0,
 handle_id INTEGER DEFAULT 0, subject TEXT, attributedBody BLOB, service TEXT, date INTEGER, date_read INTEGER, is_from_me INTEGER DEFAULT 0,
 item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0,
 associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, expressive_send_style_id TEXT,
 message_summary_info BLOB, thread_originator_guid TEXT, date_retracted INTEGER, date_edited INTEGER, is_audio_message INTEGER DEFAULT 0,
 associated_message_emoji TEXT)`

// writeChatDB writes spec as a SQLite database at path.
func writeChatDB(tb testing.TB, path string, spec fakeChatDB) {
	tb.Helper()
	os.Remove(path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		tb.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	// Small pages keep the demo's committed database small.
	exec("PRAGMA page_size = 512")
	exec("PRAGMA journal_mode = DELETE")
	exec(fakeChatDBSchema)
	if spec.old {
		exec(fakeMessageOld)
	} else {
		exec(fakeMessageNew)
	}
	for i, h := range spec.handles {
		exec("INSERT INTO handle (ROWID, id, country, service) VALUES (?, ?, 'gb', ?)", i+1, h, spec.services[i])
	}
	for i, c := range spec.chats {
		style := 45
		if len(c.members) > 1 {
			style = 43
		}
		exec("INSERT INTO chat (ROWID, guid, style, state, chat_identifier, service_name, display_name) VALUES (?, ?, ?, 3, ?, 'iMessage', ?)",
			i+1, c.guid, style, c.ident, c.display)
		for _, h := range c.members {
			exec("INSERT INTO chat_handle_join VALUES (?, ?)", i+1, h)
		}
	}
	att := 0
	for i, m := range spec.messages {
		row := i + 1
		service := m.service
		if service == "" {
			service = "iMessage"
		}
		var text any = m.text
		if m.text == "" {
			text = nil
		}
		fromMe := 0
		if m.fromMe {
			fromMe = 1
		}
		if spec.old {
			exec("INSERT INTO message (ROWID, guid, text, handle_id, subject, service, date, is_from_me, item_type, group_title) VALUES (?,?,?,?,?,?,?,?,?,?)",
				row, m.guid, text, m.handle, nullIfEmpty(m.subject), service, m.date, fromMe, m.itemType, nullIfEmpty(m.groupTitle))
		} else {
			exec(`INSERT INTO message (ROWID, guid, text, handle_id, subject, attributedBody, service, date, is_from_me, item_type, group_title,
				associated_message_guid, associated_message_type, associated_message_emoji, expressive_send_style_id, thread_originator_guid,
				date_retracted, date_edited) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				row, m.guid, text, m.handle, nullIfEmpty(m.subject), m.body, service, m.date, fromMe, m.itemType, nullIfEmpty(m.groupTitle),
				nullIfEmpty(m.assocGUID), m.assocType, nullIfEmpty(m.assocEmoji), nullIfEmpty(m.style), nullIfEmpty(m.thread),
				m.retracted, m.edited)
		}
		if m.chat != 0 {
			exec("INSERT INTO chat_message_join VALUES (?, ?, ?)", m.chat, row, m.date)
		}
		for _, a := range m.attachments {
			att++
			exec("INSERT INTO attachment (ROWID, guid, filename, mime_type, transfer_name, total_bytes) VALUES (?,?,?,?,?,?)",
				att, fmt.Sprintf("at_%d_%s", att, m.guid), a.filename, a.mime, a.transfer, a.size)
			exec("INSERT INTO message_attachment_join VALUES (?, ?)", row, att)
		}
	}
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ns is a London time in March 2025 (GMT) as chat.db's nanoseconds.
func ns(day, hour, minute int) int64 {
	t := time.Date(2025, 3, day, hour, minute, 0, 0, time.UTC)
	return (t.Unix() - appleEpoch) * 1e9
}

// demoPNG is a 1x1 PNG: the receipt photo the demo's chat.db points at.
var demoPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")

const demoReceipt = "Attachments/4f/02/8C1F7D2A-0B7E-4A35-9E51-6A1C0F2B9D11/IMG_4471.png"

// demoChatDB is Marcus Lowe's iPhone in the demo story (testdata/demo):
// his iMessage chat with Leo Brandt and a five-a-side group, with the
// features a reviewer meets in a real chat.db: text only in
// attributedBody, tapbacks (one taken back, one on a message no longer
// there), an edit, an unsent message, a thread reply, an SMS member, a
// renamed group and a photo.
func demoChatDB() fakeChatDB {
	const leo, sam = 1, 2
	return fakeChatDB{
		handles:  []string{"+447700900481", "+447700900377"},
		services: []string{"iMessage", "SMS"},
		chats: []fakeChat{
			{guid: "iMessage;-;+447700900481", ident: "+447700900481", members: []int{leo}},
			{guid: "iMessage;+;chat918273645", ident: "chat918273645", display: "Five-a-side ⚽", members: []int{leo, sam}},
		},
		messages: []fakeMessage{
			{guid: "D1A5E0C2-0001", chat: 2, handle: sam, date: ns(7, 17, 58), itemType: 2, groupTitle: "Five-a-side ⚽", service: "SMS"},
			{guid: "D1A5E0C2-0002", chat: 1, handle: leo, date: ns(6, 19, 2), text: "Still on for Friday? Table at Marlowe's Grill, 8pm"},
			{guid: "D1A5E0C2-0003", chat: 1, fromMe: true, date: ns(6, 19, 5), text: "Yes. Might have something fun to tell you 😉"},
			{guid: "D1A5E0C2-0004", chat: 1, handle: leo, date: ns(6, 19, 6), assocGUID: "p:0/D1A5E0C2-0003", assocType: 2000},
			{guid: "D1A5E0C2-0005", chat: 1, fromMe: true, date: ns(11, 21, 40), retracted: ns(11, 21, 41)},
			{guid: "D1A5E0C2-0006", chat: 1, fromMe: true, date: ns(11, 21, 42),
				body: typedstreamBlob("Ignore that. Not on here, call me"), edited: ns(11, 21, 44)},
			{guid: "D1A5E0C2-0007", chat: 1, handle: leo, date: ns(11, 21, 45), text: "Ha. Noted 🤐"},
			{guid: "D1A5E0C2-0008", chat: 1, fromMe: true, date: ns(11, 21, 46), assocGUID: "p:0/D1A5E0C2-0007", assocType: 2004},
			{guid: "D1A5E0C2-0009", chat: 1, fromMe: true, date: ns(11, 21, 47), assocGUID: "p:0/D1A5E0C2-0007", assocType: 3004},
			{guid: "D1A5E0C2-0010", chat: 1, handle: leo, date: ns(11, 22, 3), assocGUID: "p:0/D1A5E0C2-0099", assocType: 2000},
			{guid: "D1A5E0C2-0011", chat: 2, handle: sam, date: ns(12, 18, 30), text: "Pitch booked for Sunday 10am", service: "SMS"},
			{guid: "D1A5E0C2-0012", chat: 2, fromMe: true, date: ns(12, 18, 31), text: "In"},
			{guid: "D1A5E0C2-0013", chat: 2, handle: leo, date: ns(12, 18, 33), assocGUID: "p:0/D1A5E0C2-0012", assocType: 2001},
			{guid: "D1A5E0C2-0014", chat: 2, handle: leo, date: ns(12, 18, 50), thread: "D1A5E0C2-0011",
				text: "Can't Sunday, something came up at work 📉 might be a big week"},
			{guid: "D1A5E0C2-0015", chat: 1, handle: leo, date: ns(8, 8, 15), text: "Thanks for dinner. Very… educational 😂"},
			{guid: "D1A5E0C2-0016", chat: 1, fromMe: true, date: ns(8, 8, 16), assocGUID: "bp:D1A5E0C2-0015", assocType: 2003},
			{guid: "D1A5E0C2-0017", chat: 1, fromMe: true, date: ns(8, 8, 20), text: "\ufffcFor my expenses 🧾",
				attachments: []fakeAttachment{{filename: "~/Library/Messages/" + demoReceipt, mime: "image/png", transfer: "IMG_4471.png", size: int64(len(demoPNG))}}},
			{guid: "D1A5E0C2-0018", chat: 1, handle: leo, date: ns(8, 8, 22), assocGUID: "p:0/D1A5E0C2-0017", assocType: 2006, assocEmoji: "🍷"},
		},
	}
}

// writeDemoChatDB writes the demo database and its attachment into dir.
func writeDemoChatDB(tb testing.TB, dir string) string {
	tb.Helper()
	att := filepath.Join(dir, filepath.FromSlash(demoReceipt))
	if err := os.MkdirAll(filepath.Dir(att), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(att, demoPNG, 0o644); err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(dir, "chat.db")
	writeChatDB(tb, p, demoChatDB())
	return p
}

// demoDir is where make demo finds the chat.db.
const demoDir = "../../testdata/demo/imessage"

// TestDemoChatDB keeps testdata/demo/imessage in step with demoChatDB:
// the committed database must read as a freshly built one does.
// go test ./vault/ingest/ -run TestDemoChatDB -update-demo rewrites it.
func TestDemoChatDB(t *testing.T) {
	if *updateDemo {
		writeDemoChatDB(t, demoDir)
	}
	fresh := collect(t, IMessage, writeDemoChatDB(t, t.TempDir()), Options{})
	committed := collect(t, IMessage, filepath.Join(demoDir, "chat.db"), Options{})
	strip := func(ms []*vaultMessage) string {
		var b bytes.Buffer
		for _, m := range ms {
			c := *m
			c.Provenance.FileSHA256, c.Provenance.ImportedAt = "", time.Time{}
			json.NewEncoder(&b).Encode(c)
		}
		return b.String()
	}
	if a, b := strip(fresh), strip(committed); a != b {
		t.Fatalf("testdata/demo/imessage/chat.db is stale: run go test ./vault/ingest/ -run TestDemoChatDB -update-demo\nfresh:\n%s\ncommitted:\n%s", a, b)
	}
}

func TestChatDB(t *testing.T) {
	dir := t.TempDir()
	p := writeDemoChatDB(t, dir)
	before := dirListing(t, dir)
	if f, err := Detect(p); err != nil || f.Name != "imessage" {
		t.Fatalf("Detect: %v, %v", f.Name, err)
	}
	ms := collect(t, IMessage, p, Options{})
	// The connection keeps SQLite's temporary tables (a sort that does
	// not fit the cache) in memory, and can change nothing.
	db, err := openChatDB(p)
	if err != nil {
		t.Fatal(err)
	}
	var temp, queryOnly int
	if err := db.QueryRow("PRAGMA temp_store").Scan(&temp); err != nil || temp != 2 {
		t.Errorf("temp_store %d, %v; want 2 (memory)", temp, err)
	}
	if err := db.QueryRow("PRAGMA query_only").Scan(&queryOnly); err != nil || queryOnly != 1 {
		t.Errorf("query_only %d, %v", queryOnly, err)
	}
	if _, err := db.Exec("CREATE TABLE x (y)"); err == nil {
		t.Error("the database is writable")
	}
	db.Close()
	// Importing writes nothing beside the database: no -wal, -shm or
	// -journal, no temporary copy.
	if after := dirListing(t, dir); !slices.Equal(before, after) {
		t.Fatalf("the folder changed: %v -> %v", before, after)
	}
	byGUID := map[string]*vaultMessage{}
	for _, m := range ms {
		checkEmitted(t, m)
		byGUID[m.Provenance.OriginalID] = m
	}
	// 18 rows: 7 tapbacks, 6 of which fold into the messages they target.
	if len(ms) != 12 {
		t.Fatalf("%d messages, want 12", len(ms))
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Time.Before(ms[i-1].Time) {
			t.Errorf("message %d is older than the one before", i)
		}
	}
	get := func(guid string) *vaultMessage {
		t.Helper()
		m := byGUID[guid]
		if m == nil {
			t.Fatalf("no message %s", guid)
		}
		return m
	}
	rename := get("D1A5E0C2-0001")
	if rename.Kind != "system" || rename.Body != `named the conversation "Five-a-side ⚽"` || rename.Conversation.Title != "Five-a-side ⚽" ||
		rename.Sender != "+447700900377" || !slices.Equal(rename.Conversation.Participants, []string{"+447700900481", "+447700900377"}) {
		t.Errorf("rename: %+v", rename)
	}
	first := get("D1A5E0C2-0002")
	if first.Sender != "+447700900481" || first.SenderID != "+447700900481" || first.Conversation.ID != "imessage:iMessage;-;+447700900481" ||
		first.Conversation.Title != "+447700900481" || !first.Time.Equal(time.Date(2025, 3, 6, 19, 2, 0, 0, time.UTC)) {
		t.Errorf("first: %+v", first)
	}
	if r := get("D1A5E0C2-0003").Reactions; !slices.Equal(r, []vault.Reaction{{Emoji: "❤️", By: "+447700900481"}}) {
		t.Errorf("love: %+v", r)
	}
	if u := get("D1A5E0C2-0005"); u.Headers["unsent"] != "2025-03-11T21:41:00Z" || u.Body != "" || u.Sender != "Me" {
		t.Errorf("unsent: %+v", u)
	}
	ed := get("D1A5E0C2-0006")
	if ed.Body != "Ignore that. Not on here, call me" || ed.Headers["text_from"] != "attributedBody" ||
		ed.Edited == nil || !ed.Edited.Equal(time.Date(2025, 3, 11, 21, 44, 0, 0, time.UTC)) {
		t.Errorf("edited, from attributedBody: %+v", ed)
	}
	if r := get("D1A5E0C2-0007").Reactions; len(r) != 0 {
		t.Errorf("a tapback taken back stays: %+v", r)
	}
	orphan := get("D1A5E0C2-0010")
	if orphan.Kind != "system" || orphan.Body != "reacted ❤️ to a message not in this database" || orphan.Headers["tapback_target"] != "D1A5E0C2-0099" ||
		orphan.Conversation.ID != "imessage:iMessage;-;+447700900481" {
		t.Errorf("orphan tapback: %+v", orphan)
	}
	if sms := get("D1A5E0C2-0011"); sms.Headers["service"] != "SMS" {
		t.Errorf("sms: %+v", sms)
	}
	if r := get("D1A5E0C2-0012").Reactions; !slices.Equal(r, []vault.Reaction{{Emoji: "👍", By: "+447700900481"}}) {
		t.Errorf("like: %+v", r)
	}
	if reply := get("D1A5E0C2-0014"); reply.ReplyTo != get("D1A5E0C2-0011").ID {
		t.Errorf("thread reply to %q", reply.ReplyTo)
	}
	if r := get("D1A5E0C2-0015").Reactions; !slices.Equal(r, []vault.Reaction{{Emoji: "😂", By: "Me"}}) {
		t.Errorf("laugh (bp: guid): %+v", r)
	}
	photo := get("D1A5E0C2-0017")
	if photo.Body != "For my expenses 🧾" || len(photo.Attachments) != 1 || !bytes.Equal(photo.Attachments[0].Content, demoPNG) ||
		photo.Attachments[0].Name != "IMG_4471.png" || photo.Attachments[0].Type != "image/png" ||
		!slices.Equal(photo.Reactions, []vault.Reaction{{Emoji: "🍷", By: "+447700900481"}}) {
		t.Errorf("photo: %+v", photo)
	}
	pv := photo.Provenance
	if pv.Format != "imessage" || pv.File != "chat.db" || len(pv.FileSHA256) != 64 || pv.Position != "message row 17" {
		t.Errorf("provenance: %+v", pv)
	}
}

func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return out
}

// TestChatDBOldSchema reads a database from before macOS High Sierra:
// dates in seconds, no attributedBody, tapback, edit or thread columns.
func TestChatDBOldSchema(t *testing.T) {
	p := filepath.Join(t.TempDir(), "chat.db")
	secs := time.Date(2015, 6, 1, 9, 30, 0, 0, time.UTC).Unix() - appleEpoch
	writeChatDB(t, p, fakeChatDB{old: true, handles: []string{"ann@example.com"}, services: []string{"iMessage"},
		chats: []fakeChat{{guid: "iMessage;-;ann@example.com", ident: "ann@example.com", members: []int{1}}},
		messages: []fakeMessage{
			{guid: "A", chat: 1, handle: 1, date: secs, text: "old times", subject: "hi"},
			{guid: "B", handle: 1, date: secs + 60, text: "in no chat"},
			{guid: "C", chat: 1, fromMe: true, date: secs + 120, text: "attached", attachments: []fakeAttachment{{filename: "/Users/ann/Library/Messages/Attachments/x/y.jpg"}}},
		}})
	ms := collect(t, IMessage, p, Options{})
	if len(ms) != 3 {
		t.Fatalf("%d messages", len(ms))
	}
	if !ms[0].Time.Equal(time.Date(2015, 6, 1, 9, 30, 0, 0, time.UTC)) || ms[0].Subject != "hi" || ms[0].Body != "old times" {
		t.Errorf("seconds epoch: %+v", ms[0])
	}
	if ms[1].Conversation.ID != "imessage:handle:ann@example.com" {
		t.Errorf("no chat: %+v", ms[1].Conversation)
	}
	if a := ms[2].Attachments; len(a) != 1 || !a[0].Missing || a[0].Name != "y.jpg" ||
		ms[2].Headers["missing_y.jpg"] != "/Users/ann/Library/Messages/Attachments/x/y.jpg: not in the export" {
		t.Errorf("missing attachment: %+v %v", a, ms[2].Headers)
	}
}

func TestAppleTime(t *testing.T) {
	want := time.Date(2025, 5, 15, 10, 0, 0, 0, time.UTC)
	for _, v := range []int64{768996000, 768996000000000000} {
		if got := appleTime(v); !got.Equal(want) {
			t.Errorf("appleTime(%d) = %v", v, got)
		}
	}
	if got := appleTime(0); !got.Equal(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("appleTime(0) = %v", got)
	}
}

func TestChatDBErrors(t *testing.T) {
	dir := t.TempDir()
	bad := demoChatDB()
	bad.messages[6].text, bad.messages[6].body = "", []byte("\x04\x0bstreamtyped\x81\xe8\x03NSString\x01\x94\x84\x01+\x7fshort")
	p := filepath.Join(dir, "chat.db")
	writeChatDB(t, p, bad)
	err := IMessage.Parse(p, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || err.Error() != "chat.db: message row 7: attributedBody: typedstream: byte 30: length 127 past the end (5 bytes left)" {
		t.Fatalf("bad attributedBody: %v", err)
	}
	var skipped []string
	n := 0
	err = IMessage.Parse(p, Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }},
		func(*vaultMessage) error { n++; return nil })
	if err != nil || n != 11 || len(skipped) != 1 {
		t.Fatalf("lenient: %v, %d messages, skipped %q", err, n, skipped)
	}

	// A write-ahead log beside the database holds messages immutable
	// mode would not see.
	good := filepath.Join(t.TempDir(), "chat.db")
	writeChatDB(t, good, demoChatDB())
	if err := os.WriteFile(good+"-wal", []byte("wal frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = IMessage.Parse(good, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "chat.db: chat.db-wal beside it holds 10 bytes of changes not yet in the database") {
		t.Fatalf("wal: %v", err)
	}

	// Another SQLite database is not a chat.db.
	other := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if f, err := Detect(other); err == nil || !strings.HasSuffix(err.Error(), "other.db: unknown export format: a SQLite database, but not a Messages chat.db (it lacks the message, handle, chat, chat_message_join tables)") {
		t.Fatalf("detected %q, %v", f.Name, err)
	}
	err = IMessage.Parse(other, Options{}, func(*vaultMessage) error { return nil })
	if err == nil || err.Error() != `other.db: no "handle" table: not a Messages chat.db` {
		t.Fatalf("other database: %v", err)
	}
}
