package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonArray decodes the JSON array (of what) that open reads, one
// element at a time: elem decodes element n (1-based) with decode, and line gives the
// line the element starts on, for errors. decode returns a
// *json.UnmarshalTypeError as is (the decoder has read past the value,
// so the caller may skip it); any other failure (malformed JSON, an
// element over MaxJSONRecordBytes) ends the import with an *Error naming
// the line, since the decoder cannot find the next element. elem's own
// errors are returned as they are.
func jsonArray(file, what string, open func() (io.ReadCloser, error), elem func(decode func(any) error, n int, line func() int) error) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	defer rc.Close()
	lim := newLimitReader(bufio.NewReaderSize(rc, 256<<10))
	dec := json.NewDecoder(lim)
	lines := &lineCounter{open: open}
	defer lines.close()
	broken := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			off = se.Offset
			err = fmt.Errorf("malformed JSON: %v", err)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			off = lim.n
			err = errors.New("malformed JSON: unexpected end of file")
		case errors.Is(err, errRecordTooLarge):
			return &Error{File: file, Line: lines.valueAt(off), Err: err} // the value after off
		default:
			return fmt.Errorf("%s: %w", file, err) // reading failed
		}
		return &Error{File: file, Line: lines.at(off), Err: err}
	}
	decode := func(v any) error {
		err := dec.Decode(v)
		var te *json.UnmarshalTypeError
		if err == nil || errors.As(err, &te) {
			return err
		}
		return broken(err)
	}
	t, err := dec.Token()
	if err != nil {
		return broken(err)
	}
	if t != json.Delim('[') {
		return &Error{File: file, Line: 1, Err: fmt.Errorf("expected an array of %s", what)}
	}
	for n := 1; ; n++ {
		lim.mark(dec.InputOffset())
		if !dec.More() {
			break
		}
		start := dec.InputOffset()
		if err := elem(decode, n, func() int { return lines.valueAt(start) }); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return broken(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{File: file, Line: lines.at(dec.InputOffset()), Err: errors.New("malformed JSON: data after the array")}
	}
	return nil
}
