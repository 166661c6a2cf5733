package ingest

import (
	"bytes"
	"os"
	"time"
)

// IMessage reads Apple Messages history in the three forms people have
// it: the macOS database itself (~/Library/Messages/chat.db, SQLite), and
// the text and HTML files ReagentX's imessage-exporter writes from it.
// One format name covers the three, as the user knows them all as
// "iMessage"; Parse tells them apart by content.
var IMessage = Format{Name: "imessage", Detect: detectIMessage, Parse: parseIMessage}

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

func detectIMessage(path string) bool {
	head := readHead(path, detectBytes)
	if bytes.HasPrefix(head, []byte(sqliteMagic)) {
		return isChatDB(path)
	}
	return looksLikeIMessageHTML(head) || looksLikeIMessageText(head)
}

func parseIMessage(path string, opt Options, emit Emit) error {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		head := readHead(path, detectBytes)
		switch {
		case bytes.HasPrefix(head, []byte(sqliteMagic)):
			return parseChatDB(path, opt, emit)
		case looksLikeIMessageHTML(head):
			return parseIMessageHTML(path, opt, emit)
		}
	}
	return parseIMessageText(path, opt, emit)
}

// appleEpoch is 2001-01-01 00:00 UTC in Unix seconds, the zero of every
// date in chat.db.
const appleEpoch = 978307200

// appleTime converts a chat.db date: seconds since 2001 before macOS
// High Sierra, nanoseconds since (any value past 1e12) after it.
func appleTime(v int64) time.Time {
	if v > 1e12 || v < -1e12 {
		return time.Unix(appleEpoch, v).UTC()
	}
	return time.Unix(appleEpoch+v, 0).UTC()
}
