package ingest

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestReadEntryDoesNotTrustDeclaredSize: an entry of a few bytes that
// declares a gigabyte (within the ratio limit, by also declaring a large
// compressed size) must not make ReadEntry allocate the gigabyte before
// it finds out. Before the bound it allocated 1 GiB here, and fuzzing a
// mail archive spent seconds an input doing so.
func TestReadEntryDoesNotTrustDeclaredSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "liar.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "a.eml", Method: zip.Store,
		CompressedSize64: 8 << 20, UncompressedSize64: 1 << 30, CRC32: 0})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "From: a@b\r\n\r\nhi\r\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	z, err := OpenZip(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = z.ReadEntry(z.File[0])
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("an entry shorter than declared was read")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("ReadEntry allocated %d MiB for a %d-byte entry", n>>20, len("From: a@b\r\n\r\nhi\r\n"))
	}
}
