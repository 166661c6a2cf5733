package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
)

func supervisionCommand() *command {
	return &command{
		name:    "supervision",
		args:    "queue|queues|items|decide|undo|assign|report DIR ...",
		summary: "review queues of what policies flag, with a sample of the rest; decisions; coverage reports",
		help: `
A review queue is what one supervision policy (coffer policy) flags in
one period, plus a random sample of the period's other messages, fixed
when it is made: what was to be reviewed cannot change afterwards. Each
item gets a decision; a report counts coverage for an examiner. Every
queue, decision and report is recorded in the audit trail before it
lands; none of these commands shows a message (read an item with
'coffer search DIR id:ID', recorded as any search, or in coffer review).

  queue DIR POLICY --period P [--sample RATE] [--seed N] [--assign NAMES]
                     make the queue POLICY/P from the policy's current
                     version: P is a date of the query language (2025-Q1,
                     2025-03, 2025-01..2025-06); RATE of the period's
                     unflagged messages is sampled (1%, 0.5%, 0.01; none
                     by default) with the seed N (random if not given;
                     recorded, so the sample can be drawn again); the
                     items are dealt in turn to the members NAMES (a
                     comma-separated list), if given
  queues DIR         every queue, with its counts
  items DIR QUEUE [--pending] [--mine]
                     a queue's items: message id, the rules that flagged
                     it (or "sample"), who it is assigned to, the decision
                     in force; --mine: those assigned to you
  decide DIR QUEUE ID no-issue|escalated|closed [--comment TEXT]
                     decide an item (ID: its message id, or a prefix of
                     it unique in the queue)
  undo DIR QUEUE ID  withdraw the item's latest decision
  assign DIR QUEUE [ID...] --to NAME|--unassign [--from NAME]
                     deal the items (ids or unique prefixes) to member
                     NAME, or leave them unassigned; --from NAME: every
                     pending item assigned to NAME (a reviewer leaves)
  report DIR [--period P] [--json|--csv]
                     per queue (of period P, or all): flagged, sampled,
                     reviewed, pending, decisions by kind, reviewers and
                     the median time from the queue's making to a decision

Examples:
  coffer supervision queue case-2291 gifts --period 2025-Q1 --sample 1%
  coffer supervision items case-2291 gifts/2025-Q1 --pending
  coffer supervision decide case-2291 gifts/2025-Q1 3f2a91c0 escalated --comment 'ask legal'
  coffer supervision assign case-2291 gifts/2025-Q1 --from ann --to bob
  coffer supervision report case-2291 --period 2025-Q1 --json`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			u.register(fs)
			period := fs.String("period", "", "queue and report: the period `P` (2025-Q1, 2025-03, ...)")
			sample := fs.String("sample", "", "queue: sample `RATE` of the unflagged messages (1%, 0.01)")
			seed := fs.Uint64("seed", 0, "queue: draw the sample with seed `N` (random if 0)")
			assign := fs.String("assign", "", "queue: deal the items to the members `NAMES` (comma-separated)")
			mine := fs.Bool("mine", false, "items: only the items assigned to you")
			to := fs.String("to", "", "assign: the member `NAME` the items go to")
			fs.Bool("unassign", false, "assign: leave the items unassigned")
			from := fs.String("from", "", "assign: every pending item assigned to member `NAME`")
			comment := fs.String("comment", "", "decide: the decision's comment `TEXT`")
			pending := fs.Bool("pending", false, "items: only items without a decision")
			asJSON := fs.Bool("json", false, "report: print JSON, a line per queue")
			asCSV := fs.Bool("csv", false, "report: print CSV, a row per queue")
			return func(e *env, args []string) error {
				if len(args) < 2 {
					return usageError("supervision: missing arguments: want queue|queues|items|decide|undo|assign|report DIR ...")
				}
				verb, dir, rest := args[0], args[1], args[2:]
				set := map[string]bool{}
				fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
				if err := checkSupervisionArgs(verb, rest, set); err != nil {
					return err
				}
				r := supervisionRun{e: e, dir: dir}
				if verb == "queue" {
					rate, err := parseRate(*sample)
					if err != nil {
						return usageError("supervision queue: --sample: %v", err)
					}
					var names []string
					for _, n := range strings.Split(*assign, ",") {
						if n = strings.TrimSpace(n); n != "" {
							names = append(names, n)
						}
					}
					return r.makeQueue(&u, rest[0], *period, rate, *seed, names)
				}
				s, err := u.unlock(e, dir)
				if err != nil {
					return err
				}
				defer s.close()
				r.s = s
				switch verb {
				case "queues":
					return r.queues()
				case "items":
					return r.items(rest[0], *pending, *mine)
				case "decide":
					return r.decide(rest[0], rest[1], rest[2], *comment)
				case "undo":
					return r.decide(rest[0], rest[1], vault.DecisionUndone, "")
				case "assign":
					return r.assign(rest[0], rest[1:], *to, *from)
				default:
					return r.report(*period, *asJSON, *asCSV)
				}
			}
		},
	}
}

