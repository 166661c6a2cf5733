package index_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/corpus"
)

// Benchmarks run on corpus.Generate(-bench.n, 1) (flags in
// export_test.go). The query benchmarks share one index and report p50/p99
// latency per query class.
var (
	benchN     = index.BenchN
	benchBatch = index.BenchBatch
	benchShard = index.BenchShard
)

var bench struct {
	once sync.Once
	msgs []*vault.Message
	ix   *index.Index
	took time.Duration
	cpu  time.Duration
	rss  int64     // peak RSS after corpus generation and build
	gen  int64     // peak RSS after corpus generation only
	heap [2]uint64 // live heap after a GC: corpus only, corpus and index
	err  error
}

func benchIndex(b *testing.B) (*index.Index, []*vault.Message) {
	bench.once.Do(func() {
		bench.msgs = corpus.Generate(*benchN, 1)
		bench.heap[0] = liveHeap()
		bench.gen = peakRSS()
		var segs []vault.IndexSegment
		if *index.BenchPrebuilt {
			// Peak RSS then includes building the segments, which an
			// importer does, not the unlock: see the live heap instead.
			segs, bench.err = importSegments(bench.msgs)
			liveHeap()
		}
		start, cpu0 := time.Now(), cpuTime()
		if *index.BenchPrebuilt {
			bench.ix, bench.err = index.Open(bench.msgs, nil, segs, index.Options{})
			segs = nil
		} else {
			bench.ix, bench.err = build(bench.msgs, nil, index.Options{BatchSize: *benchBatch, Shards: *benchShard})
		}
		bench.took, bench.cpu = time.Since(start), cpuTime()-cpu0
		bench.rss = peakRSS()
		bench.heap[1] = liveHeap()
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.ix, bench.msgs
}

// importSegments builds segments of -bench.segsize messages (100,000, as
// an import's index files hold: vault.IndexTarget) on every core, as an
// importer would, and reports what it cost.
func importSegments(msgs []*vault.Message) ([]vault.IndexSegment, error) {
	chunk := *index.BenchSegSize
	start, cpu0 := time.Now(), cpuTime()
	common := index.CommonWords(vault.TextsOf(msgs))
	segs := make([]vault.IndexSegment, (len(msgs)+chunk-1)/chunk)
	errs := make([]error, len(segs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range segs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			part := msgs[i*chunk : min((i+1)*chunk, len(msgs))]
			segs[i] = vault.IndexSegment{Name: fmt.Sprint(i), Messages: part}
			segs[i].Data, errs[i] = index.BuildSegment(vault.TextsOf(part), common)
		}()
	}
	wg.Wait()
	size := 0
	for _, s := range segs {
		size += len(s.Data)
	}
	fmt.Fprintf(os.Stderr, "import-time segments: %d of %.1f MB in total (%.0f bytes/message), built in %v (%.1f s CPU)\n",
		len(segs), float64(size)/1e6, float64(size)/float64(len(msgs)), time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Seconds())
	return segs, errors.Join(errs...)
}

func plaintextBytes(msgs []*vault.Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Body) + len(m.Subject) + len(m.Sender) + len(m.Conversation.ID)
	}
	return n
}

