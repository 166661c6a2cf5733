// Package ingest turns export files into coffer's canonical messages.
//
// Each export format lives in its own file and registers a Format. A
// format reads one input (a file, a zip, or a folder) and calls emit once
// per message, in file order. It never writes anything to disk: the
// messages go straight from the parser to the vault, which encrypts them.
//
// Errors name the input and the position of the bad record (see Error).
// By default the first bad record stops the import; with Options.Lenient
// a format skips it, reports it through Options.Skip and goes on.
package ingest

import (
	"fmt"
	"strings"
	"time"

	"coffer/vault"
)

// Options are shared by every format.
type Options struct {
	// Location is the zone assumed for exports whose times carry no
	// offset (WhatsApp, some Signal text exports). Nil means LocalZone().
	Location *time.Location
	// Lenient skips unparseable records instead of failing the import.
	Lenient bool
	// Skip is told about every record skipped in lenient mode.
	Skip func(err *Error)
	// Now stamps Provenance.ImportedAt; zero means time.Now().
	Now time.Time
	// Meter, if set, counts the bytes read from the input files.
	Meter *Meter
}

// Emit receives each parsed message. Returning an error stops the parse
// and is returned as is.
type Emit func(m *vault.Message) error

// Format is one export format.
type Format struct {
	// Name is what --format takes and what Provenance.Format records.
	Name string
	// Detect reports whether the input at path looks like this format. It
	// reads at most a few KiB and must not fail on other formats' files.
	Detect func(path string) bool
	// Parse reads the input at path and emits its messages.
	Parse func(path string, opt Options, emit Emit) error
}

// Error is a bad record: the file (base name, or zip member) and the
// position in it, as the one-line message "FILE:LINE: why" shows.
type Error struct {
	File string
	Line int    // 1-based line, or 0 when Pos says better where
	Pos  string // e.g. "message 12", "byte 4096", used when Line is 0
	Err  error
}

// Error is valid UTF-8 whatever the input held: a file name or a
// parser's message may quote any bytes, and the error is printed and
// recorded in the audit trail.
func (e *Error) Error() string {
	var s string
	switch {
	case e.Line > 0:
		s = fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	case e.Pos != "":
		s = fmt.Sprintf("%s: %s: %v", e.File, e.Pos, e.Err)
	default:
		s = fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (e *Error) Unwrap() error { return e.Err }

// formats lists every format, most specific detector first. Formats add
// themselves here (not through init side effects) so the order is visible.
func formats() []Format {
	// Containers first (a mail archive is a zip; a Slack export is a zip
	// or folder; a WhatsApp export may be a zip), then formats with strong
	// signatures (Discord before Telegram: both are a JSON object with
	// "messages"; an SMS backup is XML rooted at <smses>; iMessage's
	// chat.db is SQLite, its exporter's text starts with an English date
	// line, which no other format does); EML last,
	// since many text files look like a header.
	return []Format{
		MailArchive,
		Slack,
		Maildir,
		JSONL,
		Discord,
		Telegram,
		Signal,
		SMS,
		IMessage,
		Mbox,
		WhatsApp,
		EML,
	}
}

// Formats returns the registered formats.
func Formats() []Format { return formats() }

// Lookup returns the format called name.
func Lookup(name string) (Format, bool) {
	for _, f := range formats() {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// skip reports a bad record in lenient mode and returns nil, or returns
// the error that stops a strict import.
func (o Options) skip(e *Error) error {
	if !o.Lenient {
		return e
	}
	if o.Skip != nil {
		o.Skip(e)
	}
	return nil
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

// resolved returns o with Location filled in. LocalZone follows
// /etc/localtime's link and loads the zone from disk: a format that needs
// the zone per message resolves it once per file, as it was a quarter of
// an mbox import's time when asked per message (issue 17).
func (o Options) resolved() Options {
	if o.Location == nil {
		o.Location = LocalZone()
	}
	return o
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return LocalZone()
	}
	return o.Location
}