// checkSupervisionArgs refuses a malformed command line before the vault
// is unlocked.
func checkSupervisionArgs(verb string, rest []string, set map[string]bool) error {
	want := map[string]int{"queue": 1, "queues": 0, "items": 1, "decide": 3, "undo": 2, "assign": -1, "report": 0}
	flags := map[string][]string{"queue": {"period", "sample", "seed", "assign"}, "items": {"pending", "mine"}, "decide": {"comment"},
		"assign": {"to", "unassign", "from"}, "report": {"period", "json", "csv"}}
	n, ok := want[verb]
	if !ok {
		return usageHint(didYouMean(verb, slices.Sorted(maps.Keys(want)), quote),
			"supervision: %q: want queue, queues, items, decide, undo, assign or report", oneLine(verb))
	}
	if n >= 0 && len(rest) != n {
		return usageError("supervision %s: want %d argument(s) after DIR, got %d", verb, n, len(rest))
	}
	for _, name := range []string{"period", "sample", "seed", "assign", "comment", "pending", "mine", "to", "unassign", "from", "json", "csv"} {
		if set[name] && !slices.Contains(flags[verb], name) {
			return usageError("supervision %s: --%s is not one of its flags", verb, name)
		}
	}
	switch {
	case verb == "queue" && !set["period"]:
		return usageError("supervision queue: --period P is required (2025-Q1, 2025-03, ...)")
	case verb == "assign" && len(rest) == 0:
		return usageError("supervision assign: want QUEUE and the items' ids (or --from NAME) after DIR")
	case verb == "assign" && set["to"] == set["unassign"]:
		return usageError("supervision assign: --to NAME or --unassign, one of them")
	case verb == "assign" && (len(rest) > 1) == set["from"]:
		return usageError("supervision assign: the items' ids or --from NAME, one of them")
	case verb == "report" && set["json"] && set["csv"]:
		return usageError("supervision report: --json or --csv, not both")
	case verb == "decide" && !slices.Contains(vault.DecisionKinds, rest[2]):
		return usageHint(didYouMean(rest[2], vault.DecisionKinds, quote),
			"supervision decide: %q: want %s", oneLine(rest[2]), strings.Join(vault.DecisionKinds, ", "))
	case verb == "queue":
		if err := vault.ValidPolicyName(rest[0]); err != nil {
			return usageError("supervision queue: POLICY: %v", err)
		}
	}
	return nil
}

// parseRate reads a sample rate: "1%", "0.5%" or a fraction "0.01".
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate (1%%, 0.5%%, 0.01)", s)
	}
	if pct {
		f /= 100
	}
	if !(f >= 0 && f <= 1) {
		return 0, fmt.Errorf("%q is not between 0 and 100%%", s)
	}
	return f, nil
}

// supervisionRun is one supervision command.
type supervisionRun struct {
	e   *env
	s   *session
	dir string
}

func (r supervisionRun) makeQueue(u *unlockFlags, policy, period string, rate float64, seed uint64, assign []string) error {
	from, to, err := index.Period(period, r.e.now(), time.Local)
	if err != nil {
		return usageError("supervision queue: --period %s: %v", oneLine(period), err)
	}
	if from.Equal(to) {
		return usageError("supervision queue: --period %s: a period needs a start and an end, not a point in time", oneLine(period))
	}
	if err := vault.ValidPolicyName(vault.QueueName(policy, period)); err != nil {
		return usageError("supervision queue: --period: %v", err)
	}
	s, err := u.openIndexed(r.e, r.dir)
	if err != nil {
		return err
	}
	defer s.close()
	q, err := s.CreateQueue(context.Background(), access.QueueRequest{Policy: policy, Period: period, From: from, To: to, Rate: rate, Seed: seed, Assign: assign})
	switch {
	case errors.Is(err, vault.ErrNoPolicy):
		return withHint(err, fmt.Sprintf("'coffer policy list %s' lists them", oneLine(r.dir)))
	case errors.Is(err, vault.ErrQueueExists):
		return withHint(err, fmt.Sprintf("'coffer supervision items %s %s' lists its items", oneLine(r.dir), oneLine(vault.QueueName(policy, period))))
	case err != nil:
		return err
	}
	flagged := 0
	for _, it := range q.Items {
		if len(it.Rules) > 0 {
			flagged++
		}
	}
	fmt.Fprintf(r.e.stdout, "Queue %s: %s from version %d of %s (%s flagged, %s sampled at %s, seed %d).\n",
		q.Name, plural(len(q.Items), "item"), q.Version, q.Policy, plural(flagged, "message"), plural(len(q.Items)-flagged, "message"),
		formatRate(q.Rate), q.Seed)
	return r.e.stdout.Err()
}

