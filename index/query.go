package index

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QueryError reports a query that does not parse. Col is the 1-based
// column, counted in characters (runes), of the offending part, so that a
// CLI or TUI can put a caret under it.
type QueryError struct {
	Col int
	Msg string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query: column %d: %s", e.Col, e.Msg)
}

// The query AST. Parsing only checks syntax and values (dates, has:);
// eval.go gives each node its meaning against an Index.
type (
	node interface{ col() int }

	andNode struct {
		kids []node
		c    int
	}
	orNode struct {
		kids []node
		c    int
	}
	notNode struct {
		kid node
		c   int
	}
	// allNode is "*": every message.
	allNode struct{ c int }

	// textNode is full text: a bare word, "phrase", prefix* or fuzzy~
	// in the message text (subject and body) or the subject only.
	textNode struct {
		field  string // fieldText or fieldSubject
		value  string
		kind   textKind
		fuzz   int
		slop   int // the n of "a b"~n (textSloppy)
		c, end int // byte span of the value in the query, for errors
	}

	// fieldNode matches message metadata held in memory: from:, to:,
	// in:, source:, tag:, attachment:, id:, has:.
	fieldNode struct {
		field  string
		value  string
		prefix bool
		c      int
	}

	// dateNode is the half-open instant range [from, to) in Unix seconds,
	// or, for date:unknown, the messages of unknown time.
	dateNode struct {
		from, to int64
		unknown  bool
		c        int
	}
)

type textKind int

const (
	textWord textKind = iota
	textPhrase
	textPrefix
	textFuzzy
	textSloppy // "a b"~n with n > 0 (near.go)
)

func (n *andNode) col() int   { return n.c }
func (n *orNode) col() int    { return n.c }
func (n *notNode) col() int   { return n.c }
func (n *allNode) col() int   { return n.c }
func (n *textNode) col() int  { return n.c }
func (n *fieldNode) col() int { return n.c }
func (n *dateNode) col() int  { return n.c }

// Field names of the query language; aliases map to one canonical name.
var fieldNames = map[string]string{
	"from": "from", "to": "to", "with": "to", "in": "in", "source": "source",
	"tag": "tag", "subject": "subject", "body": "body", "has": "has",
	"attachment": "attachment", "date": "date", "after": "after",
	"before": "before", "id": "id", "policy": "policy",
}

const (
	fieldText    = "text" // subject and body: bare words
	fieldSubject = "subject"
)

type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tOr
	tAnd
	tNot   // NOT or a leading -
	tTerm  // word, possibly field:value
	tQuote // "phrase", possibly field:"phrase"
	tNear  // NEAR or NEAR/n
)

type token struct {
	kind   tokKind
	field  string // canonical field, "" for none
	text   string
	off    int // byte offset of the token
	valOff int // byte offset of the value (after field:)
	// slop is the n of a sloppy phrase ("a b"~n, when sloppy) or of
	// NEAR/n.
	slop   int
	sloppy bool
}

type parser struct {
	src  string
	toks []token
	pos  int
	opt  *queryContext
}

// parseQuery turns a query string into an AST.
func parseQuery(src string, dc *queryContext) (node, error) {
	p := &parser{src: src, opt: dc}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 1 { // only EOF
		return nil, p.errAt(0, "empty query")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t.off, `unmatched ")"`)
		}
		return nil, p.errAt(t.off, "unexpected "+strconv.Quote(t.text))
	}
	return n, nil
}

// column converts a byte offset into a 1-based rune column.
func (p *parser) column(off int) int {
	if off > len(p.src) {
		off = len(p.src)
	}
	return utf8.RuneCountInString(p.src[:off]) + 1
}

