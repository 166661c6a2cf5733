package vault

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"coffer/vault/audit"
)

// textIndexer stands for the search index: its "index" of a run of
// messages is their subjects and bodies, quoted, a line each (the test
// messages' bodies differ), so a test can check which messages, in which
// order, an index file covers.
func textIndexer(t *Texts) ([]byte, error) {
	var b bytes.Buffer
	for i := range t.Len() {
		s, body := t.At(i)
		fmt.Fprintf(&b, "%q %q\n", s, body)
	}
	return b.Bytes(), nil
}

func importIndexed(t *testing.T, v *Vault, msgs []*Message, indexer Indexer) {
	t.Helper()
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	if indexer != nil {
		a.SetIndexer(indexer)
	}
	for _, m := range msgs {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		t.Fatal(err)
	}
}

// checkIndexFiles checks that every index file in use holds exactly the
// IDs of the messages it says it covers, and returns how many files and
// messages there are.
func checkIndexFiles(t *testing.T, v *Vault) (files, msgs int) {
	t.Helper()
	segs, err := v.IndexSegments()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		want, _ := textIndexer(TextsOf(s.Messages))
		if !bytes.Equal(s.Data, want) {
			t.Fatalf("%s: holds %q, covers %d messages %q", s.Name, s.Data, len(s.Messages), want)
		}
		msgs += len(s.Messages)
	}
	return len(segs), msgs
}