func formatRate(f float64) string { return strconv.FormatFloat(100*f, 'g', -1, 64) + "%" }

func (r supervisionRun) queues() error {
	sup, err := r.s.Supervision()
	if err != nil {
		return err
	}
	if len(sup.Queues) == 0 {
		fmt.Fprintf(r.e.stdout, "No review queues: make one with 'coffer supervision queue %s POLICY --period 2025-Q1'.\n", oneLine(r.dir))
		return r.e.stdout.Err()
	}
	t := newTable("QUEUE", "VERSION", "ITEMS", "FLAGGED", "SAMPLED", "PENDING", "MADE BY", "ON")
	for _, q := range sup.Queues {
		flagged, pending := sup.Counts(&q)
		t.row(q.Name, strconv.Itoa(q.Version), strconv.Itoa(len(q.Items)), strconv.Itoa(flagged), strconv.Itoa(len(q.Items)-flagged),
			strconv.Itoa(pending), truncateWidth(q.Actor, 24), q.Time.Local().Format("2006-01-02 15:04"))
	}
	return t.write(r.e.stdout)
}

func (r supervisionRun) items(name string, pending, mine bool) error {
	sup, q, err := r.queue(name)
	if err != nil {
		return err
	}
	me, _ := r.s.Member()
	t := newTable("ID", "FLAGGED BY", "ASSIGNED", "DECISION", "BY", "COMMENT")
	n := 0
	for _, it := range q.Items {
		d, decided := sup.Verdict(q.Name, it.ID)
		assignee := sup.Assignee(q.Name, it)
		if pending && decided || mine && assignee != me {
			continue
		}
		why := strings.Join(it.Rules, ",")
		if why == "" {
			why = "(sample)"
		}
		kind, by := "pending", ""
		if decided {
			kind, by = d.Kind, d.Actor
		}
		t.row(it.ID, why, truncateWidth(assignee, 24), kind, truncateWidth(by, 24), truncateWidth(strings.ReplaceAll(d.Comment, "\n", " "), 60))
		n++
	}
	if n == 0 {
		fmt.Fprintf(r.e.stdout, "Queue %s has no items to show.\n", q.Name)
		return r.e.stdout.Err()
	}
	return t.write(r.e.stdout)
}

// queue reads the supervision journal and returns it with the queue
// named name, or an error naming the queues.
func (r supervisionRun) queue(name string) (*vault.Supervision, *vault.Queue, error) {
	sup, err := r.s.Supervision()
	if err != nil {
		return nil, nil, err
	}
	if q, ok := sup.Queue(name); ok {
		return sup, q, nil
	}
	var names []string
	for _, q := range sup.Queues {
		names = append(names, q.Name)
	}
	return nil, nil, usageHint(didYouMean(name, names, quote), "supervision: no review queue %q ('coffer supervision queues %s' lists them)", oneLine(name), oneLine(r.dir))
}

func (r supervisionRun) decide(name, id, kind, comment string) error {
	_, q, err := r.queue(name)
	if err != nil {
		return err
	}
	item, err := itemID(q, id, verbOf(kind))
	if err != nil {
		return err
	}
	d, err := r.s.Decide(vault.Decision{Queue: q.Name, Item: item, Kind: kind, Comment: comment})
	if err != nil {
		return err
	}
	if kind == vault.DecisionUndone {
		now := "pending"
		if v, ok := func() (vault.Decision, bool) {
			sup, err := r.s.Supervision()
			if err != nil {
				return vault.Decision{}, false
			}
			return sup.Verdict(q.Name, d.Item)
		}(); ok {
			now = v.Kind + " (" + v.Actor + ")"
		}
		fmt.Fprintf(r.e.stdout, "Undid the latest decision on %s in %s: now %s.\n", d.Item, q.Name, now)
	} else {
		fmt.Fprintf(r.e.stdout, "%s in %s: %s.\n", d.Item, q.Name, d.Kind)
	}
	return r.e.stdout.Err()
}