func (p *parser) errAt(off int, msg string) *QueryError {
	return &QueryError{Col: p.column(off), Msg: msg}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func (p *parser) lex() error {
	s := p.src
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return p.errAt(i, "invalid UTF-8")
		case isSpace(r):
			i += n
		case r == '(':
			p.toks = append(p.toks, token{kind: tLParen, text: "(", off: i})
			i++
		case r == ')':
			p.toks = append(p.toks, token{kind: tRParen, text: ")", off: i})
			i++
		// The lexer only sees a '-' here at the start of a token (words
		// swallow their inner hyphens), so it negates what follows.
		case r == '-' && i+1 < len(s) && !isSpace(rune(s[i+1])) && s[i+1] != ')':
			p.toks = append(p.toks, token{kind: tNot, text: "-", off: i})
			i++
		case r == '"':
			end, err := p.quoted(i)
			if err != nil {
				return err
			}
			t := token{kind: tQuote, text: s[i+1 : end-1], off: i, valOff: i + 1}
			if i, err = p.slop(&t, end); err != nil {
				return err
			}
			p.toks = append(p.toks, t)
		default:
			start := i
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if isSpace(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				i += n
			}
			word := s[start:i]
			if k := strings.IndexByte(word, ':'); k > 0 {
				if near := nearField(word[:k], word[k+1:]); near != "" {
					return p.errAt(start, fmt.Sprintf("unknown field %q: did you mean %s:?", word[:k], near))
				}
				if f, ok := fieldNames[strings.ToLower(word[:k])]; ok {
					if k == len(word)-1 { // field: followed by a quote, or nothing
						if i < len(s) && s[i] == '"' {
							end, err := p.quoted(i)
							if err != nil {
								return err
							}
							t := token{kind: tQuote, field: f, text: s[i+1 : end-1], off: start, valOff: i + 1}
							if i, err = p.slop(&t, end); err != nil {
								return err
							}
							p.toks = append(p.toks, t)
							continue
						}
						return p.errAt(start, "missing value after "+strconv.Quote(word))
					}
					p.toks = append(p.toks, token{kind: tTerm, field: f, text: word[k+1:], off: start, valOff: start + k + 1})
					continue
				}
			}
			kind := tTerm
			switch word {
			case "OR":
				kind = tOr
			case "AND":
				kind = tAnd
			case "NOT":
				kind = tNot
			}
			t := token{kind: kind, text: word, off: start, valOff: start}
			if word == "NEAR" || strings.HasPrefix(word, "NEAR/") {
				if err := p.nearToken(&t); err != nil {
					return err
				}
			}
			p.toks = append(p.toks, t)
		}
	}
	p.toks = append(p.toks, token{kind: tEOF, off: len(s)})
	return nil
}

