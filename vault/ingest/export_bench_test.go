package ingest

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeExport writes the file at path with write (one of vault/corpus's
// export writers) and returns its size.
func writeExport(tb testing.TB, path string, write func(io.Writer) (int, error)) int64 {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := write(f); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}
