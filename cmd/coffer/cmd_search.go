package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"coffer/index"
	"coffer/ui/common"
	"coffer/ui/emoji"
	"coffer/ui/excerpt"
	"coffer/vault/access"
)

func searchCommand() *command {
	return &command{
		name:    "search",
		args:    "DIR QUERY... | DIR --saved NAME | DIR --batch",
		summary: "search the vault (notmuch-style queries); each result shown is audited",
		help: `
The query language is notmuch's, with chat fields: words (all must match),
"phrases", prefix*, fuzzy~, -exclude, OR, parentheses, a NEAR/n b,
"sloppy phrases"~n, from:, to:/with:,
in:, source:, tag:, subject:, has:attachment, attachment:, date:A..B,
date:7d.., date:unknown, after:, before:, id:, policy:NAME[/RULE] (what a
supervision policy flags). README.md documents it in full.

The query and the number of hits are recorded in the audit trail before
the search runs' results are shown, and every result printed counts as
viewed.

With --batch the queries are read from standard input, one a line
(blank lines and lines starting with # skipped), after one unlock: each
is searched and recorded as if run alone, its results headed by
"# QUERY: N matches" (with --json, each hit line carries "query"). A
query that does not parse is reported with its line and the others run;
the exit status is then 2.

Examples:
  coffer search case-2291 from:marcus chunky
  coffer search case-2291 '"move this to signal"' --sort relevance
  coffer search case-2291 'source:whatsapp date:2025-03-10..2025-03-14' --facets
  coffer search case-2291 'has:attachment tag:responsive' --json --limit 500
  coffer search case-2291 --saved block-sale
  printf 'from:marcus\ntag:hot\n' | coffer search case-2291 --batch --json`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u             unlockFlags
				asJSON, facet bool
				limit, offset int
				sortBy, saved string
				batch         bool
			)
			u.register(fs)
			fs.BoolVar(&asJSON, "json", false, "print JSON lines (id, time, conversation, sender, snippet, highlights)")
			fs.IntVar(&limit, "limit", 20, "show at most `N` results")
			fs.IntVar(&offset, "offset", 0, "skip the first `N` results")
			fs.StringVar(&sortBy, "sort", "date", "order results by `date` (newest first) or relevance")
			fs.BoolVar(&facet, "facets", false, "also count the hits by sender, conversation, source, tag and month")
			fs.StringVar(&saved, "saved", "", "run the saved search `NAME` (see 'coffer saved') instead of a QUERY")
			fs.BoolVar(&batch, "batch", false, "read queries from standard input, one a line, after one unlock")
			return func(e *env, args []string) error {
				var dir, query string
				var err error
				if batch {
					if saved != "" {
						return usageError("search: --batch reads the queries from standard input: no --saved")
					}
					if err := needArgs("search", args, 1, 1); err != nil {
						return withHint(err, "--batch reads the queries from standard input: give only DIR")
					}
					dir = args[0]
				} else if dir, query, err = searchArgs(args, saved); err != nil {
					return err
				}
				req := index.Request{Limit: limit, Offset: offset, Facets: facet}
				switch sortBy {
				case "date", "newest":
					req.Sort = index.Newest
				case "oldest":
					req.Sort = index.Oldest
				case "relevance":
					req.Sort = index.Relevance
				default:
					return usageHint(didYouMean(sortBy, []string{"date", "oldest", "relevance"}, quote),
						"search: --sort %q: want date, oldest or relevance", sortBy)
				}
				if limit < 1 {
					return usageError("search: --limit must be at least 1")
				}
				s, err := u.openSearch(e, dir)
				if err != nil {
					return err
				}
				defer s.close()
				ctx := context.Background()
				if batch {
					return searchBatch(ctx, e, s, req, asJSON, offset)
				}
				// The query, the total, the ids printed and whether facets
				// were are recorded before anything is printed.
				var res *access.Results
				if saved != "" {
					res, err = s.SearchSaved(ctx, saved, req, true)
				} else {
					res, err = s.Search(ctx, query, req, true)
				}
				if err != nil {
					var qe *index.QueryError
					if errors.As(err, &qe) {
						return &cliError{err: fmt.Errorf("query: column %d: %s", qe.Col, qe.Msg), code: exitUsage,
							hint: fmt.Sprintf("%s\n%*s^", oneLine(query), qe.Col+len("coffer: hint: ")-1, "")}
					}
					return err
				}
				if asJSON {
					return printHitsJSON(e, res, "")
				}
				printHits(e, res, offset)
				return e.stdout.Err()
			}
		},
	}
}

// searchBatch runs the queries of standard input, one a line, each
// recorded and printed as a search of its own.
func searchBatch(ctx context.Context, e *env, s *session, req index.Request, asJSON bool, offset int) error {
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	failed := 0
	for line := 1; sc.Scan(); line++ {
		query := strings.TrimSpace(sc.Text())
		if query == "" || strings.HasPrefix(query, "#") {
			continue
		}
		res, err := s.Search(ctx, query, req, true)
		if err != nil {
			var qe *index.QueryError
			if !errors.As(err, &qe) {
				return err // the trail or the vault: stop
			}
			fmt.Fprintf(e.stderr, "coffer: search: stdin:%d: query: column %d: %s\n", line, qe.Col, oneLine(qe.Msg))
			failed++
			continue
		}
		if asJSON {
			if err := printHitsJSON(e, res, query); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(e.stdout, "# %s: %s\n", oneLine(query), plural(res.Total, "match"))
		printHits(e, res, offset)
		e.stdout.WriteString("\n")
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("search: standard input: %w", err)
	}
	if err := e.stdout.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return &cliError{err: fmt.Errorf("search: %s of the batch did not parse", plural(failed, "query")), code: exitUsage}
	}
	return nil
}

// jsonSpan is a highlight: byte offsets into the field's text.
type jsonSpan struct {
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

type jsonHit struct {
	// Query is the query the hit answers, in a --batch.
	Query string    `json:"query,omitempty"`
	ID    string    `json:"id"`
	Time  time.Time `json:"time"`
	// TimeSource is where the time came from when the source had a
	// choice (mail: date, received, from_line, manifest); "unknown"
	// marks the zero time of mail kept without any date.
	TimeSource   string     `json:"time_source,omitempty"`
	Conversation string     `json:"conversation"`
	Title        string     `json:"conversation_title,omitempty"`
	Source       string     `json:"source"`
	Sender       string     `json:"sender"`
	Subject      string     `json:"subject,omitempty"`
	Snippet      string     `json:"snippet"`
	Highlights   []jsonSpan `json:"highlights,omitempty"`
	Score        float64    `json:"score,omitempty"`
}

func printHitsJSON(e *env, res *access.Results, query string) error {
	out := json.NewEncoder(e.stdout.JSON())
	for i, m := range res.Messages {
		h := res.Hits[i]
		spans := make([]jsonSpan, len(h.Highlights))
		for j, sp := range h.Highlights {
			spans[j] = jsonSpan{Field: sp.Field, Start: sp.Start, End: sp.End}
		}
		err := out.Encode(jsonHit{Query: query, ID: m.ID, Time: m.Time, TimeSource: m.Provenance.TimeSource, Conversation: m.Conversation.ID, Title: m.Conversation.Title,
			Source: m.Source, Sender: m.Sender, Subject: m.Subject, Snippet: rawSnippet(m.Body, h.Highlights, 480),
			Highlights: spans, Score: h.Score})
		if err != nil {
			return err
		}
	}
	if f := res.Facets; f != nil {
		type count struct {
			Value string `json:"value"`
			Label string `json:"label,omitempty"`
			Count int    `json:"count"`
		}
		conv := func(in []access.FacetCount) []count {
			out := make([]count, len(in))
			for i, c := range in {
				out[i] = count{c.Value, c.Label, c.Count}
			}
			return out
		}
		return out.Encode(map[string]any{"query": query, "total": res.Total, "facets": map[string][]count{
			"sender": conv(f.Sender), "conversation": conv(f.Conversation), "source": conv(f.Source),
			"tag": conv(f.Tag), "month": conv(f.Month),
		}})
	}
	return e.stdout.Err()
}

// printHits prints a page of hits for people: a line of metadata, the
// subject, and a line of the body around the first match with the matched
// words emphasised. Everything goes through the sanitizing writer.
func printHits(e *env, res *access.Results, offset int) {
	w := e.stdout
	for i, m := range res.Messages {
		title := m.Conversation.Title
		if title == "" {
			title = m.Conversation.ID
		}
		fmt.Fprintf(w, "%s  %s %s  %s  %s\n", m.ID[:12], fitWidth(common.When(m.Time, time.Local, "2006-01-02 15:04"), 16),
			fitWidth(oneLine(m.Source), 8), truncateWidth(oneLine(title), 28), truncateWidth(oneLine(m.Sender), 24))
		if m.Subject != "" {
			fmt.Fprintf(w, "    %s\n", truncateWidth(oneLine(m.Subject), 100))
		}
		w.WriteString("    ")
		for _, p := range excerpt.Map(excerpt.Line("", m.Body, res.Hits[i].Highlights, 110), emoji.For(m.Source)) {
			if p.Match {
				w.Emphasis(p.Text)
			} else {
				w.WriteString(p.Text)
			}
		}
		w.WriteString("\n")
	}
	if shown := len(res.Messages); shown == 0 {
		fmt.Fprintf(w, "No messages match.\n")
	} else {
		fmt.Fprintf(w, "\n%d–%d of %s (%s).\n", offset+1, offset+shown, plural(res.Total, "match"), res.Took.Round(10*time.Microsecond))
	}
	if f := res.Facets; f != nil {
		facetLine(e, "senders", f.Sender)
		facetLine(e, "conversations", f.Conversation)
		facetLine(e, "sources", f.Source)
		facetLine(e, "tags", f.Tag)
		facetLine(e, "months", f.Month)
	}
}

func facetLine(e *env, name string, counts []access.FacetCount) {
	if len(counts) == 0 {
		return
	}
	var parts []string
	for _, c := range counts {
		v := c.Value
		if c.Label != "" {
			v = c.Label
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", truncateWidth(oneLine(v), 30), c.Count))
	}
	fmt.Fprintf(e.stdout, "%-14s %s\n", name+":", strings.Join(parts, ", "))
}

// rawSnippet is the snippet for JSON: the original text (encoding/json and
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
func truncateWidth(s string, n int) string { return common.Trunc(s, n) }

// fitWidth cuts or pads s to exactly n terminal cells.
func fitWidth(s string, n int) string { return common.Pad(common.Trunc(s, n), n) }
