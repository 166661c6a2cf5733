package vault

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"coffer/vault/audit"
)

// catalogMessages are messages of every shape a catalog records: mail
// with addressees, an attachment, no time, an id that is not a hash, and
// equal times (ties go by id).
func catalogMessages(conv string, n int) []*Message {
	msgs := testMessages(n, conv)
	for i, m := range msgs {
		switch i % 5 {
		case 1:
			m.Source, m.To, m.Subject = "email", []string{"a@example.com", "B <b@example.com>"}, "re: "+conv
			m.Conversation = Conversation{ID: conv, Title: "Mail " + conv}
		case 2:
			m.Attachments = []Attachment{{Name: "photo " + conv + ".jpg", Missing: true}}
			m.Provenance.OriginalID = fmt.Sprintf("orig-%d", i)
		case 4:
			m.ReplyTo = fmt.Sprintf("whatsapp:orig-%d", i-2)
		case 3:
			m.Time = msgs[i-1].Time // a tie
		}
	}
	last := msgs[n-1]
	last.Time, last.Provenance.TimeSource = time.Time{}, TimeUnknown
	odd := msgs[n-2]
	odd.ID = "custom-" + conv // set: Add keeps it
	return msgs
}

// TestLoadCatalog: a vault opened from its catalogs has the messages,
// order, metadata and statistics of the vault loaded whole, decrypts a
// segment only for a message asked for, and keeps one of a message an
// ingest key stored twice.
func TestLoadCatalog(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	for i := range 3 {
		importIndexed(t, v, catalogMessages(fmt.Sprintf("c%d", i), 23), textIndexer)
	}
	keyFile, _, err := v.NewIngestKey("capture-host", audit.Link{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second stores duplicates of the first
		a, err := OpenIngest(f.dir, keyFile, v.now())
		if err != nil {
			t.Fatal(err)
		}
		a.SetIndexer(textIndexer)
		for _, m := range catalogMessages("captured", 9) {
			if _, err := a.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	whole := f.open(t, f.passKey())
	lazy, err := Unlock(f.dir, f.passKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := lazy.LoadCatalog(nil); err != nil {
		t.Fatal(err)
	}
	if !lazy.Lazy() || lazy.Messages() != nil || lazy.SegmentsDecrypted() != 0 {
		t.Fatalf("after LoadCatalog: lazy %v, %d messages, %d segments decrypted", lazy.Lazy(), len(lazy.Messages()), lazy.SegmentsDecrypted())
	}
	want := whole.Messages()
	if lazy.Len() != len(want) || len(want) != 3*23+9 {
		t.Fatalf("%d messages catalogued, %d loaded", lazy.Len(), len(want))
	}
	for o, m := range want {
		var got, exp Meta
		lazy.Meta(o, &got)
		MetaOf(m, &exp)
		if got.Keys[0] < 0 || got.Keys[1] < 0 || got.Keys[2] < 0 {
			t.Fatalf("message %d: catalogued without table keys: %v", o, got.Keys)
		}
		got.Keys = exp.Keys
		if lazy.ID(o) != m.ID || !reflect.DeepEqual(got, exp) {
			t.Fatalf("message %d: catalogued %s %+v, loaded %s %+v", o, lazy.ID(o), got, m.ID, exp)
		}
		if p, ok := lazy.Position(m.ID); !ok || p != o {
			t.Fatalf("Position(%s) = %d, %v; want %d", m.ID, p, ok, o)
		}
	}
	if _, ok := lazy.Position("0123456789abcdef0123456789abcdef"); ok {
		t.Error("Position found an id the vault does not hold")
	}
	if !reflect.DeepEqual(lazy.Stats(), whole.Stats()) {
		t.Errorf("stats: catalogued %+v\nloaded %+v", lazy.Stats(), whole.Stats())
	}
	if lazy.SegmentsDecrypted() != 0 {
		t.Fatalf("metadata and stats decrypted %d segments", lazy.SegmentsDecrypted())
	}
	// Transient reads (WithMessage) keep segments up to a budget, least
	// recently used dropped first; a segment holding a message handed
	// out (MessageAt, Lookup) is kept.
	lazy.lazy.budget = 1
	firstOf := map[uint32]int{} // a message of each segment
	for o := range want {
		si, _ := lazy.lazy.segment(lazy.lazy.order[o])
		if _, ok := firstOf[si]; !ok {
			firstOf[si] = o
		}
	}
	var unpinned []int
	for si, o := range firstOf {
		if !lazy.lazy.pinned[si] {
			unpinned = append(unpinned, o)
		}
	}
	if len(unpinned) < 2 {
		t.Fatalf("%d segments not yet pinned: the test needs two", len(unpinned))
	}
	read := func(o int) {
		t.Helper()
		var body string
		if err := lazy.WithMessage(o, func(m *Message) { body = strings.Clone(m.Body) }); err != nil || body != want[o].Body {
			t.Fatalf("WithMessage(%d): %q, %v", o, body, err)
		}
	}
	before := lazy.SegmentsDecrypted()
	read(unpinned[0])
	read(unpinned[1]) // drops the first
	read(unpinned[0]) // decrypted again
	if got := lazy.SegmentsDecrypted() - before; got != 3 {
		t.Fatalf("three transient reads over budget decrypted %d segments, want 3", got)
	}
	held, _ := lazy.MessageAt(unpinned[1])
	body := held.Body
	read(unpinned[0])
	read(unpinned[1])
	if held.Body != body || strings.Trim(held.Body, "\x00") == "" {
		t.Fatal("a message handed out was wiped by a transient read's budget")
	}
	lazy.lazy.budget = SegmentBudget

	segsOf := map[uint32]bool{}
	base := lazy.SegmentsDecrypted()
	for si := range lazy.lazy.loaded {
		segsOf[si] = true // held already: not decrypted again
	}
	base -= len(segsOf)
	for _, o := range []int{5, 6, 5, 7, len(want) - 1} {
		si, _ := lazy.lazy.segment(lazy.lazy.order[o])
		segsOf[si] = true
		m, err := lazy.MessageAt(o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want[o]) {
			t.Fatalf("MessageAt(%d) = %+v, loaded %+v", o, m, want[o])
		}
		if got, wantSegs := lazy.SegmentsDecrypted()-base, len(segsOf); got != wantSegs {
			t.Fatalf("after message %d: %d segments decrypted, want %d", o, got, wantSegs)
		}
	}
	if m, err := lazy.Lookup(want[40].ID); err != nil || m.Body != want[40].Body {
		t.Fatalf("Lookup: %v", err)
	}

	// A catalog that names another message than its segment holds is
	// caught when the segment is read.
	bad := len(want) - 2
	lazy.lazy.ids[lazy.lazy.order[bad]][0] ^= 1
	var te *TamperError
	if _, err := lazy.MessageAt(bad); !errors.As(err, &te) || !strings.Contains(err.Error(), "catalog") {
		t.Fatalf("a catalog entry that is not its segment's message: %v", err)
	}
	lazy.lazy.ids[lazy.lazy.order[bad]][0] ^= 1
	segs, err := lazy.IndexSegments()
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, lazy.Len())
	for _, s := range segs {
		if s.Messages != nil || len(s.Ords) == 0 || strings.Contains(string(s.Data), catalogMagic) {
			t.Fatalf("%s: %d messages, %d ordinals, catalog in the data: %v", s.Name, len(s.Messages), len(s.Ords), strings.Contains(string(s.Data), catalogMagic))
		}
		for local, o := range s.Ords {
			seen[o]++
			want, _ := textIndexer(TextsOf([]*Message{want[o]}))
			if line := strings.SplitAfter(string(s.Data), "\n")[local]; line != string(want) {
				t.Fatalf("%s: document %d is %q, its ordinal %d is %q", s.Name, local, line, o, want)
			}
		}
	}
	for o, n := range seen {
		if n != 1 && !(n == 2 && strings.Contains(want[o].Conversation.ID, "captured")) {
			t.Fatalf("message %d is %d documents", o, n)
		}
	}
	if err := lazy.Load(nil); err == nil {
		t.Error("Load after LoadCatalog: no error")
	}
	lazy.Close()
	if lazy.Lazy() || lazy.Len() != 0 {
		t.Error("Close kept the catalog")
	}
}

// TestLoadCatalogNeedsEverySegment: a segment no index file catalogues
// (an import without an indexer) means the vault must be loaded whole.
func TestLoadCatalogNeedsEverySegment(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	importIndexed(t, v, catalogMessages("a", 7), textIndexer)
	w, err := Unlock(f.dir, f.passKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.LoadCatalog(nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	importIndexed(t, v, catalogMessages("b", 7), nil)
	if w, err = Unlock(f.dir, f.passKey()); err != nil {
		t.Fatal(err)
	}
	if err := w.LoadCatalog(nil); !errors.Is(err, ErrNoCatalog) || w.Lazy() {
		t.Fatalf("LoadCatalog with an uncatalogued segment: %v, lazy %v", err, w.Lazy())
	}
	if err := w.Load(nil); err != nil || len(w.Messages()) != 14 {
		t.Fatalf("Load after ErrNoCatalog: %v, %d messages", err, len(w.Messages()))
	}
}

// TestCompactWritesCatalogs: `coffer compact` (minUnits 1) rebuilds the
// index files written before catalogs and indexes segments without one,
// alone if need be, after which the vault opens from its catalogs; a
// compaction after an import (AutoCompactUnits) leaves them.
func TestCompactWritesCatalogs(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	old := func(msgs []*Message) { // an import by a coffer from before catalogs
		a, err := v.NewAppender()
		if err != nil {
			t.Fatal(err)
		}
		a.SetIndexer(textIndexer)
		a.noCatalog = true
		for _, m := range msgs {
			if _, err := a.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	old(catalogMessages("a", 30))
	importIndexed(t, v, catalogMessages("b", 30), textIndexer)
	importIndexed(t, v, catalogMessages("c", 30), nil)
	open := func() *Vault {
		w, err := Unlock(f.dir, f.passKey())
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := open()
	if err := w.LoadCatalog(nil); !errors.Is(err, ErrNoCatalog) {
		t.Fatalf("LoadCatalog before compaction: %v", err)
	}
	if err := w.Load(nil); err != nil {
		t.Fatal(err)
	}
	if st, err := w.CompactIndex(textIndexer, 5000, AutoCompactUnits, nil); err != nil || st != (CompactStats{}) {
		t.Fatalf("automatic compaction: %+v, %v", st, err)
	}
	// Units of 30 messages are not small here: the two without a
	// catalog are rebuilt alone, the one with a catalog is left.
	st, err := w.CompactIndex(textIndexer, 10, 1, nil)
	if err != nil || st != (CompactStats{Replaced: 1, Indexed: 1, Written: 2, Messages: 60}) {
		t.Fatalf("coffer compact: %+v, %v", st, err)
	}
	w = open()
	if err := w.LoadCatalog(nil); err != nil || w.Len() != 90 {
		t.Fatalf("LoadCatalog after compaction: %v (%d messages)", err, w.Len())
	}
	whole := f.open(t, f.passKey())
	for o, m := range whole.Messages() {
		if w.ID(o) != m.ID {
			t.Fatalf("message %d: %s, loaded %s", o, w.ID(o), m.ID)
		}
	}
	if st, err := whole.CompactIndex(textIndexer, 10, 1, nil); err != nil || st != (CompactStats{}) {
		t.Fatalf("second coffer compact: %+v, %v", st, err)
	}
}

// FuzzCatalog fuzzes what LoadCatalog decodes of an index file's
// plaintext (after its hash checked): the trailer, the tables and the
// entries. Seeds are catalogs of messages of every shape.
func FuzzCatalog(f *testing.F) {
	for _, msgs := range [][]*Message{catalogMessages("s", 7), catalogMessages("t", 2)[:1]} {
		c := newCatalogBuilder()
		for _, m := range msgs {
			if m.ID == "" {
				if err := Validate(m); err != nil {
					f.Fatal(err)
				}
			}
			c.add(m)
		}
		var b bytes.Buffer
		b.WriteString("engine index")
		if err := c.writeTo(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, plain []byte) {
		ix, entries, tables, n, ok, err := splitCatalog(plain)
		if err != nil || !ok {
			return
		}
		if len(ix)+len(entries)+len(tables)+catalogTrailer != len(plain) {
			t.Fatalf("parts of %d+%d+%d bytes in %d", len(ix), len(entries), len(tables), len(plain))
		}
		tab, err := decodeCatalogTables(tables)
		if err != nil {
			return
		}
		d := &decoder{buf: entries}
		var e catalogEntry
		for range n {
			if d.catalogEntry(&e, tab) != nil {
				return
			}
			if int(e.source) >= len(tab.sources) || int(e.sender) >= len(tab.senders) || int(e.conv) >= len(tab.convs) {
				t.Fatalf("entry names table rows %d %d %d of %d %d %d", e.source, e.sender, e.conv, len(tab.sources), len(tab.senders), len(tab.convs))
			}
		}
	})
}
