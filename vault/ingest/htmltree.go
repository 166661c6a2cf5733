package ingest

import (
	"bytes"
	"fmt"

	"golang.org/x/net/html"
)

// The HTML exports (Telegram's pages, imessage-exporter's files) are read
// whole into html.Parse's tree, which for markup of tiny elements takes
// ~20 times the file: 16 MiB of "<b></b>" (4.8M tokens) took an import to
// 333 MB. A document is first counted by a tokenizer pass that allocates
// nothing a token, and refused past maxHTMLNodes: 1M tokens of that markup
// peaks at 95 MB (BenchmarkImportRSS). Real documents are far below: the
// Telegram sample has 63 tokens a KB (a page of 1000 messages ~60,000).

// maxHTMLNodes bounds the tokens of one HTML document (each becomes at
// most a node of its tree).
const maxHTMLNodes = 1 << 20

// errHTMLNodes is htmlTree's refusal of a document over maxHTMLNodes.
var errHTMLNodes = fmt.Errorf("HTML of more than %d elements and texts", maxHTMLNodes)

// htmlTree parses b as html.Parse does, unless it holds more than
// maxHTMLNodes tokens (errHTMLNodes); errors are for the caller to place
// in its file.
func htmlTree(b []byte) (*html.Node, error) {
	if htmlTokens(b, maxHTMLNodes) > maxHTMLNodes {
		return nil, errHTMLNodes
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("malformed HTML: %v", err)
	}
	return doc, nil
}

// htmlTokens counts the tokens of b, stopping past limit.
func htmlTokens(b []byte, limit int) int {
	z := html.NewTokenizer(bytes.NewReader(b))
	n := 0
	for n <= limit && z.Next() != html.ErrorToken {
		n++
	}
	return n
}
