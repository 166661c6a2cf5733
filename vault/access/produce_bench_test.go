package access_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/vault/access"
	"coffer/vault/corpus"
)

// BenchmarkProduce produces every message of a corpus of COFFER_BENCH_N
// messages (default 100,000; vault/corpus: chat and email, some with an
// attachment, here given content of their stated size up to 256 KiB), as
// `coffer produce --query '*'` does: query, records, number reservation,
// EML/transcript/JSONL rendering, attachments read from the blobs, load
// file, signed manifest, age encryption, atomic write. MB/s is of the
// package written.
func BenchmarkProduce(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("COFFER_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	msgs := corpus.Generate(n, 1)
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range msgs {
		for i := range m.Attachments {
			a := &m.Attachments[i]
			a.Content = make([]byte, min(a.Size, 256<<10))
			for j := range a.Content {
				a.Content[j] = byte(r.Uint32())
			}
			a.Size, a.SHA256 = 0, ""
		}
		m.ID = ""
	}
	tv := newTestVault(b, msgs)
	msgs = nil
	s := tv.openIndexed(b)
	receiver, _ := age.GenerateX25519Identity()
	out := b.TempDir()
	b.ResetTimer()
	var size int64
	var docs int
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; b.Loop(); i++ {
		res, err := s.Produce(context.Background(), access.ProduceRequest{Query: "*", Recipients: []string{receiver.Recipient().String()},
			Out: filepath.Join(out, "p"+strconv.Itoa(i)+".age"), Digits: 9})
		if err != nil {
			b.Fatal(err)
		}
		size += res.Size
		docs += res.Documents
	}
	sec, cpu := time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(size)/1e6/sec, "MB/s")
	b.ReportMetric(float64(docs)/sec, "docs/s")
	// On a shared machine the wall clock measures the neighbours too.
	b.ReportMetric(float64(size)/1e6/cpu, "MB/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