// cpuTime is the process's user+system CPU time: on a shared machine it
// is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// BenchmarkNew measures New on a vault's messages, in the time order
// Vault.Messages gives them: the metadata tables unlock builds before
// anything can be searched.
func BenchmarkNew(b *testing.B) {
	msgs := corpus.Generate(*benchN, 1)
	slices.SortStableFunc(msgs, func(a, b *vault.Message) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	runtime.GC()
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		cpu0 := cpuTime()
		ix, err := index.New(msgs, nil, index.Options{})
		cpu += cpuTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkBuild measures a full build: messages per second, and the
// process's peak RSS against the size of the message text.
func BenchmarkBuild(b *testing.B) {
	msgs := corpus.Generate(*benchN, 1)
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		start, cpu0 := time.Now(), cpuTime()
		ix, err := build(msgs, nil, index.Options{BatchSize: *benchBatch, Shards: *benchShard})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
		b.ReportMetric(float64(len(msgs))/el.Seconds(), "msgs/s")
		b.ReportMetric(el.Seconds(), "build-s")
		ix.Close()
	}
	pt := plaintextBytes(msgs)
	b.ReportMetric(float64(peakRSS())/1e6, "peakRSS-MB")
	b.ReportMetric(float64(pt)/1e6, "plaintext-MB")
	b.ReportMetric(float64(peakRSS())/float64(pt), "RSS/plaintext")
}

// queryClasses returns, per class, queries drawn from the corpus itself
// so that they have hits at every size.
func queryClasses(msgs []*vault.Message) map[string][]queryReq {
	r := rand.New(rand.NewPCG(1, 2))
	rp := rand.New(rand.NewPCG(3, 4))
	freq := map[string]int{}
	for _, m := range msgs[:min(len(msgs), 20000)] {
		for _, w := range strings.Fields(m.Body) {
			if len(w) > 2 && !strings.ContainsAny(w, ":/.?=") && w == strings.ToLower(w) {
				freq[w]++
			}
		}
	}
	words := make([]string, 0, len(freq))
	for w := range freq {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if freq[words[i]] != freq[words[j]] {
			return freq[words[i]] > freq[words[j]]
		}
		return words[i] < words[j]
	})
	mid := words[20:min(len(words), 3000)] // neither stop words nor hapaxes
	pick := func() string { return mid[r.IntN(len(mid))] }
	const n = 200
	cls := map[string][]queryReq{}
	add := func(c, q string, req index.Request) { cls[c] = append(cls[c], queryReq{q, req}) }
	for range n {
		add("term", pick(), index.Request{})
		add("two-terms", pick()+" "+pick(), index.Request{})
		m := msgs[r.IntN(len(msgs))]
		f := strings.Fields(m.Body)
		k := r.IntN(max(len(f)-1, 1))
		if len(f) > 1 {
			add("phrase", fmt.Sprintf("%q", f[k]+" "+f[k+1]), index.Request{})
		}
		// Proximity: words of one message (so there are hits), quoted
		// so that punctuation stays inside the operand, and two of the
		// commonest mid words, whose candidates are many. They draw from
		// their own source, so the other classes' queries stay those of
		// earlier measurements.
		if words := lettered(f); len(words) > 1 {
			k := rp.IntN(len(words) - 1)
			far := min(k+1+rp.IntN(4), len(words)-1)
			add("near", fmt.Sprintf("%q NEAR/5 %q", words[k], words[far]), index.Request{})
			add("sloppy", fmt.Sprintf("%q~2", words[k+1]+" "+words[k]), index.Request{})
			// As the TUI and the CLI run them: newest first, unscored.
			add("near newest-50", fmt.Sprintf("%q NEAR/5 %q", words[k], words[far]), index.Request{Sort: index.Newest, Limit: 50})
		}
		add("near common", fmt.Sprintf("%s NEAR/5 %s", mid[rp.IntN(100)], mid[rp.IntN(100)]), index.Request{})
		w := pick()
		add("prefix", w[:3]+"*", index.Request{})
		add("fuzzy", w+"~", index.Request{})
		y := 2022 + r.IntN(3)
		mo := 1 + r.IntN(10)
		add("field+date", fmt.Sprintf("from:%s date:%d-%02d..%d-%02d", strings.Fields(m.Sender)[0], y, mo, y, mo+2), index.Request{})
		add("newest-50 term", pick(), index.Request{Sort: index.Newest, Limit: 50})
		add("newest-50 all", "*", index.Request{Sort: index.Newest, Limit: 50, Offset: r.IntN(1000)})
		add("facets term", pick(), index.Request{Facets: true, Limit: 20})
		add("facets all", "*", index.Request{Facets: true, Limit: 20, Sort: index.Newest})
		add("common term", mid[0], index.Request{})
	}
	return cls
}

