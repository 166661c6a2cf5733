package corpus

import (
	"bufio"
	"errors"
	"io"
)

// Limit says how much an export writer writes: it stops once it has
// written Messages messages or Bytes bytes, whichever comes first (a
// zero field is no limit). Benchmarks of a parser fix the messages, so
// that their numbers keep referring to the same file; the end-to-end
// import benchmark fixes the bytes, so that every format is measured on
// the same amount of input. A writer stops between messages (or between
// the units its format groups them in, a day file, a chat), so Bytes is
// a floor, overshot by less than one unit.
//
// The export writers are deterministic: the same Limit always yields the
// same bytes. Their randomness, where they have any, has a fixed seed for
// the same reason the corpus's sizes are fixed: a number measured on an
// export must always refer to the same distribution.
type Limit struct {
	Messages int
	Bytes    int64
}

// errNoLimit refuses a Limit that would write forever.
var errNoLimit = errors.New("corpus: a Limit needs Messages or Bytes")

func (l Limit) check() error {
	if l.Messages <= 0 && l.Bytes <= 0 {
		return errNoLimit
	}
	return nil
}

// reached reports whether msgs messages and bytes bytes are as much as l
// allows.
func (l Limit) reached(msgs int, bytes int64) bool {
	return l.Messages > 0 && msgs >= l.Messages || l.Bytes > 0 && bytes >= l.Bytes
}

// output is a buffered writer that knows how many bytes went through it
// and remembers the first write error, so that a generator loop bounded
// by bytes stops on a full disk instead of spinning.
type output struct {
	*bufio.Writer
	c *countingWriter
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func newOutput(w io.Writer) *output {
	c := &countingWriter{w: w}
	return &output{Writer: bufio.NewWriterSize(c, 1<<20), c: c}
}

// size is the number of bytes written so far, buffered ones included.
func (o *output) size() int64 { return o.c.n + int64(o.Buffered()) }

// failed reports whether a write has failed: what follows would be lost.
func (o *output) failed() bool { return o.c.err != nil }

// done flushes the buffer and returns the first write error.
func (o *output) done() error {
	if err := o.Flush(); err != nil {
		return err
	}
	return o.c.err
}
