package index_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/corpus"

	"filippo.io/age"
)

// TestOpenVaultPrebuilt imports twice, once with the index sidecar and
// once without, and checks that unlock opens the stored segments, indexes
// only the rest, and finds messages from both.
func TestOpenVaultPrebuilt(t *testing.T) {
	dir, key := newTestVault(t)
	msgs := corpus.Generate(3000, 7)
	importInto(t, dir, key, msgs[:2000], true)
	importInto(t, dir, key, msgs[2000:], false)

	v := unlockVault(t, dir, key, false)
	if n := len(v.Manifest.Files("index")); n == 0 {
		t.Fatal("no index segment stored")
	}
	ix, err := index.OpenVault(v, v.Tags(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// Before Start, text search already covers the prebuilt messages, and
	// only them.
	find := func(m *vault.Message) int {
		ids, err := ix.IDs(context.Background(), "id:"+m.ID+" "+firstWord(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		return len(ids)
	}
	if find(msgs[10]) != 1 || find(msgs[2500]) != 0 {
		t.Fatalf("before Start: prebuilt message found %d times, the other %d", find(msgs[10]), find(msgs[2500]))
	}
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*vault.Message{msgs[10], msgs[2500]} {
		if n := find(m); n != 1 {
			t.Fatalf("message %s (%q) found %d times", m.ID, firstWord(m.Body), n)
		}
	}
}

// TestOpenVaultCompacted checks that index files merged by
// vault.CompactIndex cover every message of the imports they replace.
func TestOpenVaultCompacted(t *testing.T) {
	dir, key := newTestVault(t)
	msgs := corpus.Generate(900, 3)
	for i := range 3 {
		importInto(t, dir, key, msgs[i*300:(i+1)*300], true)
	}
	v := unlockVault(t, dir, key, false)
	defer v.Close()
	st, err := v.CompactIndex(index.Sidecar, 5000, 2, nil)
	if err != nil || st.Replaced != 3 || st.Written != 1 {
		t.Fatalf("compaction: %+v, %v", st, err)
	}
	v2 := unlockVault(t, dir, key, false)
	defer v2.Close()
	ix, err := index.OpenVault(v2, v2.Tags(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if p := ix.Progress(); p.Done != len(msgs) || p.Total != len(msgs) {
		t.Fatalf("a compacted index does not cover every message: progress %+v before Start", p)
	}
	for _, m := range []*vault.Message{msgs[5], msgs[450], msgs[899]} {
		ids, err := ix.IDs(context.Background(), "id:"+m.ID+" "+firstWord(m.Body))
		if err != nil || len(ids) != 1 {
			t.Errorf("message %s (%q): found %d times, %v", m.ID, firstWord(m.Body), len(ids), err)
		}
	}
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}

// BenchmarkVaultSearchable measures what a reviewer waits for after a
// `coffer import` that stored index segments: unlock, decrypt every
// message and index segment, open the index, and run a first query. Set
// the size with -bench.n.
//
// Peak RSS is measured in a child process (this test binary, re-run with
// COFFER_SEARCHABLE_CHILD set) that does only that, so the corpus and the
// import do not count; it is reported against the plaintext size of the
// vault's message segments and against the message text alone.
func BenchmarkVaultSearchable(b *testing.B) {
	dir, key := newTestVault(b)
	msgs := corpus.Generate(*index.BenchN, 1)
	importInto(b, dir, key, msgs, true)
	text := plaintextBytes(msgs)
	msgs = nil
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		ix, v := openSearchable(b, dir, key)
		b.StopTimer()
		ix.Close()
		v.Close()
		b.StartTimer()
	}
	b.StopTimer()

	cmd := exec.Command(os.Args[0], "-test.run", "^TestSearchableChild$")
	cmd.Env = append(os.Environ(), "COFFER_SEARCHABLE_CHILD="+dir, "COFFER_SEARCHABLE_KEY="+key.Identities[0].(*age.X25519Identity).String())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	took := time.Since(start)
	var plain, rss int64
	i := strings.Index(string(out), "plaintext ")
	if _, err := fmt.Sscanf(string(out[max(i, 0):]), "plaintext %d peak %d", &plain, &rss); i < 0 || err != nil {
		b.Fatalf("child output %q: %v", out, err)
	}
	b.ReportMetric(float64(rss)/1e6, "peakRSS-MB")
	b.ReportMetric(float64(rss)/float64(plain), "RSS/plaintext")
	b.ReportMetric(float64(rss)/float64(text), "RSS/text")
	fmt.Fprintf(os.Stderr, "searchable in a fresh process: %v, peak RSS %.0f MB = %.2fx the %.0f MB of segment plaintext = %.2fx the %.0f MB of message text\n",
		took.Round(time.Millisecond), float64(rss)/1e6, float64(rss)/float64(plain), float64(plain)/1e6, float64(rss)/float64(text), float64(text)/1e6)
}

// TestSearchableChild is BenchmarkVaultSearchable's measured process; it
// does nothing unless the benchmark runs it.
func TestSearchableChild(t *testing.T) {
	dir := os.Getenv("COFFER_SEARCHABLE_CHILD")
	if dir == "" {
		t.Skip("run by BenchmarkVaultSearchable")
	}
	id, err := age.ParseX25519Identity(os.Getenv("COFFER_SEARCHABLE_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	ix, v := openSearchable(t, dir, vault.Key{Identities: []age.Identity{id}})
	// The child's rusage would not do: Linux charges a child the peak of
	// the parent it was forked from, up to its exec.
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			fmt.Sscan(f[1], &peak)
		}
	}
	fmt.Printf("plaintext %d peak %d\n", v.PlaintextBytes(), peak*1024)
	ix.Close()
	v.Close()
}

// openSearchable unlocks the vault, loads it, opens its index and runs a
// first query.
func openSearchable(tb testing.TB, dir string, key vault.Key) (*index.Index, *vault.Vault) {
	v := unlockVault(tb, dir, key, false)
	ix, err := index.OpenVault(v, v.Tags(), index.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), "the", index.Request{Limit: 50}); err != nil {
		tb.Fatal(err)
	}
	return ix, v
}

// newTestVault makes an empty vault with one X25519 member (no scrypt).
func newTestVault(tb testing.TB) (string, vault.Key) {
	tb.Setenv("COFFER_STATE_DIR", tb.TempDir())
	id, _ := age.GenerateX25519Identity()
	aud, _ := age.GenerateX25519Identity()
	dir := filepath.Join(tb.TempDir(), "v")
	if _, err := vault.Init(dir, vault.InitOptions{Recipients: []string{id.Recipient().String()}, Auditors: []string{aud.Recipient().String()}}); err != nil {
		tb.Fatal(err)
	}
	return dir, vault.Key{Identities: []age.Identity{id}}
}

// importInto imports copies of msgs as one import, storing index
// segments when sidecar is set.
func importInto(tb testing.TB, dir string, key vault.Key, msgs []*vault.Message, sidecar bool) {
	tb.Helper()
	v := unlockVault(tb, dir, key, false)
	defer v.Close()
	a, err := v.NewAppender()
	if err != nil {
		tb.Fatal(err)
	}
	if sidecar {
		a.SetIndexer(index.Sidecar)
	}
	for _, m := range msgs {
		c := *m
		if _, err := a.Add(&c); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkCompact measures vault.CompactIndex on a vault filled by
// imports of 1,000 messages (-bench.n in all), and prefix queries before
// and after it.
func BenchmarkCompact(b *testing.B) {
	dir, key := newTestVault(b)
	msgs := corpus.Generate(*index.BenchN, 1)
	for i := 0; i < len(msgs); i += 1000 {
		importInto(b, dir, key, msgs[i:min(i+1000, len(msgs))], true)
	}
	prefixP99 := func() time.Duration {
		ix, v := openSearchable(b, dir, key)
		defer v.Close()
		defer ix.Close()
		var lat []time.Duration
		for i := range 100 {
			w := firstWord(msgs[i*len(msgs)/100].Body)
			if len(w) < 3 {
				continue
			}
			start := time.Now()
			if _, err := ix.Search(context.Background(), w[:3]+"*", index.Request{Limit: 50}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		return lat[len(lat)*99/100]
	}
	before := prefixP99()
	v := unlockVault(b, dir, key, false)
	defer v.Close()
	b.ResetTimer()
	st, err := v.CompactIndex(index.Sidecar, vault.IndexTarget/2, 2, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	after := prefixP99()
	b.ReportMetric(float64(st.Messages)/b.Elapsed().Seconds(), "msgs/s")
	fmt.Fprintf(os.Stderr, "compacted %d index files into %d (%d messages) in %v; prefix p99 %v before, %v after\n",
		st.Replaced, st.Written, st.Messages, b.Elapsed().Round(time.Millisecond), before, after)
}

// TestOpenVaultCatalog: an index opened on a vault's catalogs
// (vault.LoadCatalog) answers every kind of query as the index of the
// vault loaded whole does, hits, highlights and facets alike, and
// decrypts a segment only for a message whose text a query or a
// highlight reads.
func TestOpenVaultCatalog(t *testing.T) {
	dir, key := newTestVault(t)
	msgs := corpus.Generate(3000, 11)
	for i := range 6 {
		importInto(t, dir, key, msgs[i*500:(i+1)*500], true)
	}
	whole, _ := openSearchable(t, dir, key)
	defer whole.Close()
	v := unlockVault(t, dir, key, true)
	defer v.Close()
	// As the CLI opens it: proximity checks candidates' text rather than
	// building the frequent words' positions from every message.
	lazy, err := index.OpenVault(v, v.Tags(), index.Options{OneShot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	if err := lazy.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	segments := len(v.Manifest.Files("segment"))
	if v.SegmentsDecrypted() != 0 || segments < 6 {
		t.Fatalf("opening decrypted %d of %d segments", v.SegmentsDecrypted(), segments)
	}
	m := msgs[1234]
	w := strings.Fields(m.Body)
	var mail *vault.Message
	for _, x := range msgs {
		if len(x.To) > 0 && len(x.Attachments) > 0 {
			mail = x
			break
		}
	}
	if mail == nil || len(w) < 3 {
		t.Fatal("the corpus has no mail with addressees and attachments")
	}
	sender := strings.ToLower(strings.Fields(m.Sender)[0])
	queries := []string{
		"from:" + sender, "from:" + sender + " date:2000..2100", "to:" + strings.Fields(mail.To[0])[0], "has:attachment",
		"attachment:" + firstWord(mail.Attachments[0].Name), "source:" + m.Source, "id:" + m.ID[:6] + "*", "date:unknown",
		w[0], w[0] + " " + w[1], fmt.Sprintf("%q", w[0]+" "+w[1]), w[1][:min(3, len(w[1]))] + "*", w[0] + "~",
		w[0] + " NEAR/5 " + w[2], fmt.Sprintf("%q~2", w[1]+" "+w[0]), "the -" + w[0], "in:" + strings.ToLower(m.Conversation.ID),
	}
	for _, q := range queries {
		for _, req := range []index.Request{{Sort: index.Newest, Limit: 20, Facets: true}, {Sort: index.Relevance, Limit: 7}, {Sort: index.Oldest, Offset: 3, Limit: 5}} {
			a, err := whole.Search(context.Background(), q, req)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			b, err := lazy.Search(context.Background(), q, req)
			if err != nil {
				t.Fatalf("%s (catalog): %v", q, err)
			}
			a.Took, b.Took = 0, 0
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s %+v:\nwhole   %+v\ncatalog %+v", q, req, a, b)
			}
			if a.Total == 0 && !strings.Contains(q, "unknown") {
				t.Errorf("%s: no hits: the query tests nothing", q)
			}
		}
	}

	// What each kind of query decrypts, on a fresh vault each time.
	decrypts := func(q string, req index.Request) int {
		t.Helper()
		v := unlockVault(t, dir, key, true)
		defer v.Close()
		ix, err := index.OpenVault(v, v.Tags(), index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		res, err := ix.Search(context.Background(), q, req)
		if err != nil || res.Total == 0 {
			t.Fatalf("%s: %d hits, %v", q, res.Total, err)
		}
		return v.SegmentsDecrypted()
	}
	for _, q := range []string{"from:" + sender, w[0], w[0] + " " + w[1], w[1][:3] + "*", "has:attachment"} {
		if n := decrypts(q, index.Request{Limit: 20, NoHighlights: true}); n != 0 {
			t.Errorf("%s without highlights decrypted %d segments, want none", q, n)
		}
	}
	// Highlights read the text of the page's hits: the newest two are in
	// the last import's segment.
	if n := decrypts(w[0], index.Request{Sort: index.Newest, Limit: 2}); n != 1 {
		t.Errorf("%s, two hits highlighted: %d segments decrypted, want 1", w[0], n)
	}
}

// unlockVault unlocks the vault in dir and reads it: whole (Load), or
// from its index files' catalogs.
func unlockVault(tb testing.TB, dir string, key vault.Key, catalog bool) *vault.Vault {
	tb.Helper()
	v, err := vault.Unlock(dir, key)
	if err != nil {
		tb.Fatal(err)
	}
	if catalog {
		err = v.LoadCatalog(nil)
	} else {
		err = v.Load(nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