// lettered returns the fields that hold a letter and no quote.
func lettered(fields []string) []string {
	var out []string
	for _, f := range fields {
		if strings.IndexFunc(f, unicode.IsLetter) >= 0 && !strings.Contains(f, `"`) {
			out = append(out, f)
		}
	}
	return out
}

type queryReq struct {
	q   string
	req index.Request
}

// BenchmarkQuery reports p50 and p99 latency per query class.
func BenchmarkQuery(b *testing.B) {
	ix, msgs := benchIndex(b)
	pt := plaintextBytes(msgs)
	fmt.Fprintf(os.Stderr, "index of %d messages (%.1f MB of text) built in %v (%.0f msgs/s, %.1f s CPU); peak RSS %.0f MB after generating the corpus, %.0f MB after the build (%.1fx the text)",
		len(msgs), float64(pt)/1e6, bench.took.Round(time.Millisecond), float64(len(msgs))/bench.took.Seconds(), bench.cpu.Seconds(),
		float64(bench.gen)/1e6, float64(bench.rss)/1e6, float64(bench.rss)/float64(pt))
	fmt.Fprintln(os.Stderr)
	fmt.Fprintf(os.Stderr, "live heap after GC: %.0f MB for the messages, %.0f MB for the index\n\n",
		float64(bench.heap[0])/1e6, float64(bench.heap[1]-bench.heap[0])/1e6)
	// The first proximity query of frequent words builds their
	// positions (nearpos.go): its latency is its own, not a class's.
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start, c0 := time.Now(), cpuTime()
	if _, err := ix.Search(context.Background(), `"the" NEAR/5 "to"`, index.Request{}); err != nil {
		b.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-c0
	runtime.ReadMemStats(&ms1)
	fmt.Fprintf(os.Stderr, "first proximity query of frequent words: %v (%.0f ms CPU, %.0f MB allocated), their positions %.1f MB (%.0f bytes/message); peak RSS then %.0f MB\n\n",
		took.Round(time.Millisecond), float64(cpu.Microseconds())/1000, float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6,
		float64(index.FreqPositionsBytes(ix))/1e6, float64(index.FreqPositionsBytes(ix))/float64(len(msgs)), float64(peakRSS())/1e6)
	cls := queryClasses(msgs)
	names := make([]string, 0, len(cls))
	for c := range cls {
		names = append(names, c)
	}
	slices.Sort(names)
	for _, c := range names {
		b.Run(strings.ReplaceAll(c, " ", "_"), func(b *testing.B) {
			var lat, cpu []time.Duration
			hits := 0
			var worst time.Duration
			var worstQ string
			for range b.N {
				for _, q := range cls[c] {
					start, c0 := time.Now(), cpuTime()
					res, err := ix.Search(context.Background(), q.q, q.req)
					if err != nil {
						b.Fatalf("%s: %v", q.q, err)
					}
					d := time.Since(start)
					cpu = append(cpu, cpuTime()-c0)
					lat = append(lat, d)
					if d > worst {
						worst, worstQ = d, fmt.Sprintf("%s (%d hits)", q.q, res.Total)
					}
					hits += res.Total
				}
			}
			b.Logf("slowest: %v %s", worst, worstQ)
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			// CPU time of the process per query (both shards' goroutines):
			// on a shared machine wall-clock p99 mostly measures the
			// neighbours.
			slices.Sort(cpu)
			b.ReportMetric(ms(cpu[len(cpu)/2]), "cpu-p50-ms")
			b.ReportMetric(ms(cpu[len(cpu)*99/100]), "cpu-p99-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hits/q")
		})
	}
}

// BenchmarkSetTags is the cost of one tag change on a built index.
func BenchmarkSetTags(b *testing.B) {
	ix, msgs := benchIndex(b)
	b.ResetTimer()
	for i := range b.N {
		if err := ix.SetTags(msgs[i%len(msgs)].ID, []string{"reviewed", fmt.Sprint("batch", i%7)}); err != nil {
			b.Fatal(err)
		}
	}
}
