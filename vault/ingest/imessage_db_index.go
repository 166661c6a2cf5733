package ingest

// Lookups a chat.db import makes once per message row. Go maps keyed by
// every message (a row's chat, every GUID for replies) cost a cache miss
// a row and were a tenth of an import's time (issue 17); these keep the
// same answers in less.

// messageChats maps a message row to its chat: the lowest chat_id that
// chat_message_join gives it, as a message in two chats is filed once.
// ROWIDs of message count up from 1 (AUTOINCREMENT), so rows are kept in
// a slice by ROWID; a ROWID far past the rows read so far (a database
// that lost most of its messages) goes to a map instead, so memory stays
// proportional to the rows.
type messageChats struct {
	dense  []uint32 // by message ROWID: 1 + an index into chats, 0 for none
	chats  []int64  // the chat IDs dense refers to
	index  map[int64]uint32
	sparse map[int64]int64
	rows   int
}

// messageChatsSlack is how far past 4 × the rows read a ROWID may be and
// still be kept in the slice.
const messageChatsSlack = 1 << 16

// reserve sizes the slice for rows up to ROWID last, of n rows in all,
// within the bound add keeps: grown by append, it ended up to twice
// the size it needed (32 MB for 4M rows).
func (mc *messageChats) reserve(last, n int64) {
	if last >= 0 && last < 4*n+messageChatsSlack && last >= int64(len(mc.dense)) {
		mc.dense = append(mc.dense, make([]uint32, int(last)+1-len(mc.dense))...)
	}
}

// add records that message row msg is in chat, keeping the lowest chat.
func (mc *messageChats) add(msg, chat int64) {
	mc.rows++
	if old, ok := mc.sparse[msg]; ok {
		mc.sparse[msg] = min(old, chat)
		return
	}
	if msg < 0 || msg >= int64(len(mc.dense)) && msg >= int64(4*mc.rows+messageChatsSlack) {
		if mc.sparse == nil {
			mc.sparse = map[int64]int64{}
		}
		mc.sparse[msg] = chat
		return
	}
	if msg >= int64(len(mc.dense)) {
		mc.dense = append(mc.dense, make([]uint32, int(msg)+1-len(mc.dense))...)
	}
	if i := mc.dense[msg]; i != 0 && mc.chats[i-1] <= chat {
		return
	}
	// Rows come in chat order (the table's key is chat_id, message_id),
	// so the last chat is the one to look at first.
	i, ok := uint32(len(mc.chats)), false
	if i > 0 && mc.chats[i-1] == chat {
		ok = true
	} else if i, ok = mc.index[chat]; !ok {
		if mc.index == nil {
			mc.index = map[int64]uint32{}
		}
		mc.chats = append(mc.chats, chat)
		i = uint32(len(mc.chats))
		mc.index[chat] = i
	}
	mc.dense[msg] = i
}

// get returns message row msg's chat.
func (mc *messageChats) get(msg int64) (chat int64, ok bool) {
	if msg >= 0 && msg < int64(len(mc.dense)) {
		if i := mc.dense[msg]; i != 0 {
			return mc.chats[i-1], true
		}
	}
	chat, ok = mc.sparse[msg]
	return chat, ok
}

// threadIndex resolves a thread_originator_guid to the vault ID of the
// message it names. replyIndex would hold every message's GUID, yet only
// the few messages that start a thread are ever asked for, and one query
// lists them: only those are kept. n counts the messages replyIndex
// would hold, so that a reply to one it would have forgotten (past
// maxReplyIndex) still keeps the platform's GUID: the result is the same.
type threadIndex struct {
	origins map[string]threadOrigin // by GUID, only the thread originators
	n       int                     // messages put so far
}

type threadOrigin struct {
	id string
	at int // n when it was put
}

// want makes guid one to keep.
func (x *threadIndex) want(guid string) {
	if x.origins == nil {
		x.origins = map[string]threadOrigin{}
	}
	x.origins[guid] = threadOrigin{at: -1}
}

// put records the vault ID of the message guid. As replyIndex, it takes
// only an ID of 32 lower-case hex digits; a GUID put again keeps its
// place. GUIDs of messages are unique (the schema says so), so only the
// originators' can be put twice.
func (x *threadIndex) put(guid, id string) {
	if len(x.origins) == 0 {
		return // nothing will be asked for
	}
	if !isVaultID(id) {
		return
	}
	o, ok := x.origins[guid]
	if !ok {
		x.n++
		return
	}
	if !x.holds(o) {
		o.at = x.n
		x.n++
	}
	o.id = id
	x.origins[guid] = o
}

// get returns the vault ID of the message guid.
func (x *threadIndex) get(guid string) (string, bool) {
	o, ok := x.origins[guid]
	if !ok || !x.holds(o) {
		return "", false
	}
	return o.id, true
}

// holds reports whether replyIndex would still hold o.
func (x *threadIndex) holds(o threadOrigin) bool {
	return o.at >= 0 && o.at >= x.n-maxReplyIndex
}

// isVaultID reports whether id is what replyIndex keeps: 32 lower-case
// hex digits.
func isVaultID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; c-'0' > 9 && c-'a' > 5 {
			return false
		}
	}
	return true
}

// rowSet is a set of message ROWIDs, a bit each, that tells a message
// row whether to look up its reactions: the tapbacks map's lookup cost a
// cache miss a row, a twentieth of the parse (issue 17), for the nine
// rows in ten that have none. A ROWID it would not hold as a bit (far
// past the bits the rows so far need, or negative) makes it answer yes
// for every row, the lookup as before.
type rowSet struct {
	bits []uint64
	n    int  // rows added
	all  bool // a row is not in bits: every row may be in the set
}

// rowSetSlack is how far past 64 × the rows added a ROWID may be and
// still be kept as a bit: memory stays a byte or so a row added.
const rowSetSlack = 1 << 20

func (s *rowSet) add(row int64) {
	s.n++
	if row < 0 || row >= 64*int64(s.n)+rowSetSlack {
		s.all = true
		return
	}
	if w := int(row / 64); w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	s.bits[row/64] |= 1 << (row % 64)
}

// has reports whether row may be in the set.
func (s *rowSet) has(row int64) bool {
	if s.all {
		return true
	}
	if row < 0 || row/64 >= int64(len(s.bits)) {
		return false
	}
	return s.bits[row/64]&(1<<(row%64)) != 0
}
