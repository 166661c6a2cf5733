package vault_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/corpus"

	"filippo.io/age"
)

// benchN is the corpus size: COFFER_BENCH_N, default 100,000 (make bench
// sets 1,000,000).
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("COFFER_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

var benchCorpus struct {
	sync.Once
	msgs  []*vault.Message
	bytes int64
}

func corpusMessages(b *testing.B) ([]*vault.Message, int64) {
	benchCorpus.Do(func() {
		benchCorpus.msgs = corpus.Generate(benchN(), 1)
		for _, m := range benchCorpus.msgs {
			benchCorpus.bytes += int64(len(m.Body) + len(m.Sender) + len(m.Conversation.ID) + len(m.Conversation.Title))
		}
	})
	return benchCorpus.msgs, benchCorpus.bytes
}

func benchVault(b *testing.B) (string, age.Identity) {
	b.Helper()
	b.Setenv("COFFER_STATE_DIR", b.TempDir())
	id, _ := age.GenerateX25519Identity()
	aud, _ := age.GenerateX25519Identity()
	dir := filepath.Join(b.TempDir(), "v")
	if _, err := vault.Init(dir, vault.InitOptions{Recipients: []string{id.Recipient().String()}, Auditors: []string{aud.Recipient().String()}}); err != nil {
		b.Fatal(err)
	}
	return dir, id
}

func importAll(b *testing.B, dir string, id age.Identity, msgs []*vault.Message) {
	v, err := vault.Unlock(dir, vault.Key{Identities: []age.Identity{id}})
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Load(nil); err != nil {
		b.Fatal(err)
	}
	a, err := v.NewAppender()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range msgs {
		// What an importer hands the vault: a copy (the corpus stays
		// pristine) that it has validated, which fills in the ID.
		c := *m
		if err := vault.Validate(&c); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Add(&c); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.Commit(); err != nil {
		b.Fatal(err)
	}
	v.Close()
}

// BenchmarkImport measures what an import costs once the importer has
// parsed the messages: validating, encoding, encrypting and writing them
// into a new vault. MB/s counts message text (bodies, senders,
// conversation ids and titles).
func BenchmarkImport(b *testing.B) {
	msgs, size := corpusMessages(b)
	b.SetBytes(size)
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		dir, id := benchVault(b)
		b.StartTimer()
		cpu0 := cpuTime()
		importAll(b, dir, id, msgs)
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(float64(len(msgs))*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time this process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkUnlockLoad measures what a reviewer waits for: unlock, then
// verify, decrypt and decode every segment. MB/s counts the decoded
// plaintext (the segment bodies).
func BenchmarkUnlockLoad(b *testing.B) {
	// A corpus of its own, dropped before timing: it is not part of an
	// unlock, and the garbage collector would scan it while Load runs.
	dir, id := benchVault(b)
	msgs := corpus.Generate(benchN(), 1)
	importAll(b, dir, id, msgs)
	want := len(msgs)
	msgs = nil
	runtime.GC()
	var plain int64
	{
		v, _ := vault.Unlock(dir, vault.Key{Identities: []age.Identity{id}})
		v.Load(func(p vault.Progress) {})
		plain = v.PlaintextBytes()
		v.Close()
	}
	b.SetBytes(plain)
	b.ResetTimer()
	for range b.N {
		v, err := vault.Unlock(dir, vault.Key{Identities: []age.Identity{id}})
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Load(nil); err != nil {
			b.Fatal(err)
		}
		if len(v.Messages()) != want {
			b.Fatalf("%d messages, want %d", len(v.Messages()), want)
		}
		v.Close()
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	var onDisk int64
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			onDisk += fi.Size()
		}
		return nil
	})
	b.ReportMetric(float64(onDisk)/float64(plain), "disk/plain")
}
