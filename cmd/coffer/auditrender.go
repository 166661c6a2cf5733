package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"coffer/ui/sanitize"
	"coffer/vault/audit"
)

// auditFormat is an output format of renderEvents.
type auditFormat int

const (
	formatTable auditFormat = iota // aligned columns for people
	formatJSON                     // one JSON object per line (audit.Event's JSON form)
	formatCSV                      // RFC 4180, with a header row
)

// maxDetail bounds the details column of the table, in runes; JSON and
// CSV carry everything.
const maxDetail = 120

// renderEvents writes events in format f through the sanitizing writer:
// every string from an event is sanitized in the table and CSV; in JSON,
// control, bidi and zero-width characters are written as \u escapes, so
// the output is safe on a terminal and still exact for tools.
func renderEvents(w *sanitize.Writer, events []audit.Event, f auditFormat) error {
	var err error
	switch f {
	case formatTable:
		err = renderTable(w, events)
	case formatJSON:
		err = renderJSON(w.JSON(), events)
	case formatCSV:
		err = renderCSV(w, events)
	default:
		err = fmt.Errorf("unknown format %d", f)
	}
	if err == nil {
		err = w.Err()
	}
	return err
}

func renderTable(w io.Writer, events []audit.Event) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSESSION\tACTOR\tACTION\tDETAILS")
	for i := range events {
		e := &events[i]
		d := sanitize.Line(details(e))
		if utf8.RuneCountInString(d) > maxDetail {
			d = string([]rune(d)[:maxDetail-1]) + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), sanitize.Line(e.Session),
			sanitize.Line(actorString(e.Actor)), sanitize.Line(string(e.Action)), d)
	}
	return tw.Flush()
}

func actorString(a audit.Actor) string {
	s := a.Member
	if s == "" {
		s = "-"
	}
	if a.Fingerprint != "" {
		s += " [" + a.Fingerprint + "]"
	}
	return s + fmt.Sprintf(" %s@%s pid %d", a.HostUser, a.Host, a.PID)
}

// details summarises what an event is about, in one line.
func details(e *audit.Event) string {
	var p []string
	add := func(k, v string) {
		if v != "" {
			p = append(p, k+"="+v)
		}
	}
	add("method", e.Method)
	add("reason", e.Reason)
	if e.Conversation != "" {
		add("conversation", strconv.Quote(e.Conversation))
	}
	if e.Action == audit.ActionSearch {
		add("query", strconv.Quote(e.Query))
		add("results", strconv.Itoa(e.Results))
	}
	if e.Tag != "" {
		add("tag", strconv.Quote(e.Tag))
	}
	add("target", e.Target)
	if e.Count != 0 {
		add("count", strconv.Itoa(e.Count))
	}
	if len(e.Messages) > 0 {
		add("messages", fmt.Sprintf("%d:%s", len(e.Messages), strings.Join(e.Messages, ",")))
	}
	add("detail", e.Detail)
	return strings.Join(p, " ")
}

func renderJSON(w io.Writer, events []audit.Event) error {
	enc := json.NewEncoder(w)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return err
		}
	}
	return nil
}

func renderCSV(w io.Writer, events []audit.Event) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "session", "seq", "member", "fingerprint", "host_user", "host", "pid",
		"action", "method", "reason", "conversation", "messages", "query", "results", "tag", "target", "count", "detail"})
	for i := range events {
		e := &events[i]
		row := []string{e.Time.UTC().Format(time.RFC3339Nano), e.Session, strconv.FormatUint(e.Seq, 10),
			e.Actor.Member, e.Actor.Fingerprint, e.Actor.HostUser, e.Actor.Host, strconv.Itoa(e.Actor.PID),
			string(e.Action), e.Method, e.Reason, e.Conversation, strings.Join(e.Messages, " "), e.Query,
			strconv.Itoa(e.Results), e.Tag, e.Target, strconv.Itoa(e.Count), e.Detail}
		for j, s := range row {
			row[j] = csvCell(s)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell sanitizes a cell and defuses spreadsheet formulas (a leading
// = + - @ makes spreadsheet programs evaluate the cell).
func csvCell(s string) string {
	s = sanitize.Line(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		s = "'" + s
	}
	return s
}
