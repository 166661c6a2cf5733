package index

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
	"golang.org/x/sys/unix"
)

// A part that buildMerged analyses at a time ends at partSize messages
// or once it holds partText bytes of subject and body, whichever first:
// word positions cost ~15 times the text.
const (
	partSize = 4096
	partText = 2 << 20
)

// buildMerged writes to buf the zap segment of ix.texts built a part at a
// time and merged, and reports whether it did: analysing 100,000 mails at
// once held 1.5 GB of word positions, a part of 4,096 holds ~80 MB, and
// the parts' segments, compact, are merged by zap's streaming merge.
//
// zap merges only into a file it opens by name. The file is a memfd:
// anonymous memory with a name under /proc/self/fd, never on a file
// system, gone when closed. Elsewhere than Linux (no memfd), and for
// batches of one part, the caller builds in one go.
func buildMerged(ix *Index, buf *bytes.Buffer) (bool, error) {
	n := ix.numTexts()
	if n <= partSize {
		return false, nil
	}
	fd, err := unix.MemfdCreate("coffer-index", unix.MFD_CLOEXEC)
	if err != nil {
		return false, nil // an old kernel: build in one go
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	var parts []segment.Segment
	for lo := 0; lo < n; {
		hi, text := lo, 0
		for hi < n && hi-lo < partSize && text < partText {
			_, size := ix.textSize(uint32(hi))
			text += size
			hi++
		}
		sb, err := buildPart(ix, lo, hi)
		if err != nil {
			return false, err
		}
		parts = append(parts, sb)
		lo = hi
	}
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	if _, _, err := (&zap.ZapPlugin{}).Merge(parts, make([]*roaring.Bitmap, len(parts)), path, nil, nil); err != nil {
		return false, fmt.Errorf("index: merge segment parts: %w", err)
	}
	clear(parts)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("index: merge segment parts: %w", err)
	}
	if st, err := f.Stat(); err == nil {
		buf.Grow(int(st.Size()) + 64<<10)
	}
	if _, err := buf.ReadFrom(f); err != nil {
		return false, fmt.Errorf("index: merge segment parts: %w", err)
	}
	return true, nil
}
