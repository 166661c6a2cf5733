package store

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
)

// TestSpool: past its memory a spool moves to a file, and hands back
// exactly what was written, with its hashes, as often as asked.
func TestSpool(t *testing.T) {
	defer SetSpoolMemory(1000)()
	for _, n := range []int{0, 10, 1000, 1001, 50_000} {
		sp := newSpool()
		want := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		for i := 0; i < n; i += 333 {
			sp.Write(want[i:min(i+333, n)])
		}
		if (sp.f != nil) != (n > 1000) {
			t.Errorf("%d bytes: on file %v", n, sp.f != nil)
		}
		for range 2 { // the SDK rewinds to retry
			got, err := io.ReadAll(sp.reader())
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%d bytes: read %d, %v", n, len(got), err)
			}
		}
		if _, sha := sp.sums(); !bytes.Equal(sha, sum(want)) || sp.n != int64(n) {
			t.Errorf("%d bytes: sums or size wrong", n)
		}
		sp.close()
	}
}

func sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