// assign deals the items ids (or every pending item of member from) of
// queue name to member to ("" leaves them unassigned).
func (r supervisionRun) assign(name string, ids []string, to, from string) error {
	sup, q, err := r.queue(name)
	if err != nil {
		return err
	}
	var items []string
	if from != "" {
		for _, it := range q.Items {
			if _, decided := sup.Verdict(q.Name, it.ID); !decided && sup.Assignee(q.Name, it) == from {
				items = append(items, it.ID)
			}
		}
		if len(items) == 0 {
			fmt.Fprintf(r.e.stdout, "No pending item of %s is assigned to %s.\n", q.Name, oneLine(from))
			return r.e.stdout.Err()
		}
	}
	for _, id := range ids {
		full, err := itemID(q, id, "assign")
		if err != nil {
			return err
		}
		if !slices.Contains(items, full) {
			items = append(items, full)
		}
	}
	a, err := r.s.Assign(q.Name, items, to)
	if err != nil {
		return err
	}
	who := "unassigned"
	if a.To != "" {
		who = "assigned to " + a.To
	}
	fmt.Fprintf(r.e.stdout, "%s of %s %s.\n", plural(len(a.Items), "item"), q.Name, who)
	return r.e.stdout.Err()
}

// itemID returns the id of the item of q that id is, or is the unique
// start of (at least 4 characters).
func itemID(q *vault.Queue, id, verb string) (string, error) {
	var match []string
	for _, it := range q.Items {
		if it.ID == id {
			return id, nil
		}
		if len(id) >= 4 && strings.HasPrefix(it.ID, id) {
			match = append(match, it.ID)
		}
	}
	switch len(match) {
	case 0:
		return "", usageError("supervision %s: queue %s has no item %s", verb, q.Name, oneLine(id))
	case 1:
		return match[0], nil
	}
	return "", usageError("supervision %s: %s is the start of %d items of %s: give more of the id", verb, oneLine(id), len(match), q.Name)
}

func verbOf(kind string) string {
	if kind == vault.DecisionUndone {
		return "undo"
	}
	return "decide"
}

func (r supervisionRun) report(period string, asJSON, asCSV bool) error {
	if period != "" {
		if _, _, err := index.Period(period, r.e.now(), time.Local); err != nil {
			return usageError("supervision report: --period %s: %v", oneLine(period), err)
		}
	}
	cov, err := r.s.SupervisionReport(period)
	if err != nil {
		return err
	}
	reps := cov.Queues
	switch {
	case asJSON:
		if err := json.NewEncoder(r.e.stdout.JSON()).Encode(cov); err != nil {
			return err
		}
		return r.e.stdout.Err()
	case asCSV:
		return writeReportCSV(r.e, reps)
	}
	if len(reps) == 0 {
		what := "No review queues"
		if period != "" {
			what += " for " + period
		}
		fmt.Fprintf(r.e.stdout, "%s: make one with 'coffer supervision queue %s POLICY --period 2025-Q1'.\n", what, oneLine(r.dir))
		return r.e.stdout.Err()
	}
	t := newTable("QUEUE", "VERSION", "FLAGGED", "SAMPLED", "REVIEWED", "PENDING", "NO ISSUE", "ESCALATED", "CLOSED", "MEDIAN", "REVIEWERS")
	for _, q := range reps {
		t.row(q.Queue, strconv.Itoa(q.Version), strconv.Itoa(q.Flagged), strconv.Itoa(q.Sampled), strconv.Itoa(q.Reviewed),
			strconv.Itoa(q.Pending), strconv.Itoa(q.NoIssue), strconv.Itoa(q.Escalated), strconv.Itoa(q.Closed),
			medianText(q), truncateWidth(strings.Join(q.Reviewers, ", "), 40))
	}
	return t.write(r.e.stdout)
}

// medianText is a queue's median time to a decision, to the minute.
func medianText(q access.QueueReport) string {
	if q.Reviewed == 0 {
		return "-"
	}
	return q.MedianReview.Round(time.Minute).String()
}

func writeReportCSV(e *env, reps []access.QueueReport) error {
	cw := csv.NewWriter(e.stdout)
	cw.Write([]string{"queue", "policy", "version", "period", "flagged", "sampled", "reviewed", "pending",
		"no_issue", "escalated", "closed", "median_review_seconds", "reviewers", "made", "made_by"})
	for _, q := range reps {
		row := []string{q.Queue, q.Policy, strconv.Itoa(q.Version), q.Period, strconv.Itoa(q.Flagged), strconv.Itoa(q.Sampled),
			strconv.Itoa(q.Reviewed), strconv.Itoa(q.Pending), strconv.Itoa(q.NoIssue), strconv.Itoa(q.Escalated), strconv.Itoa(q.Closed),
			strconv.FormatInt(int64(q.MedianReview/time.Second), 10), strings.Join(q.Reviewers, "; "),
			q.Made.UTC().Format(time.RFC3339), q.MadeBy}
		for i, s := range row {
			row[i] = csvCell(s)
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return e.stdout.Err()
}
