package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// jsonStream reads one export file's JSON a token at a time, for the
// formats whose exports are one large object (Telegram's result.json,
// DiscordChatExporter's): a value may take at most the record limit
// (limitReader), and errors name the file and line. A structural error
// stops the import even in lenient mode: the decoder cannot
// resynchronise after one.
type jsonStream struct {
	name  string // the file, as errors name it
	dec   *json.Decoder
	lim   *limitReader
	lines *lineCounter // owned by the caller, who closes it
}

func newJSONStream(r io.Reader, name string, lines *lineCounter) jsonStream {
	lim := newLimitReader(bufio.NewReaderSize(r, 256<<10))
	return jsonStream{name: name, dec: json.NewDecoder(lim), lim: lim, lines: lines}
}

// syntax wraps a structural error with the line (and byte) it is at.
func (p *jsonStream) syntax(err error) error {
	var ie *Error
	if errors.As(err, &ie) {
		return err
	}
	off := p.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off = se.Offset
		err = fmt.Errorf("malformed JSON: %v", se)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		off = p.lim.n
		err = errors.New("malformed JSON: unexpected end of file")
	case errors.Is(err, errRecordTooLarge):
		return &Error{File: p.name, Line: p.lines.valueAt(off), Err: err} // the value after off
	}
	return &Error{File: p.name, Line: p.lines.at(off), Pos: fmt.Sprintf("byte %d", off), Err: err}
}

func (p *jsonStream) token() (json.Token, error) {
	p.lim.mark(p.dec.InputOffset())
	t, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	return t, nil
}

func (p *jsonStream) expectDelim(d json.Delim) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != d {
		return p.syntax(fmt.Errorf("expected %q, found %v", d, tokenText(t)))
	}
	return nil
}

// skip consumes one value of any shape.
func (p *jsonStream) skip() error {
	depth := 0
	for {
		t, err := p.token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// decode reads one value into v; a value of the wrong type is a bad
// record (the caller decides whether lenient mode skips it).
func (p *jsonStream) decode(v any) error {
	p.lim.mark(p.dec.InputOffset())
	if err := p.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{File: p.name, Line: p.lines.at(p.dec.InputOffset()), Err: fmt.Errorf("unexpected %s for %q", te.Value, te.Field)}
		}
		return p.syntax(err)
	}
	return nil
}

func tokenText(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		return strconv.Quote(v.String())
	case string:
		return "string"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", t)
}
