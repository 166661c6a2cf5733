package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"coffer/index"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/audit"

	"github.com/charmbracelet/x/ansi"
)

func searchCommand() *command {
	return &command{
		name:    "search",
		args:    "DIR QUERY...",
		summary: "search the vault (notmuch-style queries); each result shown is audited",
		help: `
The query language is notmuch's, with chat fields: words (all must match),
"phrases", prefix*, fuzzy~, -exclude, OR, parentheses, from:, to:/with:,
in:, source:, tag:, subject:, has:attachment, attachment:, date:A..B,
date:7d.., after:, before:, id:. README.md documents it in full.

The query and the number of hits are recorded in the audit trail before
the search runs' results are shown, and every result printed counts as
viewed.

Examples:
  coffer search case-2291 from:marcus block sale
  coffer search case-2291 '"move this to signal"' --sort relevance
  coffer search case-2291 'source:whatsapp date:2025-03-10..2025-03-14' --facets
  coffer search case-2291 'has:attachment tag:responsive' --json --limit 500`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u             unlockFlags
				asJSON, facet bool
				limit, offset int
				sortBy        string
			)
			u.register(fs)
			fs.BoolVar(&asJSON, "json", false, "print JSON lines (id, time, conversation, sender, snippet, highlights)")
			fs.IntVar(&limit, "limit", 20, "show at most `N` results")
			fs.IntVar(&offset, "offset", 0, "skip the first `N` results")
			fs.StringVar(&sortBy, "sort", "date", "order results by `date` (newest first) or relevance")
			fs.BoolVar(&facet, "facets", false, "also count the hits by sender, conversation, source, tag and month")
			return func(e *env, args []string) error {
				if err := needArgs("search", args, 2, -1); err != nil {
					return err
				}
				dir, query := args[0], strings.Join(args[1:], " ")
				req := index.Request{Limit: limit, Offset: offset, Facets: facet}
				switch sortBy {
				case "date", "newest":
					req.Sort = index.Newest
				case "oldest":
					req.Sort = index.Oldest
				case "relevance":
					req.Sort = index.Relevance
				default:
					return usageError("search: --sort %q: want date, oldest or relevance", sortBy)
				}
				if limit < 1 {
					return usageError("search: --limit must be at least 1")
				}
				a, err := u.open(e, dir)
				if err != nil {
					return err
				}
				defer a.close()
				ix, err := index.OpenVault(a.v, a.v.Tags(), index.Options{Location: time.Local})
				if err != nil {
					return err
				}
				defer ix.Close()
				ix.Start(context.Background())
				if err := ix.Wait(context.Background()); err != nil {
					return err
				}
				gate := audit.NewGate[*vault.Message](a.log, a.v)
				var res *index.Result
				ids, err := gate.Search(query, func(q string) ([]string, error) {
					var err error
					if res, err = ix.Search(context.Background(), q, req); err != nil {
						return nil, err
					}
					ids := make([]string, len(res.Hits))
					for i, h := range res.Hits {
						ids[i] = h.ID
					}
					return ids, nil
				})
				if err != nil {
					var qe *index.QueryError
					if errors.As(err, &qe) {
						return &cliError{err: fmt.Errorf("query: column %d: %s", qe.Col, qe.Msg), code: exitUsage,
							hint: fmt.Sprintf("%s\n%*s^", oneLine(query), qe.Col+len("coffer: hint: ")-1, "")}
					}
					return err
				}
				// The results printed are viewed: recorded before they are.
				msgs, err := gate.ViewMessages(ids)
				if err != nil {
					return err
				}
				if asJSON {
					return printHitsJSON(e, res, msgs)
				}
				printHits(e, res, msgs, offset)
				return nil
			}
		},
	}
}

