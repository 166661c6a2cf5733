package ingest

import (
	"bytes"
	"hash/maphash"
	"io"
	"os"
)

// imTextQuotes lists, by their hash, the quotes an imessage-exporter text
// file could hold: replies find their message by the hash of its body,
// so every message's body went into the reply index, a fifth of the
// parser's time (issue 17), though only the quoted ones are ever looked
// up. A first pass over the lines, as the parser reads them, hashes
// every run of indented lines after each "responded to" line and every
// prefix of it (a message cut at MaxMessageBodySize keeps a prefix), so
// every quote the parser can form is there; the parser then keeps only
// the bodies listed. Files of maxReplyIndex lines or more return ok
// false: the index could forget a body, and which one depends on them
// all.
func imTextQuotes(path, name string, seed maphash.Seed) (quotes map[uint64]struct{}, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, false // a pipe cannot be read twice
	}
	r := newLineReader(f, name)
	quotes = map[uint64]struct{}{}
	var h maphash.Hash
	inQuote, empty := false, true // in the indented lines after a "responded to" line; none yet
	for {
		b, more, err := r.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, false
		}
		if more {
			if err := r.skip(more); err != nil {
				return nil, false
			}
		}
		if r.n >= maxReplyIndex {
			return nil, false
		}
		switch {
		case string(b) == imTextReplyLine:
			h.SetSeed(seed) // the quote so far: ""
			quotes[h.Sum64()] = struct{}{}
			inQuote, empty = true, true
		case inQuote && bytes.HasPrefix(b, []byte("    ")):
			if !empty {
				h.WriteByte('\n')
			}
			h.Write(bytes.TrimSpace(b))
			quotes[h.Sum64()] = struct{}{}
			empty = false
		default:
			inQuote = false
		}
	}
	return quotes, true
}
