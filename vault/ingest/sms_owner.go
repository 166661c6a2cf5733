package ingest

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"golang.org/x/text/transform"
)

// smsSurvey finds the owner's number in a first pass over r: the one
// address every MMS with addresses lists (the owner is party to each)
// and no received MMS has as its sender, preferring, among several, the
// sender of a sent MMS. It looks only at
// <mms and <addr tags, found by their '<', so the pass costs little more
// than the hash it shares; a malformed file yields "" and the second
// pass reports it.
func smsSurvey(r io.Reader) string {
	br := bufio.NewReaderSize(r, 256<<10)
	count := map[string]int{}
	sentFrom, receivedFrom := map[string]bool{}, map[string]bool{}
	mms, inMMS, sent := 0, false, false
	seen := map[string]bool{}
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			break
		}
		b, _ := br.Peek(5)
		switch {
		case bytes.HasPrefix(b, []byte("mms")) && len(b) > 3 && (b[3] == ' ' || b[3] == '\t' || b[3] == '\n' || b[3] == '\r' || b[3] == '>'):
			inMMS, sent = true, false
			clear(seen)
			if tag, ok := smsTag(br); ok {
				sent = tag["msg_box"] != "1"
			}
		case bytes.HasPrefix(b, []byte("/mms")):
			inMMS = false
		case inMMS && bytes.HasPrefix(b, []byte("addr ")):
			tag, ok := smsTag(br)
			if !ok {
				continue
			}
			n := smsNumber(smsNull(tag["address"]))
			if n == "" {
				continue
			}
			if len(seen) == 0 {
				mms++
			}
			if !seen[n] {
				seen[n] = true
				count[n]++
			}
			if tag["type"] == "137" {
				if sent {
					sentFrom[n] = true
				} else {
					receivedFrom[n] = true
				}
			}
		}
	}
	var all []string
	for n, c := range count {
		if c == mms && !receivedFrom[n] {
			all = append(all, n)
		}
	}
	if len(all) == 1 {
		return all[0]
	}
	var from []string
	for _, n := range all {
		if sentFrom[n] {
			from = append(from, n)
		}
	}
	if len(from) == 1 {
		return from[0]
	}
	return ""
}

// smsTag reads the rest of a start tag whose '<' was consumed (up to a
// bounded length) and returns its attributes.
func smsTag(br *bufio.Reader) (map[string]string, bool) {
	b, err := br.ReadSlice('>')
	if err != nil {
		return nil, false
	}
	tag := append([]byte("<"), b...)
	if !bytes.HasSuffix(tag, []byte("/>")) {
		tag = append(tag[:len(tag)-1], "/>"...)
	}
	if fixed, _, err := transform.Bytes(charRefFixer{}, tag); err == nil {
		tag = fixed // a contact name's emoji written as UTF-16 halves
	}
	t, err := xml.NewDecoder(bytes.NewReader(tag)).RawToken()
	if err != nil {
		return nil, false
	}
	se, ok := t.(xml.StartElement)
	if !ok {
		return nil, false
	}
	return attrMap(se.Attr), true
}