// nearField returns the field name that name (before a colon, with value
// after it) is a likely typo of, or "". A word with a colon whose name is
// no field and near none (https://…, 10:30, ticket:42) is an ordinary
// word; one a letter or two away from a field (form:, tga:) is an error,
// since searching it as a word silently finds nothing.
func nearField(name, value string) string {
	if _, ok := fieldNames[strings.ToLower(name)]; ok || strings.HasPrefix(value, "//") {
		return ""
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return ""
		}
	}
	name = strings.ToLower(name)
	best, bestD := "", 3
	for f := range fieldNames {
		limit := 1
		if len(f) >= 4 {
			limit = 2
		}
		if d := editDistance(name, f); d <= limit && (d < bestD || d == bestD && f < best) {
			best, bestD = f, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// quoted returns the offset just past the closing quote of the phrase
// that opens at off.
func (p *parser) quoted(off int) (int, error) {
	k := strings.IndexByte(p.src[off+1:], '"')
	if k < 0 {
		return 0, p.errAt(off, "unterminated quote")
	}
	return off + 1 + k + 1, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) parseOr() (node, error) {
	first := p.peek()
	if first.kind == tOr {
		return nil, p.errAt(first.off, "OR needs a term before it")
	}
	n, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []node{n}
	for p.peek().kind == tOr {
		or := p.next()
		switch t := p.peek(); t.kind {
		case tEOF, tRParen, tOr:
			return nil, p.errAt(or.off, "OR needs a term after it")
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &orNode{kids: kids, c: first.off}, nil
}

func (p *parser) parseAnd() (node, error) {
	first := p.peek()
	var kids []node
	for {
		t := p.peek()
		switch t.kind {
		case tEOF, tRParen, tOr:
			if len(kids) == 0 {
				if t.kind == tRParen {
					return nil, p.errAt(t.off, `unexpected ")"`)
				}
				return nil, p.errAt(t.off, "expected a term")
			}
			if len(kids) == 1 {
				return kids[0], nil
			}
			return &andNode{kids: kids, c: first.off}, nil
		case tAnd:
			p.next()
			if len(kids) == 0 {
				return nil, p.errAt(t.off, "AND needs a term before it")
			}
			switch nt := p.peek(); nt.kind {
			case tEOF, tRParen, tOr, tAnd:
				return nil, p.errAt(t.off, "AND needs a term after it")
			}
			continue
		case tNear:
			return nil, p.errAt(t.off, t.text+" needs a term before it")
		}
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
}

func (p *parser) parseUnary() (node, error) {
	t := p.peek()
	if t.kind == tNot {
		p.next()
		switch nt := p.peek(); nt.kind {
		case tEOF, tRParen, tOr, tAnd, tNear:
			return nil, p.errAt(t.off, "nothing to exclude after "+strconv.Quote(t.text))
		}
		kid, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &notNode{kid: kid, c: t.off}, nil
	}
	return p.parseNear()
}

func (p *parser) parsePrimary() (node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if p.peek().kind == tRParen {
			return nil, p.errAt(t.off, "empty parentheses")
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(t.off, `missing ")"`)
		}
		return n, nil
	case tTerm, tQuote:
		return p.term(t)
	}
	return nil, p.errAt(t.off, "unexpected "+strconv.Quote(t.text))
}

// term builds the leaf for a word, phrase or field:value.
func (p *parser) term(t token) (node, error) {
	quoted := t.kind == tQuote
	v := t.text
	col := t.off
	switch t.field {
	case "", "body", "subject":
		field := fieldText
		if t.field == "subject" {
			field = fieldSubject
		}
		n := &textNode{field: field, value: v, c: col, end: t.valOff + len(v)}
		switch {
		case quoted:
			n.kind = textPhrase
			if strings.TrimSpace(v) == "" {
				return nil, p.errAt(t.off, "empty phrase")
			}
			if t.sloppy && t.slop > 0 { // ~0 is the phrase itself
				n.kind, n.slop = textSloppy, t.slop
			}
		case v == "*" && t.field == "":
			return &allNode{c: col}, nil
		case strings.HasSuffix(v, "*"):
			n.kind, n.value = textPrefix, strings.TrimSuffix(v, "*")
			if n.value == "" || strings.ContainsAny(n.value, "*") {
				return nil, p.errAt(t.valOff, "a prefix needs at least one character before *")
			}
		case strings.Contains(v, "~"):
			k := strings.LastIndexByte(v, '~')
			n.kind, n.value, n.fuzz = textFuzzy, v[:k], 1
			if d := v[k+1:]; d != "" {
				f, err := strconv.Atoi(d)
				if err != nil || f < 0 || f > 2 {
					return nil, p.errAt(t.valOff+k, "fuzziness after ~ must be 0, 1 or 2")
				}
				n.fuzz = f
			}
			if n.value == "" {
				return nil, p.errAt(t.valOff, "nothing before ~")
			}
		}
		return n, nil
	case "has":
		switch strings.ToLower(v) {
		case "attachment", "attachments", "attach":
			return &fieldNode{field: "has", value: "attachment", c: col}, nil
		}
		return nil, p.errAt(t.valOff, "has: knows only \"attachment\", not "+strconv.Quote(v))
	case "policy":
		return p.policy(t, v)
	case "date", "after", "before":
		if t.field == "date" && strings.EqualFold(v, "unknown") {
			return &dateNode{from: unknownUnix, unknown: true, c: col}, nil
		}
		from, to, err := p.opt.parseRange(t.field, v)
		if err != nil {
			return nil, p.errAt(t.valOff, err.Error())
		}
		return &dateNode{from: from, to: to, c: col}, nil
	}
	prefix := !quoted && strings.HasSuffix(v, "*")
	if prefix {
		v = strings.TrimSuffix(v, "*")
	}
	if strings.TrimSpace(v) == "" {
		return nil, p.errAt(t.valOff, "missing value after "+t.field+":")
	}
	return &fieldNode{field: t.field, value: v, prefix: prefix, c: col}, nil
}
