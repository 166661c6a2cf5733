package audit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"coffer/vault/audit"
	"coffer/vault/store"
)

// viewEvent is a typical record: a conversation page with ten messages
// on screen.
func viewEvent(i int) audit.Event {
	ids := make([]string, 10)
	for j := range ids {
		ids[j] = fmt.Sprintf("%032x", i*10+j)
	}
	return audit.Event{Action: audit.ActionViewConversation, Conversation: "conv-" + strconv.Itoa(i%600), Messages: ids}
}

// BenchmarkAppend measures Append, fsync included, on the disk that holds
// TMPDIR (set TMPDIR to measure another), and with a PUT acknowledged, on
// the loopback S3 test server (a floor: no network, no replication). Run
// it with -benchtime=2000x or more so the percentiles mean something.
func BenchmarkAppend(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			v := be.new(b)
			k := newKeys(b)
			l := open(b, v, k)
			defer l.Close(audit.LockExit)
			measure(b, func(i int) error { return l.Append(viewEvent(i)) })
		})
	}
}

// BenchmarkFsyncFloor is the same disk's floor: a 320-byte append and an
// fsync, nothing else. Compare its percentiles with BenchmarkAppend's to
// see what the trail adds (run both with the same -benchtime).
func BenchmarkFsyncFloor(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "floor"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec := make([]byte, 320)
	measure(b, func(int) error {
		if _, err := f.Write(rec); err != nil {
			return err
		}
		return f.Sync()
	})
}

// measure runs op b.N times and reports latency percentiles.
func measure(b *testing.B, op func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
}

// BenchmarkAppendCPU is Append without fsync: what the trail itself costs.
func BenchmarkAppendCPU(b *testing.B) {
	k := newKeys(b)
	l := open(b, store.DirNoSync(b.TempDir()), k)
	defer l.Close(audit.LockExit)
	measure(b, func(i int) error { return l.Append(viewEvent(i)) })
}

// BenchmarkVerify measures Verify over a generated trail of
// COFFER_BENCH_AUDIT_ENTRIES records (default 1M) in ten sessions. The
// trail is generated once, without fsync, before the timer starts; run it
// with -benchtime=1x.
func BenchmarkVerify(b *testing.B) {
	total := 1_000_000
	if s := os.Getenv("COFFER_BENCH_AUDIT_ENTRIES"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	const sessions = 10
	dir := b.TempDir()
	k := newKeys(b)
	for range sessions {
		l := open(b, store.DirNoSync(dir), k)
		for i := range total/sessions - 3 { // header, session event and close
			if err := l.Append(viewEvent(i)); err != nil {
				b.Fatal(err)
			}
		}
		l.Close(audit.LockExit)
	}
	st := store.Dir(dir)
	var size int64
	for _, p := range sessionFiles(b, dir) {
		fi, _ := os.Stat(p)
		size += fi.Size()
	}
	// trail: Verify alone; changes: VerifyChanges, which also decrypts
	// every event to find the announcements (`coffer audit verify`).
	for _, run := range []struct {
		name   string
		verify func() (*audit.Report, error)
	}{
		{"trail", func() (*audit.Report, error) { return audit.Verify(st, k.ids(), nil) }},
		{"changes", func() (*audit.Report, error) { return audit.VerifyChanges(st, k.ids(), nil, nil) }},
	} {
		b.Run(run.name, func(b *testing.B) {
			b.SetBytes(size)
			var rep *audit.Report
			for range b.N {
				var err error
				if rep, err = run.verify(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.Entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(rep.Entries), "entries")
		})
	}
}

// BenchmarkOpen measures starting a session (what unlock waits for) on a
// trail of 20 closed sessions of 10,000 events each: fsyncs, the age seal
// and the scan of the other sessions.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	k := newKeys(b)
	for range 20 {
		l := open(b, store.DirNoSync(dir), k)
		for i := range 10_000 {
			l.Append(viewEvent(i))
		}
		l.Close(audit.LockExit)
	}
	st := store.Dir(dir)
	b.ResetTimer()
	for range b.N {
		open(b, st, k).Close(audit.LockExit)
	}
}
