package ui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"coffer/ui/internal/fixture"
)

var (
	bigOnce  sync.Once
	bigVault *fixture.Vault
)

// big is a vault with one conversation of COFFER_BENCH_N messages
// (default 100k; make bench sets 1M), made once per run.
func big(b *testing.B) *fixture.Vault {
	bigOnce.Do(func() {
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("COFFER_BENCH_N")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "coffer-ui-bench-")
		if err != nil {
			b.Fatal(err)
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		bigVault = fixture.NewAt(b, filepath.Join(dir, "vault"), "", fixture.Big(b, n))
	})
	return bigVault
}

// frames times key-to-frame (Update + View) for each key, and for the
// message that brings the recorded content of what scrolled into view
// (the audit write itself runs outside the timer, as it runs off the
// event loop in the program).
type frames struct{ d []time.Duration }

func (f *frames) step(b *testing.B, d *driver, msg tea.Msg) {
	start := time.Now()
	m, cmd := d.m.Update(msg)
	_ = m.View()
	f.d = append(f.d, time.Since(start))
	d.m = m
	b.StopTimer()
	var msgs []tea.Msg
	for _, c := range flatten(cmd) {
		if r := c(); r != nil {
			msgs = append(msgs, r)
		}
	}
	b.StartTimer()
	for _, r := range msgs {
		f.step(b, d, r)
	}
}

func flatten(cmd tea.Cmd) []tea.Cmd {
	if cmd == nil {
		return nil
	}
	// Batches are opened one level: a page returns tea.Batch(its command,
	// the view-record command).
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	msg := <-done
	if bm, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Cmd
		for _, c := range bm {
			out = append(out, flatten(c)...)
		}
		return out
	}
	return []tea.Cmd{func() tea.Msg { return msg }}
}

func (f *frames) report(b *testing.B) {
	if len(f.d) == 0 {
		return
	}
	s := slices.Clone(f.d)
	slices.Sort(s)
	q := func(p float64) float64 { return float64(s[min(int(p*float64(len(s))), len(s)-1)]) / 1e6 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(s[len(s)-1])/1e6, "max-ms")
}

// BenchmarkScroll100k scrolls up a 100k-message (COFFER_BENCH_N) conversation from its
// newest message, one key per iteration (goal: p99 ≤ 16 ms).
func BenchmarkScroll100k(b *testing.B) {
	f := big(b)
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		b.Run(sizeName(size), func(b *testing.B) {
			d := reviewer(b, f, size[0], size[1])
			d.keys("enter", "enter")
			var fr frames
			i := 0
			for b.Loop() {
				k := "k"
				if i%50 == 49 {
					k = "ctrl+u"
				}
				fr.step(b, d, keyMsg(k))
				i++
			}
			fr.report(b)
		})
	}
}

// BenchmarkSearchResults100k moves through the results of a query that
// matches all 100k (COFFER_BENCH_N) messages.
func BenchmarkSearchResults100k(b *testing.B) {
	f := big(b)
	d := reviewer(b, f, 80, 24)
	d.keys("enter", "/")
	d.typeText("halden")
	d.keys("enter")
	var fr frames
	i := 0
	for b.Loop() {
		k := "j"
		if i%400 == 399 {
			k = "g"
		}
		fr.step(b, d, keyMsg(k))
		i++
	}
	fr.report(b)
}

func sizeName(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }
