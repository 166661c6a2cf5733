package ingest

import (
	"bytes"
	"errors"
	"fmt"
)

// Since macOS Ventura, Messages often leaves message.text NULL and keeps
// the text only in message.attributedBody: an NSAttributedString archived
// with NSArchiver, in Apple's old "typedstream" format. A full decoder
// (crabstep, in imessage-exporter, is one) rebuilds every object; coffer
// wants only the attributed string's text, which the archive writes first:
//
//	04 0b "streamtyped" 81 e8 03          header: version 4, signature, system 1000
//	84 01 40                              type "@" (an object)
//	84 84 84 12 "NSAttributedString" 00   new object, new class, its name, version 0
//	84 84 08 "NSObject" 00 85             superclass NSObject, version 0, no superclass
//	92 84 84 84 08 "NSString" 01 94       the string object: class NSString, superclass a reference
//	84 01 2b                              type "+" (bytes)
//	1c "Check out this cool project!"     length, then the UTF-8 text
//
// The decoder finds the first NSString (or NSMutableString) class record,
// walks its class chain and reads the "+" value after it. Every read is
// bounds-checked and the chain walk is capped, so a hostile blob costs
// at most one pass over its bytes and never panics.

// typedstream tags: a byte below 0x80 is a small integer; these introduce
// something else.
const (
	tsInt16    = 0x81 // a little-endian int16 follows
	tsInt32    = 0x82 // a little-endian int32 follows
	tsNew      = 0x84 // a new object, class or string follows
	tsNil      = 0x85 // nil, the end of a class chain
	tsRefFirst = 0x92 // and above: a reference to an earlier string, class or object
)

// tsMaxChain bounds the class chain walked after the string class.
const tsMaxChain = 8

var (
	tsHeader     = []byte("\x04\x0bstreamtyped")
	tsClassNames = [][]byte{[]byte("NSMutableString"), []byte("NSString")}

	errTypedstreamNoString = errors.New("no NSString in the typedstream")
)

// typedstreamText returns the text of the NSAttributedString (or plain
// NSString) archived in b, an iMessage attributedBody.
func typedstreamText(b []byte) (string, error) {
	at, name := -1, 0
	for i, n := range tsClassNames {
		if j := bytes.Index(b, n); j >= 0 && (at < 0 || j < at) {
			at, name = j, i
		}
	}
	if at < 0 {
		if !bytes.HasPrefix(b, tsHeader) {
			return "", errors.New("not a typedstream (no streamtyped header)")
		}
		return "", errTypedstreamNoString
	}
	r := tsReader{b: b, pos: at + len(tsClassNames[name])}
	if err := r.classChain(); err != nil {
		return "", err
	}
	// The value's type: "+" written anew, or a reference to it.
	switch c, err := r.byte(); {
	case err != nil:
		return "", err
	case c == tsNew:
		n, err := r.int()
		if err != nil {
			return "", err
		}
		typ, err := r.bytes(n)
		if err != nil {
			return "", err
		}
		if string(typ) != "+" {
			return "", fmt.Errorf("typedstream: byte %d: string of type %q, not \"+\"", r.pos, typ)
		}
	case c < tsRefFirst:
		return "", fmt.Errorf("typedstream: byte %d: expected the string's type, found 0x%02x", r.pos, c)
	}
	n, err := r.int()
	if err != nil {
		return "", err
	}
	text, err := r.bytes(n)
	if err != nil {
		return "", err
	}
	return string(text), nil
}

// tsReader reads typedstream values from b, bounds-checked.
type tsReader struct {
	b   []byte
	pos int
}

var errTypedstreamShort = errors.New("typedstream: ends inside a value")

func (r *tsReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTypedstreamShort
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// int reads a non-negative integer: a byte below 0x80, or a tag and a
// little-endian int16 or int32.
func (r *tsReader) int() (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	var size int
	switch {
	case c < 0x80:
		return int(c), nil
	case c == tsInt16:
		size = 2
	case c == tsInt32:
		size = 4
	default:
		return 0, fmt.Errorf("typedstream: byte %d: expected an integer, found 0x%02x", r.pos, c)
	}
	if len(r.b)-r.pos < size {
		return 0, errTypedstreamShort
	}
	v := 0
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | int(r.b[r.pos+i])
	}
	r.pos += size
	if size == 2 && v >= 1<<15 || size == 4 && v >= 1<<31 {
		return 0, fmt.Errorf("typedstream: byte %d: negative length", r.pos)
	}
	return v, nil
}

// bytes reads n bytes, refusing a length past the end of the input.
func (r *tsReader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.pos {
		return nil, fmt.Errorf("typedstream: byte %d: length %d past the end (%d bytes left)", r.pos, n, len(r.b)-r.pos)
	}
	v := r.b[r.pos : r.pos+n]
	r.pos += n
	return v, nil
}

// classChain reads, after a class name, its version and its superclasses
// up to the nil or the reference that ends the chain.
func (r *tsReader) classChain() error {
	for range tsMaxChain {
		if _, err := r.int(); err != nil { // the class version
			return err
		}
		c, err := r.byte()
		switch {
		case err != nil:
			return err
		case c == tsNil || c >= tsRefFirst:
			return nil
		case c != tsNew:
			return fmt.Errorf("typedstream: byte %d: expected a superclass, found 0x%02x", r.pos, c)
		}
		// A new superclass: its name, new or a reference to an earlier one.
		switch c, err := r.byte(); {
		case err != nil:
			return err
		case c == tsNew:
			n, err := r.int()
			if err != nil {
				return err
			}
			if _, err := r.bytes(n); err != nil {
				return err
			}
		case c < tsRefFirst:
			return fmt.Errorf("typedstream: byte %d: expected a class name, found 0x%02x", r.pos, c)
		}
	}
	return fmt.Errorf("typedstream: byte %d: class chain deeper than %d", r.pos, tsMaxChain)
}
