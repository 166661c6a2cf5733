package ingest

import "unsafe"

// waArena hands out the short strings of the messages a chat file emits
// (their text and position) in blocks, not one allocation each:
// allocating them was a twentieth of a WhatsApp import, for lines of 60
// bytes. (Messages themselves are allocated one by one: in blocks, the
// write barriers of filling them in a shared block cost what was saved.)
//
// Every string is handed out once and its bytes never written again, so
// callers of Emit may keep the messages; a string they keep holds its
// block (waArenaText bytes) in memory.
type waArena struct {
	text []byte
}

const (
	waArenaText = 8 << 10
	// waArenaMaxString is the longest string made in a block: longer
	// ones get their own allocation, so a block is not mostly one text.
	waArenaMaxString = 512
)

// string returns b as a string. The bytes are copied into the current
// block, past what earlier strings took, and never changed afterwards,
// which is what makes sharing the block between strings safe (the
// vault's codec does the same with its segment buffer).
func (a *waArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > waArenaMaxString {
		return string(b)
	}
	if cap(a.text)-len(a.text) < len(b) {
		a.text = make([]byte, 0, waArenaText)
	}
	start := len(a.text)
	a.text = append(a.text, b...)
	return unsafe.String(&a.text[start], len(b))
}
