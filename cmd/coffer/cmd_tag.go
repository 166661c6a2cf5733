package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
)

func tagCommand() *command {
	return &command{
		name:    "tag",
		args:    "DIR +TAG... -TAG... -- QUERY...",
		summary: "add and remove tags on every message a query matches (notmuch's form); audited",
		help: `
Every +TAG is added to, and every -TAG removed from, each message that
QUERY matches (the query language of 'coffer search'). The "--" between
the tags and the query is required, so that a query word can never be
taken for a tag. Flags (--dry-run, --identity, --passphrase-file) come
before the "--" and are spelt with two dashes: a word with one dash is a
tag to remove.

The query and its number of matches are recorded in the audit trail as a
search, then each tag change with the ids of the messages it changed,
before the vault changes: a script's review decision is audited like one
taken in 'coffer review'. With --dry-run only the search is run (and
recorded) and nothing changes.

Examples:
  coffer tag case-2291 +responsive -review -- 'from:marcus "block sale"'
  coffer tag case-2291 --dry-run +privileged -- from:counsel@firm.example
  coffer tag case-2291 -hot -- tag:hot date:..2024-12-31`,
		parse: parseTagArgs,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u      unlockFlags
				dryRun bool
			)
			u.register(fs)
			fs.BoolVar(&dryRun, "dry-run", false, "count the messages QUERY matches (recorded as a search) and change nothing")
			return func(e *env, args []string) error {
				dir, ops, query, err := tagArgs(args)
				if err != nil {
					return err
				}
				s, err := u.openIndexed(e, dir)
				if err != nil {
					return err
				}
				defer s.close()
				ctx := context.Background()
				// The query and its count are recorded before anything is
				// printed or changed, as the search a reviewer runs before
				// tagging all its results.
				res, err := s.Search(ctx, query, access.Request{Limit: -1}, false)
				if err != nil {
					return queryError(err, query)
				}
				changes := opsString(ops)
				switch {
				case res.Total == 0:
					fmt.Fprintf(e.stdout, "No messages match; nothing tagged.\n")
					return e.stdout.Err()
				case dryRun:
					fmt.Fprintf(e.stdout, "%s would be tagged: %s (dry run: nothing changed)\n", plural(res.Total, "message"), changes)
					return e.stdout.Err()
				}
				ids, err := s.AllHits(ctx, query)
				if err != nil {
					return err
				}
				for i, op := range ops {
					if _, err := s.Tag(op.add, op.tag, ids); err != nil {
						if i > 0 {
							err = fmt.Errorf("%w (applied before it: %s)", err, opsString(ops[:i]))
						}
						return fmt.Errorf("tag %s: %w", op, err)
					}
				}
				fmt.Fprintf(e.stdout, "tagged %s: %s\n", plural(len(ids), "message"), changes)
				return e.stdout.Err()
			}
		},
	}
}

// tagOp is one +TAG or -TAG.
type tagOp struct {
	add bool
	tag string
}

func (o tagOp) String() string {
	if o.add {
		return "+" + o.tag
	}
	return "-" + o.tag
}

func opsString(ops []tagOp) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = o.String()
	}
	return strings.Join(s, " ")
}

// parseTagArgs parses tag's command line: before the first "--", words
// that start with two dashes are flags and every other word is
// positional (the vault, +TAG, -TAG); the "--" is kept as an argument,
// for tagArgs to find the query after it.
func parseTagArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i:]...)
			break
		}
		if !strings.HasPrefix(a, "--") {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(a[2:], "=")
		f := fs.Lookup(name)
		if f == nil || hasValue {
			continue // fs.Parse says what is wrong with an unknown flag
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return pos, nil
}

// tagArgs splits tag's positional arguments into the vault, the tag
// changes and the query, naming the argument at fault.
func tagArgs(args []string) (dir string, ops []tagOp, query string, err error) {
	dash := -1
	for i, a := range args {
		if a == "--" {
			dash = i
			break
		}
	}
	before := args
	if dash >= 0 {
		before = args[:dash]
	}
	if len(before) == 0 {
		return "", nil, "", usageError("tag: missing arguments (see 'coffer help tag')")
	}
	dir = before[0]
	seen := map[string]bool{}
	for _, a := range before[1:] {
		var op tagOp
		switch {
		case strings.HasPrefix(a, "+"):
			op = tagOp{add: true, tag: a[1:]}
		case strings.HasPrefix(a, "-"):
			op = tagOp{tag: a[1:]}
		default:
			return "", nil, "", usageError("tag: argument %q: want +TAG to add a tag or -TAG to remove one, and -- before the query", oneLine(a))
		}
		if err := vault.ValidTag(op.tag); err != nil {
			return "", nil, "", usageError("tag: argument %q: %v", oneLine(a), err)
		}
		if seen[op.tag] {
			return "", nil, "", usageError("tag: argument %q: the tag %q is named twice", oneLine(a), oneLine(op.tag))
		}
		seen[op.tag] = true
		ops = append(ops, op)
	}
	switch {
	case len(ops) == 0:
		return "", nil, "", usageError("tag: no +TAG or -TAG before the query")
	case dash < 0:
		return "", nil, "", usageError("tag: missing -- between the tags and the query (coffer tag DIR +TAG -TAG -- QUERY)")
	}
	query = strings.TrimSpace(strings.Join(args[dash+1:], " "))
	if query == "" {
		return "", nil, "", usageError("tag: empty query after --: name the messages to tag (use '*' for all)")
	}
	return dir, ops, query, nil
}

// queryError turns a query that does not parse into coffer's one-line
// error, with the query and a caret under the column at fault as the
// hint.
func queryError(err error, query string) error {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		return &cliError{err: fmt.Errorf("query: column %d: %s", qe.Col, qe.Msg), code: exitUsage,
			hint: fmt.Sprintf("%s\n%*s^", oneLine(query), qe.Col+len("coffer: hint: ")-1, "")}
	}
	return err
}
