package index

import "flag"

// Benchmark flags, shared by the internal and the external test package
// (they are one test binary). Example:
//
//	go test ./index/ -run '^$' -bench . -benchtime 1x -bench.n 1000000
var (
	BenchN     = flag.Int("bench.n", 100000, "messages in the benchmark corpus")
	BenchBatch = flag.Int("bench.batch", 0, "bleve batch size (0: default)")
	BenchShard = flag.Int("bench.shards", 0, "shards (0: one per CPU)")
	// BenchPrebuilt makes the query benchmarks open segments built as an
	// importer would (index.BuildSegment per 10,000 messages) instead of
	// indexing at Start.
	BenchPrebuilt = flag.Bool("bench.prebuilt", false, "benchmark an index opened from prebuilt segments")
	// BenchSegSize is the messages per prebuilt segment: small values
	// stand for a vault filled by many small imports.
	BenchSegSize = flag.Int("bench.segsize", 100000, "messages per prebuilt segment (vault.IndexTarget)")
)

// FreqPositionsBytes returns the memory held by ix's frequent words'
// positions (nearpos.go), 0 before a query built them.
func FreqPositionsBytes(ix *Index) int {
	if fp := ix.frequent(false); fp != nil {
		return fp.bytes
	}
	return 0
}
