package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Helpers every format uses to look at and open its input.

// readHead returns up to n bytes from the start of path, without a UTF-8
// BOM and leading white space.
func readHead(path string, n int) []byte {
	// Stat first: opening a FIFO or device would block or never end.
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	buf := make([]byte, n)
	k, _ := io.ReadFull(f, buf)
	buf = bytes.TrimPrefix(buf[:k], []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(buf, " \t\r\n")
}

// IsZip reports whether path starts with a zip signature.
func IsZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var sig [4]byte
	_, err = io.ReadFull(f, sig[:])
	return err == nil && string(sig[:]) == "PK\x03\x04"
}

// HashFile returns the hex SHA-256 of the file at path, for provenance.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// openHashed opens the input file at path (counted by opt.Meter) and
// returns it with its base name and SHA-256 (for provenance), read in a
// first pass.
func openHashed(path string, opt Options) (f io.ReadCloser, name, sum string, err error) {
	name = filepath.Base(path)
	if sum, err = HashFile(path); err != nil {
		return nil, name, "", fmt.Errorf("%s: %w", name, err)
	}
	if f, err = opt.open(path); err != nil {
		return nil, name, "", fmt.Errorf("%s: %w", name, err)
	}
	return f, name, sum, nil
}
