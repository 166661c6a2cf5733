package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"coffer/vault/ingest"
)

// progress draws a one-line progress bar on stderr when it is a terminal,
// at most ten times a second; elsewhere it prints nothing. It measures by
// bytes, not files: one 4 GB mbox is one file, and the estimate of the
// time left has to move while it is read.
type progress struct {
	e           *env
	files       int
	filesDone   int
	total       int64         // bytes of every input file: the bar's 100%
	meter       *ingest.Meter // bytes the importers have read so far
	messages    int
	start, last time.Time
	drawn       bool
}

func newProgress(e *env, paths []string) *progress {
	p := &progress{e: e, files: len(paths), start: e.now(), meter: new(ingest.Meter)}
	if e.stderr.Terminal() {
		p.total = inputBytes(paths)
	}
	return p
}

// inputBytes is the size of the regular files at or under paths. An
// importer may read less (a folder's unrelated files) or, for a JSON file
// that names attachments beside it, more: the bar stops at 100%.
func inputBytes(paths []string) int64 {
	var n int64
	for _, p := range paths {
		filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable parts: the import itself will say
			}
			if d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					n += info.Size()
				}
			}
			return nil
		})
	}
	return n
}

func (p *progress) message() {
	p.messages++
	if p.messages%256 == 0 {
		p.draw(false)
	}
}

func (p *progress) fileDone() {
	p.filesDone++
	p.draw(true)
}

func (p *progress) draw(force bool) {
	if !p.e.stderr.Terminal() {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.e.stderr.ClearLine()
	fmt.Fprint(p.e.stderr, progressLine(p.meter.Bytes(), p.total, p.messages, now.Sub(p.start))+" ")
	p.drawn = true
}

// progressLine is the bar: "[#####-------]  41%  1.2 GB of 2.9 GB ·
// 48 MB/s · 12345 messages · 0:36 left". The rate and the time left
// appear once a second of reading has given them meaning.
func progressLine(done, total int64, messages int, elapsed time.Duration) string {
	const width = 20
	done = min(done, total)
	frac := 0.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fill := int(frac * width)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s%s] %3.0f%%  %s of %s", strings.Repeat("#", fill), strings.Repeat("-", width-fill), 100*frac, byteSize(done), byteSize(total))
	if elapsed >= time.Second && done > 0 {
		rate := float64(done) / elapsed.Seconds()
		fmt.Fprintf(&b, " · %s/s", byteSize(int64(rate)))
		fmt.Fprintf(&b, " · %s", plural(messages, "message"))
		// An estimate past 100 hours (a stalled start) says nothing.
		if left := float64(total-done) / rate; total > done && left < 100*3600 {
			fmt.Fprintf(&b, " · %s left", clock(time.Duration(left*float64(time.Second))))
		}
	} else {
		fmt.Fprintf(&b, " · %s", plural(messages, "message"))
	}
	return b.String()
}

// byteSize is n in decimal units, as disks and rates are quoted: "980 B",
// "1.2 MB", "48 MB", "3.4 GB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	suffix := []string{"", "kB", "MB", "GB", "TB"}[i]
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, suffix)
	}
	return fmt.Sprintf("%.0f %s", v, suffix)
}

// clock is d as h:mm:ss or m:ss, rounded up to the second.
func clock(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// clear erases the bar so a warning can be printed on a clean line.
func (p *progress) clear() {
	if p.drawn {
		p.e.stderr.ClearLine()
		p.drawn = false
	}
}

func (p *progress) done() { p.clear() }
