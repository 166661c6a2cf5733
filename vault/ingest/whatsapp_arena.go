package ingest

import (
	"unsafe"

	"coffer/vault"
)

// waArena hands out the messages a chat file emits, and their short
// strings (text and position), in blocks rather than one allocation
// each: allocating them was a tenth of a WhatsApp import, for lines of
// 60 bytes. A message is filled in field by field where it lies (see
// waReader.flush): copying a whole one into a block goes through the
// collector's bulk write barrier, which cost what the block saved.
//
// Every message and string is handed out once and never written again
// after it is emitted, so callers of Emit may keep them; one they keep
// holds its block (waArenaMessages messages, waArenaText bytes) in
// memory.
type waArena struct {
	msgs []vault.Message
	text []byte
}

// message returns a new, zero message.
func (a *waArena) message() *vault.Message {
	if len(a.msgs) == 0 {
		a.msgs = make([]vault.Message, waArenaMessages)
	}
	m := &a.msgs[0]
	a.msgs = a.msgs[1:]
	return m
}

const (
	waArenaMessages = 16
	waArenaText     = 8 << 10
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
