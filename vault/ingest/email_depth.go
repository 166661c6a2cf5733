package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// A bound on how deep multipart parts nest, checked before enmime parses
// a message. enmime reads each level through a reader wrapping the one
// of the level above, so every byte passes through every enclosing level
// and each level holds buffers and a part ID as long as its depth: a
// 1.3 MB message nesting 20,000 levels took 152 s and 1.08 GB. Real mail
// nests a handful of levels (mixed, signed, encrypted, alternative,
// related).

// mailMaxDepth is the deepest multipart nesting coffer parses.
const mailMaxDepth = 100

var errMIMEDepth = fmt.Errorf("MIME nesting deeper than %d levels", mailMaxDepth)

// mailCheckDepth returns errMIMEDepth for a message enmime would parse
// into multipart parts nested deeper than mailMaxDepth.
//
// Every level below the top is a part whose header names a boundary (in
// enmime, of any content type but text/plain and text/html), so a
// message with few "boundary" strings is cleared at once; others are
// walked as enmime would walk them (mimeDepth).
func mailCheckDepth(raw []byte) error {
	if 1+countFold(raw, "boundary") <= mailMaxDepth {
		return nil
	}
	if mimeDepth(raw, mailMaxDepth) > mailMaxDepth {
		return errMIMEDepth
	}
	return nil
}

// countFold counts the occurrences of lower-case ASCII word in b,
// ignoring ASCII case.
func countFold(b []byte, word string) int {
	n := 0
	for i := 0; i+len(word) <= len(b); i++ {
		if lowerASCII(b[i]) != word[0] {
			continue
		}
		j := 1
		for j < len(word) && lowerASCII(b[i+j]) == word[j] {
			j++
		}
		if j == len(word) {
			n++
		}
	}
	return n
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// mimeDepth returns how deep enmime's parser (ReadParts) would nest
// multipart levels in raw, the top level counting 1, stopping once it
// passes limit. It follows enmime's rules without its readers: a level's
// reader stops where a line (after CR or LF, or at the start of a part)
// begins with its delimiter or terminator, and an enclosing level's stop
// ends every level inside it; between parts a level reads whole lines
// (enmime's boundaryReader.Next); a part whose header names a boundary,
// and is not text/plain or text/html, is a level of its own. Headers are
// read and media types parsed by enmime itself. FuzzMIMEDepth checks the
// result against the depth of the tree enmime builds.
func mimeDepth(raw []byte, limit int) int {
	hdr, n, ok := mimeHeader(raw)
	if !ok {
		return 0 // enmime fails the message: nothing nests
	}
	mtype, params, _, err := mediatype.ParseWithOptions(hdr.Get("Content-Type"), mediatype.ParseOptions{})
	if err != nil || !strings.HasPrefix(mtype, "multipart/") {
		return 0
	}
	s := mimeScan{data: raw, limit: limit}
	return s.parts(params["boundary"], n, len(raw), 1)
}

// mimeHeader reads the header block at the start of b as enmime does,
// and returns it with its length.
func mimeHeader(b []byte) (hdr interface{ Get(string) string }, n int, ok bool) {
	r := bytes.NewReader(b)
	br := bufio.NewReader(r)
	h, err := enmime.ReadHeader(br, discardErrors{})
	if err != nil {
		return nil, 0, false
	}
	return h, len(b) - r.Len() - br.Buffered(), true
}

// discardErrors is an enmime.ErrorCollector for headers read only to
// learn their structure.
type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}

type mimeScan struct {
	data  []byte
	limit int
}

// parts walks the parts of a multipart level with boundary b, whose
// reader sees data[pos:end) (end is where an enclosing level stops), at
// depth d, like enmime's parseParts. It returns the deepest level
// reached, at most limit+1.
func (s *mimeScan) parts(b string, pos, end, d int) int {
	deepest := d
	if d > s.limit {
		return deepest
	}
	delim := []byte("--" + b)
	term := []byte("--" + b + "--")
	q, partsRead := pos, 0
	for {
		// boundaryReader.Next: whole lines up to a delimiter.
		found := false
		for q < end {
			e := bytes.IndexByte(s.data[q:end], '\n')
			eof := e < 0
			if eof {
				e = end
			} else {
				e += q + 1
			}
			line := s.data[q:e]
			q = e
			switch {
			case line[0] == '\r' || line[0] == '\n':
				continue
			case bytes.Contains(line, term):
				return deepest
			case !eof && isDelimiter(line, delim):
				partsRead++
				found = true
			case eof || partsRead > 0:
				return deepest // the end, or a malformed part: the level ends
			default:
				continue // preamble
			}
			break
		}
		if !found {
			return deepest
		}
		stop := s.stop(delim, q, end)
		if hdr, n, ok := mimeHeader(s.data[q:stop]); ok {
			if child := partBoundary(hdr.Get("Content-Type")); child != "" {
				if deepest = max(deepest, s.parts(child, q+n, stop, d+1)); deepest > s.limit {
					return deepest
				}
			}
		}
		q = stop // the rest of the part is content (or a level's epilogue)
	}
}

// partBoundary is the boundary that makes a part a level of its own, or
// "" (enmime's setupHeaders and the test in parseParts).
func partBoundary(ctype string) string {
	if ctype == "" {
		return ""
	}
	mtype, params, _, err := mediatype.ParseWithOptions(ctype, mediatype.ParseOptions{})
	if err != nil || mtype == "text/plain" || mtype == "text/html" {
		return ""
	}
	return params["boundary"]
}

// stop returns where a level's reader stops in data[q:end): the first
// CR or LF (or q itself, the start of a part) after which the level's
// delimiter or terminator begins, or end.
func (s *mimeScan) stop(delim []byte, q, end int) int {
	window := len(delim) + 2
	for p := q; p < end; {
		c := s.data[p]
		pad := 0
		switch {
		case c == '\r':
			pad = 2
		case c == '\n':
			pad = 1
		case p != q:
			i := bytes.IndexAny(s.data[p:end], "\r\n")
			if i < 0 {
				return end
			}
			p += i
			continue
		}
		if p+window+pad > end {
			return end // the peek cannot fill: enmime reads on to the end
		}
		peek := s.data[p : p+window+pad]
		blank := c == '\n' && (peek[1] == '\n' || peek[1] == '\r') ||
			c == '\r' && peek[1] == '\n' && (peek[2] == '\r' || peek[2] == '\n')
		// Both tests need the delimiter at the window's first or
		// second byte: most lines are rejected here.
		if w := peek[pad:]; !blank && (w[0] == '-' || w[1] == '-') &&
			(isDelimiter(w, delim) || bytes.HasPrefix(w, delim) && w[len(delim)] == '-' && w[len(delim)+1] == '-') {
			return p
		}
		p++
	}
	return end
}

// isDelimiter is enmime's test: the delimiter, then white space.
func isDelimiter(b, delim []byte) bool {
	i := bytes.Index(b, delim)
	return i >= 0 && i+len(delim) < len(b) && unicode.IsSpace(rune(b[i+len(delim)]))
}
