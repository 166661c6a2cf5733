package index

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"coffer/vault/corpus"

	bindex "github.com/blevesearch/bleve_index_api"
	zap "github.com/blevesearch/zapx/v17"
)

// BenchmarkPrebuiltSegments measures the alternative of building bleve
// segments at import time, storing them (age-encrypted) in the vault and
// loading them at unlock: the size of a segment per message, the CPU to
// build it (paid by the importer), and the time to turn its bytes back
// into a searchable segment (paid at unlock, after decryption). It writes
// segment files only to the benchmark's temporary directory, standing in
// for the vault.
func BenchmarkPrebuiltSegments(b *testing.B) {
	const chunk = 10000
	msgs := corpus.Generate(*BenchN, 1)
	ix, err := New(msgs, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var paths []string
	var buildTime time.Duration
	b.ResetTimer()
	for lo := 0; lo < len(msgs); lo += chunk {
		start := time.Now()
		docs := make([]bindex.Document, 0, chunk)
		for o := lo; o < min(lo+chunk, len(msgs)); o++ {
			d := ix.document(uint32(o))
			d.AddIDField()
			d.VisitFields(func(f bindex.Field) {
				if f.Options().IsIndexed() {
					f.Analyze()
				}
			})
			docs = append(docs, d)
		}
		seg, _, err := (&zap.ZapPlugin{}).New(docs)
		if err != nil {
			b.Fatal(err)
		}
		buildTime += time.Since(start)
		p := filepath.Join(dir, filepath.Base(dir)+"-"+string(rune('a'+len(paths)))+".zap")
		if err := zap.PersistSegmentBase(seg.(*zap.SegmentBase), p); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	b.StopTimer()

	// Unlock: the segment bytes as decryption would produce them, then
	// zapx's in-memory segment over them.
	var size int64
	var loadTime time.Duration
	var hits uint64
	for _, p := range paths {
		s, err := (&zap.ZapPlugin{}).Open(p)
		if err != nil {
			b.Fatal(err)
		}
		zs := s.(*zap.Segment)
		mem := append([]byte(nil), zs.Data()...)
		size += int64(len(mem))
		start := time.Now()
		sb, err := zap.InitSegmentBase(mem, zs.CRC(), zs.ChunkMode(), zs.NumDocs(), zs.StoredIndexOffset(), zs.SectionsIndexOffset(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		loadTime += time.Since(start)
		d, err := sb.Dictionary(bleveText)
		if err != nil {
			b.Fatal(err)
		}
		pl, err := d.PostingsList([]byte("the"), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		hits += pl.Count()
		s.Close()
		os.Remove(p)
	}
	if hits == 0 {
		b.Fatal("loaded segments find nothing")
	}
	b.ReportMetric(float64(size)/float64(len(msgs)), "seg-bytes/msg")
	b.ReportMetric(float64(size)/1e6, "seg-MB")
	b.ReportMetric(buildTime.Seconds(), "import-build-s")
	b.ReportMetric(float64(loadTime.Microseconds())/1000, "unlock-init-ms")
}
