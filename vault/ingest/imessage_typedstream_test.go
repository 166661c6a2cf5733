package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// typedstreamBlob builds the attributedBody Messages writes for text:
// the layout imessage_typedstream.go describes.
func typedstreamBlob(text string) []byte {
	b := []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+")
	b = appendTypedstreamInt(b, len(text))
	b = append(b, text...)
	// The attribute runs that follow the string.
	return append(b, "\x86\x84\x02iI\x01\x1c\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x01\x92\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86\x86"...)
}

func appendTypedstreamInt(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 1<<15:
		return append(b, tsInt16, byte(n), byte(n>>8))
	}
	return append(b, tsInt32, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}

func TestTypedstreamText(t *testing.T) {
	long := strings.Repeat("long text é ", 40) // over 127 bytes: an int16 length
	huge := strings.Repeat("0123456789", 4000) // over 32767 bytes: an int32 length
	mutable := []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x0fNSMutableString\x01\x84\x84\x08NSString\x01\x95\x84\x01+\x05hello\x86")
	for _, tc := range []struct {
		name string
		in   []byte
		want string
		err  string
	}{
		{"short", typedstreamBlob("Check out this cool project!"), "Check out this cool project!", ""},
		{"emoji", typedstreamBlob("See you at noon 🍕"), "See you at noon 🍕", ""},
		{"int16 length", typedstreamBlob(long), long, ""},
		{"int32 length", typedstreamBlob(huge), huge, ""},
		{"empty", typedstreamBlob(""), "", ""},
		{"mutable string", mutable, "hello", ""},
		// macos-ts's fixture writes only the tail of the archive.
		{"fragment", []byte("bplist\x00\x00\x00\x00NSString\x01\x94\x84\x01+\x1cCheck out this cool project!"), "Check out this cool project!", ""},
		{"type by reference", []byte("\x04\x0bstreamtyped\x81\xe8\x03NSString\x01\x94\x93\x02hi"), "hi", ""},
		{"not a typedstream", []byte("bplist00\xd4\x01\x02"), "", "not a typedstream"},
		{"no string", []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x85"), "", "no NSString"},
		{"truncated text", []byte(strings.SplitAfter(string(typedstreamBlob("hello world")), "hello")[0]), "", "past the end"},
		{"truncated length", []byte("NSString\x01\x94\x84\x01+\x81\x05"), "", "ends inside"},
		{"huge length", []byte("NSString\x01\x94\x84\x01+\x82\xff\xff\xff\x7fab"), "", "past the end"},
		{"negative length", []byte("NSString\x01\x94\x84\x01+\x82\xff\xff\xff\xffab"), "", "negative"},
		{"other type", []byte("NSString\x01\x94\x84\x01i\x05"), "", `type "i"`},
		{"bad superclass", []byte("NSString\x01\x40"), "", "expected a superclass"},
		{"endless chain", []byte("NSString" + strings.Repeat("\x01\x84\x84\x01A", 20)), "", "deeper than"},
		{"ends after class", []byte("NSString\x01"), "", "ends inside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := typedstreamText(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzTypedstream checks the decoder never panics and never returns more
// text than its input holds.
func FuzzTypedstream(f *testing.F) {
	addSeeds(f, "imessage/*.typedstream")
	f.Add(typedstreamBlob("Check out this cool project!"))
	f.Add(typedstreamBlob(strings.Repeat("x", 300)))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := typedstreamText(b)
		if err != nil && s != "" {
			t.Fatalf("text %q with error %v", s, err)
		}
		if len(s) > len(b) {
			t.Fatalf("%d bytes of text from %d bytes", len(s), len(b))
		}
		_ = utf8.ValidString(s)
	})
}

// TestTypedstreamSeeds keeps the committed seeds decodable: they are the
// fuzz corpus and the layout's examples.
func TestTypedstreamSeeds(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "imessage", "*.typedstream"))
	if len(seeds) == 0 {
		t.Fatal("no testdata/imessage/*.typedstream")
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := typedstreamText(b); err != nil || s == "" {
			t.Errorf("%s: %q, %v", filepath.Base(p), s, err)
		}
	}
}
