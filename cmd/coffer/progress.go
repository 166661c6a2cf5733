package main

import (
	"fmt"
	"strings"
	"time"
)

// progress draws a one-line progress bar on stderr when it is a terminal,
// at most ten times a second; elsewhere it prints nothing.
type progress struct {
	e           *env
	files       int
	filesDone   int
	messages    int
	start, last time.Time
	drawn       bool
}

func newProgress(e *env, files int) *progress {
	return &progress{e: e, files: files, start: e.now()}
}

func (p *progress) message() {
	p.messages++
	if p.messages%1024 == 0 {
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
	const width = 24
	fill := width * p.filesDone / max(p.files, 1)
	rate := float64(p.messages) / max(now.Sub(p.start).Seconds(), 0.001)
	p.e.stderr.ClearLine()
	fmt.Fprintf(p.e.stderr, "[%s%s] %d/%d files, %d messages, %.0f msg/s ", strings.Repeat("#", fill), strings.Repeat("-", width-fill), p.filesDone, p.files, p.messages, rate)
	p.drawn = true
}

// clear erases the bar so a warning can be printed on a clean line.
func (p *progress) clear() {
	if p.drawn {
		p.e.stderr.ClearLine()
		p.drawn = false
	}
}

func (p *progress) done() { p.clear() }
