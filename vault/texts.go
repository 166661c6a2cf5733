package vault

// Texts is what a search index file is built from: the subject and body
// of each message of a run, in vault order, in one buffer. An import
// holds up to two index files' worth of them while it goes on parsing
// (one being built, one filling). Held as Messages they were most of an
// import's heap, ~650 bytes a message besides the text (2.8M WhatsApp
// messages: 130 of 219 MB live at the peak), and most of what the
// collector scanned; as Texts they cost 16 bytes a message besides the
// text, in two allocations the collector does not scan (no pointers).
type Texts struct {
	buf  []byte
	ends []int // per message, where its subject and then its body end in buf
}

// TextsOf returns the texts of msgs.
func TextsOf(msgs []*Message) *Texts {
	t := &Texts{}
	for _, m := range msgs {
		t.Add(m.Subject, m.Body)
	}
	return t
}

// MaxIndexedText is how much of a message's text the search index reads:
// its first MaxIndexedText bytes of subject, newline and body (cut on a
// character boundary; words past it are not found). Texts keeps no more
// than that, plus a byte, of a message: a 50 MiB message is held as
// 256 KiB for its index.
const MaxIndexedText = 256 << 10

// Add appends a message's subject and body, or as much of them as the
// index reads (MaxIndexedText).
func (t *Texts) Add(subject, body string) {
	subject = subject[:min(len(subject), MaxIndexedText+1)]
	body = body[:min(len(body), MaxIndexedText+1-len(subject))]
	if need := len(t.buf) + len(subject) + len(body); need > cap(t.buf) {
		// Grown by hand so that the old buffer's text is wiped, not
		// left to the collector.
		b := make([]byte, len(t.buf), max(need, 2*cap(t.buf), 4096))
		copy(b, t.buf)
		clear(t.buf)
		t.buf = b
	}
	t.buf = append(t.buf, subject...)
	s := len(t.buf)
	t.buf = append(t.buf, body...)
	t.ends = append(t.ends, s, len(t.buf))
}

// Len is the number of messages.
func (t *Texts) Len() int { return len(t.ends) / 2 }

// Size is the number of bytes of text held.
func (t *Texts) Size() int { return len(t.buf) }

// At returns the subject and body of message i. They share t's buffer:
// they are valid until Wipe, and must not be changed.
func (t *Texts) At(i int) (subject, body []byte) {
	start := 0
	if i > 0 {
		start = t.ends[2*i-1]
	}
	s, e := t.ends[2*i], t.ends[2*i+1]
	return t.buf[start:s:s], t.buf[s:e:e]
}

// Wipe zeroes the text, once the index is built from it.
func (t *Texts) Wipe() {
	clear(t.buf)
	t.buf, t.ends = nil, nil
}
