package index

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// tagSet holds tags in memory only: they change while the index is in use
// and re-indexing a bleve document would cost a segment per change.
type tagSet struct {
	mu    sync.RWMutex
	byMsg map[uint32][]string
	sets  map[string]*roaring.Bitmap // tag -> ordinals
}

func (t *tagSet) init() {
	t.byMsg = map[uint32][]string{}
	t.sets = map[string]*roaring.Bitmap{}
}

// set replaces the tags of message o; the caller holds no lock.
func (t *tagSet) set(o uint32, tags []string) {
	clean := make([]string, 0, len(tags))
	for _, s := range tags {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(clean, s) {
			clean = append(clean, s)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, old := range t.byMsg[o] {
		if b := t.sets[old]; b != nil {
			b.Remove(o)
			if b.IsEmpty() {
				delete(t.sets, old)
			}
		}
	}
	if len(clean) == 0 {
		delete(t.byMsg, o)
		return
	}
	t.byMsg[o] = clean
	for _, s := range clean {
		b := t.sets[s]
		if b == nil {
			b = roaring.New()
			t.sets[s] = b
		}
		b.Add(o)
	}
}

// SetTags replaces the tags of one message. It touches only in-memory
// sets (no bleve update), so it takes microseconds and is visible to the
// next Search. Tags are compared case-insensitively by tag:.
func (ix *Index) SetTags(id string, tags []string) error {
	o, ok := ix.ord(id)
	if !ok {
		return fmt.Errorf("index: set tags: no message %q", id)
	}
	ix.tags.set(o, tags)
	return nil
}
