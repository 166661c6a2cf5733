package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrUnknownFormat is returned by Detect when no format recognises a
// file and nothing in it says why: naming the format may help.
var ErrUnknownFormat = errors.New("unknown export format")

// Detect returns the first format that recognises path. When none does,
// the error says what the file is, if that explains it: an archive
// refused as a zip bomb, a first line longer than any record, a folder,
// an empty or binary file.
func Detect(path string) (Format, error) {
	for _, f := range formats() {
		if f.Detect != nil && f.Detect(path) {
			return f, nil
		}
	}
	return Format{}, undetected(path)
}

// undetected explains why no format recognised path.
func undetected(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case st.IsDir():
		return fmt.Errorf("%s: %w: a folder holding no export coffer reads (a maildir's cur/ and new/, a Slack export's users.json, "+
			"Telegram's result.json or messages.html, signal-export's chat.md or data.json)", path, ErrUnknownFormat)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", path)
	case st.Size() == 0:
		return fmt.Errorf("%s: %w: the file is empty", path, ErrUnknownFormat)
	}
	if IsZip(path) {
		z, err := OpenZip(path)
		if err != nil {
			return err // a zip bomb, or a broken archive: no format reads it
		}
		defer z.Close()
		return fmt.Errorf("%s: %w: a zip archive of %s, holding no export coffer reads", path, ErrUnknownFormat, plural(len(z.File), "file"))
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := firstLineLen(f, MaxLineBytes)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	case n > MaxLineBytes:
		return fmt.Errorf("%s: line 1 is over %s, longer than any record coffer reads", path, sizeText(MaxLineBytes))
	case n > detectBytes:
		return fmt.Errorf("%s: %w: line 1 is %s long, and its start is no export coffer knows (use --format)",
			path, ErrUnknownFormat, sizeText(uint64(n)))
	}
	head := readHead(path, detectBytes)
	if bytes.HasPrefix(head, []byte(sqliteMagic)) {
		return fmt.Errorf("%s: %w: a SQLite database, but not a Messages chat.db (it lacks the %s tables)",
			path, ErrUnknownFormat, strings.Join(chatDBTables, ", "))
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return fmt.Errorf("%s: %w: binary data, not a text export", path, ErrUnknownFormat)
	}
	return fmt.Errorf("%s: %w (use --format)", path, ErrUnknownFormat)
}

// firstLineLen returns the length of r's first line without its line
// end, reading at most limit+1 bytes: past limit it returns limit+1.
func firstLineLen(r io.Reader, limit int) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for n <= limit {
		b, err := br.ReadSlice('\n')
		n += len(b)
		switch {
		case err == nil:
			return n - 1, nil
		case err == io.EOF:
			return n, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return 0, err
		}
	}
	return limit + 1, nil
}

// sizeText writes a size for a person: "512 bytes", "1.5 MiB".
func sizeText(n uint64) string {
	const unit = 1 << 10
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	f, u := float64(n)/unit, 0
	for f >= unit && u < 3 {
		f, u = f/unit, u+1
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGT"[u])
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
