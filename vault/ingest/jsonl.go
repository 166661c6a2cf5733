package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"coffer/vault"
)

// MaxLineBytes bounds one JSONL record, so a hostile file cannot make the
// reader buffer without limit.
const MaxLineBytes = 64 << 20

// JSONL is coffer's own line format: one vault.Message as JSON per line,
// as specified in vault/FORMAT.md. Blank lines are ignored.
var JSONL = Format{
	Name:   "jsonl",
	Detect: detectJSONL,
	Parse:  parseJSONL,
}

// jsonlProbeBytes is how much of the first line detection reads.
const jsonlProbeBytes = 64 << 10

func detectJSONL(path string) bool {
	head := readHead(path, jsonlProbeBytes)
	line, _, whole := bytes.Cut(head, []byte("\n"))
	if !whole && len(head) < jsonlProbeBytes {
		whole = true // the file is one line
	}
	if whole {
		var probe struct {
			Source       *string          `json:"source"`
			Conversation *json.RawMessage `json:"conversation"`
		}
		return json.Unmarshal(bytes.TrimSpace(line), &probe) == nil && probe.Source != nil && probe.Conversation != nil
	}
	return jsonlKeysFirst(line)
}

// jsonlKeysFirst reports whether the start of a JSON object, cut off
// after jsonlProbeBytes, holds a string "source" and an object
// "conversation" before the cut: a record whose body makes the first
// line longer than the probe. coffer export writes both before the body.
func jsonlKeysFirst(start []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(start))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	var source, conv bool
	for !(source && conv) {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		v, err := dec.Token()
		if err != nil {
			return false
		}
		switch key {
		case "source":
			_, source = v.(string)
		case "conversation":
			conv = v == json.Delim('{')
		}
		if d, ok := v.(json.Delim); ok && (d == '{' || d == '[') {
			for depth := 1; depth > 0; { // skip the rest of the value
				t, err := dec.Token()
				if err != nil {
					return false
				}
				switch t {
				case json.Delim('{'), json.Delim('['):
					depth++
				case json.Delim('}'), json.Delim(']'):
					depth--
				}
			}
		}
	}
	return true
}

func parseJSONL(path string, opt Options, emit Emit) error {
	// The file is hashed in a first pass: provenance carries the hash on
	// every message, and a second pass costs less than holding the file.
	f, name, sum, err := openHashed(path, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadJSONL(f, name, sum, opt, emit)
}

// ReadJSONL parses JSONL from r; name and fileSum fill in provenance.
func ReadJSONL(r io.Reader, name, fileSum string, opt Options, emit Emit) error {
	br := bufio.NewReaderSize(r, 256<<10)
	now := opt.now()
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br)
		if err == io.EOF && len(line) == 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			if errors.Is(err, errLineTooLong) {
				if e := opt.skip(&Error{File: name, Line: lineNo, Err: err}); e != nil {
					return e
				}
				continue
			}
			return fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		m, perr := decodeJSONLine(line)
		if perr != nil {
			if e := opt.skip(&Error{File: name, Line: lineNo, Err: perr}); e != nil {
				return e
			}
			continue
		}
		p := &m.Provenance
		if p.Format == "" {
			p.Format = "jsonl"
		}
		if p.File == "" {
			p.File = name
			p.FileSHA256 = fileSum
		}
		if p.Position == "" {
			p.Position = fmt.Sprintf("line %d", lineNo)
		}
		if p.ImportedAt.IsZero() {
			p.ImportedAt = now
		}
		if err := validate(m); err != nil {
			if e := opt.skip(&Error{File: name, Line: lineNo, Err: err}); e != nil {
				return e
			}
			continue
		}
		if err := emit(m); err != nil {
			return err
		}
	}
}

var errLineTooLong = fmt.Errorf("record longer than %s", sizeText(MaxLineBytes))

// readLine returns the next line without its newline, refusing lines over
// MaxLineBytes (the rest of such a line is consumed).
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			return nil, errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			buf = append(grow(buf, len(chunk), MaxLineBytes), chunk...)
			continue
		}
		if buf != nil {
			return append(grow(buf, len(chunk), MaxLineBytes), chunk...), err
		}
		return chunk, err
	}
}

func decodeJSONLine(line []byte) (*vault.Message, error) {
	var m vault.Message
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", jsonErrText(err))
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: more than one value on the line")
	}
	return &m, nil
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (column %d)", se.Error(), se.Offset)
	}
	return err.Error()
}