func TestCompactIndex(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	// Five small imports with index files, one without, one more with.
	for i := range 5 {
		importIndexed(t, v, testMessages(20, fmt.Sprintf("chat-%d", i)), textIndexer)
	}
	importIndexed(t, v, testMessages(20, "plain"), nil)
	importIndexed(t, v, testMessages(20, "late"), textIndexer)
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	if files, msgs := checkIndexFiles(t, v); files != 6 || msgs != 120 {
		t.Fatalf("before: %d index files for %d messages, want 6 for 120", files, msgs)
	}

	// Seven small units are fewer than an import waits for.
	if st, err := v.CompactIndex(textIndexer, 5000, AutoCompactUnits, nil); err != nil || st != (CompactStats{}) {
		t.Fatalf("automatic compaction of 7 units: %+v, %v", st, err)
	}
	// When the audit trail cannot record it, nothing is written.
	if _, err := v.CompactIndex(textIndexer, 5000, 2, func() (audit.Link, error) { return audit.Link{}, errors.New("no trail") }); err == nil || err.Error() != "no trail" {
		t.Fatalf("compaction went on without its audit record: %v", err)
	}
	if rep, err := Verify(f.dir); err != nil || !rep.OK() || len(rep.Notes) != 0 {
		t.Fatalf("after a refused compaction: %+v, %v", rep, err)
	}
	st, err := v.CompactIndex(textIndexer, 5000, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st != (CompactStats{Replaced: 6, Indexed: 1, Written: 1, Messages: 140}) {
		t.Errorf("stats %+v", st)
	}
	if files, msgs := checkIndexFiles(t, v); files != 1 || msgs != 140 {
		t.Fatalf("after: %d index files for %d messages, want 1 for 140", files, msgs)
	}
	// The next unlock sees the same, and the vault verifies.
	v2 := f.open(t, Key{Identities: f.key()})
	defer v2.Close()
	if files, msgs := checkIndexFiles(t, v2); files != 1 || msgs != 140 {
		t.Fatalf("reopened: %d index files for %d messages", files, msgs)
	}
	if rep, err := Verify(f.dir); err != nil || !rep.OK() {
		t.Fatalf("verify after compaction: %+v, %v", rep, err)
	}
	// Nothing left worth merging.
	if st, err := v2.CompactIndex(textIndexer, 5000, 2, nil); err != nil || st != (CompactStats{}) {
		t.Errorf("second compaction: %+v, %v", st, err)
	}
	// A later import gets its own file, and the next compaction folds it
	// in, replacing the compacted file too.
	importIndexed(t, v2, testMessages(20, "later"), textIndexer)
	if st, err := v2.CompactIndex(textIndexer, 5000, 2, nil); err != nil || st.Replaced != 2 || st.Written != 1 {
		t.Errorf("third compaction: %+v, %v", st, err)
	}
	if files, _ := checkIndexFiles(t, v2); files != 0 {
		t.Errorf("%d index files for segments this process has not loaded", files)
	}
	if err := reload(v2); err != nil {
		t.Fatal(err)
	}
	if files, msgs := checkIndexFiles(t, v2); files != 1 || msgs != 160 {
		t.Fatalf("after the third: %d index files for %d messages", files, msgs)
	}
}

func TestReindexRecordChecks(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	importIndexed(t, v, testMessages(5, "a"), textIndexer)
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	seg := v.Manifest.Files("segment")[0].Name
	idx := v.Manifest.Files("index")[0].Name
	ref := func(name string, covers ...string) reindexRef {
		return reindexRef{Kind: "index", fileRef: fileRef{Name: name, SHA256: strings.Repeat("0", 64), Size: 1}, Covers: covers}
	}
	for _, c := range []struct {
		name string
		body *reindexBody
		want string
	}{
		{"no files", &reindexBody{Epoch: 1}, "without files"},
		{"unknown epoch", &reindexBody{Epoch: 9, Files: []reindexRef{ref("index/x.age", seg)}}, "unknown epoch"},
		{"outside index/", &reindexBody{Epoch: 1, Files: []reindexRef{ref("segments/x.age", seg)}}, "bad index file"},
		{"covers nothing", &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/x.age")}}, "covers no segment"},
		{"covers a non-segment", &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/x.age", idx)}}, "no segment of the vault"},
		{"covers twice", &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/x.age", seg), ref("index/y.age", seg)}}, "covered twice"},
		{"replaces unknown", &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/x.age", seg)}, Replaces: []string{"index/nope.age"}}, "no index file in use"},
		{"existing name", &reindexBody{Epoch: 1, Files: []reindexRef{ref(idx, seg)}}, "named twice"},
	} {
		m := v.Manifest.clone()
		err := m.applyBody(&record{Type: recReindex, Reindex: c.body, Seq: m.Seq() + 1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	// Replacing a file twice is refused too.
	m := v.Manifest.clone()
	ok := &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/x.age", seg)}, Replaces: []string{idx}}
	if err := m.applyBody(&record{Type: recReindex, Reindex: ok}); err != nil {
		t.Fatal(err)
	}
	again := &reindexBody{Epoch: 1, Files: []reindexRef{ref("index/y.age", seg)}, Replaces: []string{idx}}
	if err := m.applyBody(&record{Type: recReindex, Reindex: again}); err == nil {
		t.Error("an index file replaced twice")
	}
}

// TestImportIndexFilesSpanSegments checks that an import's index files
// each cover whole segments, several when they are small, and that the
// background build keeps their messages in order.
func TestImportIndexFilesSpanSegments(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	msgs := testMessages(1000, "big")
	for _, m := range msgs {
		m.Body += strings.Repeat(" filler", 1500) // ~10 KB: 5 segments of 2 MB
	}
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	a.SetIndexer(textIndexer)
	a.target = 300
	for _, m := range msgs {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	segs := len(v.Manifest.Files("segment"))
	files, n := checkIndexFiles(t, v)
	if segs < 4 || files < 2 || files >= segs || n != 1000 {
		t.Fatalf("%d segments, %d index files for %d messages", segs, files, n)
	}
	if rep, err := Verify(f.dir); err != nil || !rep.OK() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// TestImportHoldsBoundedText checks that an import does not hold large
// messages for the index of the next IndexTarget: it keeps only what the
// index reads of each (MaxIndexedText), and past indexPendingBytes of
// that the messages so far get their index file. Attachments are written
// at once (the appender keeps only the text, vault.Texts).
func TestImportHoldsBoundedText(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	msgs := testMessages(2*indexPendingBytes/MaxIndexedText, "big")
	for _, m := range msgs {
		m.Body += strings.Repeat("x", 2*MaxIndexedText)
	}
	msgs[1].Attachments = []Attachment{{Name: "a.bin", Content: bytes.Repeat([]byte("y"), 1<<20)}}
	var held int // the most text the indexer was handed at once
	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	a.SetIndexer(func(t *Texts) ([]byte, error) {
		held = max(held, t.Size())
		for i := range t.Len() {
			if s, b := t.At(i); len(s)+len(b) > MaxIndexedText+1 {
				return nil, fmt.Errorf("message %d held as %d bytes for the index", i, len(s)+len(b))
			}
		}
		return textIndexer(t)
	})
	for _, m := range msgs {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	files, n := checkIndexFiles(t, v)
	if files < 2 || n != len(msgs) || held > indexPendingBytes+segmentTargetBytes {
		t.Fatalf("%d index files for %d messages; the indexer was handed %d bytes at once", files, n, held)
	}
	if got := v.Messages()[0].Body; got != msgs[0].Body {
		t.Fatalf("a message of %d bytes stored as %d", len(msgs[0].Body), len(got))
	}
	att := v.Messages()[1].Attachments[0]
	if data, err := v.Attachment(&att); err != nil || len(data) != 1<<20 {
		t.Fatalf("attachment: %d bytes, %v", len(data), err)
	}
}

// TestIndexerFailures checks the error paths of index building: an
// import whose indexer fails commits nothing and leaves no file behind, and
// a compaction whose build fails writes nothing.
func TestIndexerFailures(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, Key{Identities: f.key()})
	defer v.Close()
	broken := func(*Texts) ([]byte, error) { return nil, errors.New("indexer broke") }

	a, err := v.NewAppender()
	if err != nil {
		t.Fatal(err)
	}
	a.SetIndexer(broken)
	for _, m := range testMessages(5, "a") {
		if _, err := a.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Commit(); err == nil || !strings.Contains(err.Error(), "indexer broke") {
		t.Fatalf("commit with a failing indexer: %v", err)
	}
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	if n := len(v.Messages()); n != 0 {
		t.Fatalf("%d messages stored by a failed import", n)
	}
	if rep, err := Verify(f.dir); err != nil || !rep.OK() || len(rep.Notes) != 0 {
		t.Fatalf("after the failed import: %+v, %v", rep, err)
	}

	importIndexed(t, v, testMessages(5, "b"), textIndexer)
	importIndexed(t, v, testMessages(5, "c"), textIndexer)
	if err := reload(v); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CompactIndex(broken, 5000, 2, nil); err == nil || !strings.Contains(err.Error(), "indexer broke") {
		t.Fatalf("compaction with a failing build: %v", err)
	}
	if files, _ := checkIndexFiles(t, v); files != 2 {
		t.Fatalf("%d index files after a failed compaction, want the 2 of before", files)
	}
	if rep, err := Verify(f.dir); err != nil || !rep.OK() || len(rep.Notes) != 0 {
		t.Fatalf("after the failed compaction: %+v, %v", rep, err)
	}
}

// TestCompactGroupsBoundBytes: a group of units to merge stops at
// compactGroupBytes of segments as well as at IndexTarget messages (mail
// index files of 100,000 messages held a whole import), and a unit of
// half that many bytes is left as it is.
func TestCompactGroupsBoundBytes(t *testing.T) {
	var units []compactUnit
	for range 7 {
		units = append(units, compactUnit{messages: 1000, bytes: 20 << 20})
	}
	units = append(units, compactUnit{messages: 1000, bytes: compactGroupBytes / 2})
	units = append(units, compactUnit{messages: 1000, bytes: 1 << 20}, compactUnit{messages: 1000, bytes: 1 << 20})
	var sizes []string
	for _, g := range compactGroups(units, IndexTarget/2, 2) {
		var b int64
		for _, u := range g {
			b += u.bytes
		}
		if b > compactGroupBytes {
			t.Errorf("a group of %d bytes", b)
		}
		sizes = append(sizes, fmt.Sprint(len(g)))
	}
	// 3 + 3 of the 20 MiB units; the seventh alone is not merged; the
	// 32 MiB unit stays; the two small ones after it merge.
	if got := strings.Join(sizes, " "); got != "3 3 2" {
		t.Errorf("groups of %s units, want 3 3 2", got)
	}
}