// jsonSpan is a highlight: byte offsets into the field's text.
type jsonSpan struct {
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

type jsonHit struct {
	ID           string     `json:"id"`
	Time         time.Time  `json:"time"`
	Conversation string     `json:"conversation"`
	Title        string     `json:"conversation_title,omitempty"`
	Source       string     `json:"source"`
	Sender       string     `json:"sender"`
	Subject      string     `json:"subject,omitempty"`
	Snippet      string     `json:"snippet"`
	Highlights   []jsonSpan `json:"highlights,omitempty"`
	Score        float64    `json:"score,omitempty"`
}

func printHitsJSON(e *env, res *index.Result, msgs []*vault.Message) error {
	for i, m := range msgs {
		h := res.Hits[i]
		spans := make([]jsonSpan, len(h.Highlights))
		for j, sp := range h.Highlights {
			spans[j] = jsonSpan{Field: sp.Field, Start: sp.Start, End: sp.End}
		}
		b, err := json.Marshal(jsonHit{ID: m.ID, Time: m.Time, Conversation: m.Conversation.ID, Title: m.Conversation.Title,
			Source: m.Source, Sender: m.Sender, Subject: m.Subject, Snippet: rawSnippet(m.Body, h.Highlights, 480),
			Highlights: spans, Score: h.Score})
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(append(sanitize.JSON(b), '\n')); err != nil {
			return err
		}
	}
	if f := res.Facets; f != nil {
		type count struct {
			Value string `json:"value"`
			Label string `json:"label,omitempty"`
			Count int    `json:"count"`
		}
		conv := func(in []index.FacetCount) []count {
			out := make([]count, len(in))
			for i, c := range in {
				out[i] = count{c.Value, c.Label, c.Count}
			}
			return out
		}
		b, _ := json.Marshal(map[string]any{"total": res.Total, "facets": map[string][]count{
			"sender": conv(f.Sender), "conversation": conv(f.Conversation), "source": conv(f.Source),
			"tag": conv(f.Tag), "month": conv(f.Month),
		}})
		e.stdout.Write(append(sanitize.JSON(b), '\n'))
	}
	return nil
}

func printHits(e *env, res *index.Result, msgs []*vault.Message, offset int) {
	mark := func(s string) string { return s }
	if e.stdoutIsTerminal && os.Getenv("NO_COLOR") == "" {
		mark = func(s string) string { return "\x1b[1;4m" + s + "\x1b[m" } // bold underline, our own escape
	}
	for i, m := range msgs {
		title := m.Conversation.Title
		if title == "" {
			title = m.Conversation.ID
		}
		head := fmt.Sprintf("%s  %-8s %s  %s", m.Time.Local().Format("2006-01-02 15:04"), m.Source,
			truncateWidth(sanitize.Line(title), 28), truncateWidth(sanitize.Line(m.Sender), 24))
		fmt.Fprintf(e.stdout, "%s  %s\n", m.ID[:12], head)
		if m.Subject != "" {
			fmt.Fprintf(e.stdout, "    %s\n", truncateWidth(sanitize.Line(m.Subject), 100))
		}
		fmt.Fprintf(e.stdout, "    %s\n", snippet(m.Body, res.Hits[i].Highlights, 110, mark))
	}
	shown := len(msgs)
	if shown == 0 {
		fmt.Fprintf(e.stdout, "No messages match.\n")
	} else {
		fmt.Fprintf(e.stdout, "\n%d–%d of %d matches (%s).\n", offset+1, offset+shown, res.Total, res.Took.Round(10*time.Microsecond))
	}
	if f := res.Facets; f != nil {
		facetLine(e, "senders", f.Sender)
		facetLine(e, "conversations", f.Conversation)
		facetLine(e, "sources", f.Source)
		facetLine(e, "tags", f.Tag)
		facetLine(e, "months", f.Month)
	}
}

func facetLine(e *env, name string, counts []index.FacetCount) {
	if len(counts) == 0 {
		return
	}
	var parts []string
	for _, c := range counts {
		v := c.Value
		if c.Label != "" {
			v = c.Label
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", truncateWidth(sanitize.Line(v), 30), c.Count))
	}
	fmt.Fprintf(e.stdout, "%-14s %s\n", name+":", strings.Join(parts, ", "))
}

// snippet returns about width cells of body around its first highlight,
// sanitized, with the highlighted words passed through mark (nil: none).
// Offsets are byte offsets into body, as the index reports them.
func snippet(body string, spans []index.Span, width int, mark func(string) string) string {
	var hs []index.Span
	for _, s := range spans {
		if s.Field == "body" && s.Start >= 0 && s.End <= len(body) && s.Start < s.End {
			hs = append(hs, s)
		}
	}
	start := 0
	if len(hs) > 0 && hs[0].Start > width/3 {
		start = hs[0].Start - width/3
		for start > 0 && !isRuneStart(body[start]) {
			start--
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, h := range hs {
		if h.Start < pos {
			continue
		}
		b.WriteString(sanitize.Line(body[pos:h.Start]))
		word := sanitize.Line(body[h.Start:h.End])
		if mark != nil {
			word = mark(word)
		}
		b.WriteString(word)
		pos = h.End
		if ansi.StringWidth(b.String()) > width {
			break
		}
	}
	b.WriteString(sanitize.Line(body[pos:]))
	return ansi.Truncate(b.String(), width, "…")
}

// rawSnippet is snippet for JSON: the original text (encoding/json and
// sanitize.JSON escape it for the terminal), about n bytes around the
// first highlight, cut at character boundaries.
func rawSnippet(body string, spans []index.Span, n int) string {
	start := 0
	for _, s := range spans {
		if s.Field == "body" && s.Start >= 0 && s.Start <= len(body) {
			start = max(s.Start-n/3, 0)
			break
		}
	}
	for start > 0 && !isRuneStart(body[start]) {
		start--
	}
	end := min(start+n, len(body))
	for end < len(body) && !isRuneStart(body[end]) {
		end--
	}
	return body[start:end]
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }

// truncateWidth cuts s to at most n terminal cells.
func truncateWidth(s string, n int) string { return ansi.Truncate(s, n, "…") }
